// twin vectors collections | info NAME | scroll NAME [--filter JSON] [--limit N] [--offset ID]
// | search NAME "text" [-k N] [--filter JSON] | delete NAME, and twin rag search "question"
// [--author NAME] [-k N]: the vector store (embedded, or the Qdrant the QDRANT_* settings name)
// and the Handbook's retrieval over it.
#include <nlohmann/json.hpp>

#include "command.h"
#include "table.h"
#include "twin/core/json.h"
#include "twin/embeddings/embedder.h"
#include "twin/llm_twin/retrieval.h"
#include "twin/vectors/qdrant_json.h"
#include "twin/vectors/vector_store.h"
#include "twin/warehouse/warehouse.h"

namespace twin::cli {
namespace {

using json = nlohmann::json;
namespace qj = vectors::qdrant_json;

Result<std::optional<vectors::Filter>> parse_filter(const std::string& text) {
  if (text.empty()) return std::optional<vectors::Filter>();
  TWIN_ASSIGN_OR_RETURN(const json parsed, parse_json(text, "--filter"));
  auto filter = vectors::Filter::from_json(parsed);
  if (!filter) return fail(filter.error().with_context("--filter"));
  return std::optional<vectors::Filter>(std::move(*filter));
}

// One line of payload for people: its scalar fields, shortened; `content` last.
std::string payload_summary(const json& payload, size_t width = 60) {
  std::string summary;
  for (const auto& [key, value] : payload.items()) {
    if (value.is_structured() || key == "content") continue;
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    summary += fmt::format("{}{}={}", summary.empty() ? "" : "  ", key, text);
  }
  if (payload.contains("content") && payload.at("content").is_string()) {
    std::string content = payload.at("content").get<std::string>();
    if (content.size() > width) content = content.substr(0, width - 3) + "...";
    summary += fmt::format("{}content={}", summary.empty() ? "" : "  ", content);
  }
  return summary;
}

std::string short_text(std::string text, size_t width) {
  std::ranges::replace(text, '\n', ' ');
  if (text.size() <= width) return text;
  size_t cut = width - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

Result<int> collections_command(Context& ctx, bool as_json) {
  TWIN_ASSIGN_OR_RETURN(auto store, vectors::VectorStore::open(ctx.settings()));
  TWIN_ASSIGN_OR_RETURN(auto names, store->collection_names());
  json out = json::array();
  Table table({"COLLECTION", "POINTS", "VECTORS", "DISTANCE"});
  for (const auto& name : names) {
    TWIN_ASSIGN_OR_RETURN(auto info, store->collection_info(name));
    const auto& vectors = info.config.vectors;
    out.push_back({{"name", name},
                   {"points", info.points_count},
                   {"vector_size", vectors ? json(vectors->size) : json(nullptr)},
                   {"distance", vectors ? json(to_string(vectors->distance)) : json(nullptr)}});
    table.add_row({name, std::to_string(info.points_count),
                   vectors ? std::to_string(vectors->size) : "none",
                   vectors ? std::string(to_string(vectors->distance)) : ""});
  }
  if (as_json) {
    fmt::print("{}\n", json{{"store", store->describe()}, {"collections", out}}.dump(2));
    return 0;
  }
  if (table.empty()) {
    fmt::print(
        "no vector collections in {} (the feature_engineering pipeline fills them: twin "
        "pipeline run feature_engineering --param 'author_full_names=[\"Full Name\"]')\n",
        store->describe());
    return 0;
  }
  table.print(stdout, ctx.stdout_color());
  return 0;
}

Result<int> info_command(const Context& ctx, const std::string& name, bool as_json) {
  TWIN_ASSIGN_OR_RETURN(auto store, vectors::VectorStore::open(ctx.settings()));
  TWIN_ASSIGN_OR_RETURN(auto info, store->collection_info(name));
  if (as_json) {
    fmt::print("{}\n", qj::write_collection_info(info).dump(2));
    return 0;
  }
  fmt::print("collection  {}\n", info.name);
  fmt::print("store       {}\n", store->describe());
  fmt::print("points      {}\n", info.points_count);
  if (info.config.vectors) {
    fmt::print("vectors     {} floats, {}\n", info.config.vectors->size,
               to_string(info.config.vectors->distance));
  } else {
    fmt::print("vectors     none (payloads only)\n");
  }
  for (const auto& index : info.payload_indexes) {
    fmt::print("index       {} ({})\n", index.field, index.data_type);
  }
  return 0;
}

struct ScrollArgs {
  std::string collection;
  std::string filter;
  std::size_t limit = 10;
  std::string offset;
  bool json = false;
};

Result<int> scroll_command(const Context& ctx, const ScrollArgs& args) {
  TWIN_ASSIGN_OR_RETURN(auto filter, parse_filter(args.filter));
  vectors::ScrollRequest request{.filter = filter, .limit = args.limit};
  if (!args.offset.empty()) {
    auto offset = vectors::PointId::parse(args.offset);
    if (!offset) return fail(offset.error().with_context("--offset"));
    request.offset = *offset;
  }
  TWIN_ASSIGN_OR_RETURN(auto store, vectors::VectorStore::open(ctx.settings()));
  TWIN_ASSIGN_OR_RETURN(auto page, store->scroll(args.collection, request));
  if (args.json) {
    fmt::print("{}\n", qj::write_scroll_page(page, {.request = request})
                           .dump(2, ' ', false, json::error_handler_t::replace));
    return 0;
  }
  Table table({"ID", "PAYLOAD"});
  for (const auto& point : page.points) {
    table.add_row({point.id.to_string(), payload_summary(point.payload)});
  }
  table.print(stdout, ctx.stdout_color());
  if (page.next_page_offset) {
    fmt::print(stderr, "more: --offset {}\n", page.next_page_offset->to_string());
  }
  return 0;
}

struct SearchArgs {
  std::string collection;
  std::string text;
  std::size_t k = 5;
  std::string filter;
  bool json = false;
};

Result<int> search_command(const Context& ctx, const SearchArgs& args) {
  TWIN_ASSIGN_OR_RETURN(auto filter, parse_filter(args.filter));
  TWIN_ASSIGN_OR_RETURN(auto embedder, embeddings::Embedder::open(ctx.settings()));
  TWIN_ASSIGN_OR_RETURN(auto store, vectors::VectorStore::open(ctx.settings()));
  const std::vector<std::string> texts{args.text};
  TWIN_ASSIGN_OR_RETURN(auto embedded, embedder->embed(texts));
  TWIN_ASSIGN_OR_RETURN(
      auto hits, store->search(args.collection,
                               {.vector = embedded.front(), .limit = args.k, .filter = filter}));
  if (args.json) {
    json out = json::array();
    for (const auto& hit : hits) out.push_back(qj::write_scored_point(hit, true, false));
    fmt::print("{}\n", json{{"model", embedder->model_id()},
                            {"collection", args.collection},
                            {"points", std::move(out)}}
                           .dump(2, ' ', false, json::error_handler_t::replace));
    return 0;
  }
  Table table({"SCORE", "ID", "PAYLOAD"});
  for (const auto& hit : hits) {
    table.add_row(
        {fmt::format("{:.4f}", hit.score), hit.id.to_string(), payload_summary(hit.payload)});
  }
  table.print(stdout, ctx.stdout_color());
  return 0;
}

Result<int> delete_command(const Context& ctx, const std::string& name) {
  TWIN_ASSIGN_OR_RETURN(auto store, vectors::VectorStore::open(ctx.settings()));
  TWIN_ASSIGN_OR_RETURN(bool deleted, store->delete_collection(name));
  if (!deleted) return fail(Status::not_found(fmt::format("Collection `{}` doesn't exist!", name)));
  fmt::print("deleted collection {}\n", name);
  return 0;
}

struct RagArgs {
  std::string question;
  std::string author;
  std::size_t k = 9;
  bool json = false;
  bool rerank = false;
};

Result<int> rag_search_command(const Context& ctx, const RagArgs& args) {
  TWIN_ASSIGN_OR_RETURN(auto embedder, embeddings::Embedder::open(ctx.settings()));
  TWIN_ASSIGN_OR_RETURN(auto store, vectors::VectorStore::open(ctx.settings()));
  TWIN_ASSIGN_OR_RETURN(auto warehouse, warehouse::Warehouse::open(ctx.settings()));
  // With --rerank, as the Handbook: a wider pool (its three expanded queries each retrieve k;
  // twin has no query expansion, so one query retrieves 3k), reranked, the top k kept.
  const std::size_t pool = args.rerank ? 3 * args.k : args.k;
  TWIN_ASSIGN_OR_RETURN(
      auto hits, llm_twin::retrieve(args.question, {.k = pool, .author_full_name = args.author},
                                    *embedder, *store, *warehouse));
  std::string reranked_by;
  if (args.rerank) {
    TWIN_ASSIGN_OR_RETURN(auto cross_encoder, embeddings::CrossEncoder::open(ctx.settings()));
    TWIN_ASSIGN_OR_RETURN(hits,
                          llm_twin::rerank(args.question, std::move(hits), args.k, *cross_encoder));
    reranked_by = cross_encoder->model_id();
  }
  if (args.json) {
    json out = json::array();
    for (const auto& hit : hits) {
      const json& p = hit.point.payload;
      out.push_back({{"collection", hit.collection},
                     {"id", hit.point.id.to_json()},
                     {"score", hit.point.score},
                     {"document_id", p.value("document_id", json())},
                     {"link", p.value("link", json())},
                     {"author_full_name", p.value("author_full_name", json())},
                     {"platform", p.value("platform", json())},
                     {"content", p.value("content", json())}});
    }
    fmt::print("{}\n", json{{"query", args.question},
                            {"model", embedder->model_id()},
                            {"reranker", reranked_by.empty() ? json(nullptr) : json(reranked_by)},
                            {"hits", std::move(out)}}
                           .dump(2, ' ', false, json::error_handler_t::replace));
    return 0;
  }
  if (hits.empty()) {
    fmt::print(
        "no chunks found (run the feature_engineering pipeline to fill the vector "
        "store)\n");
    return 0;
  }
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const json& p = hits[i].point.payload;
    fmt::print("{}. {:.4f}  {}  {}\n", i + 1, hits[i].point.score, hits[i].collection,
               p.value("link", p.value("name", std::string())));
    fmt::print("   document {}  by {}\n", p.value("document_id", std::string()),
               p.value("author_full_name", std::string()));
    fmt::print("   {}\n", short_text(p.value("content", std::string()), 200));
  }
  return 0;
}

void add_vectors_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* vectors =
      twin.add_subcommand("vectors",
                          "The vector store (embedded in .twin/vectors by default; a Qdrant when "
                          "QDRANT_DATABASE_HOST or USE_QDRANT_CLOUD is set)");
  vectors->require_subcommand(1);

