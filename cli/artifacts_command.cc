// twin artifacts list [--name N] [--json]
// twin artifacts show NAME[@VERSION] [--json]
// twin artifacts export NAME[@VERSION] [-o FILE]
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "command.h"
#include "table.h"
#include "twin/artifacts/materializers.h"
#include "twin/orchestrator/stores.h"

namespace twin::cli {
namespace {
namespace fs = std::filesystem;
using metadata::ArtifactVersionRecord;

struct ArtifactRef {
  std::string name;
  std::optional<int64_t> version;
};

Result<ArtifactRef> parse_ref(const std::string& text) {
  const auto at = text.rfind('@');
  if (at == std::string::npos) return ArtifactRef{text, std::nullopt};
  const std::string number = text.substr(at + 1);
  if (number.empty() || number == "latest") return ArtifactRef{text.substr(0, at), std::nullopt};
  try {
    size_t used = 0;
    const int64_t version = std::stoll(number, &used);
    if (used == number.size() && version > 0) return ArtifactRef{text.substr(0, at), version};
  } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): not a number, said below
  }
  return fail(Status::invalid_argument(
      fmt::format("'{}': expected NAME or NAME@VERSION (a number)", text)));
}

std::string short_hash(const std::string& hash) { return hash.substr(0, 12); }

Result<int> list_artifacts(Context& ctx, const std::string& name, bool json) {
  TWIN_ASSIGN_OR_RETURN(
      auto stores, orchestrator::open_stores(ctx.settings(), orchestrator::StoreAccess::kReadOnly));
  std::optional<std::string_view> filter;
  if (!name.empty()) filter = name;
  TWIN_ASSIGN_OR_RETURN(auto artifacts, stores.metadata->list_artifacts(filter));
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& a : artifacts)
      out.push_back({{"name", a.name}, {"versions", a.versions}, {"latest", a.latest}});
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  if (artifacts.empty()) {
    fmt::print("no artifacts yet\n");
    return 0;
  }
  Table table({"ARTIFACT", "VERSIONS", "LATEST", "MATERIALIZER", "SIZE", "HASH", "CREATED"});
  for (const auto& a : artifacts) {
    table.add_row({a.name, std::to_string(a.versions), std::to_string(a.latest.version),
                   a.latest.materializer, std::to_string(a.latest.size),
                   short_hash(a.latest.content_hash), metadata::format_time(a.latest.created_at)});
  }
  table.print(stdout, ctx.stdout_color());
  return 0;
}

Result<int> show_artifact(Context& ctx, const std::string& text, bool json) {
  TWIN_ASSIGN_OR_RETURN(ArtifactRef ref, parse_ref(text));
  TWIN_ASSIGN_OR_RETURN(
      auto stores, orchestrator::open_stores(ctx.settings(), orchestrator::StoreAccess::kReadOnly));
  TWIN_ASSIGN_OR_RETURN(ArtifactVersionRecord version,
                        stores.metadata->get_artifact_version(ref.name, ref.version));
  TWIN_ASSIGN_OR_RETURN(auto producer, stores.metadata->get_step_run(version.producer_step_run_id));
  TWIN_ASSIGN_OR_RETURN(auto consumers, stores.metadata->consumers(version.id));
  const bool present = artifacts::artifact_is_complete(*stores.artifacts, version.materializer,
                                                       version.content_hash);
  if (json) {
    nlohmann::json out = version;
    out["present"] = present;
    out["producer"] = {
        {"step_run_id", producer.id}, {"step", producer.step}, {"run_id", producer.run_id}};
    out["consumers"] = nlohmann::json::array();
    for (const auto& c : consumers)
      out["consumers"].push_back({{"step_run_id", c.id}, {"step", c.step}, {"run_id", c.run_id}});
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print(
      "artifact      {}@{}\nid            {}\nmaterializer  {}\nsize          {}\ncontent hash  "
      "{}\nuri           {}{}\n"
      "created       {}\nproduced by   step {} (step run {}) of run {}\n",
      version.artifact, version.version, version.id, version.materializer, version.size,
      version.content_hash, version.uri, present ? "" : "  (blob missing)",
      metadata::format_time(version.created_at), producer.step, producer.id, producer.run_id);
  for (const auto& c : consumers)
    fmt::print("consumed by   step {} (step run {}) of run {}\n", c.step, c.id, c.run_id);
  if (!version.metadata.empty()) fmt::print("metadata      {}\n", version.metadata.dump());
  return 0;
}

Result<int> export_artifact(Context& ctx, const std::string& text, const std::string& output) {
  TWIN_ASSIGN_OR_RETURN(ArtifactRef ref, parse_ref(text));
  TWIN_ASSIGN_OR_RETURN(
      auto stores, orchestrator::open_stores(ctx.settings(), orchestrator::StoreAccess::kReadOnly));
  TWIN_ASSIGN_OR_RETURN(ArtifactVersionRecord version,
                        stores.metadata->get_artifact_version(ref.name, ref.version));
  if (output.empty() || output == "-") {
    if (version.materializer == artifacts::kDirectoryMaterializer) {
      return fail(Status::invalid_argument(fmt::format(
          "{}@{} is a directory: give a folder with -o DIR", version.artifact, version.version)));
    }
    TWIN_ASSIGN_OR_RETURN(std::string bytes, stores.artifacts->get_bytes(version.content_hash));
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    return 0;
  }
  TWIN_RETURN_IF_ERROR(artifacts::export_artifact(*stores.artifacts, version.materializer,
                                                  version.content_hash, fs::path(output)));
  spdlog::info("exported {}@{} to {}", version.artifact, version.version, output);
  return 0;
}

void add_artifacts_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* artifacts = twin.add_subcommand("artifacts", "Artifacts produced by pipeline steps");
  artifacts->require_subcommand(1);

  CLI::App* list = artifacts->add_subcommand("list", "List artifacts with their latest version");
  auto name = std::make_shared<std::string>();
  auto list_json = std::make_shared<bool>(false);
  list->add_option("--name", *name, "Only this artifact");
  list->add_flag("--json", *list_json, "Print one JSON document: [{name, versions, latest}]");
  actions.on(list, [=](Context& ctx) { return list_artifacts(ctx, *name, *list_json); });

  CLI::App* show = artifacts->add_subcommand("show", "Show an artifact version and its lineage");
  auto show_ref = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  show->add_option("artifact", *show_ref, "NAME or NAME@VERSION (default: latest)")->required();
  show->add_flag("--json", *show_json, "Print one JSON document");
  actions.on(show, [=](Context& ctx) { return show_artifact(ctx, *show_ref, *show_json); });

  CLI::App* exp = artifacts->add_subcommand(
      "export", "Write an artifact version's content to a file or folder");
  auto export_ref = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  exp->add_option("artifact", *export_ref, "NAME or NAME@VERSION (default: latest)")->required();
  exp->add_option("-o,--output", *output, "File (or folder, for directories); default: stdout");
  actions.on(exp, [=](Context& ctx) { return export_artifact(ctx, *export_ref, *output); });
}

}  // namespace

TWIN_REGISTER_COMMAND(42, add_artifacts_command);

}  // namespace twin::cli
