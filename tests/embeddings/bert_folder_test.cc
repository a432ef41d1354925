// Bad model folders: each broken copy of a good folder (bert_reference.py's "mean" model) fails
// to open with an error naming the file and what is wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "bert_reference_support.h"
#include "embeddings_test_support.h"
#include "support/temp_dir.h"
#include "twin/embeddings/cross_encoder.h"
#include "twin/embeddings/embedder.h"
#include "twin/embeddings/safetensors.h"

namespace twin::embeddings {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class BadModelFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::bert_reference().error.empty()) << testing::bert_reference().error;
    fs::copy(testing::bert_reference().dir / "mean", folder(), fs::copy_options::recursive);
  }

  fs::path folder() const { return scratch_.path() / "model"; }

  // The error Embedder::open gives for the folder (fails the test if it opens).
  std::string open_error() const {
    auto settings = testing::settings_with(scratch_.path(), {});
    auto opened = Embedder::open(folder().string(), settings);
    if (opened.has_value()) {
      ADD_FAILURE() << "the broken folder opened";
      return "";
    }
    return opened.error().message();
  }

  void edit_config(const std::function<void(nlohmann::json&)>& edit) const {
    nlohmann::json config;
    std::ifstream(folder() / "config.json") >> config;
    edit(config);
    std::ofstream(folder() / "config.json") << config.dump();
  }

 private:
  testing_support::TempDir scratch_;
};

TEST_F(BadModelFolder, TheGoodFolderOpens) {
  auto settings = testing::settings_with(folder().parent_path(), {});
  auto opened = Embedder::open(folder().string(), settings);
  ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
  EXPECT_EQ((*opened)->dimension(), 32U);
}

TEST_F(BadModelFolder, MissingConfig) {
  fs::remove(folder() / "config.json");
  EXPECT_THAT(open_error(), HasSubstr("config.json: missing"));
}

TEST_F(BadModelFolder, MissingVocabulary) {
  fs::remove(folder() / "vocab.txt");
  EXPECT_THAT(open_error(), HasSubstr("vocab.txt: missing"));
}

// A folder with only the fast tokenizer's tokenizer.json (no vocab.txt) gives the same vectors.
TEST_F(BadModelFolder, TokenizerJsonStandsInForVocabTxt) {
  nlohmann::json vocab = nlohmann::json::object();
  std::ifstream lines(folder() / "vocab.txt");
  int id = 0;
  for (std::string line; std::getline(lines, line);) vocab[line] = id++;
  lines.close();
  fs::remove(folder() / "vocab.txt");
  std::ofstream(folder() / "tokenizer.json") << nlohmann::json{
      {"normalizer",
       {{"type", "BertNormalizer"}, {"lowercase", true}, {"handle_chinese_chars", true}}},
      {"model",
       {{"type", "WordPiece"},
        {"unk_token", "[UNK]"},
        {"vocab", vocab}}}}.dump();
  auto settings = testing::settings_with(folder().parent_path(), {});
  auto opened = Embedder::open(folder().string(), settings);
  ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
  const auto& reference = testing::bert_reference().json["embedders"][0];
  const auto texts = reference["texts"].get<std::vector<std::string>>();
  auto vectors = (*opened)->embed(texts);
  ASSERT_TRUE(vectors.has_value());
  for (std::size_t t = 0; t < texts.size(); ++t)
    for (std::size_t i = 0; i < (*vectors)[t].size(); ++i)
      EXPECT_NEAR((*vectors)[t][i], reference["vectors"][t][i].get<double>(), 1e-4);
}

TEST_F(BadModelFolder, TokenizerJsonOfAnotherModelType) {
  fs::remove(folder() / "vocab.txt");
  std::ofstream(folder() / "tokenizer.json") << R"({"model": {"type": "BPE", "vocab": {}}})";
  EXPECT_THAT(open_error(), HasSubstr("tokenizer.json: model type BPE is not supported"));
}

TEST_F(BadModelFolder, MissingWeights) {
  fs::remove(folder() / "model.safetensors");
  EXPECT_THAT(open_error(), HasSubstr("model.safetensors: missing"));
}

TEST_F(BadModelFolder, OnlyPytorchModelBinSaysToConvert) {
  fs::rename(folder() / "model.safetensors", folder() / "pytorch_model.bin");
  const std::string error = open_error();
  EXPECT_THAT(error, HasSubstr("pytorch_model.bin"));
  EXPECT_THAT(error, HasSubstr("convert it to model.safetensors"));
}

TEST_F(BadModelFolder, TruncatedSafetensorsNamesTheTensor) {
  const fs::path weights = folder() / "model.safetensors";
  fs::resize_file(weights, fs::file_size(weights) - 64);
  const std::string error = open_error();
  EXPECT_THAT(error, HasSubstr("model.safetensors: tensor '"));
  EXPECT_THAT(error, HasSubstr("truncated"));
}

TEST_F(BadModelFolder, TruncatedInsideTheHeader) {
  fs::resize_file(folder() / "model.safetensors", 100);
  EXPECT_THAT(open_error(), HasSubstr("model.safetensors: header length"));
}

TEST_F(BadModelFolder, WrongShapeNamesTensorAndShapes) {
  edit_config([](nlohmann::json& config) { config["intermediate_size"] = 65; });
  const std::string error = open_error();
  EXPECT_THAT(error, HasSubstr("tensor encoder.layer.0.intermediate.dense.weight has shape "
                               "[64, 32] but config.json implies [65, 32]"));
}

