// Article extraction from HTML: the main content as markdown-like text plus metadata.
//
// HTML is parsed with libxml2's HTML parser (chosen over gumbo in bench/extraction: faster on
// the page set, equally robust on broken markup, and maintained). The main content is found the
// way Mozilla Readability and trafilatura do it: boilerplate containers (navigation, headers,
// footers, asides, forms, comments, share bars, related links, cookie banners, newsletters) are
// dropped by tag, role and class/id names; paragraphs score their ancestors by text length and
// commas; the best-scoring container, penalised for link density, is the article, and its
// headings, paragraphs, lists, code blocks, quotes and tables are rendered as markdown-like text.
// An explicit article body (<article>, itemprop="articleBody", <main>) is preferred when it holds
// most of the page's paragraph text; siblings holding running text join the chosen element. When
// that finds too little text, extraction falls back step by step (relaxed cleaning, paragraph
// classification, the whole body) and ExtractedArticle::path records which path produced the
// content. Metadata comes from JSON-LD, OpenGraph, <meta> tags and the page (<title>, bylines),
// read in Mozilla Readability's order of preference.
//
// Before parsing, a byte scan cuts what the extractor never reads (comments, scripts except
// JSON-LD, styles, SVG, noscript, templates, <nav>, <aside>, unread attributes), which is most
// of a real page's bytes.
//
// Thread-safety: the functions are reentrant (libxml2's parser is, once initialised; the first
// call initialises it). Side effect: the first call routes libxml2's allocator, process-wide,
// through hooks that bump-allocate from a per-thread arena while a page is being extracted and
// call malloc/free unchanged otherwise (src/crawl/libxml_arena.h).
#pragma once

#include <string>
#include <string_view>

namespace twin::crawl {

// Which way the content was found, most specific first; extract_article() falls back down this
// list until one yields enough text, so a page with a visible text body never gives nothing.
enum class ExtractionPath {
  kNone,        // no text at all (empty or unparseable input)
  kSelectors,   // extract_with_selectors(): the site's own structure
  kContainer,   // an explicit article container (<article>, itemprop=articleBody, known classes)
  kScored,      // Readability-style candidate scoring with sibling merging
  kRelaxed,     // the same, retried with relaxed cleaning rules (too little text at first)
  kParagraphs,  // paragraph classification (jusText-style) over the whole body
  kBaseline,    // every text block of the body (last resort)
};
std::string_view to_string(ExtractionPath path);

struct ExtractedArticle {
  std::string title;
  std::string subtitle;
  std::string content;
  std::string language;
  std::string author;
  std::string date;
  std::string site_name;
  ExtractionPath path = ExtractionPath::kNone;
};

// Never fails: unparseable input gives an empty article.
ExtractedArticle extract_article(std::string_view html);

// Site-specific extraction by CSS-like class selectors ("h1.pw-post-title": a tag and classes
// the element must all have). Empty fields where the selector matches nothing; content is the
// rendered text of the first element matching `content_selector`.
struct SiteSelectors {
  std::string title;
  std::string subtitle;
  std::string content;
};
ExtractedArticle extract_with_selectors(std::string_view html, const SiteSelectors& selectors);

// Medium's structure (h1.pw-post-title, h2.pw-subtitle-paragraph, the article's paragraphs)
// and Substack's (h1.post-title, h3.subtitle, div.body.markup).
const SiteSelectors& medium_selectors();
const SiteSelectors& substack_selectors();

}  // namespace twin::crawl
