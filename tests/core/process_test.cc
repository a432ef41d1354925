#include "twin/core/process.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"

namespace twin {
namespace {

ProcessSpec shell(std::string script) {
  ProcessSpec spec;
  spec.argv = shell_argv(script);
  spec.out.mode = OutputMode::kCapture;
  spec.err.mode = OutputMode::kCapture;
  return spec;
}

TEST(ProcessTest, CapturesBothStreamsAndTheExitCode) {
  auto result = run_process(shell("echo out; echo err >&2; exit 3"));
  ASSERT_TRUE(result.has_value()) << result.error().to_string();
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->out, "out\n");
  EXPECT_EQ(result->err, "err\n");
  EXPECT_FALSE(result->ok());
}

TEST(ProcessTest, DeliversLinesAsTheyArrive) {
  ProcessSpec spec = shell("printf 'a\\nb\\nlast'");
  std::vector<std::string> lines;
  spec.out.mode = OutputMode::kLines;
  spec.out.on_line = [&lines](std::string_view line) { lines.emplace_back(line); };
  auto result = run_process(spec);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "last"}));
}

TEST(ProcessTest, EnvironmentWorkingDirectoryAndInput) {
  testing_support::TempDir dir;
  ProcessSpec spec = shell("echo \"$GREETING\"; pwd; cat");
  spec.environment =
      std::map<std::string, std::string>{{"GREETING", "hi"}, {"PATH", "/usr/bin:/bin"}};
  spec.cwd = dir.path();
  spec.input = "from stdin";
  auto result = run_process(spec);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->out, "hi\n" + dir.path().string() + "\nfrom stdin");
}

TEST(ProcessTest, WritesToAFileWithStderrMerged) {
  testing_support::TempDir dir;
  ProcessSpec spec = shell("echo one; echo two >&2");
  spec.out = {OutputMode::kFile, dir.path() / "log.txt", {}};
  spec.merge_err_into_out = true;
  ASSERT_TRUE(run_process(spec).has_value());
  std::ifstream in(dir.path() / "log.txt");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "one\ntwo\n");
}

TEST(ProcessTest, TimeoutStopsTheWholeProcessGroup) {
  testing_support::TempDir dir;
  const auto marker = dir.path() / "grandchild-survived";
  // The grandchild would create the marker after 1 s unless the group is killed.
  ProcessSpec spec = shell("(sleep 1 && touch '" + marker.string() + "') & sleep 30");
  spec.timeout = std::chrono::milliseconds(200);
  auto result = run_process(spec);
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->term_signal, SIGTERM);
  EXPECT_EQ(result->exit_code, 128 + SIGTERM);
  ::sleep(2);
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(ProcessTest, ASignalDeathIsReportedAs128PlusSignal) {
  auto result = run_process(shell("kill -9 $$"));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->exit_code, 128 + 9);
  EXPECT_EQ(result->term_signal, 9);
}

TEST(ProcessTest, AMissingProgramIsAnErrorNamingIt) {
  ProcessSpec spec;
  spec.argv = {"twin-no-such-program"};
  auto result = run_process(spec);
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message().find("twin-no-such-program"), std::string::npos);
}

TEST(ProcessTest, AMissingWorkingDirectoryIsAnError) {
  ProcessSpec spec = shell("true");
  spec.cwd = "/nonexistent/dir";
  auto result = run_process(spec);
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message().find("/nonexistent/dir"), std::string::npos);
}

}  // namespace
}  // namespace twin