TEST_F(BadModelFolder, VocabularyOfTheWrongSize) {
  std::ofstream(folder() / "vocab.txt", std::ios::app) << "extra\n";
  EXPECT_THAT(open_error(), HasSubstr("vocab.txt: 49 tokens but config.json's vocab_size is 48"));
}

TEST_F(BadModelFolder, UnsupportedArchitecture) {
  edit_config([](nlohmann::json& config) {
    config["architectures"] = {"RobertaModel"};
    config["model_type"] = "roberta";
  });
  const std::string error = open_error();
  EXPECT_THAT(error, HasSubstr("config.json: architecture RobertaModel is not supported"));
}

TEST_F(BadModelFolder, UnsupportedActivation) {
  edit_config([](nlohmann::json& config) { config["hidden_act"] = "relu"; });
  EXPECT_THAT(open_error(), HasSubstr("hidden_act 'relu' is not supported"));
}

TEST_F(BadModelFolder, UnsupportedModule) {
  std::ofstream(folder() / "modules.json")
      << R"([{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},
             {"idx":1,"name":"1","path":"2_Dense","type":"sentence_transformers.models.Dense"}])";
  EXPECT_THAT(open_error(),
              HasSubstr("modules.json: module type 'sentence_transformers.models.Dense'"));
}

TEST_F(BadModelFolder, PoolingDimensionDisagreesWithConfig) {
  std::ofstream(folder() / "1_Pooling" / "config.json")
      << R"({"word_embedding_dimension": 384, "pooling_mode_mean_tokens": true})";
  EXPECT_THAT(open_error(), HasSubstr("1_Pooling/config.json: word_embedding_dimension 384"));
}

TEST_F(BadModelFolder, ValueOfTheWrongTypeIsAMalformedFile) {
  std::ofstream(folder() / "1_Pooling" / "config.json") << R"({"pooling_mode_mean_tokens": "yes"})";
  EXPECT_THAT(open_error(), HasSubstr("1_Pooling/config.json: [json.exception.type_error"));
}

TEST_F(BadModelFolder, EmbeddingModelIsNotACrossEncoder) {
  auto settings = testing::settings_with(folder().parent_path(), {});
  auto opened = CrossEncoder::open(folder().string(), settings);
  ASSERT_FALSE(opened.has_value());
  EXPECT_THAT(opened.error().message(), HasSubstr("no tensor classifier.weight"));
}

// The activation config.json names decides what score() returns (the current ms-marco
// cross-encoders name Identity: the logit itself).
TEST(CrossEncoderActivation, IdentityGivesTheLogitAndUnknownOnesAreErrors) {
  ASSERT_TRUE(testing::bert_reference().error.empty()) << testing::bert_reference().error;
  testing_support::TempDir scratch;
  const fs::path folder = scratch.path() / "cross";
  fs::copy(testing::bert_reference().dir / "cross", folder, fs::copy_options::recursive);
  auto set_activation = [&](const std::string& name) {
    nlohmann::json config;
    std::ifstream(folder / "config.json") >> config;
    config["sbert_ce_default_activation_function"] = name;
    std::ofstream(folder / "config.json") << config.dump();
  };
  const auto& model = testing::bert_reference().json["cross_encoders"][0];
  const auto passages = model["passages"].get<std::vector<std::string>>();
  set_activation("torch.nn.modules.linear.Identity");
  auto identity = CrossEncoder::load(folder, "cross");
  ASSERT_TRUE(identity.has_value()) << identity.error().to_string();
  EXPECT_EQ((*identity)->activation(), "identity");
  auto scores = (*identity)->score(model["query"].get<std::string>(), passages);
  ASSERT_TRUE(scores.has_value());
  for (std::size_t i = 0; i < passages.size(); ++i)
    EXPECT_NEAR((*scores)[i], model["logits"][i].get<double>(), 1e-4) << i;
  set_activation("torch.nn.modules.activation.Tanh");
  auto unknown = CrossEncoder::load(folder, "cross");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_THAT(
      unknown.error().message(),
      HasSubstr("config.json: activation torch.nn.modules.activation.Tanh is not supported"));
}

TEST(Safetensors, ReadsF16AndRejectsOtherDtypes) {
  testing_support::TempDir dir;
  auto write = [&](const std::string& header, const std::string& data) {
    std::ofstream out(dir.path() / "t.safetensors", std::ios::binary);
    const std::uint64_t size = header.size();
    out.write(reinterpret_cast<const char*>(&size), 8);
    out << header << data;
  };
  // F16 1.0 is 0x3C00, -2.0 is 0xC000, 65504 (the largest) is 0x7BFF, 2^-24 (subnormal) 0x0001.
  write(R"({"x":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}})",
        std::string("\x00\x3C\x00\xC0\xFF\x7B\x01\x00", 8));
  auto read = read_safetensors(dir.path() / "t.safetensors");
  ASSERT_TRUE(read.has_value()) << read.error().to_string();
  EXPECT_EQ(read->at("x").values, (std::vector<float>{1.0F, -2.0F, 65504.0F, 0x1p-24F}));
  write(R"({"x":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", std::string(8, '\0'));
  read = read_safetensors(dir.path() / "t.safetensors");
  ASSERT_FALSE(read.has_value());
  EXPECT_THAT(read.error().message(), HasSubstr("tensor 'x' has dtype \"F64\""));
  write(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0'));
  read = read_safetensors(dir.path() / "t.safetensors");
  ASSERT_FALSE(read.has_value());
  EXPECT_THAT(read.error().message(), HasSubstr("hold 8 bytes but F32 3 needs 12"));
}

}  // namespace
}  // namespace twin::embeddings
