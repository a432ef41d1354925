// Prediction and throughput tool for bench/extraction_real/run.sh, over a folder of pages laid out
// as readability-test-pages: PAGES_DIR/NAME/source.html.
//
//   real_extraction_bench predict PAGES_DIR OUT.json
//       writes {NAME: {"articleBody", "title", "byline", "lang", "path"}} (path: which extraction
//       path produced the body)
//   real_extraction_bench throughput PAGES_DIR SECONDS   prints "extract <MB/s>"
#include <fmt/format.h>
#include <time.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "twin/crawl/extract.h"

namespace {

std::map<std::string, std::string> read_pages(const std::filesystem::path& dir) {
  std::map<std::string, std::string> pages;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::filesystem::path source = entry.path() / "source.html";
    if (!std::filesystem::exists(source)) continue;
    std::ifstream in(source, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    pages[entry.path().filename().string()] = text.str();
  }
  return pages;
}

// CPU seconds used by this process: on a shared machine, wall time would measure the neighbours.
double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    fmt::print(stderr, "usage: {} predict DIR OUT.json | throughput DIR SECONDS\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const auto pages = read_pages(argv[2]);
  if (mode == "predict") {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [id, html] : pages) {
      const twin::crawl::ExtractedArticle article = twin::crawl::extract_article(html);
      out[id] = {{"articleBody", article.content},
                 {"title", article.title},
                 {"byline", article.author},
                 {"lang", article.language},
                 {"path", twin::crawl::to_string(article.path)}};
    }
    std::ofstream(argv[3]) << out.dump(1);
    return 0;
  }
  if (mode != "throughput") {
    fmt::print(stderr, "unknown mode {}\n", mode);
    return 2;
  }
  const double seconds = std::stod(argv[3]);
  volatile size_t sink = 0;
  size_t bytes = 0;
  const double start = cpu_seconds();
  double elapsed = 0;
  do {
    for (const auto& [id, html] : pages) {
      sink = sink + twin::crawl::extract_article(html).content.size();
      bytes += html.size();
    }
    elapsed = cpu_seconds() - start;
  } while (elapsed < seconds);
  fmt::print("extract {:.2f}\n", static_cast<double>(bytes) / 1e6 / elapsed);
  return 0;
}
