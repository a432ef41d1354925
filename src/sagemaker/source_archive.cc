#include "twin/sagemaker/source_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <system_error>
#include <vector>

namespace twin::sagemaker {
namespace {

namespace fs = std::filesystem;

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

bool left_out(const fs::path& relative) {
  return std::ranges::any_of(relative,
                             [](const fs::path& part) { return part == "__pycache__"; }) ||
         relative.extension() == ".pyc";
}

Status write_file_entry(archive* out, const fs::path& file, const fs::path& name,
                        const fs::path& archive_path) {
  std::error_code error;
  const auto size = fs::file_size(file, error);
  if (error) return Status::io(fmt::format("{}: {}", file.string(), error.message()));
  std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.generic_string().c_str());
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  const auto perms = fs::status(file, error).permissions();
  const bool executable = (perms & fs::perms::owner_exec) != fs::perms::none;
  archive_entry_set_perm(entry.get(), executable ? 0755 : 0644);
  if (archive_write_header(out, entry.get()) != ARCHIVE_OK) {
    return Status::io(fmt::format("{}: {}", archive_path.string(), archive_error_string(out)));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::io(fmt::format("{}: cannot be read", file.string()));
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<size_t>(in.gcount());
    if (got > 0 && archive_write_data(out, buffer.data(), got) < 0) {
      return Status::io(fmt::format("{}: {}", archive_path.string(), archive_error_string(out)));
    }
  }
  if (in.bad()) return Status::io(fmt::format("{}: read failed", file.string()));
  return Status::ok();
}

}  // namespace

Result<PackedSource> pack_source_folder(const fs::path& folder, const fs::path& archive_path) {
  if (!fs::is_directory(folder)) {
    return fail(Status::invalid_argument(fmt::format("{}: not a folder", folder.string())));
  }
  std::vector<fs::path> files;
  std::error_code error;
  for (fs::recursive_directory_iterator
           it(folder, fs::directory_options::follow_directory_symlink, error),
       end;
       !error && it != end; it.increment(error)) {
    const fs::path relative = fs::relative(it->path(), folder);
    if (it->is_regular_file() && !left_out(relative)) files.push_back(relative);
  }
  if (error) return fail(Status::io(fmt::format("{}: {}", folder.string(), error.message())));
  std::ranges::sort(files);  // a stable order: the same folder packs to the same member list

  const fs::path partial = archive_path.string() + ".partial";
  std::unique_ptr<archive, ArchiveDeleter> out(archive_write_new());
  archive_write_add_filter_gzip(out.get());
  archive_write_set_format_pax_restricted(out.get());
  if (archive_write_open_filename(out.get(), partial.c_str()) != ARCHIVE_OK) {
    return fail(
        Status::io(fmt::format("{}: {}", partial.string(), archive_error_string(out.get()))));
  }
  Status written = Status::ok();
  for (const fs::path& relative : files) {
    written = write_file_entry(out.get(), folder / relative, relative, archive_path);
    if (!written.is_ok()) break;
  }
  const bool closed = archive_write_close(out.get()) == ARCHIVE_OK;
  if (written.is_ok() && !closed) {
    written = Status::io(fmt::format("{}: {}", partial.string(), archive_error_string(out.get())));
  }
  if (!written.is_ok()) {
    fs::remove(partial, error);
    return fail(written);
  }
  fs::rename(partial, archive_path, error);
  if (error) {
    const std::string reason = error.message();
    fs::remove(partial, error);
    return fail(Status::io(fmt::format("{}: {}", archive_path.string(), reason)));
  }
  return PackedSource{files.size(), fs::file_size(archive_path)};
}

}  // namespace twin::sagemaker
