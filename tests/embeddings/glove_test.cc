// The GloVe embedder: the converter (scripts/glove-convert.mjs, run with node) on a tiny
// hand-made table, the table reader, the averaging, and the real table when it is installed.
#include "twin/embeddings/glove.h"

#include <gmock/gmock.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "embeddings/embedders.h"
#include "embeddings/glove_table.h"
#include "embeddings/word_windows.h"
#include "embeddings_test_support.h"
#include "support/temp_dir.h"
#include "twin/core/process.h"
#include "twin/embeddings/embedder.h"

namespace twin::embeddings {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::settings_with;

// A wink-embeddings file with 3 dimensions; the two trailing numbers of each vector (its norm
// and index) are what the real package carries and the converter ignores.
constexpr std::string_view kTinyWink = R"({
  "precision": 8, "l2NormIndex": 3, "wordIndex": 4, "size": 6, "dimensions": 3,
  "words": ["the", "king", "queen", "carrot", ",", "é", "king"],
  "vectors": {
    "the": [0, 0, 1, 1, 0], "king": [1, 0, 0, 1, 1], "queen": [0.8, 0.6, 0, 1, 2],
    "carrot": [0, -1, 0, 1, 3], ",": [0, 0, -1, 1, 4], "é": [3, 4, 0, 5, 5]
  },
  "unkVector": [0, 0, 0, 0, -1]
})";

// Converts kTinyWink into dir/tiny.bin with node; false (and the test skipped) without node.
bool convert_tiny(const std::filesystem::path& dir) {
  std::ofstream(dir / "tiny.json") << kTinyWink;
  ProcessSpec spec;
  spec.argv = {"node", TWIN_SOURCE_DIR "/scripts/glove-convert.mjs", (dir / "tiny.json").string(),
               (dir / "tiny.bin").string()};
  spec.err.mode = OutputMode::kCapture;
  auto ran = run_process(spec);
  if (!ran) return false;
  EXPECT_TRUE(ran->ok()) << ran->err;
  return ran->ok();
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += double{a[i]} * double{b[i]};
  return sum;
}

TEST(GloveTable, ConvertedTableIsSortedAndFindsEveryWord) {
  testing_support::TempDir dir;
  if (!convert_tiny(dir.path())) GTEST_SKIP() << "node is needed to run scripts/glove-convert.mjs";
  auto table = GloveTable::open(dir.path() / "tiny.bin");
  ASSERT_TRUE(table.has_value()) << table.error().to_string();
  EXPECT_EQ((*table)->dimension(), 3U);
  EXPECT_EQ((*table)->size(), 6U);  // the repeated "king" is kept once
  EXPECT_EQ((*table)->word(0), ",");
  EXPECT_THAT((*table)->find("queen"), ElementsAre(0.8F, 0.6F, 0.0F));
  EXPECT_THAT((*table)->find("é"), ElementsAre(3.0F, 4.0F, 0.0F));
  EXPECT_TRUE((*table)->find("kin").empty());
  EXPECT_TRUE((*table)->find("").empty());
}

TEST(GloveTable, RejectsMissingAndCorruptFiles) {
  testing_support::TempDir dir;
  auto missing = GloveTable::open(dir.path() / "none.bin");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
  std::ofstream(dir.path() / "junk.bin") << std::string(100, 'x');
  auto junk = GloveTable::open(dir.path() / "junk.bin");
  ASSERT_FALSE(junk.has_value());
  EXPECT_EQ(junk.error().code(), StatusCode::kCorruption);
  EXPECT_THAT(junk.error().message(), HasSubstr("bad magic"));
  if (!convert_tiny(dir.path())) GTEST_SKIP() << "node is needed to run scripts/glove-convert.mjs";
  // A truncated table: the vectors no longer fit.
  std::filesystem::resize_file(dir.path() / "tiny.bin",
                               std::filesystem::file_size(dir.path() / "tiny.bin") - 4);
  auto truncated = GloveTable::open(dir.path() / "tiny.bin");
  ASSERT_FALSE(truncated.has_value());
  EXPECT_THAT(truncated.error().message(), HasSubstr("vectors out of bounds"));
}

