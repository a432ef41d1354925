// llm_twin::rerank with the random cross-encoder of tests/embeddings/bert_reference.py: chunks
// come back ordered by the PyTorch reference's scores, cut to keep_top_k, scored by them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>

#include "embeddings/bert_reference_support.h"
#include "embeddings/embeddings_test_support.h"
#include "support/run_twin.h"
#include "support/temp_dir.h"
#include "twin/llm_twin/retrieval.h"

namespace twin::llm_twin {
namespace {

TEST(Rerank, OrdersChunksByCrossEncoderScoreAndKeepsTopK) {
  const auto& reference = embeddings::testing::bert_reference();
  ASSERT_TRUE(reference.error.empty()) << reference.error;
  const auto& model = reference.json["cross_encoders"][0];
  auto settings = embeddings::testing::settings_with(reference.dir, {});
  auto encoder = embeddings::CrossEncoder::open("cross", settings);
  ASSERT_TRUE(encoder.has_value()) << encoder.error().to_string();

  std::vector<RetrievedChunk> chunks;
  const auto passages = model["passages"].get<std::vector<std::string>>();
  for (std::size_t i = 0; i < passages.size(); ++i) {
    RetrievedChunk chunk;
    chunk.collection = "embedded_posts";
    chunk.point.payload = {{"content", passages[i]}, {"index", i}};
    chunk.point.score = 1.0F;  // the vector search's score, replaced by the reranker's
    chunks.push_back(std::move(chunk));
  }
  const std::vector<double> want = model["scores"].get<std::vector<double>>();
  std::vector<std::size_t> order(want.size());
  std::iota(order.begin(), order.end(), 0);
  std::ranges::stable_sort(order, [&](std::size_t a, std::size_t b) { return want[a] > want[b]; });

  auto reranked = rerank(model["query"].get<std::string>(), chunks, 3, **encoder);
  ASSERT_TRUE(reranked.has_value()) << reranked.error().to_string();
  ASSERT_EQ(reranked->size(), 3U);
  for (std::size_t rank = 0; rank < 3; ++rank) {
    EXPECT_EQ((*reranked)[rank].point.payload["index"], order[rank]) << "rank " << rank;
    EXPECT_NEAR((*reranked)[rank].point.score, want[order[rank]], 1e-4);
  }
}

// `twin rag search --rerank` end to end, on a store the feature_engineering pipeline filled from
// the Handbook's articles with an in-process model folder (TEXT_EMBEDDING_MODEL_ID), reranked by a
// cross-encoder folder (RERANKING_CROSS_ENCODER_MODEL_ID): the hits are the pool the search
// without --rerank returns for 3k, in the order of `twin rerank`'s scores, with those scores.
TEST(RagSearchRerank, OrdersThePoolByTheCrossEncoderScoresOfTwinRerank) {
  namespace fs = std::filesystem;
  using nlohmann::json;
  using testing_support::run_twin;
  using testing_support::shell_quote;
  const fs::path handbook =
      fs::path(TWIN_SOURCE_DIR) / ".." / "shared" / "data" / "llm-engineers-handbook";
  if (!fs::exists(handbook / "data_warehouse_raw_data")) GTEST_SKIP() << "no " << handbook;
  const auto& reference = embeddings::testing::bert_reference();
  ASSERT_TRUE(reference.error.empty()) << reference.error;

  testing_support::TempDir project;
  const fs::path& dir = project.path();
  std::ofstream(dir / "twin.toml") << "";
  std::ofstream(dir / ".env") << "TEXT_EMBEDDING_MODEL_ID=" << (reference.dir / "mean").string()
                              << "\nRERANKING_CROSS_ENCODER_MODEL_ID="
                              << (reference.dir / "cross").string() << "\n";
  ASSERT_EQ(
      run_twin("warehouse import " + shell_quote((handbook / "data_warehouse_raw_data").string()),
               dir)
          .exit_code,
      0);
  const auto filled =
      run_twin("pipeline run feature_engineering --config " +
                   shell_quote((handbook / "configs" / "feature_engineering.yaml").string()),
               dir);
  ASSERT_EQ(filled.exit_code, 0) << filled.err;

  const std::string question = "How do I fine-tune Llama 3.1 with Unsloth?";
  const auto pool = run_twin("rag search " + shell_quote(question) + " -k 9 --json", dir);
  ASSERT_EQ(pool.exit_code, 0) << pool.err;
  const json pool_hits = json::parse(pool.out).at("hits");
  // k/3 per collection, as the Handbook; the Handbook's export holds articles only, so the pool
  // is 3 article chunks, which the reranker orders
  // (Rerank.OrdersChunksByCrossEncoderScoreAndKeepsTopK covers cutting a wider pool to k).
  ASSERT_EQ(pool_hits.size(), 3U) << pool.out;

  std::string passages;
  for (const json& hit : pool_hits) passages += " " + shell_quote(hit.at("content"));
  const auto scored = run_twin("rerank " + shell_quote(question) + passages + " --json", dir);
  ASSERT_EQ(scored.exit_code, 0) << scored.err;
  const auto scores = json::parse(scored.out).at("scores").get<std::vector<double>>();
  ASSERT_EQ(scores.size(), pool_hits.size());
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::ranges::stable_sort(order,
                           [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });

  const auto reranked =
      run_twin("rag search " + shell_quote(question) + " -k 3 --rerank --json", dir);
  ASSERT_EQ(reranked.exit_code, 0) << reranked.err;
  const json result = json::parse(reranked.out);
  EXPECT_EQ(result.at("reranker"), (reference.dir / "cross").string());
  const json& hits = result.at("hits");
  ASSERT_EQ(hits.size(), 3U) << reranked.out;
  for (std::size_t rank = 0; rank < 3; ++rank) {
    EXPECT_EQ(hits[rank].at("id"), pool_hits[order[rank]].at("id")) << "rank " << rank;
    EXPECT_NEAR(hits[rank].at("score").get<double>(), scores[order[rank]], 1e-5);
  }
}

}  // namespace
}  // namespace twin::llm_twin
