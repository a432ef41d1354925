// GloVe average, like sentence-transformers' average_word_embeddings_* models
// (WordEmbeddings -> mean Pooling) followed by L2 normalisation.
#include <fmt/format.h>

#include <cmath>

#include "embedders.h"
#include "glove_table.h"
#include "twin/embeddings/glove.h"
#include "twin/embeddings/python_text.h"
#include "word_windows.h"

namespace twin::embeddings {

namespace {

constexpr std::string_view kPunctuation = R"(!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~)";

class GloveEmbedder final : public Embedder {
 public:
  explicit GloveEmbedder(std::unique_ptr<GloveTable> table)
      : table_(std::move(table)), model_id_(kGloveModelId) {}

  const std::string& model_id() const override { return model_id_; }
  std::size_t dimension() const override { return table_->dimension(); }
  std::size_t max_input_length() const override { return kGloveMaxInputLength; }

  Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) override {
    std::vector<std::vector<float>> vectors;
    vectors.reserve(texts.size());
    for (const std::string& text : texts) vectors.push_back(embed_one(text));
    return vectors;
  }

  std::vector<std::string> token_windows(std::string_view text, std::size_t tokens_per_window,
                                         std::size_t overlap) const override {
    return word_windows(text, tokens_per_window, overlap);
  }

 private:
  std::vector<float> embed_one(std::string_view text) const {
    const std::size_t dimension = table_->dimension();
    std::vector<double> sum(dimension, 0.0);
    std::size_t found = 0;
    const std::vector<std::string> tokens = split_whitespace(text);
    const std::size_t limit = std::min(tokens.size(), kGloveMaxInputLength);
    for (std::size_t t = 0; t < limit; ++t) {
      for (const std::string& candidate : lookup_candidates(tokens[t])) {
        const std::span<const float> vector = table_->find(candidate);
        if (vector.empty()) continue;
        for (std::size_t i = 0; i < dimension; ++i) sum[i] += vector[i];
        ++found;
        break;
      }
    }
    std::vector<float> out(dimension, 0.0F);
    if (found == 0) return out;
    // The mean's direction is the sum's, so normalising the sum is enough.
    double norm = 0.0;
    for (double value : sum) norm += value * value;
    norm = std::sqrt(norm);
    if (norm == 0.0) return out;
    for (std::size_t i = 0; i < dimension; ++i) out[i] = static_cast<float>(sum[i] / norm);
    return out;
  }

  std::unique_ptr<GloveTable> table_;
  std::string model_id_;
};

}  // namespace

std::vector<std::string> lookup_candidates(std::string_view token) {
  std::vector<std::string> candidates;
  auto add = [&candidates](std::string candidate) {
    if (candidate.empty()) return;
    for (const std::string& seen : candidates) {
      if (seen == candidate) return;
    }
    candidates.push_back(std::move(candidate));
  };
  add(std::string(token));
  const std::size_t begin = token.find_first_not_of(kPunctuation);
  std::string stripped;
  if (begin != std::string_view::npos) {
    const std::size_t end = token.find_last_not_of(kPunctuation);
    stripped = std::string(token.substr(begin, end - begin + 1));
  }
  add(stripped);
  add(lower(stripped));
  return candidates;
}

Result<std::unique_ptr<Embedder>> open_glove(const std::filesystem::path& table_path) {
  auto table = GloveTable::open(table_path);
  if (!table) {
    if (table.error().code() == StatusCode::kNotFound) {
      return fail(Status::failed_precondition(fmt::format(
          "the GloVe table {} is missing: run {} (or set TWIN_GLOVE_PATH, or choose another "
          "TEXT_EMBEDDING_MODEL_ID)",
          table_path.string(), kGloveInstallCommand)));
    }
    return fail(table.error().with_context(
        fmt::format("opening the GloVe table (rebuild it with {})", kGloveInstallCommand)));
  }
  return std::unique_ptr<Embedder>(std::make_unique<GloveEmbedder>(std::move(*table)));
}

}  // namespace twin::embeddings
