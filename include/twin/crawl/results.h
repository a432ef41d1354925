// What the crawlers return: plain values, no storage. A later step (llm_twin's crawl_links)
// turns them into warehouse documents.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace twin::crawl {

// One article page (a blog post, a Medium or Substack post, any page read by the article crawler).
// Content is markdown-like text: headings as "#", list items as "- ", code fenced with ```.
struct ArticleResult {
  std::string title;
  std::string subtitle;  // subtitle or description; empty when the page has none
  std::string content;
  std::string language;  // BCP 47 tag from <html lang> or metadata; empty when unknown
  std::string author;
  std::string date;  // as published in the page's metadata (usually ISO 8601)
  std::string link;
  std::string platform;  // "medium", "substack", or the page's host
  // Which extraction path produced the content (to_string(ExtractionPath) of extract.h:
  // "selectors", "container", "scored", "relaxed", "paragraphs", "baseline").
  std::string extraction;
};

// One post of a feed (LinkedIn).
struct PostResult {
  std::string text;
  std::string image;  // URL of the post's first image, empty when none
};

struct PostsResult {
  std::string link;
  std::string platform;  // "linkedin"
  std::vector<PostResult> posts;
};

// A repository's text files: path relative to the repository root -> content (UTF-8).
struct RepositoryResult {
  std::string name;
  std::string link;
  std::string platform;  // "github" or "git"
  std::map<std::string, std::string> files;
};

using CrawlDocument = std::variant<ArticleResult, PostsResult, RepositoryResult>;

enum class CrawlStatus { kOk, kFailed, kSkipped };
std::string_view to_string(CrawlStatus status);

// What happened to one link of a batch.
struct CrawlOutcome {
  std::string link;
  std::string domain;   // host of the link ("github.com"), "file" for file:// and local paths
  std::string crawler;  // "article", "medium", "substack", "linkedin", "repository"
  CrawlStatus status = CrawlStatus::kFailed;
  std::string reason;                     // why it failed or was skipped; empty when ok
  std::optional<CrawlDocument> document;  // set when ok
};

}  // namespace twin::crawl
