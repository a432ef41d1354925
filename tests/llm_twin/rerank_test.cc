// llm_twin::rerank with the random cross-encoder of tests/embeddings/bert_reference.py: chunks
// come back ordered by the PyTorch reference's scores, cut to keep_top_k, scored by them.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "embeddings/bert_reference_support.h"
#include "embeddings/embeddings_test_support.h"
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

}  // namespace
}  // namespace twin::llm_twin
