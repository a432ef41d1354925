// twin's BERT encoder, pooling and cross-encoder against an independent PyTorch forward pass over
// random-weight models (bert_reference.py): cosine >= 0.9999 and max |difference| <= 1e-4 per
// vector, for texts of 2 to 48 tokens (some truncated), one batch with padding, one text per
// call, and batches larger than the internal batch of 32.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "bert_reference_support.h"
#include "embeddings_test_support.h"
#include "support/run_twin.h"
#include "support/temp_dir.h"
#include "twin/embeddings/cross_encoder.h"
#include "twin/embeddings/embedder.h"
#include "twin/embeddings/sentence_transformer.h"

namespace twin::embeddings {
namespace {

constexpr double kMinCosine = 0.9999;
constexpr double kMaxAbsDifference = 1e-4;

struct Match {
  double cosine = 1;
  double max_abs = 0;
};

Match compare(const std::vector<float>& got, const nlohmann::json& want) {
  Match match;
  double dot = 0;
  double got_norm = 0;
  double want_norm = 0;
  EXPECT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    const double w = want[i].get<double>();
    dot += got[i] * w;
    got_norm += static_cast<double>(got[i]) * got[i];
    want_norm += w * w;
    match.max_abs = std::max(match.max_abs, std::abs(got[i] - w));
  }
  match.cosine = dot / std::sqrt(got_norm * want_norm);
  return match;
}

void expect_close(const std::vector<std::vector<float>>& got, const nlohmann::json& want,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  Match worst;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const Match match = compare(got[i], want[i]);
    EXPECT_GE(match.cosine, kMinCosine) << what << " text " << i;
    EXPECT_LE(match.max_abs, kMaxAbsDifference) << what << " text " << i;
    worst.cosine = std::min(worst.cosine, match.cosine);
    worst.max_abs = std::max(worst.max_abs, match.max_abs);
  }
  fmt::print("{}: {} vectors, worst cosine {:.9f}, worst max |diff| {:.3g}\n", what, got.size(),
             worst.cosine, worst.max_abs);
}

class BertMatchesTorch : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::bert_reference().error.empty()) << testing::bert_reference().error;
    for (const auto& model : testing::bert_reference().json["embedders"]) {
      if (model["pooling"] == GetParam()) model_ = model;
    }
    ASSERT_FALSE(model_.is_null()) << "no reference for pooling " << GetParam();
    auto settings = testing::settings_with(testing::bert_reference().dir, {});
    auto opened = Embedder::open(model_["folder"].get<std::string>(), settings);
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    embedder_ = std::move(*opened);
    texts_ = model_["texts"].get<std::vector<std::string>>();
  }

  nlohmann::json model_;
  std::unique_ptr<Embedder> embedder_;
  std::vector<std::string> texts_;
};

TEST_P(BertMatchesTorch, TokenCountsMatchTheReference) {
  const auto& tokenizer = dynamic_cast<const SentenceTransformer&>(*embedder_).tokenizer();
  for (std::size_t i = 0; i < texts_.size(); ++i) {
    EXPECT_EQ(tokenizer.encode(texts_[i], embedder_->max_input_length()).input_ids.size(),
              model_["lengths"][i].get<std::size_t>())
        << texts_[i];
  }
  EXPECT_EQ(embedder_->max_input_length(), model_["max_seq_length"].get<std::size_t>());
}

TEST_P(BertMatchesTorch, OnePaddedBatch) {
  auto vectors = embedder_->embed(texts_);
  ASSERT_TRUE(vectors.has_value()) << vectors.error().to_string();
  expect_close(*vectors, model_["vectors"], GetParam() + " pooling, one batch");
  if (model_["normalize"].get<bool>()) {
    for (const auto& vector : *vectors) {
      double norm = 0;
      for (float v : vector) norm += static_cast<double>(v) * v;
      EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5);
    }
  }
}

TEST_P(BertMatchesTorch, OneTextPerCall) {
  std::vector<std::vector<float>> vectors;
  for (const auto& text : texts_) {
    auto one = embedder_->embed(std::span(&text, 1));
    ASSERT_TRUE(one.has_value()) << one.error().to_string();
    vectors.push_back((*one)[0]);
  }
  expect_close(vectors, model_["vectors"], GetParam() + " pooling, batch size 1");
}

TEST_P(BertMatchesTorch, BatchesLargerThanTheInternalBatch) {
  std::vector<std::string> many;
  nlohmann::json expected = nlohmann::json::array();
  for (std::size_t i = 0; i < 75; ++i) {  // 32 + 32 + 11, in a shuffled order
    const std::size_t pick = (i * 7) % texts_.size();
    many.push_back(texts_[pick]);
    expected.push_back(model_["vectors"][pick]);
  }
  auto vectors = embedder_->embed(many);
  ASSERT_TRUE(vectors.has_value()) << vectors.error().to_string();
  expect_close(*vectors, expected, GetParam() + " pooling, 75 texts");
}

