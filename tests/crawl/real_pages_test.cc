// Extraction quality on real pages: the 130 pages of Mozilla Readability's test suite
// (shared/data/readability-test-pages beside the source root). Skipped when the data is absent.
//
// The F1 is the team's metric computed by the team's own tool: the test writes twin's predictions
// to a temporary file and runs `python3 shared/tools/extract_f1.py` on them (so the figure is the
// one bench/extraction_real prints, Unicode \w tokens included).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "twin/crawl/extract.h"

namespace twin::crawl {
namespace {

namespace fs = std::filesystem;

// F1 measured when the guard was last raised (bench/extraction_real, docs/crawl.md); the test
// fails when quality drops more than 0.01 below it.
constexpr double kMeasuredF1 = 0.960;

const fs::path kShared = fs::path(TWIN_SOURCE_DIR) / ".." / "shared";
const fs::path kPages = kShared / "data" / "readability-test-pages";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(RealPagesTest, F1StaysWithinOneHundredthOfTheMeasuredFigure) {
  const fs::path tool = kShared / "tools" / "extract_f1.py";
  if (!fs::exists(kPages / "ground-truth.json") || !fs::exists(tool)) {
    GTEST_SKIP() << "no real page set at " << kPages << " (or no " << tool << ")";
  }
  nlohmann::json predictions = nlohmann::json::object();
  for (const auto& entry : fs::directory_iterator(kPages / "pages")) {
    const fs::path source = entry.path() / "source.html";
    if (!fs::exists(source)) continue;
    predictions[entry.path().filename().string()] = {
        {"articleBody", extract_article(read_file(source)).content}};
  }
  ASSERT_GE(predictions.size(), 100u);
  const fs::path out =
      fs::temp_directory_path() / ("twin_real_pages_" + std::to_string(::getpid()) + ".json");
  std::ofstream(out) << predictions.dump();
  const std::string command = "/usr/bin/python3 '" + tool.string() + "' '" +
                              (kPages / "ground-truth.json").string() + "' '" + out.string() + "'";
  std::string output;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
    ::pclose(pipe);
  }
  fs::remove(out);
  double f1 = 0;
  double precision = 0;
  double recall = 0;
  ASSERT_EQ(std::sscanf(output.c_str(), "F1 %lf P %lf R %lf", &f1, &precision, &recall), 3)
      << command << " printed: " << output;
  EXPECT_GE(f1, kMeasuredF1 - 0.01) << output;
}

// The held-out set had pages that gave "no article content found": every real page with text in
// its body must give some content, and say which path produced it.
TEST(RealPagesTest, EveryPageWithTextGivesContentAndItsPath) {
  if (!fs::exists(kPages / "ground-truth.json")) GTEST_SKIP() << "no real page set at " << kPages;
  const nlohmann::json truth = nlohmann::json::parse(read_file(kPages / "ground-truth.json"));
  for (const auto& [id, expected] : truth.items()) {
    if (expected.value("articleBody", "").empty()) continue;
    const ExtractedArticle article =
        extract_article(read_file(kPages / "pages" / id / "source.html"));
    EXPECT_FALSE(article.content.empty()) << id;
    EXPECT_NE(article.path, ExtractionPath::kNone) << id;
  }
}

}  // namespace
}  // namespace twin::crawl