  CLI::App* collections = vectors->add_subcommand("collections", "List collections and sizes");
  auto collections_json = std::make_shared<bool>(false);
  collections->add_flag("--json", *collections_json, "Print one JSON document");
  actions.on(collections, [collections_json](Context& ctx) {
    return collections_command(ctx, *collections_json);
  });

  CLI::App* info = vectors->add_subcommand("info", "A collection's size, vectors and indexes");
  auto info_name = std::make_shared<std::string>();
  auto info_json = std::make_shared<bool>(false);
  info->add_option("NAME", *info_name, "Collection")->required();
  info->add_flag("--json", *info_json, "Print Qdrant's CollectionInfo");
  actions.on(info, [info_name, info_json](Context& ctx) {
    return info_command(ctx, *info_name, *info_json);
  });

  const std::string filter_help =
      R"(Qdrant filter, e.g. '{"must": [{"key": "platform", "match": {"value": "medium"}}]}')";
  CLI::App* scroll = vectors->add_subcommand("scroll", "Page through a collection's points");
  auto scroll_args = std::make_shared<ScrollArgs>();
  scroll->add_option("NAME", scroll_args->collection, "Collection")->required();
  scroll->add_option("--filter", scroll_args->filter, filter_help)->type_name("JSON");
  scroll->add_option("--limit", scroll_args->limit, "Points per page")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  scroll->add_option("--offset", scroll_args->offset, "Start at this point id")->type_name("ID");
  scroll->add_flag("--json", scroll_args->json, "Print Qdrant's ScrollResult");
  actions.on(scroll, [scroll_args](Context& ctx) { return scroll_command(ctx, *scroll_args); });

