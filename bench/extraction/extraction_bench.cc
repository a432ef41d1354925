// Extraction benchmark and prediction tool for bench/extraction/run.sh.
//
//   extraction_bench predict PAGES_DIR OUT.json   writes {id: {"articleBody": content}}
//   extraction_bench throughput PAGES_DIR SECONDS  prints "extract <MB/s>"
//   extraction_bench parsers PAGES_DIR SECONDS     prints the parse-only throughput of libxml2
//                                                  and gumbo
#include <fmt/format.h>
#include <gumbo.h>
#include <libxml/HTMLparser.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "twin/crawl/extract.h"

namespace {

std::map<std::string, std::string> read_pages(const std::filesystem::path& dir) {
  std::map<std::string, std::string> pages;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".html") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    pages[entry.path().stem().string()] = text.str();
  }
  return pages;
}

// CPU seconds used by this process: on a shared machine, wall time would measure the neighbours.
double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// Runs `work` over all pages repeatedly for at least `seconds` of CPU time; returns MB of HTML
// per CPU second.
template <typename Work>
double throughput(const std::map<std::string, std::string>& pages, double seconds, Work work) {
  size_t bytes = 0;
  const double start = cpu_seconds();
  double elapsed = 0;
  do {
    for (const auto& [id, html] : pages) {
      work(html);
      bytes += html.size();
    }
    elapsed = cpu_seconds() - start;
  } while (elapsed < seconds);
  return static_cast<double>(bytes) / 1e6 / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    fmt::print(stderr,
               "usage: {} predict DIR OUT.json | throughput DIR SECONDS | parsers DIR SECONDS\n",
               argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const auto pages = read_pages(argv[2]);
  if (mode == "predict") {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [id, html] : pages) {
      out[id] = {{"articleBody", twin::crawl::extract_article(html).content}};
    }
    std::ofstream(argv[3]) << out.dump(1);
    return 0;
  }
  const double seconds = std::stod(argv[3]);
  volatile size_t sink = 0;
  if (mode == "throughput") {
    const double extract = throughput(pages, seconds, [&](const std::string& html) {
      sink = sink + twin::crawl::extract_article(html).content.size();
    });
    fmt::print("extract {:.2f}\n", extract);
    return 0;
  }
  const double libxml2 = throughput(pages, seconds / 2, [&](const std::string& html) {
    xmlDoc* doc = htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
                                 HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                     HTML_PARSE_NONET | HTML_PARSE_COMPACT);
    xmlFreeDoc(doc);
  });
  const double gumbo = throughput(pages, seconds / 2, [&](const std::string& html) {
    GumboOutput* output = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
    gumbo_destroy_output(&kGumboDefaultOptions, output);
  });
  fmt::print("parse_libxml2 {:.2f}\nparse_gumbo {:.2f}\n", libxml2, gumbo);
  return 0;
}
