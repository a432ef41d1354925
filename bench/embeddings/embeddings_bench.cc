// Sentences per second through twin's in-process sentence-transformers model (Embedder::embed:
// tokenization, the BERT forward pass, pooling, normalisation) for the texts of one file (one
// text per line), after one warm-up batch; peak resident memory of the process.
// Usage: embeddings_bench MODEL_FOLDER TEXTS_FILE THREADS. Prints one JSON line; exits 1 when a
// call fails.
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "twin/core/settings.h"
#include "twin/embeddings/bert_encoder.h"
#include "twin/embeddings/embedder.h"

namespace {

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    fmt::print(stderr, "usage: embeddings_bench MODEL_FOLDER TEXTS_FILE THREADS\n");
    return 2;
  }
  twin::embeddings::set_blas_threads(std::atoi(argv[3]));
  std::vector<std::string> texts;
  std::ifstream in(argv[2]);
  for (std::string line; std::getline(in, line);) texts.push_back(line);
  twin::SettingsOptions options;
  options.root = std::filesystem::current_path();
  auto settings = twin::Settings::load(options);
  if (!settings) {
    fmt::print(stderr, "{}\n", settings.error().to_string());
    return 1;
  }
  auto embedder = twin::embeddings::Embedder::open(argv[1], *settings);
  if (!embedder) {
    fmt::print(stderr, "{}\n", embedder.error().to_string());
    return 1;
  }
  const double loaded_mb = peak_rss_mb();
  const std::vector<std::string> warm_up(
      texts.begin(), texts.begin() + std::min<std::ptrdiff_t>(32, std::ssize(texts)));
  if (auto warmed = (*embedder)->embed(warm_up); !warmed) return 1;
  const auto start = std::chrono::steady_clock::now();
  auto vectors = (*embedder)->embed(texts);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!vectors) {
    fmt::print(stderr, "{}\n", vectors.error().to_string());
    return 1;
  }
  fmt::print(R"({{"sentences": {}, "seconds": {:.3f}, "sentences_per_s": {:.1f}, )"
             R"("rss_after_load_mb": {:.1f}, "peak_rss_mb": {:.1f}}})"
             "\n",
             texts.size(), seconds, static_cast<double>(texts.size()) / seconds, loaded_mb,
             peak_rss_mb());
  return 0;
}