TEST_P(BertMatchesTorch, TokenWindowsDecodeLikeHuggingFace) {
  // the quick jump ##ing dog . -> windows of 3 tokens overlapping by 1, decoded with ## glued
  // and no space before the full stop.
  EXPECT_EQ(embedder_->token_windows("The quick jumping dog.", 3, 1),
            (std::vector<std::string>{"the quick jump", "jumping dog", "dog."}));
  EXPECT_TRUE(embedder_->token_windows("", 3, 1).empty());
}

INSTANTIATE_TEST_SUITE_P(Pooling, BertMatchesTorch, ::testing::Values("mean", "cls", "max"));

TEST(CrossEncoderMatchesTorch, LogitsAndSigmoidScores) {
  ASSERT_TRUE(testing::bert_reference().error.empty()) << testing::bert_reference().error;
  const auto& model = testing::bert_reference().json["cross_encoders"][0];
  auto settings = testing::settings_with(testing::bert_reference().dir,
                                         {{"RERANKING_CROSS_ENCODER_MODEL_ID", "cross"}});
  auto encoder = CrossEncoder::open(settings);
  ASSERT_TRUE(encoder.has_value()) << encoder.error().to_string();
  EXPECT_EQ((*encoder)->activation(), "sigmoid");
  EXPECT_EQ((*encoder)->max_length(), 32U);
  const auto query = model["query"].get<std::string>();
  const auto passages = model["passages"].get<std::vector<std::string>>();
  auto logits = (*encoder)->logits(query, passages);
  auto scores = (*encoder)->score(query, passages);
  ASSERT_TRUE(logits.has_value() && scores.has_value());
  double worst = 0;
  for (std::size_t i = 0; i < passages.size(); ++i) {
    EXPECT_NEAR((*logits)[i], model["logits"][i].get<double>(), kMaxAbsDifference) << i;
    EXPECT_NEAR((*scores)[i], model["scores"][i].get<double>(), kMaxAbsDifference) << i;
    worst = std::max(worst, std::abs((*logits)[i] - model["logits"][i].get<double>()));
  }
  fmt::print(
      "cross-encoder: {} pairs (up to 32 tokens, longest-first truncation), worst logit "
      "|diff| {:.3g}\n",
      passages.size(), worst);
}

TEST(EmbedCommand, PrintsTheReferenceVectorsAsJson) {
  ASSERT_TRUE(testing::bert_reference().error.empty()) << testing::bert_reference().error;
  const auto& model = testing::bert_reference().json["embedders"][0];
  const auto texts = model["texts"].get<std::vector<std::string>>();
  const auto ran = testing_support::run_twin(
      fmt::format("embed --json --model mean {} {}", testing_support::shell_quote(texts[4]),
                  testing_support::shell_quote(texts[9])),
      testing::bert_reference().dir);
  ASSERT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  const auto printed = nlohmann::json::parse(ran.out);
  EXPECT_EQ(printed["model"], "mean");
  EXPECT_EQ(printed["dimension"], 32);
  ASSERT_EQ(printed["vectors"].size(), 2U);
  expect_close({printed["vectors"][0].get<std::vector<float>>(),
                printed["vectors"][1].get<std::vector<float>>()},
               nlohmann::json::array({model["vectors"][4], model["vectors"][9]}), "twin embed");
}

TEST(RerankCommand, PrintsTheReferenceScores) {
  ASSERT_TRUE(testing::bert_reference().error.empty()) << testing::bert_reference().error;
  const auto& model = testing::bert_reference().json["cross_encoders"][0];
  const auto passages = model["passages"].get<std::vector<std::string>>();
  const auto ran = testing_support::run_twin(
      fmt::format("rerank --json --model cross {} {} {}",
                  testing_support::shell_quote(model["query"].get<std::string>()),
                  testing_support::shell_quote(passages[2]),
                  testing_support::shell_quote(passages[5])),
      testing::bert_reference().dir);
  ASSERT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  const auto printed = nlohmann::json::parse(ran.out);
  EXPECT_EQ(printed["activation"], "sigmoid");
  ASSERT_EQ(printed["scores"].size(), 2U);
  EXPECT_NEAR(printed["scores"][0].get<double>(), model["scores"][2].get<double>(),
              kMaxAbsDifference);
  EXPECT_NEAR(printed["scores"][1].get<double>(), model["scores"][5].get<double>(),
              kMaxAbsDifference);
}

TEST(RerankCommand, NoModelSaysWhichSettingToSet) {
  testing_support::TempDir empty;
  const auto ran = testing_support::run_twin("rerank query passage", empty.path());
  EXPECT_NE(ran.exit_code, 0);
  EXPECT_NE(ran.err.find("RERANKING_CROSS_ENCODER_MODEL_ID"), std::string::npos) << ran.err;
}

// A model given with --model that cannot be opened is named as --model, not as the setting.
TEST(EmbedCommand, ABadModelFlagIsNamedAsTheFlag) {
  testing_support::TempDir empty;
  const auto ran = testing_support::run_twin("embed text --model /no/such/model", empty.path());
  EXPECT_EQ(ran.exit_code, 2);
  EXPECT_TRUE(ran.err.find("--model '/no/such/model'") != std::string::npos) << ran.err;
  EXPECT_EQ(ran.err.find("TEXT_EMBEDDING_MODEL_ID '"), std::string::npos) << ran.err;
}

}  // namespace
}  // namespace twin::embeddings