TEST(GloveEmbedder, MissingTableSaysHowToInstallIt) {
  testing_support::TempDir dir;
  auto embedder = Embedder::open(settings_with(dir.path(), {{"TWIN_GLOVE_PATH", "nowhere.bin"}}));
  ASSERT_FALSE(embedder.has_value());
  EXPECT_EQ(embedder.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(embedder.error().message(), HasSubstr("scripts/install-glove.sh"));
  EXPECT_THAT(embedder.error().message(), HasSubstr((dir.path() / "nowhere.bin").string()));
}

TEST(GloveEmbedder, AveragesTheFoundWordsAndNormalises) {
  testing_support::TempDir dir;
  if (!convert_tiny(dir.path())) GTEST_SKIP() << "node is needed to run scripts/glove-convert.mjs";
  auto opened = Embedder::open(settings_with(dir.path(), {{"TWIN_GLOVE_PATH", "tiny.bin"}}));
  ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
  Embedder& embedder = **opened;
  EXPECT_EQ(embedder.model_id(), "glove-100d");
  EXPECT_EQ(embedder.dimension(), 3U);
  EXPECT_EQ(embedder.max_input_length(), 256U);
  const std::vector<std::string> texts = {"King", "King, QUEEN!", "unknown words only",
                                          "",     "king ,",       "É"};
  auto vectors = embedder.embed(texts);
  ASSERT_TRUE(vectors.has_value());
  ASSERT_EQ(vectors->size(), texts.size());
  EXPECT_THAT((*vectors)[0], ElementsAre(1.0F, 0.0F, 0.0F));
  // king + queen = (1.8, 0.6, 0), normalised.
  const double norm = std::sqrt(1.8 * 1.8 + 0.6 * 0.6);
  EXPECT_NEAR((*vectors)[1][0], 1.8 / norm, 1e-6);
  EXPECT_NEAR((*vectors)[1][1], 0.6 / norm, 1e-6);
  EXPECT_THAT((*vectors)[2], ElementsAre(0.0F, 0.0F, 0.0F));
  EXPECT_THAT((*vectors)[3], ElementsAre(0.0F, 0.0F, 0.0F));
  // "," is a word of the vocabulary: found as is, before any stripping.
  EXPECT_NEAR((*vectors)[4][0], 1 / std::sqrt(2.0), 1e-6);
  EXPECT_NEAR((*vectors)[4][2], -1 / std::sqrt(2.0), 1e-6);
  // Non-ASCII lower-casing.
  EXPECT_NEAR((*vectors)[5][0], 0.6, 1e-6);
}

TEST(GloveEmbedder, ReadsAtMostMaxInputLengthTokens) {
  testing_support::TempDir dir;
  if (!convert_tiny(dir.path())) GTEST_SKIP() << "node is needed to run scripts/glove-convert.mjs";
  auto opened = Embedder::open(settings_with(dir.path(), {{"TWIN_GLOVE_PATH", "tiny.bin"}}));
  ASSERT_TRUE(opened.has_value());
  std::string text;
  for (int i = 0; i < 256; ++i) text += "zzz ";
  text += "king";  // token 257: not read
  auto vectors = (*opened)->embed(std::vector<std::string>{text});
  ASSERT_TRUE(vectors.has_value());
  EXPECT_THAT(vectors->front(), ElementsAre(0.0F, 0.0F, 0.0F));
}

TEST(LookupCandidates, FollowSentenceTransformersWhitespaceTokenizer) {
  EXPECT_THAT(lookup_candidates("Hello,"), ElementsAre("Hello,", "Hello", "hello"));
  EXPECT_THAT(lookup_candidates("word"), ElementsAre("word"));
  EXPECT_THAT(lookup_candidates("..."), ElementsAre("..."));
  EXPECT_THAT(lookup_candidates("(Don't)"), ElementsAre("(Don't)", "Don't", "don't"));
}

TEST(TokenWindows, AreLangChainsSplitOnTokensOverWords) {
  EXPECT_THAT(word_windows("a b c d e f g", 3, 1), ElementsAre("a b c", "c d e", "e f g"));
  EXPECT_THAT(word_windows("a b c d e f", 3, 1), ElementsAre("a b c", "c d e", "e f"));
  EXPECT_THAT(word_windows("a  b\n\nc", 5, 2), ElementsAre("a b c"));
  EXPECT_THAT(word_windows("a b c", 3, 0), ElementsAre("a b c"));
  EXPECT_THAT(word_windows("a b c d", 2, 5), ElementsAre("a b", "b c", "c d"));  // overlap clamped
  EXPECT_THAT(word_windows("", 3, 1), ElementsAre());
  EXPECT_THAT(word_windows("a b", 0, 0), ElementsAre());
}

// ---- the real table (scripts/install-glove.sh)

class RealGlove : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_ =
        std::make_unique<Settings>(settings_with(dir_.path(), {}, /*process_environment=*/true));
    const auto path = glove_table_path(*settings_);
    if (!std::filesystem::exists(path)) {
      GTEST_SKIP() << path << " is not installed: run scripts/install-glove.sh";
    }
    auto opened = Embedder::open(*settings_);
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    embedder_ = std::move(*opened);
  }
  testing_support::TempDir dir_;
  std::unique_ptr<Settings> settings_;
  std::unique_ptr<Embedder> embedder_;
};

TEST_F(RealGlove, KingIsCloserToQueenThanToCarrot) {
  EXPECT_EQ(embedder_->dimension(), 100U);
  const std::vector<std::string> texts = {"king", "queen", "carrot"};
  auto vectors = embedder_->embed(texts);
  ASSERT_TRUE(vectors.has_value());
  EXPECT_GT(dot((*vectors)[0], (*vectors)[1]), dot((*vectors)[0], (*vectors)[2]) + 0.2);
}

TEST_F(RealGlove, VectorsAreUnitLengthAndEmptyTextIsZero) {
  const std::vector<std::string> texts = {"Fine-tune Llama 3.1 Ultra-Efficiently with Unsloth!", "",
                                          "zzqxj qqvvb", "RAG pipelines."};
  auto vectors = embedder_->embed(texts);
  ASSERT_TRUE(vectors.has_value());
  EXPECT_NEAR(dot((*vectors)[0], (*vectors)[0]), 1.0, 1e-5);
  EXPECT_NEAR(dot((*vectors)[3], (*vectors)[3]), 1.0, 1e-5);
  EXPECT_EQ(dot((*vectors)[1], (*vectors)[1]), 0.0);
  EXPECT_EQ(dot((*vectors)[2], (*vectors)[2]), 0.0);
  // Similar sentences are closer than unrelated ones.
  const std::vector<std::string> pair = {"The cat rested on the carpet.",
                                         "The kitten slept on the rug.",
                                         "Interest rates rose in the bond market."};
  auto similar = embedder_->embed(pair);
  ASSERT_TRUE(similar.has_value());
  EXPECT_GT(dot((*similar)[0], (*similar)[1]), dot((*similar)[0], (*similar)[2]));
}

}  // namespace
}  // namespace twin::embeddings
