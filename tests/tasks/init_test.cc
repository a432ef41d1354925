// `twin init`: scaffolds a project and never overwrites a file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/run_twin.h"
#include "support/temp_dir.h"

namespace twin {
namespace {

using ::testing::HasSubstr;
using testing_support::run_twin;
using testing_support::TempDir;

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(InitTest, ScaffoldsAProjectWhoseTasksRun) {
  TempDir dir;
  auto result = run_twin("init project", dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto project = dir.path() / "project";
  EXPECT_THAT(result.out, HasSubstr("created  twin.toml"));
  EXPECT_TRUE(std::filesystem::is_regular_file(project / "twin.toml"));
  EXPECT_TRUE(std::filesystem::is_regular_file(project / ".env.example"));
  EXPECT_TRUE(std::filesystem::is_directory(project / "configs"));
  EXPECT_EQ(read(project / ".gitignore"), ".twin/\n.env\n");

  auto tasks = run_twin("tasks", project);
  ASSERT_EQ(tasks.exit_code, 0) << tasks.err;
  EXPECT_THAT(tasks.out, HasSubstr("hello"));
  auto hello = run_twin("task hello --name you", project);
  ASSERT_EQ(hello.exit_code, 0) << hello.err;
  EXPECT_EQ(hello.out, "hello you\n");
  auto build = run_twin("task build", project);
  ASSERT_EQ(build.exit_code, 0) << build.err;
  auto again = run_twin("task build", project);
  EXPECT_THAT(again.err, HasSubstr("up to date"));
}

TEST(InitTest, NeverOverwritesAndCompletesGitignore) {
  TempDir dir;
  std::ofstream(dir.path() / "twin.toml") << "# mine\n";
  std::ofstream(dir.path() / ".gitignore") << "node_modules/\n.env";
  auto result = run_twin("init", dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("kept     twin.toml"));
  EXPECT_THAT(result.out, HasSubstr("updated  .gitignore"));
  EXPECT_EQ(read(dir.path() / "twin.toml"), "# mine\n");
  EXPECT_EQ(read(dir.path() / ".gitignore"), "node_modules/\n.env\n.twin/\n");
  auto again = run_twin("init", dir.path());
  ASSERT_EQ(again.exit_code, 0);
  EXPECT_THAT(again.out, HasSubstr("kept     .gitignore"));
  EXPECT_EQ(read(dir.path() / ".gitignore"), "node_modules/\n.env\n.twin/\n");
}

// A Poe project (the Handbook's layout: pyproject.toml with [tool.poe], its own configs/): the
// twin.toml init writes leaves the Poe tasks visible, and configs/ gets no README of ours.
TEST(InitTest, BesideAPoeProjectKeepsItsTasksAndItsConfigs) {
  TempDir dir;
  std::ofstream(dir.path() / "pyproject.toml")
      << "[tool.poetry]\nname = \"llm-engineering\"\n\n[tool.poe.tasks]\n"
         "greet = \"echo from poe\"\n";
  std::filesystem::create_directories(dir.path() / "configs");
  std::ofstream(dir.path() / "configs" / "training.yaml") << "parameters: {}\n";
  auto result = run_twin("init", dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("created  twin.toml"));
  EXPECT_THAT(read(dir.path() / "twin.toml"), HasSubstr("pyproject.toml's [tool.poe]"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "configs" / "README.md"));
  EXPECT_THAT(result.out, ::testing::Not(HasSubstr("configs/README.md")));

  auto tasks = run_twin("tasks", dir.path());
  ASSERT_EQ(tasks.exit_code, 0) << tasks.err;
  EXPECT_THAT(tasks.out, HasSubstr("greet"));
  auto greet = run_twin("task greet", dir.path());
  ASSERT_EQ(greet.exit_code, 0) << greet.err;
  EXPECT_EQ(greet.out, "from poe\n");
}

}  // namespace
}  // namespace twin
