// `twin server` end to end: the binary on a temporary project, driven over HTTP, stopped with
// SIGTERM.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "server/server_fixture.h"
#include "support/run_twin.h"
#include "support/temp_dir.h"

namespace twin::server {
namespace {

using nlohmann::json;

// `twin server --port 0` started in `project`, with the port it printed.
class TwinServerProcess {
 public:
  TwinServerProcess(const std::filesystem::path& project, const std::vector<std::string>& env,
                    const std::vector<std::string>& extra_args = {}) {
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      if (::chdir(project.c_str()) != 0) ::_exit(127);
      for (const auto& assignment : env) ::putenv(const_cast<char*>(assignment.c_str()));
      std::vector<const char*> argv = {TWIN_BINARY, "server", "--port", "0"};
      for (const auto& arg : extra_args) argv.push_back(arg.c_str());
      argv.push_back(nullptr);
      ::execv(TWIN_BINARY, const_cast<char* const*>(argv.data()));
      ::_exit(127);
    }
    ::close(out[1]);
    stdout_fd_ = out[0];
    // The first line names the address: "twin server: listening on http://127.0.0.1:PORT/".
    std::string line;
    char c = 0;
    while (::read(stdout_fd_, &c, 1) == 1 && c != '\n') line += c;
    // The lines after it, up to the MLflow one, are what a user sees at start-up.
    startup_output_ = line + "\n";
    std::string next;
    while (next.find("MLflow:") == std::string::npos && ::read(stdout_fd_, &c, 1) == 1) {
      next += c;
      if (c == '\n') {
        startup_output_ += next;
        if (next.find("MLflow:") != std::string::npos) break;
        next.clear();
      }
    }
    std::smatch match;
    if (std::regex_search(line, match, std::regex(R"(127\.0\.0\.1:(\d+))")))
      port_ = std::stoi(match[1]);
  }
  ~TwinServerProcess() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
  }

