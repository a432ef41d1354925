// The LLM Engineer's Handbook's cleaning and chunking, as pure functions (feature engineering:
// raw documents -> cleaned documents -> chunks). Each reproduces the Handbook's Python exactly;
// docs/embeddings.md lists the one place where it cannot (token windows decode GloVe words, not
// MiniLM word pieces).
//
// Text is UTF-8. Python's len() and regular expressions work on code points, so every length
// here counts code points, and \w / \s are Unicode-aware as in Python 3's `re`
// (twin/embeddings/python_text.h). Invalid UTF-8 bytes are read as U+FFFD: clean_text turns them
// into spaces, the chunkers emit U+FFFD in their place.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "twin/embeddings/embedder.h"

namespace twin::llm_twin {

// The Handbook's clean_text:
//   text = re.sub(r"[^\w\s.,!?]", " ", text); text = re.sub(r"\s+", " ", text); text.strip()
std::string clean_text(std::string_view text);

// The cleaned content of a document, from its raw `content` object, as the Handbook's cleaning
// handlers build it. The order of the values matters, so these take nlohmann::ordered_json
// (parse with nlohmann::ordered_json::parse to keep a file's key order):
//   articles      the values that are not null or empty, joined with " #### ", cleaned
//   posts, repos  every value joined with " #### ", cleaned. The Handbook's join would raise on a
//                 None value; here null joins as "" and a non-string value as its JSON text.
std::string clean_article_content(const nlohmann::ordered_json& content);
std::string clean_post_content(const nlohmann::ordered_json& content);
std::string clean_repository_content(const nlohmann::ordered_json& content);

// The same from a nlohmann::json object (as the warehouse returns documents), whose keys are
// sorted, so the crawlers' order is restored first: Title, Subtitle, Content, text, image, then
// the other keys in sorted order (this reproduces every article the Handbook crawlers write,
// whose content is {Title, Subtitle, Content, language}, and twin's posts, {text, image}).
nlohmann::ordered_json handbook_content_order(const nlohmann::json& content);

// The Handbook's chunk_article: split into sentences with
//   re.split(r"(?<!\w\.\w.)(?<![A-Z][a-z]\.)(?<=\.|\?|\!)\s", text)
// then pack stripped sentences greedily into chunks of at most `max_length` code points
// (a sentence longer than that is a chunk by itself), keeping only chunks of at least
// `min_length`. Articles use min_length 1000, max_length 2000.
std::vector<std::string> chunk_article(std::string_view text, std::size_t min_length,
                                       std::size_t max_length);

// LangChain's RecursiveCharacterTextSplitter(separators=["\n\n"], chunk_size, chunk_overlap=0)
// as the Handbook's chunk_text uses it: pieces starting with their "\n\n" separator, merged
// while shorter than `chunk_size` code points, stripped; a piece of chunk_size or more passes
// through unstripped.
std::vector<std::string> split_paragraphs(std::string_view text, std::size_t chunk_size);

// The Handbook's chunk_text(text, chunk_size, chunk_overlap): split_paragraphs, then each
// section cut into windows of embedder.max_input_length() tokens overlapping by `chunk_overlap`
// (SentenceTransformersTokenTextSplitter) through embedder.token_windows. Posts use 250 / 25,
// repositories 1500 / 100.
std::vector<std::string> chunk_text(std::string_view text, std::size_t chunk_size,
                                    std::size_t chunk_overlap,
                                    const embeddings::Embedder& embedder);

// The Handbook's chunk id: str(UUID(hashlib.md5(chunk.encode()).hexdigest(), version=4)),
// i.e. the MD5 of the UTF-8 bytes with the version nibble set to 4 and the variant to RFC 4122.
std::string chunk_id(std::string_view chunk);

}  // namespace twin::llm_twin
