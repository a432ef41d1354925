// twin embed TEXT... [--model M] [--json] and twin rerank QUERY PASSAGE... [--model M] [--json]:
// the embedder TEXT_EMBEDDING_MODEL_ID names (GloVe, an OpenAI-compatible URL or a
// sentence-transformers folder) and the cross-encoder RERANKING_CROSS_ENCODER_MODEL_ID names,
// run on the command line.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>

#include "command.h"
#include "twin/embeddings/cross_encoder.h"
#include "twin/embeddings/embedder.h"

namespace twin::cli {
namespace {

using json = nlohmann::json;

struct EmbedArgs {
  std::vector<std::string> texts;
  std::string model;
  bool json = false;
};

struct RerankArgs {
  std::string query;
  std::vector<std::string> passages;
  std::string model;
  bool json = false;
};

std::string one_line(std::string text, std::size_t width) {
  std::ranges::replace(text, '\n', ' ');
  if (text.size() <= width) return text;
  std::size_t cut = width - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

// The embeddings module names the setting a model id came from; when --model gave it, the
// error names --model instead.
Status naming_the_flag(const Status& status, std::string_view setting) {
  const std::string prefix = std::string(setting) + " ";
  if (!status.message().starts_with(prefix)) return status;
  return {status.code(), "--model " + status.message().substr(prefix.size())};
}

Result<int> embed_command(const Context& ctx, const EmbedArgs& args) {
  auto opened = args.model.empty() ? embeddings::Embedder::open(ctx.settings())
                                   : embeddings::Embedder::open(args.model, ctx.settings());
  if (!opened) {
    return fail(args.model.empty() ? opened.error()
                                   : naming_the_flag(opened.error(), "TEXT_EMBEDDING_MODEL_ID"));
  }
  auto& embedder = **opened;
  TWIN_ASSIGN_OR_RETURN(auto vectors, embedder.embed(args.texts));
  if (args.json) {
    fmt::print("{}\n", json{{"model", embedder.model_id()},
                            {"dimension", embedder.dimension()},
                            {"vectors", vectors}}
                           .dump());
    return 0;
  }
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    fmt::print("{}  ({} floats, {})\n[{}]\n", one_line(args.texts[i], 60), vectors[i].size(),
               embedder.model_id(), fmt::join(vectors[i], ", "));
  }
  return 0;
}

Result<int> rerank_command(const Context& ctx, const RerankArgs& args) {
  auto opened = args.model.empty() ? embeddings::CrossEncoder::open(ctx.settings())
                                   : embeddings::CrossEncoder::open(args.model, ctx.settings());
  if (!opened) {
    return fail(args.model.empty()
                    ? opened.error()
                    : naming_the_flag(opened.error(), "RERANKING_CROSS_ENCODER_MODEL_ID"));
  }
  auto& encoder = **opened;
  TWIN_ASSIGN_OR_RETURN(auto scores, encoder.score(args.query, args.passages));
  if (args.json) {
    fmt::print("{}\n", json{{"model", encoder.model_id()},
                            {"activation", encoder.activation()},
                            {"query", args.query},
                            {"scores", scores}}
                           .dump());
    return 0;
  }
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::ranges::stable_sort(order,
                           [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    fmt::print("{}. {:.6f}  passage {}  {}\n", rank + 1, scores[order[rank]], order[rank] + 1,
               one_line(args.passages[order[rank]], 80));
  }
  return 0;
}

void add_embed_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* embed = twin.add_subcommand(
      "embed", "Print one vector per TEXT from the embedder TEXT_EMBEDDING_MODEL_ID names");
  auto embed_args = std::make_shared<EmbedArgs>();
  embed->add_option("TEXT", embed_args->texts, "Texts to embed")->required();
  embed->add_option("--model", embed_args->model,
                    "Embedder: glove-100d, an OpenAI-compatible URL or a sentence-transformers "
                    "model folder (default: TEXT_EMBEDDING_MODEL_ID)");
  embed->add_flag("--json", embed_args->json,
                  R"(Print {"model", "dimension", "vectors": [[...], ...]})");
  actions.on(embed, [embed_args](Context& ctx) { return embed_command(ctx, *embed_args); });

  CLI::App* rerank = twin.add_subcommand(
      "rerank", "Score each PASSAGE against QUERY with a cross-encoder, best first");
  auto rerank_args = std::make_shared<RerankArgs>();
  rerank->add_option("QUERY", rerank_args->query, "Query")->required();
  rerank->add_option("PASSAGE", rerank_args->passages, "Passages to score")->required();
  rerank->add_option("--model", rerank_args->model,
                     "Cross-encoder model folder (default: RERANKING_CROSS_ENCODER_MODEL_ID)");
  rerank->add_flag("--json", rerank_args->json,
                   R"(Print {"model", "activation", "query", "scores": [...]} in passage order)");
  actions.on(rerank, [rerank_args](Context& ctx) { return rerank_command(ctx, *rerank_args); });
}

}  // namespace

TWIN_REGISTER_COMMAND(61, add_embed_command);

}  // namespace twin::cli
