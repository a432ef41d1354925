// twin models register NAME PATH [--run RUN_ID] [--description TEXT] [--tag KEY=VALUE]... [--json]
// twin models list [--json]
// twin models show NAME[@VERSION|@ALIAS] [--json] [--card]
// twin models download NAME[@VERSION|@ALIAS] [-o DIR]
//
// The model registry of `twin server`, from the command line: the same metadata database
// (TWIN_METADATA_URI) and artifact store (TWIN_ARTIFACT_URI), so a version registered here shows
// in the dashboard and the MLflow API at once.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "command.h"
#include "table.h"
#include "twin/db/database.h"
#include "twin/orchestrator/stores.h"
#include "twin/registry/model_registry.h"
#include "twin/tracking/tracking_store.h"

namespace twin::cli {
namespace {

using nlohmann::json;
using registry::ModelVersion;

// The registry over the project's stores, with what it needs kept alive.
struct OpenRegistry {
  orchestrator::Stores stores;
  std::unique_ptr<db::Database> database;
  std::unique_ptr<tracking::TrackingStore> tracking;
  std::unique_ptr<registry::ModelRegistry> registry;
};

Result<OpenRegistry> open_registry(
    const Context& ctx, orchestrator::StoreAccess access = orchestrator::StoreAccess::kReadOnly) {
  OpenRegistry out;
  TWIN_ASSIGN_OR_RETURN(out.stores, orchestrator::open_stores(ctx.settings(), access));
  TWIN_ASSIGN_OR_RETURN(out.database,
                        db::Database::open(orchestrator::metadata_uri(ctx.settings(), access)));
  TWIN_ASSIGN_OR_RETURN(
      out.tracking,
      tracking::TrackingStore::open(*out.database, std::string(tracking::kMlflowArtifactsRoot)));
  TWIN_ASSIGN_OR_RETURN(out.registry, registry::ModelRegistry::open(
                                          *out.database, {.artifacts = out.stores.artifacts.get(),
                                                          .tracking = out.tracking.get()}));
  return out;
}

// `text` as a quoted string of the registry's filter syntax.
std::string filter_string(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// NAME, NAME@VERSION or NAME@ALIAS; no suffix means the newest version.
Result<ModelVersion> resolve_version(registry::ModelRegistry& registry, const std::string& text) {
  const auto at = text.rfind('@');
  const std::string name = text.substr(0, at);
  if (at == std::string::npos || at + 1 == text.size()) {
    TWIN_ASSIGN_OR_RETURN(auto versions, registry.search_versions("name = " + filter_string(name)));
    if (versions.empty()) {
      // "no registered model named ..." when there is no such model at all.
      if (auto model = registry.get_model(name); !model) return fail(model.error());
      return fail(Status::not_found(fmt::format("model '{}' has no versions", name)));
    }
    return versions.back();
  }
  const std::string suffix = text.substr(at + 1);
  if (std::ranges::all_of(suffix, [](char c) { return c >= '0' && c <= '9'; })) {
    return registry.get_version(name, std::stoll(suffix));
  }
  return registry.version_by_alias(name, suffix);
}

uint64_t total_size(const ModelVersion& v) {
  uint64_t total = 0;
  for (const auto& f : v.files) total += f.size;
  return total;
}

json version_json(const ModelVersion& v) {
  json files = json::array();
  for (const auto& f : v.files)
    files.push_back({{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}});
  json tags = json::object();
  for (const auto& t : v.tags) tags[t.key] = t.value;
  return {{"name", v.name},
          {"version", v.version},
          {"stage", v.current_stage},
          {"aliases", v.aliases},
          {"source", v.source},
          {"run_id", v.run_id},
          {"description", v.description},
          {"tags", tags},
          {"created_ms", v.creation_time_ms},
          {"files", files},
          {"model_card", v.model_card}};
}

Result<int> register_model(Context& ctx, const registry::RegisterFilesRequest& request,
                           bool as_json) {
  TWIN_ASSIGN_OR_RETURN(OpenRegistry open,
                        open_registry(ctx, orchestrator::StoreAccess::kReadWrite));
  TWIN_ASSIGN_OR_RETURN(ModelVersion v, open.registry->register_files(request));
  if (as_json) {
    fmt::print("{}\n", version_json(v).dump(2));
    return 0;
  }
  fmt::print("registered {} version {}: {} files, {} bytes (README.md is its model card)\n", v.name,
             v.version, v.files.size(), total_size(v));
  fmt::print("  source  {}\n", v.source);
  if (!ctx.quiet()) {
    fmt::print("  see it   twin models show {}@{}   (or the dashboard: twin server, #/models/{})\n",
               v.name, v.version, v.name);
  }
  return 0;
}

Result<int> list_models(Context& ctx, bool as_json) {
  TWIN_ASSIGN_OR_RETURN(OpenRegistry open, open_registry(ctx));
  TWIN_ASSIGN_OR_RETURN(auto models, open.registry->search_models(""));
  TWIN_ASSIGN_OR_RETURN(auto versions, open.registry->search_versions(""));
  const auto latest_of = [&](const std::string& name) -> const ModelVersion* {
    const ModelVersion* latest = nullptr;
    for (const auto& v : versions) {
      if (v.name == name) latest = &v;
    }
    return latest;
  };
  const auto count_of = [&](const std::string& name) {
    return std::ranges::count(versions, name, &ModelVersion::name);
  };
  // The versions that hold a stage ("Production=v1 Staging=v3"), as MLflow's latest_versions
  // per stage; versions in stage None are not listed.
  const auto staged_versions = [&](const std::string& name) {
    json staged = json::object();
    for (const auto& v : versions) {
      if (v.name == name && !v.current_stage.empty() && v.current_stage != "None") {
        staged[v.current_stage] = v.version;  // versions come in order: the newest wins
      }
    }
    return staged;
  };
  if (as_json) {
    json out = json::array();
    for (const auto& m : models) {
      const ModelVersion* latest = latest_of(m.name);
      json aliases = json::object();
      for (const auto& a : m.aliases) aliases[a.alias] = a.version;
      out.push_back({{"name", m.name},
                     {"description", m.description},
                     {"versions", count_of(m.name)},
                     {"latest_version", latest ? json(latest->version) : json(nullptr)},
                     {"stages", staged_versions(m.name)},
                     {"aliases", aliases}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  if (models.empty()) {
    fmt::print("no registered models yet (twin models register NAME PATH)\n");
    return 0;
  }
  Table table({"MODEL", "VERSIONS", "LATEST", "STAGES", "ALIASES", "DESCRIPTION"});
  for (const auto& m : models) {
    const ModelVersion* latest = latest_of(m.name);
    std::vector<std::string> aliases;
    aliases.reserve(m.aliases.size());
    for (const auto& a : m.aliases) aliases.push_back(fmt::format("{}=v{}", a.alias, a.version));
    std::vector<std::string> stages;
    const json staged = staged_versions(m.name);
    for (const auto& [stage, version] : staged.items())
      stages.push_back(fmt::format("{}=v{}", stage, version.get<std::int64_t>()));
    table.add_row({m.name, std::to_string(count_of(m.name)),
                   latest ? std::to_string(latest->version) : "-",
                   stages.empty() ? "-" : fmt::format("{}", fmt::join(stages, " ")),
                   fmt::format("{}", fmt::join(aliases, " ")), m.description});
  }
  table.print(stdout, ctx.stdout_color());
  return 0;
}

Result<int> show_model(Context& ctx, const std::string& text, bool as_json, bool card_only) {
  TWIN_ASSIGN_OR_RETURN(OpenRegistry open, open_registry(ctx));
  TWIN_ASSIGN_OR_RETURN(ModelVersion v, resolve_version(*open.registry, text));
  if (card_only) {
    fmt::print("{}", v.model_card);
    return 0;
  }
  if (as_json) {
    fmt::print("{}\n", version_json(v).dump(2));
    return 0;
  }
  fmt::print("model        {} version {}\nstage        {}\n", v.name, v.version, v.current_stage);
  if (!v.aliases.empty()) fmt::print("aliases      {}\n", fmt::join(v.aliases, ", "));
  fmt::print("source       {}\n", v.source);
  if (!v.run_id.empty()) fmt::print("run          {}\n", v.run_id);
  if (!v.description.empty()) fmt::print("description  {}\n", v.description);
  for (const auto& t : v.tags) fmt::print("tag          {}={}\n", t.key, t.value);
  if (!v.files.empty()) {
    fmt::print("\n");
    Table files({"FILE", "BYTES", "SHA256"});
    for (const auto& f : v.files) files.add_row({f.path, std::to_string(f.size), f.sha256});
    files.print(stdout, ctx.stdout_color());
  }
  fmt::print("\nmodel card (twin models show {}@{} --card prints it alone):\n\n{}", v.name,
             v.version, v.model_card);
  return 0;
}

Result<int> download_model(Context& ctx, const std::string& text, const std::string& output) {
  TWIN_ASSIGN_OR_RETURN(OpenRegistry open, open_registry(ctx));
  TWIN_ASSIGN_OR_RETURN(ModelVersion v, resolve_version(*open.registry, text));
  const std::filesystem::path destination =
      output.empty() ? std::filesystem::path(fmt::format("{}-v{}", v.name, v.version))
                     : std::filesystem::path(output);
  TWIN_RETURN_IF_ERROR(open.registry->download(v.name, v.version, destination));
  fmt::print("wrote {} files of {} version {} to {}\n", v.files.size(), v.name, v.version,
             destination.string());
  return 0;
}

Result<std::vector<tracking::Tag>> parse_tags(const std::vector<std::string>& texts) {
  std::vector<tracking::Tag> tags;
  for (const std::string& text : texts) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(Status::invalid_argument(fmt::format("--tag '{}': expected KEY=VALUE", text)));
    }
    tags.push_back({text.substr(0, eq), text.substr(eq + 1)});
  }
  return tags;
}

// twin models stage NAME@VERSION STAGE [--archive-existing]
Result<int> stage_model(Context& ctx, const std::string& text, const std::string& stage,
                        bool archive_existing) {
  TWIN_ASSIGN_OR_RETURN(OpenRegistry open, open_registry(ctx));
  TWIN_ASSIGN_OR_RETURN(ModelVersion v, resolve_version(*open.registry, text));
  TWIN_ASSIGN_OR_RETURN(const std::string canonical, registry::canonical_stage(stage));
  TWIN_ASSIGN_OR_RETURN(ModelVersion moved, open.registry->transition_stage(
                                                v.name, v.version, canonical, archive_existing));
  fmt::print("{} version {}: {}\n", moved.name, moved.version, moved.current_stage);
  return 0;
}

// twin models alias NAME ALIAS VERSION | twin models alias NAME ALIAS --delete
Result<int> alias_model(Context& ctx, const std::string& name, const std::string& alias,
                        std::optional<std::int64_t> version, bool remove) {
  TWIN_ASSIGN_OR_RETURN(OpenRegistry open, open_registry(ctx));
  if (remove) {
    TWIN_RETURN_IF_ERROR(open.registry->delete_alias(name, alias));
    fmt::print("{}: alias {} removed\n", name, alias);
    return 0;
  }
  if (!version) {
    return fail(Status::invalid_argument("give the VERSION the alias points to, or --delete"));
  }
  TWIN_RETURN_IF_ERROR(open.registry->set_alias(name, alias, *version));
  fmt::print("{}@{} is version {}\n", name, alias, *version);
  return 0;
}

void add_models_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* models = twin.add_subcommand("models", "The model registry: register, list, show");
  models->require_subcommand(1);

  CLI::App* reg = models->add_subcommand(
      "register", "Copy a model file or folder into the artifact store as a new model version");
  struct RegisterFlags {
    registry::RegisterFilesRequest request;
    std::string path;
    std::vector<std::string> tags;
    bool json = false;
  };
  auto flags = std::make_shared<RegisterFlags>();
  reg->add_option("name", flags->request.name, "Registered model name (created when missing)")
      ->required();
  reg->add_option("path", flags->path, "A model file, or a folder (every file below it)")
      ->required();
  reg->add_option("--run", flags->request.run_id, "The tracker run that trained it");
  reg->add_option("--description", flags->request.description, "What this version is");
  reg->add_option("--tag", flags->tags, "KEY=VALUE, repeatable");
  reg->add_flag("--json", flags->json, "Print the new version as one JSON document");
  reg->footer(
      "A README.md among the files is the version's model card; otherwise one is generated\n"
      "(YAML front matter with name, version, source, run and its metrics).");
  actions.on(reg, [flags](Context& ctx) -> Result<int> {
    registry::RegisterFilesRequest request = flags->request;
    request.path = flags->path;
    TWIN_ASSIGN_OR_RETURN(request.tags, parse_tags(flags->tags));
    return register_model(ctx, request, flags->json);
  });

  CLI::App* list = models->add_subcommand("list", "List registered models");
  auto list_json = std::make_shared<bool>(false);
  list->add_flag("--json", *list_json, "Print one JSON document");
  actions.on(list, [list_json](Context& ctx) { return list_models(ctx, *list_json); });

  CLI::App* show = models->add_subcommand("show", "Show a model version, its files and card");
  auto show_ref = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  auto show_card = std::make_shared<bool>(false);
  show->add_option("model", *show_ref, "NAME, NAME@VERSION or NAME@ALIAS (default: newest)")
      ->required();
  show->add_flag("--json", *show_json, "Print one JSON document");
  show->add_flag("--card", *show_card, "Print the model card (README.md) only");
  actions.on(show,
             [=](Context& ctx) { return show_model(ctx, *show_ref, *show_json, *show_card); });

  CLI::App* download =
      models->add_subcommand("download", "Write a model version's files to a folder");
  auto download_ref = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  download->add_option("model", *download_ref, "NAME, NAME@VERSION or NAME@ALIAS")->required();
  download->add_option("-o,--output", *output, "Folder to write to (default: NAME-vVERSION)");
  actions.on(download, [=](Context& ctx) { return download_model(ctx, *download_ref, *output); });

  CLI::App* stage = models->add_subcommand(
      "stage", "Move a model version to a stage (None, Staging, Production, Archived)");
  struct StageFlags {
    std::string ref;
    std::string stage;
    bool archive_existing = false;
  };
  auto stage_flags = std::make_shared<StageFlags>();
  stage->add_option("model", stage_flags->ref, "NAME@VERSION or NAME@ALIAS")->required();
  stage->add_option("stage", stage_flags->stage, "None, Staging, Production or Archived")
      ->required();
  stage->add_flag("--archive-existing", stage_flags->archive_existing,
                  "Move the versions already in that stage to Archived");
  actions.on(stage, [stage_flags](Context& ctx) {
    return stage_model(ctx, stage_flags->ref, stage_flags->stage, stage_flags->archive_existing);
  });

  CLI::App* alias =
      models->add_subcommand("alias", "Point an alias (champion, ...) at a version, or remove it");
  struct AliasFlags {
    std::string name;
    std::string alias;
    std::optional<std::int64_t> version;
    bool remove = false;
  };
  auto alias_flags = std::make_shared<AliasFlags>();
  alias->add_option("name", alias_flags->name, "Registered model name")->required();
  alias->add_option("alias", alias_flags->alias, "The alias")->required();
  alias->add_option("version", alias_flags->version, "The version it points to");
  alias->add_flag("--delete", alias_flags->remove, "Remove the alias");
  actions.on(alias, [alias_flags](Context& ctx) {
    return alias_model(ctx, alias_flags->name, alias_flags->alias, alias_flags->version,
                       alias_flags->remove);
  });
}

}  // namespace

TWIN_REGISTER_COMMAND(72, add_models_command);

}  // namespace twin::cli