  CLI::App* search =
      vectors->add_subcommand("search", "Embed TEXT and print the nearest points of NAME");
  auto search_args = std::make_shared<SearchArgs>();
  search->add_option("NAME", search_args->collection, "Collection")->required();
  search->add_option("TEXT", search_args->text, "Text to search for")->required();
  search->add_option("-k", search_args->k, "How many points")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  search->add_option("--filter", search_args->filter, filter_help)->type_name("JSON");
  search->add_flag("--json", search_args->json, "Print one JSON document");
  actions.on(search, [search_args](Context& ctx) { return search_command(ctx, *search_args); });

  CLI::App* remove = vectors->add_subcommand("delete", "Delete a collection and its points");
  auto remove_name = std::make_shared<std::string>();
  remove->add_option("NAME", *remove_name, "Collection")->required();
  actions.on(remove, [remove_name](Context& ctx) { return delete_command(ctx, *remove_name); });
}

void add_rag_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* rag = twin.add_subcommand(
      "rag", "Retrieval over the vector store, as the Handbook's RAG does it (without the LLM)");
  rag->require_subcommand(1);
  CLI::App* search = rag->add_subcommand(
      "search", "The chunks nearest to QUESTION across the embedded collections, best first");
  auto args = std::make_shared<RagArgs>();
  search->add_option("QUESTION", args->question, "What to look for")->required();
  search->add_option("--author", args->author, "Only this author's chunks (full name)");
  search->add_option("-k", args->k, "How many chunks, split over the three collections")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  search->add_flag("--json", args->json, "Print one JSON document");
  search->add_flag("--rerank", args->rerank,
                   "Rerank 3k candidates with the cross-encoder RERANKING_CROSS_ENCODER_MODEL_ID "
                   "names and keep the top k (scores become cross-encoder scores)");
  actions.on(search, [args](Context& ctx) { return rag_search_command(ctx, *args); });
}

}  // namespace

TWIN_REGISTER_COMMAND(62, add_vectors_command);
TWIN_REGISTER_COMMAND(63, add_rag_command);

}  // namespace twin::cli