  int port() const { return port_; }
  const std::string& startup_output() const { return startup_output_; }
  // Sends `signal` and returns the exit code (128+signal when killed by one).
  int stop(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    waited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
  bool waited_ = false;
  std::string startup_output_;
};

TEST(ServerCommandTest, ServesMlflowAndStopsCleanlyOnSigterm) {
  testing_support::TempDir project;
  std::string run_id;
  {
    TwinServerProcess server(project.path(), {});
    ASSERT_GT(server.port(), 0) << "twin server did not print its address";
    httplib::Client c("127.0.0.1", server.port());
    JsonReply experiment = post_json(c, "/api/2.0/mlflow/experiments/create", {{"name", "e2e"}});
    ASSERT_EQ(experiment.status, 200) << experiment.raw;
    JsonReply run = post_json(c, "/api/2.0/mlflow/runs/create",
                              {{"experiment_id", experiment.body["experiment_id"]}});
    ASSERT_EQ(run.status, 200) << run.raw;
    run_id = run.body["run"]["info"]["run_id"];
    ASSERT_EQ(
        post_json(
            c, "/api/2.0/mlflow/runs/log-metric",
            {{"run_id", run_id}, {"key", "loss"}, {"value", 1.5}, {"timestamp", 1}, {"step", 0}})
            .status,
        200);
    JsonReply page = to_reply(c.Get("/"));
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(server.stop(SIGTERM), 0);
  }
  // The write survived the shutdown: a new server over the same project reads it back.
  TwinServerProcess again(project.path(), {});
  ASSERT_GT(again.port(), 0);
  httplib::Client c("127.0.0.1", again.port());
  JsonReply history =
      get_json(c, "/api/2.0/mlflow/metrics/get-history?run_id=" + run_id + "&metric_key=loss");
  ASSERT_EQ(history.status, 200) << history.raw;
  ASSERT_EQ(history.body["metrics"].size(), 1u);
  EXPECT_EQ(history.body["metrics"][0]["value"], 1.5);
  EXPECT_EQ(again.stop(SIGINT), 0);
}

TEST(ServerCommandTest, TokenFromTheEnvironment) {
  testing_support::TempDir project;
  TwinServerProcess server(project.path(), {"TWIN_SERVER_TOKEN=tok-123"});
  ASSERT_GT(server.port(), 0);
  httplib::Client c("127.0.0.1", server.port());
  EXPECT_EQ(get_json(c, "/api/twin/experiments").status, 401);
  EXPECT_EQ(get_json(c, "/api/twin/experiments", {{"Authorization", "Bearer tok-123"}}).status,
            200);
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

TEST(ServerCommandTest, PortInUseIsAClearError) {
  testing_support::TempDir project;
  TwinServerProcess first(project.path(), {});
  ASSERT_GT(first.port(), 0);
  // `timeout` turns a server that wrongly shares the port into a failure instead of a hang.
  auto second =
      testing_support::run_shell("timeout 20 " + testing_support::shell_quote(TWIN_BINARY) +
                                     fmt::format(" server --port {}", first.port()),
                                 project.path());
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find(std::to_string(first.port())), std::string::npos) << second.err;
  EXPECT_EQ(first.stop(SIGTERM), 0);
}

TEST(ServerCommandTest, ServesTheProjectsWarehouse) {
  testing_support::TempDir project;
  std::ofstream(project.path() / "UserDocument.json")
      << R"([{"_id": "u1", "first_name": "Paul", "last_name": "Iusztin"}])";
  auto imported = testing_support::run_twin("warehouse import UserDocument.json", project.path());
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  auto stats = testing_support::run_twin("warehouse stats --json", project.path());
  ASSERT_EQ(stats.exit_code, 0) << stats.err;

  TwinServerProcess server(project.path(), {});
  ASSERT_GT(server.port(), 0);
  httplib::Client c("127.0.0.1", server.port());
  JsonReply reply = get_json(c, "/api/twin/warehouse");
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.body["collections"], json::parse(stats.out)["collections"]);
  JsonReply users = get_json(c, "/api/twin/warehouse/users");
  ASSERT_EQ(users.status, 200) << users.raw;
  EXPECT_EQ(users.body["documents"][0]["document"]["first_name"], "Paul");
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

TEST(ServerCommandTest, MongodbWarehouseHostIsAConfigurationError) {
  testing_support::TempDir project;
  std::ofstream(project.path() / ".env")
      << "DATABASE_HOST=mongodb://llm_engineering:llm_engineering@127.0.0.1:27017\n";
  auto result = testing_support::run_shell(
      "timeout 20 " + testing_support::shell_quote(TWIN_BINARY) + " server --port 0",
      project.path());
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("DATABASE_HOST"), std::string::npos) << result.err;
}

TEST(ServerCommandTest, TokenIsNotPrintedAtStartUnlessAsked) {
  testing_support::TempDir project;
  std::string env = "TWIN_SERVER_TOKEN=s3cret-token-4711";
  {
    TwinServerProcess server(project.path(), {env});
    ASSERT_GT(server.port(), 0) << "twin server did not print its address";
    EXPECT_EQ(server.startup_output().find("s3cret-token-4711"), std::string::npos)
        << server.startup_output();
    EXPECT_NE(server.startup_output().find("?token=<TWIN_SERVER_TOKEN>"), std::string::npos)
        << server.startup_output();
    EXPECT_NE(server.startup_output().find("--show-token"), std::string::npos);
    EXPECT_EQ(server.stop(SIGTERM), 0);
  }
  TwinServerProcess shown(project.path(), {env}, {"--show-token"});
  ASSERT_GT(shown.port(), 0);
  EXPECT_NE(shown.startup_output().find("?token=s3cret-token-4711"), std::string::npos)
      << shown.startup_output();
  EXPECT_EQ(shown.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace twin::server
