// Fingerprints behind up-to-date skipping (tasks/up_to_date.h).
#include "twin/tasks/up_to_date.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"

namespace twin::tasks {
namespace {

using testing_support::TempDir;

TEST(UpToDateTest, ChangesToSourcesOutputsOrDefinitionInvalidate) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "src");
  std::ofstream(dir.path() / "src/a.txt") << "one";
  UpToDateStore store(dir.path() / ".twin");
  FingerprintInput input{"build", "cmd\ncat src/a.txt", {"src/*.txt"}, {"out.txt"}, dir.path()};
  EXPECT_FALSE(store.is_up_to_date(input)) << "never ran";
  EXPECT_FALSE(UpToDateStore::fingerprint(input).has_value()) << "outputs missing";
  std::ofstream(dir.path() / "out.txt") << "built";
  ASSERT_TRUE(store.record(input).is_ok());
  EXPECT_TRUE(store.is_up_to_date(input));

  std::ofstream(dir.path() / "src/a.txt") << "two";
  EXPECT_FALSE(store.is_up_to_date(input)) << "source content changed";
  ASSERT_TRUE(store.record(input).is_ok());
  EXPECT_TRUE(store.is_up_to_date(input));

  std::ofstream(dir.path() / "src/b.txt") << "new";
  EXPECT_FALSE(store.is_up_to_date(input)) << "a new source file";
  ASSERT_TRUE(store.record(input).is_ok());

  std::ofstream(dir.path() / "out.txt") << "tampered";
  EXPECT_FALSE(store.is_up_to_date(input)) << "output changed";
  ASSERT_TRUE(store.record(input).is_ok());

  FingerprintInput changed = input;
  changed.definition = "cmd\ncat src/b.txt";
  EXPECT_FALSE(store.is_up_to_date(changed)) << "definition changed";
  FingerprintInput other_args = input;
  other_args.invocation = "build --fast";
  EXPECT_FALSE(store.is_up_to_date(other_args)) << "another invocation has its own record";
}

}  // namespace
}  // namespace twin::tasks
