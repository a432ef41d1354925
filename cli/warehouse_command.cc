// twin warehouse import PATH... | export DIR | stats [--json] | find COLLECTION [--filter JSON]
// [--limit N] [--json]: the LLM Twin's data warehouse (DATABASE_HOST, DATABASE_NAME).
#include <filesystem>
#include <nlohmann/json.hpp>

#include "command.h"
#include "table.h"
#include "twin/core/json.h"
#include "twin/db/database.h"
#include "twin/llm_twin/documents.h"
#include "twin/warehouse/warehouse.h"

namespace twin::cli {
namespace {

using json = nlohmann::json;

Result<std::unique_ptr<warehouse::Warehouse>> open_warehouse(const Context& ctx) {
  return warehouse::Warehouse::open(ctx.settings());
}

Result<int> import_command(Context& ctx, const std::vector<std::string>& paths) {
  TWIN_ASSIGN_OR_RETURN(auto store, open_warehouse(ctx));
  std::vector<std::filesystem::path> files(paths.begin(), paths.end());
  TWIN_ASSIGN_OR_RETURN(auto imported, llm_twin::import_files(*store, files));
  for (const auto& transfer : imported) {
    fmt::print("{}: {} documents into {}\n", transfer.file.string(), transfer.documents,
               transfer.collection);
  }
  return 0;
}

Result<int> export_command(Context& ctx, const std::string& directory) {
  TWIN_ASSIGN_OR_RETURN(auto store, open_warehouse(ctx));
  TWIN_ASSIGN_OR_RETURN(auto exported, llm_twin::export_files(*store, directory));
  for (const auto& transfer : exported) {
    fmt::print("{}: {} documents from {}\n", transfer.file.string(), transfer.documents,
               transfer.collection);
  }
  return 0;
}

// True when the warehouse is a SQLite file that does not exist yet (an empty project): read-only
// commands then answer "empty" instead of creating a database there.
bool sqlite_warehouse_missing(const Context& ctx) {
  return db::sqlite_file_missing(warehouse::Warehouse::uri_of(ctx.settings()));
}

Result<int> stats_command(Context& ctx, bool as_json) {
  json out = json::object();
  if (!sqlite_warehouse_missing(ctx)) {
    TWIN_ASSIGN_OR_RETURN(auto store, open_warehouse(ctx));
    TWIN_ASSIGN_OR_RETURN(out, llm_twin::collection_stats(*store));
  }
  Table table({"COLLECTION", "AUTHOR", "DOCUMENTS"});
  for (const auto& [name, stats] : out.items()) {
    table.add_row({name, "", std::to_string(stats["documents"].get<std::int64_t>())});
    for (const auto& [author, n] : stats["authors"].items()) {
      table.add_row({"", author, std::to_string(n.get<std::int64_t>())});
    }
  }
  if (as_json) {
    fmt::print("{}\n", json{{"collections", out}}.dump(2));
    return 0;
  }
  if (table.empty()) {
    fmt::print(
        "the warehouse is empty (import the Handbook's export with "
        "`twin warehouse import DIR`)\n");
    return 0;
  }
  table.print(stdout, ctx.stdout_color());
  return 0;
}

// One line of a document for people: its scalar fields, shortened.
std::string summary_of(const json& fields) {
  std::string summary;
  for (const auto& [key, value] : fields.items()) {
    if (value.is_structured()) continue;
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    std::replace(text.begin(), text.end(), '\n', ' ');
    if (text.size() > 48) text.replace(45, std::string::npos, "...");
    if (!summary.empty()) summary += "  ";
    summary += fmt::format("{}={}", key, text);
  }
  return summary;
}

Result<int> find_command(Context& ctx, const std::string& collection_name,
                         const std::string& filter_text, std::int64_t limit, bool as_json) {
  TWIN_ASSIGN_OR_RETURN(const json filter,
                        parse_json(filter_text.empty() ? "{}" : filter_text, "--filter"));
  TWIN_ASSIGN_OR_RETURN(auto store, open_warehouse(ctx));
  const auto* document_class = llm_twin::find_document_class(collection_name);
  const std::string name =
      document_class ? std::string(document_class->collection) : collection_name;
  TWIN_ASSIGN_OR_RETURN(auto names, store->collection_names());
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    return fail(Status::not_found(
        fmt::format("no collection '{}' in the warehouse (it has: {})", name,
                    names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")))));
  }
  TWIN_ASSIGN_OR_RETURN(auto collection, store->collection(name));
  TWIN_ASSIGN_OR_RETURN(auto documents, collection.find(filter, {.limit = limit}));
  if (as_json) {
    json out = json::array();
    for (const auto& document : documents) {
      json item = document.to_json();
      if (document.lineage) {
        item["_lineage"] = {{"run_id", document.lineage->run_id},
                            {"step_run_id", document.lineage->step_run_id}};
      }
      out.push_back(std::move(item));
    }
    fmt::print("{}\n", out.dump(2, ' ', false, json::error_handler_t::replace));
    return 0;
  }
  const bool any_lineage = std::any_of(documents.begin(), documents.end(),
                                       [](const auto& d) { return d.lineage.has_value(); });
  std::vector<std::string> headers = {"_ID", "FIELDS"};
  if (any_lineage) headers.insert(headers.end(), {"RUN", "STEP RUN"});
  Table table(headers);
  for (const auto& document : documents) {
    std::vector<std::string> row = {document.id, summary_of(document.fields)};
    if (any_lineage) {
      row.push_back(document.lineage ? document.lineage->run_id : "");
      row.push_back(document.lineage ? document.lineage->step_run_id : "");
    }
    table.add_row(std::move(row));
  }
  table.print(stdout, ctx.stdout_color());
  fmt::print(stderr, "{} document{}\n", documents.size(), documents.size() == 1 ? "" : "s");
  return 0;
}

void add_warehouse_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* warehouse = twin.add_subcommand(
      "warehouse",
      "The data warehouse of crawled documents (users, articles, posts, repositories): SQLite "
      "by default, PostgreSQL when DATABASE_HOST=postgresql://... (DATABASE_NAME picks the "
      "database)");
  warehouse->require_subcommand(1);

  CLI::App* import = warehouse->add_subcommand(
      "import",
      "Import the Handbook's export files (UserDocument.json, ArticleDocument.json, "
      "...) or folders of them; each file all or nothing, importing again changes "
      "nothing");
  auto paths = std::make_shared<std::vector<std::string>>();
  import->add_option("PATH", *paths, "Export files or folders holding them")->required();
  actions.on(import, [paths](Context& ctx) { return import_command(ctx, *paths); });

  CLI::App* export_cmd = warehouse->add_subcommand(
      "export", "Write every collection to DIR in the Handbook's export format (<Class>.json)");
  auto directory = std::make_shared<std::string>();
  export_cmd->add_option("DIR", *directory, "Folder to write into (created when missing)")
      ->required();
  actions.on(export_cmd, [directory](Context& ctx) { return export_command(ctx, *directory); });

  CLI::App* stats = warehouse->add_subcommand("stats", "Documents per collection and author");
  auto stats_json = std::make_shared<bool>(false);
  stats->add_flag("--json", *stats_json,
                  "Print one JSON document: {collections: {NAME: {documents, authors}}}");
  actions.on(stats, [stats_json](Context& ctx) { return stats_command(ctx, *stats_json); });

  CLI::App* find = warehouse->add_subcommand(
      "find",
      "Print the documents of COLLECTION (users, articles, posts, repositories or a "
      "class name) that match a MongoDB-style filter");
  struct FindArgs {
    std::string collection;
    std::string filter;
    std::int64_t limit = 0;
    bool json = false;
  };
  auto args = std::make_shared<FindArgs>();
  find->add_option("COLLECTION", args->collection, "Collection to search")->required();
  find->add_option(
          "--filter", args->filter,
          R"(Filter, e.g. '{"platform": "medium"}' or '{"content.Title": {"$exists": true}}' )"
          "(operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or)")
      ->type_name("JSON");
  find->add_option("--limit", args->limit, "At most N documents (default: all)")
      ->type_name("N")
      ->check(CLI::NonNegativeNumber);
  find->add_flag("--json", args->json, "Print a JSON array of the documents");
  actions.on(find, [args](Context& ctx) {
    return find_command(ctx, args->collection, args->filter, args->limit, args->json);
  });
}

}  // namespace

TWIN_REGISTER_COMMAND(60, add_warehouse_command);

}  // namespace twin::cli
