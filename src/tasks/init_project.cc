#include "twin/tasks/init_project.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "twin/core/toml.h"

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

// For a folder whose pyproject.toml already holds Poe tasks: no [tasks] table, since twin reads
// pyproject.toml's [tool.poe] only when twin.toml has none (tasks/task_spec.h).
constexpr std::string_view kTwinTomlBesidePoe =
    R"toml(# twin project file. The tasks stay in pyproject.toml's [tool.poe], which twin runs as Poe
# the Poet does: `twin tasks` lists them, `twin task NAME` runs one. A [tasks] table here would
# take their place.

[settings]
# Defaults for twin's settings; .env and the environment override them (see `twin settings`).
# TWIN_METADATA_URI = "sqlite://.twin/metadata.db"
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

// Whether dir/pyproject.toml declares Poe tasks. A pyproject.toml that cannot be read is an
// error: init would otherwise write a twin.toml that hides its tasks.
Result<bool> has_poe_tasks(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir / "pyproject.toml", ec)) return false;
  TWIN_ASSIGN_OR_RETURN(auto document, read_toml_file(dir / "pyproject.toml"));
  return document.at_path("tool.poe").is_table();
}

}  // namespace

Result<std::vector<InitStep>> init_project(const std::filesystem::path& dir) {
  std::error_code ec;
  // A project that already has configs/ (the Handbook's YAML configs) is left alone there.
  const bool had_configs = std::filesystem::exists(dir / "configs", ec);
  std::filesystem::create_directories(dir / "configs", ec);
  if (ec) return fail(Status::io(fmt::format("{}: {}", (dir / "configs").string(), ec.message())));
  TWIN_ASSIGN_OR_RETURN(const bool beside_poe, has_poe_tasks(dir));
  std::vector<InitStep> steps;
  TWIN_ASSIGN_OR_RETURN(auto toml,
                        write_new(dir / "twin.toml", beside_poe ? kTwinTomlBesidePoe : kTwinToml));
  steps.push_back({"twin.toml", toml});
  TWIN_ASSIGN_OR_RETURN(auto env, write_new(dir / ".env.example", kEnvExample));
  steps.push_back({".env.example", env});
  if (!had_configs) {
    TWIN_ASSIGN_OR_RETURN(auto configs, write_new(dir / "configs" / "README.md", kConfigReadme));
    steps.push_back({"configs/README.md", configs});
  }
  TWIN_ASSIGN_OR_RETURN(auto ignore, ensure_ignored(dir / ".gitignore"));
  steps.push_back({".gitignore", ignore});
  return steps;
}

}  // namespace twin::tasks
