// sourcedir.tar.gz as Debian's tar reads it back.
#include "twin/sagemaker/source_archive.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "support/run_twin.h"
#include "support/temp_dir.h"

namespace twin::sagemaker {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing_support::run_shell;
using testing_support::TempDir;

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

TEST(SourceArchive, TarReadsBackEveryFileByteForByteWithoutPycache) {
  TempDir dir;
  const fs::path code = dir.path() / "finetuning";
  write(code / "finetune.py", "print('train')\n");
  write(code / "requirements.txt", "trl==0.9.6\n");
  write(code / "utils" / "data.py", std::string(200000, 'x'));
  write(code / "__pycache__" / "finetune.cpython-311.pyc", "compiled");
  write(code / "utils" / "data.pyc", "compiled");
  auto packed = pack_source_folder(code, dir.path() / "sourcedir.tar.gz");
  ASSERT_TRUE(packed) << packed.error().to_string();
  EXPECT_EQ(packed->files, 3U);
  EXPECT_EQ(packed->bytes, fs::file_size(dir.path() / "sourcedir.tar.gz"));
  // Braces: run_shell redirects the stdin of the last command, which would be sort.
  const auto listing = run_shell("{ tar -tzf sourcedir.tar.gz | sort; }", dir.path());
  EXPECT_EQ(listing.out, "finetune.py\nrequirements.txt\nutils/data.py\n") << listing.err;
  fs::create_directories(dir.path() / "out");
  ASSERT_EQ(run_shell("tar -xzf ../sourcedir.tar.gz && diff -r . ../finetuning -x __pycache__ "
                      "-x '*.pyc'",
                      dir.path() / "out")
                .exit_code,
            0);
  EXPECT_FALSE(fs::exists(dir.path() / "sourcedir.tar.gz.partial"));
}

TEST(SourceArchive, NotAFolderOrUnwritableArchiveNamesThePath) {
  TempDir dir;
  auto missing = pack_source_folder(dir.path() / "nowhere", dir.path() / "a.tar.gz");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message(), HasSubstr("nowhere: not a folder"));
  write(dir.path() / "code" / "a.py", "1");
  auto unwritable = pack_source_folder(dir.path() / "code", dir.path() / "no" / "such" / "a.tgz");
  ASSERT_FALSE(unwritable);
  EXPECT_THAT(unwritable.error().message(), HasSubstr("a.tgz.partial"));
}

}  // namespace
}  // namespace twin::sagemaker
