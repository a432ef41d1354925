#include "twin/warehouse/exchange.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "twin/core/file_io.h"
#include "twin/core/json.h"

namespace twin::warehouse {
namespace {

struct TextPosition {
  size_t line = 1;
  size_t column = 1;
};

// Line and column (1-based) of the byte at `offset`. nlohmann reports the last byte of the
// offending token, so that is what messages point at.
TextPosition position_of(const std::string& text, size_t offset) {
  TextPosition position;
  for (size_t i = 0; i < std::min(offset, text.size()); ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else {
      ++position.column;
    }
  }
  return position;
}

// nlohmann's message after its "[json.exception.parse_error.101] parse error at line 1, column
// 2: " prefix.
std::string parse_error_reason(const std::string& what) {
  const size_t colon = what.find(": ", what.find("parse error"));
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

}  // namespace

Result<std::vector<Document>> read_document_array(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(Status::io(fmt::format("{}: cannot read the file", file.string())));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  TWIN_RETURN_IF_ERROR(check_json_depth(text, file.string()));
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    const size_t offset = error.byte > 0 ? error.byte - 1 : 0;
    const TextPosition at = position_of(text, offset);
    return fail(
        Status::invalid_argument(fmt::format("{}:{}:{}: malformed JSON: {}", file.string(), at.line,
                                             at.column, parse_error_reason(error.what()))));
  }
  if (!parsed.is_array()) {
    return fail(Status::invalid_argument(fmt::format(
        "{}: expected a JSON array of documents, found {}", file.string(), parsed.type_name())));
  }
  std::vector<Document> documents;
  documents.reserve(parsed.size());
  for (size_t i = 0; i < parsed.size(); ++i) {
    auto document = Document::from_json(std::move(parsed[i]));
    if (!document) {
      return fail(document.error().with_context(fmt::format("{}: document {}", file.string(), i)));
    }
    documents.push_back(std::move(*document));
  }
  return documents;
}

Status write_document_array(const std::filesystem::path& file,
                            const std::vector<Document>& documents) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& document : documents) array.push_back(document.to_json());
  // ensure_ascii, like Python's json.dump that wrote the Handbook's files.
  return write_file_atomically(file,
                               array.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
}

}  // namespace twin::warehouse
