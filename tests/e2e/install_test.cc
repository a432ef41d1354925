// `make install DESTDIR=...`, then the demo (`twin task demo`, what `make run` runs) from the
// installed copy in a fresh project, then every command the demo prints, pasted as a user would.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "support/run_twin.h"
#include "support/temp_dir.h"

namespace twin {
namespace {

namespace fs = std::filesystem;
using testing_support::CommandOutput;
using testing_support::run_shell;
using testing_support::shell_quote;
using testing_support::TempDir;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The preset the twin under test was built with: TWIN_BINARY is build/<preset>/twin.
std::string preset_of_this_build() {
  return fs::path(TWIN_BINARY).parent_path().filename().string();
}

class InstallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stage_ = new TempDir();
    install_ = new CommandOutput(run_shell(
        "make --no-print-directory -C " + shell_quote(TWIN_SOURCE_DIR) +
            " install PREFIX=/opt/twin" + " DESTDIR=" + shell_quote(stage_->path().string()) +
            " PRESET=" + shell_quote(preset_of_this_build()),
        TWIN_SOURCE_DIR));
  }
  static void TearDownTestSuite() {
    delete install_;
    delete stage_;
  }
  static fs::path prefix() { return stage_->path() / "opt" / "twin"; }
  // A shell command prefix that puts the installed twin first on PATH.
  static std::string with_installed_path() {
    return "PATH=" + shell_quote((prefix() / "bin").string()) + ":\"$PATH\" NO_COLOR=1 ";
  }

  static TempDir* stage_;
  static CommandOutput* install_;
};
TempDir* InstallTest::stage_ = nullptr;
CommandOutput* InstallTest::install_ = nullptr;

TEST_F(InstallTest, PutsBothExecutablesTheDashboardAndTheDocsUnderThePrefix) {
  ASSERT_EQ(install_->exit_code, 0) << install_->err << install_->out;
  EXPECT_TRUE(fs::exists(prefix() / "bin" / "twin"));
  EXPECT_FALSE(fs::exists(prefix() / "bin" / "twin-full")) << "twin-full is not for users";
  EXPECT_TRUE(fs::exists(prefix() / "libexec" / "twin" / "twin-full"));
  EXPECT_TRUE(fs::exists(prefix() / "share" / "twin" / "web" / "index.html"));
  EXPECT_TRUE(fs::exists(prefix() / "share" / "doc" / "twin" / "README.md"));
  EXPECT_TRUE(fs::exists(prefix() / "share" / "doc" / "twin" / "DESIGN.md"));

  // The light twin finds twin-full in libexec/ for the commands it does not hold itself.
  TempDir empty;
  const CommandOutput version = run_shell(with_installed_path() + "twin --version", empty.path());
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_TRUE(version.out.starts_with("twin ")) << version.out;
  const CommandOutput runs = run_shell(with_installed_path() + "twin runs list", empty.path());
  EXPECT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_EQ(runs.err.find("cannot run"), std::string::npos) << runs.err;
}

// The demo from the installed copy, in a project laid out as a clone of twin, and then each
// command its closing text tells the user to type: each must work when pasted.
TEST_F(InstallTest, TheDemoAndEveryCommandItPrintsWorkFromTheInstalledCopy) {
  ASSERT_EQ(install_->exit_code, 0) << install_->err << install_->out;
  TempDir clone;
  fs::copy(TWIN_SOURCE_DIR "/configs", clone.path() / "configs", fs::copy_options::recursive);
  fs::copy_file(TWIN_SOURCE_DIR "/twin.toml", clone.path() / "twin.toml");
  const CommandOutput git = run_shell(
      "git init -q && git add -A && git -c user.name=t -c user.email=t@example.com commit -q "
      "-m demo",
      clone.path());
  ASSERT_EQ(git.exit_code, 0) << git.err;

  const CommandOutput demo = run_shell(with_installed_path() + "twin task demo", clone.path());
  ASSERT_EQ(demo.exit_code, 0) << demo.err << demo.out;

  // The commands are the indented lines that start with `twin ` (twin is on PATH here).
  std::vector<std::string> commands;
  std::istringstream lines(demo.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("  twin ")) commands.push_back(line.substr(2));
  }
  ASSERT_GE(commands.size(), 8u) << demo.out;
  bool saw_server = false;
  for (const std::string& command : commands) {
    if (command == "twin server") {
      saw_server = true;
      continue;  // runs until stopped: started below on a free port
    }
    const CommandOutput pasted = run_shell(with_installed_path() + command, clone.path());
    EXPECT_EQ(pasted.exit_code, 0) << command << "\n" << pasted.err;
    EXPECT_FALSE(pasted.out.empty()) << command;
  }
  ASSERT_TRUE(saw_server) << demo.out;

  // `twin server` serves the installed dashboard and the run page's data the demo points at.
  const fs::path server_out = clone.path() / "server.out";
  const CommandOutput started =
      run_shell(with_installed_path() + "timeout 60 twin server --port 0 --qdrant-port 0 >" +
                    shell_quote(server_out.string()) + " 2>&1 & echo $!",
                clone.path());
  ASSERT_EQ(started.exit_code, 0) << started.err;
  int port = 0;
  for (int attempt = 0; attempt < 300 && port == 0; ++attempt) {
    std::smatch match;
    const std::string text = read_file(server_out);
    if (std::regex_search(text, match, std::regex(R"(listening on http://127\.0\.0\.1:(\d+))")))
      port = std::stoi(match[1]);
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(port, 0) << read_file(server_out);
  httplib::Client client("127.0.0.1", port);
  const auto page = client.Get("/");
  ASSERT_TRUE(page) << "no answer from twin server";
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, read_file(prefix() / "share" / "twin" / "web" / "index.html"));
  run_shell("kill " + started.out, clone.path());
}

}  // namespace
}  // namespace twin
