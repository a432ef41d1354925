// Pages of the extraction page set (bench/extraction/pages) for serving in crawl tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace twin::testing_support {

inline std::filesystem::path page_set_dir() { return TWIN_SOURCE_DIR "/bench/extraction"; }

inline std::string read_page(const std::string& id) {
  std::ifstream in(page_set_dir() / "pages" / (id + ".html"), std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The ground truth's first paragraph of a page: a sentence the extracted content must contain.
inline std::string first_paragraph(const std::string& id) {
  std::ifstream in(page_set_dir() / "GROUND_TRUTH.json");
  const auto truth = nlohmann::json::parse(in);
  const std::string body = truth.at(id).at("articleBody").get<std::string>();
  return body.substr(0, body.find("\n\n"));
}

}  // namespace twin::testing_support
