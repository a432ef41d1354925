#include "twin/tasks/init_project.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace twin::tasks {
namespace {

constexpr std::string_view kTwinToml =
    R"toml(# twin project file. Tasks use Poe the Poet's schema: https://poethepoet.natn.io/
# Run `twin tasks` to list them and `twin task NAME` to run one.

[settings]
# Defaults for twin's settings; .env and the environment override them (see `twin settings`).
# TWIN_METADATA_URI = "sqlite://.twin/metadata.db"

[env]
GREETING = "hello"

[tasks.hello]
help = "Print a greeting (try: twin task hello --name you)"
cmd = "echo ${GREETING} ${name}"
args = [{ name = "name", help = "who to greet", default = "world" }]

[tasks.list-configs]
help = "List the pipeline configs"
shell = "ls configs"

[tasks.check]
help = "Greet, then list the configs"
sequence = ["hello", "list-configs"]

[tasks.build]
help = "An up-to-date aware task: skipped while its sources are unchanged"
shell = "mkdir -p .twin/out && cat configs/* > .twin/out/all-configs.txt 2>/dev/null || true"
sources = ["configs/**"]
generates = [".twin/out/all-configs.txt"]
)toml";

constexpr std::string_view kEnvExample =
    R"(# Copy to .env and fill in. twin reads .env as python-dotenv does; the environment wins.
# DATABASE_HOST=sqlite://.twin/warehouse.db
# DATABASE_NAME=twin
# COMET_API_KEY=
# HUGGINGFACE_ACCESS_TOKEN=
# AWS_REGION=eu-central-1
# AWS_ACCESS_KEY=
# AWS_SECRET_KEY=
)";

constexpr std::string_view kConfigReadme =
    "# Pipeline run configs (YAML): `twin pipeline run NAME --config configs/FILE.yaml`.\n";

Result<InitStep::Outcome> write_new(const std::filesystem::path& path, std::string_view text) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return InitStep::Outcome::kKept;
  std::ofstream out(path);
  out << text;
  if (!out) return fail(Status::io(fmt::format("{}: cannot write", path.string())));
  return InitStep::Outcome::kCreated;
}

Result<InitStep::Outcome> ensure_ignored(const std::filesystem::path& path) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(path, ec);
  std::string text;
  if (existed) {
    std::ifstream in(path);
    std::ostringstream content;
    content << in.rdbuf();
    text = content.str();
  }
  std::istringstream lines(text);
  bool has_state = false;
  bool has_env = false;
  for (std::string line; std::getline(lines, line);) {
    if (line == ".twin/" || line == ".twin" || line == "/.twin/" || line == "/.twin")
      has_state = true;
    if (line == ".env" || line == "/.env") has_env = true;
  }
  if (has_state && has_env) return InitStep::Outcome::kKept;
  std::ofstream out(path, std::ios::app);
  if (!text.empty() && !text.ends_with('\n')) out << "\n";
  if (!has_state) out << ".twin/\n";
  if (!has_env) out << ".env\n";
  if (!out) return fail(Status::io(fmt::format("{}: cannot write", path.string())));
  return existed ? InitStep::Outcome::kUpdated : InitStep::Outcome::kCreated;
}

}  // namespace

Result<std::vector<InitStep>> init_project(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir / "configs", ec);
  if (ec) return fail(Status::io(fmt::format("{}: {}", (dir / "configs").string(), ec.message())));
  std::vector<InitStep> steps;
  TWIN_ASSIGN_OR_RETURN(auto toml, write_new(dir / "twin.toml", kTwinToml));
  steps.push_back({"twin.toml", toml});
  TWIN_ASSIGN_OR_RETURN(auto env, write_new(dir / ".env.example", kEnvExample));
  steps.push_back({".env.example", env});
  TWIN_ASSIGN_OR_RETURN(auto configs, write_new(dir / "configs" / "README.md", kConfigReadme));
  steps.push_back({"configs/README.md", configs});
  TWIN_ASSIGN_OR_RETURN(auto ignore, ensure_ignored(dir / ".gitignore"));
  steps.push_back({".gitignore", ignore});
  return steps;
}

}  // namespace twin::tasks
