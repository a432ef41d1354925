#include "twin/crawl/repository.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "twin/core/process.h"
#include "twin/crawl/charset.h"

namespace twin::crawl {
namespace fs = std::filesystem;

namespace {

// A temporary directory removed, with everything in it, when it goes out of scope.
class ScopedTempDir {
 public:
  static Result<ScopedTempDir> create() {
    std::string pattern = (fs::temp_directory_path() / "twin-clone-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return fail(Status::io(fmt::format("cannot create a temporary directory in {}",
                                         fs::temp_directory_path().string())));
    }
    return ScopedTempDir(pattern);
  }
  ScopedTempDir(ScopedTempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  ScopedTempDir& operator=(ScopedTempDir&&) = delete;
  ~ScopedTempDir() {
    if (path_.empty()) return;
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  explicit ScopedTempDir(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string local_path_of(const std::string& link) {
  if (link.starts_with("file://")) return link.substr(7);
  return link;
}

bool looks_local(const std::string& link) {
  if (link.starts_with("file://") || link.starts_with("/") || link.starts_with("./") ||
      link.starts_with("../") || link == "." || link == "..") {
    return true;
  }
  std::error_code ignored;
  return link.find("://") == std::string::npos && fs::exists(link, ignored);
}

// The repository's name: the last path segment without ".git" ("." names the folder).
std::string repository_name(std::string link) {
  if (looks_local(link)) {
    fs::path path = fs::absolute(local_path_of(link)).lexically_normal();
    if (path.filename().empty()) path = path.parent_path();
    link = path.string();
  }
  while (!link.empty() && link.back() == '/') link.pop_back();
  if (link.ends_with(".git")) link.resize(link.size() - 4);
  const size_t slash = link.find_last_of('/');
  return slash == std::string::npos ? link : link.substr(slash + 1);
}

}  // namespace

bool is_skipped_repository_path(const fs::path& relative_path) {
  for (const fs::path& part : relative_path) {
    if (part == ".git") return true;
  }
  const std::string name = lower(relative_path.filename().string());
  static constexpr std::array kLockFiles = {
      "package-lock.json", "yarn.lock",     "pnpm-lock.yaml", "poetry.lock", "cargo.lock",
      "gemfile.lock",      "composer.lock", "pipfile.lock",   "go.sum",      "uv.lock"};
  if (std::ranges::find(kLockFiles, name) != kLockFiles.end()) return true;
  const std::string extension = lower(relative_path.extension().string());
  static constexpr std::array kBinary = {
      ".lock",   ".png", ".jpg",  ".jpeg",    ".gif",         ".bmp", ".ico",  ".webp",    ".svg",
      ".tiff",   ".psd", ".pdf",  ".zip",     ".gz",          ".tgz", ".bz2",  ".xz",      ".7z",
      ".tar",    ".rar", ".jar",  ".war",     ".class",       ".so",  ".dll",  ".dylib",   ".exe",
      ".o",      ".a",   ".obj",  ".bin",     ".pyc",         ".pyo", ".whl",  ".mp3",     ".mp4",
      ".wav",    ".avi", ".mov",  ".mkv",     ".ttf",         ".otf", ".woff", ".woff2",   ".eot",
      ".pkl",    ".pt",  ".pth",  ".onnx",    ".safetensors", ".npy", ".npz",  ".parquet", ".db",
      ".sqlite", ".h5",  ".ckpt", ".ds_store"};
  return std::ranges::find(kBinary, extension) != kBinary.end();
}

bool is_local_git_repository(const std::string& link) {
  if (!looks_local(link)) return false;
  const fs::path path = local_path_of(link);
  std::error_code ignored;
  return fs::exists(path / ".git", ignored) ||
         (fs::exists(path / "HEAD", ignored) && fs::exists(path / "objects", ignored));
}

Result<RepositoryResult> crawl_repository(const std::string& link,
                                          const RepositoryOptions& options) {
  TWIN_ASSIGN_OR_RETURN(ScopedTempDir temp, ScopedTempDir::create());
  const fs::path checkout = temp.path() / "repo";
  // --depth is ignored for plain local paths; a file:// URL makes git honour it.
  std::string source = link;
  if (looks_local(link) && !link.starts_with("file://")) {
    source = "file://" + fs::absolute(link).lexically_normal().string();
  }
  ProcessSpec spec;
  spec.argv = {"git", "clone", "--depth", "1", "--quiet", "--no-tags", source, checkout.string()};
  spec.out.mode = OutputMode::kCapture;
  spec.err.mode = OutputMode::kCapture;
  spec.input = "";
  spec.timeout = std::chrono::minutes(10);
  auto environment = current_environment();
  environment["GIT_TERMINAL_PROMPT"] = "0";  // fail instead of asking for credentials
  spec.environment = environment;
  TWIN_ASSIGN_OR_RETURN(ProcessResult cloned, run_process(spec));
  if (!cloned.ok()) {
    std::string message = cloned.err;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return fail(Status::unavailable(fmt::format("{}: git clone failed{}: {}", link,
                                                cloned.timed_out ? " (timed out)" : "", message)));
  }
  RepositoryResult result;
  result.link = link;
  result.name = repository_name(link);
  result.platform = link.find("github.com") != std::string::npos ? "github" : "git";
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(checkout, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const fs::path relative = it->path().lexically_relative(checkout);
    if (it->is_directory() && relative.filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || is_skipped_repository_path(relative)) continue;
    if (static_cast<std::int64_t>(it->file_size()) > options.max_file_size) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    const std::string bytes = content.str();
    if (bytes.find('\0') != std::string::npos) continue;  // binary
    bool replaced = false;
    std::string text = sanitize_utf8(bytes, &replaced);
    if (replaced) continue;  // not UTF-8 text: binary or a legacy encoding we cannot trust
    result.files.emplace(relative.generic_string(), std::move(text));
  }
  if (error) {
    return fail(Status::io(fmt::format("{}: reading the clone: {}", link, error.message())));
  }
  return result;
}

}  // namespace twin::crawl
