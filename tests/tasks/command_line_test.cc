// Templating, word splitting, globbing and quoting of cmd tasks (tasks/command_line.h).
#include "twin/tasks/command_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"

namespace twin::tasks {
namespace {

using ::testing::ElementsAre;
using testing_support::TempDir;

TEST(ExpandTemplateTest, ReplacesBothSpellingsAndDefaults) {
  const Environment env{{"NAME", "twin"}, {"EMPTY", ""}};
  EXPECT_EQ(expand_template("hi $NAME and ${NAME}!", env), "hi twin and twin!");
  EXPECT_EQ(expand_template("[$MISSING]", env), "[]");
  EXPECT_EQ(expand_template("${EMPTY:-fallback} ${NAME:-fallback}", env), "fallback twin");
  EXPECT_EQ(expand_template("${NAME:+set} ${EMPTY:+set}.", env), "set .");
  EXPECT_EQ(expand_template("cost \\$NAME $ 5", env), "cost $NAME $ 5");
}

TEST(SplitCommandLineTest, QuotesAndEscapes) {
  const Environment env{{"WORDS", "a b"}, {"X", "x"}};
  TempDir dir;
  auto words = split_command_line(R"toml(echo "$WORDS" '$X' $WORDS a\ b "" x#y # comment)toml", env,
                                  dir.path());
  ASSERT_TRUE(words.has_value()) << words.error().to_string();
  EXPECT_THAT(*words, ElementsAre("echo", "a b", "$X", "a", "b", "a b", "", "x#y"));
}

TEST(SplitCommandLineTest, EmptyUnquotedVariableVanishes) {
  TempDir dir;
  auto words = split_command_line("echo $NOTHING end", {}, dir.path());
  ASSERT_TRUE(words.has_value());
  EXPECT_THAT(*words, ElementsAre("echo", "end"));
}

TEST(SplitCommandLineTest, UnbalancedQuoteIsAnError) {
  TempDir dir;
  EXPECT_FALSE(split_command_line("echo 'oops", {}, dir.path()).has_value());
  EXPECT_FALSE(split_command_line("echo \"oops", {}, dir.path()).has_value());
}

TEST(SplitCommandLineTest, GlobsExpandUnquotedOnly) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "src/deep");
  for (const char* name : {"b.txt", "a.txt", "c.md", "src/x.txt", "src/deep/y.txt"}) {
    std::ofstream(dir.path() / name) << name;
  }
  auto words = split_command_line("ls *.txt '*.txt' src/**/*.txt", {}, dir.path());
  ASSERT_TRUE(words.has_value());
  EXPECT_THAT(*words, ElementsAre("ls", "a.txt", "b.txt", "*.txt", "src/deep/y.txt", "src/x.txt"));
}

TEST(SplitCommandLineTest, EmptyGlobModes) {
  TempDir dir;
  auto pass = split_command_line("ls *.none", {}, dir.path(), EmptyGlob::kPass);
  ASSERT_TRUE(pass.has_value());
  EXPECT_THAT(*pass, ElementsAre("ls", "*.none"));
  auto null = split_command_line("ls *.none", {}, dir.path(), EmptyGlob::kNull);
  ASSERT_TRUE(null.has_value());
  EXPECT_THAT(*null, ElementsAre("ls"));
  auto failed = split_command_line("ls *.none", {}, dir.path(), EmptyGlob::kFail);
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(failed.error().message().find("*.none"), std::string::npos);
}

TEST(ShellQuoteTest, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(shell_quote("plain/path-1.txt"), "plain/path-1.txt");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\"'\"'s'");
  EXPECT_EQ(shell_join({"echo", "a b", "c"}), "echo 'a b' c");
}

}  // namespace
}  // namespace twin::tasks
