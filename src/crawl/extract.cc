// Main-content extraction over libxml2's HTML parser (see include/twin/crawl/extract.h).
#include "twin/crawl/extract.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "libxml_arena.h"
#include "twin/core/json.h"

namespace twin::crawl {
namespace {

// ---------------------------------------------------------------------------------------------
// Small DOM helpers.

// ---------------------------------------------------------------------------------------------
// Raw-text elements removed before parsing.

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Whether `text` at `pos` starts with `word` (lower-case ASCII), compared case-insensitively.
bool starts_with_at(std::string_view text, size_t pos, std::string_view word) {
  if (text.size() - pos < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (ascii_lower(text[pos + i]) != word[i]) return false;
  }
  return true;
}

// The position just past the '>' closing the tag whose name starts at `pos`, honouring quoted
// attribute values; text.size() when the tag never closes.
size_t end_of_tag(std::string_view text, size_t pos) {
  char quote = 0;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return pos + 1;
    }
  }
  return text.size();
}

// Whether a tag named `name` (lower-case) starts at text[pos] ('<' or "</" already skipped):
// the name, case-insensitively, followed by a character that cannot continue a tag name.
bool tag_name_at(std::string_view text, size_t pos, std::string_view name) {
  if (!starts_with_at(text, pos, name)) return false;
  if (pos + name.size() == text.size()) return true;
  const char next = text[pos + name.size()];
  return next == '>' || next == '/' || next == ' ' || next == '\t' || next == '\n' ||
         next == '\r' || next == '\f';
}

// Where the element whose start tag ends at `pos` ends (just past its end tag), or npos when
// its end tag is missing. Raw text (script, style) ends at the first end tag, as in the
// parser; other elements at the end tag that balances nested ones of the same name.
size_t end_of_element(std::string_view text, size_t pos, std::string_view name, bool raw_text) {
  int depth = 1;
  while ((pos = text.find('<', pos)) != std::string_view::npos) {
    ++pos;
    if (pos < text.size() && text[pos] == '/' && tag_name_at(text, pos + 1, name)) {
      if (--depth == 0 || raw_text) return end_of_tag(text, pos + 1 + name.size());
    } else if (!raw_text && tag_name_at(text, pos, name)) {
      const size_t tag_end = end_of_tag(text, pos + name.size());
      if (text[tag_end - 2] != '/') ++depth;  // <svg/> opens nothing
      pos = tag_end;
    }
  }
  return std::string_view::npos;
}

bool is_html_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f'; }

// The attributes the extractor reads (attribute() and has_attribute() calls in this file, and
// what libxml2 reads for the encoding); the pre-parse pass removes all others.
bool is_read_attribute(std::string_view name) {
  static constexpr std::array<std::string_view, 18> kRead = {
      "class", "id",       "role",    "hidden",     "aria-hidden", "aria-level",
      "style", "itemprop", "type",    "lang",       "content",     "property",
      "name",  "datetime", "charset", "http-equiv", "xml:lang",    "rel"};
  if (name.size() > 11) return false;
  std::array<char, 11> lowered{};
  for (size_t i = 0; i < name.size(); ++i) lowered[i] = ascii_lower(name[i]);
  const std::string_view key(lowered.data(), name.size());
  return std::find(kRead.begin(), kRead.end(), key) != kRead.end();
}

// Copies `html` into a new string leaving out what the extractor never reads. What is left out:
//  - comments;
//  - <script> (except JSON-LD), <style>, <svg>, <noscript>, <template>, and <nav> and <aside>
//    (which the extractor drops whole anyway), with everything inside them;
//  - attributes the extractor does not read (href, src, srcset, data-*, ...).
// On real pages that is two thirds of the bytes or more, which libxml2 would otherwise parse
// into nodes only for the extractor to drop them. Each start tag is scanned attribute by
// attribute as the HTML tokenizer does (names end at space, '/', '>' or '='; values quoted or
// not), so "<script" inside an attribute value is not mistaken for a tag; everything kept is
// copied byte for byte. An element whose end tag is missing is left to the parser, except script
// and style, which then run to the end there as here.
class UnreadCutter {
 public:
  explicit UnreadCutter(std::string_view html) : html_(html) { out_.reserve(html.size()); }

  std::string run() && {
    while (true) {
      const void* found = std::memchr(html_.data() + pos_, '<', html_.size() - pos_);
      if (found == nullptr) break;
      pos_ = static_cast<size_t>(static_cast<const char*>(found) - html_.data());
      if (html_.compare(pos_, 4, "<!--") == 0) {
        const size_t end = html_.find("-->", pos_ + 4);
        skip_to(end == std::string_view::npos ? html_.size() : end + 3);
      } else if (pos_ + 1 < html_.size() && is_ascii_alpha(html_[pos_ + 1])) {
        start_tag();
      } else {
        ++pos_;
      }
    }
    out_.append(html_, copied_, html_.size() - copied_);
    return std::move(out_);
  }

 private:
  struct Cut {
    std::string_view name;
    bool raw_text;
  };
  static constexpr std::array<Cut, 7> kCuts = {{{"script", true},
                                                {"style", true},
                                                {"svg", false},
                                                {"noscript", false},
                                                {"template", false},
                                                {"nav", false},
                                                {"aside", false}}};

  // Leaves html_[pos_, end) out of the copy.
  void skip_to(size_t end) {
    out_.append(html_, copied_, pos_ - copied_);
    copied_ = pos_ = end;
  }

  // At '<' + letter: the whole element when it is cut, else the tag minus unread attributes.
  void start_tag() {
    const size_t tag_start = pos_;
    const Cut* cut = nullptr;
    for (const Cut& candidate : kCuts) {
      if (tag_name_at(html_, pos_ + 1, candidate.name)) cut = &candidate;
    }
    if (cut != nullptr) {
      const size_t tag_end = end_of_tag(html_, pos_ + 1);
      const bool json_ld =
          cut->name == "script" &&
          html_.substr(pos_, tag_end - pos_).find("ld+json") != std::string_view::npos;
      if (!json_ld) {
        size_t element_end = tag_end;
        if (html_[tag_end - 2] != '/') {  // <svg ... /> is whole
          element_end = end_of_element(html_, tag_end, cut->name, cut->raw_text);
          if (element_end == std::string_view::npos && cut->raw_text) element_end = html_.size();
        }
        if (element_end != std::string_view::npos) {
          skip_to(element_end);
          return;
        }
      }
    }
    pos_ = tag_start + 1;
    while (pos_ < html_.size() && !is_html_space(html_[pos_]) && html_[pos_] != '>' &&
           html_[pos_] != '/') {
      ++pos_;
    }
    attributes();
  }

  // From just after the tag name to just past the tag's '>'.
  void attributes() {
    while (pos_ < html_.size()) {
      const size_t attribute_start = pos_;  // the spaces before the name go with it
      while (pos_ < html_.size() && (is_html_space(html_[pos_]) || html_[pos_] == '/')) ++pos_;
      if (pos_ >= html_.size()) return;
      if (html_[pos_] == '>') {
        ++pos_;
        return;
      }
      const size_t name_start = pos_;
      ++pos_;  // a name's first character may be '=' or a quote
      while (pos_ < html_.size() && !is_html_space(html_[pos_]) && html_[pos_] != '>' &&
             html_[pos_] != '/' && html_[pos_] != '=') {
        ++pos_;
      }
      const std::string_view name = html_.substr(name_start, pos_ - name_start);
      size_t after_spaces = pos_;
      while (after_spaces < html_.size() && is_html_space(html_[after_spaces])) ++after_spaces;
      if (after_spaces < html_.size() && html_[after_spaces] == '=') {
        pos_ = after_spaces + 1;
        while (pos_ < html_.size() && is_html_space(html_[pos_])) ++pos_;
        value();
      }
      if (!is_read_attribute(name)) {
        const size_t end = pos_;
        pos_ = attribute_start;
        skip_to(end);
        // <a href="x"class="y"> loses href but keeps a space before class.
        if (end < html_.size() && !is_html_space(html_[end]) && html_[end] != '>' &&
            html_[end] != '/') {
          out_ += ' ';
        }
      }
    }
  }

  // At an attribute value: quoted (to the matching quote) or bare (to a space or '>').
  void value() {
    if (pos_ >= html_.size()) return;
    const char quote = html_[pos_];
    if (quote == '"' || quote == '\'') {
      const size_t end = html_.find(quote, pos_ + 1);
      pos_ = end == std::string_view::npos ? html_.size() : end + 1;
      return;
    }
    while (pos_ < html_.size() && !is_html_space(html_[pos_]) && html_[pos_] != '>') ++pos_;
  }

  std::string_view html_;
  std::string out_;
  size_t pos_ = 0;
  size_t copied_ = 0;  // html_[copied_, pos_) is still to be copied
};

std::string without_unread_parts(std::string_view html) { return UnreadCutter(html).run(); }

// A page parsed by libxml2. The tree and everything libxml2 allocated for it live in this
// thread's arena (libxml_arena.h) and are released together when the object is destroyed: no
// xmlFreeDoc walk, no free() per node. One object per thread at a time.
class ParsedHtml {
 public:
  explicit ParsedHtml(std::string_view html) {
    if (html.empty()) return;
    // A fresh parser context per document: its dictionary lives in the arena too.
    htmlParserCtxt* context = htmlNewParserCtxt();
    if (context == nullptr) return;
    doc_ = htmlCtxtReadMemory(context, html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
                              HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                  HTML_PARSE_NONET | HTML_PARSE_COMPACT | HTML_PARSE_NODEFDTD);
    // Its memory is the arena's, but an encoding switch (a page that looks like UTF-16, say)
    // opened an ICU converter with ICU's own malloc, which only freeing the context closes: it
    // leaked per such page (found by fuzz/html_extract.cc). The document keeps its own reference
    // to the dictionary.
    htmlFreeParserCtxt(context);
  }
  xmlDoc* get() const { return doc_; }
  explicit operator bool() const { return doc_ != nullptr; }

 private:
  LibxmlArenaScope arena_;
  xmlDoc* doc_ = nullptr;
};

std::string_view name_of(const xmlNode* node) {
  return node->name ? reinterpret_cast<const char*>(node->name) : "";
}

bool is_element(const xmlNode* node) { return node->type == XML_ELEMENT_NODE; }

// An attribute's value without copying it; empty when absent. HTML attribute values are one
// text node in libxml2's tree (entities already replaced), read in place.
std::string_view attribute(const xmlNode* node, std::string_view name) {
  for (const xmlAttr* attr = node->properties; attr != nullptr; attr = attr->next) {
    if (name != reinterpret_cast<const char*>(attr->name)) continue;
    const xmlNode* value = attr->children;
    if (value != nullptr && value->next == nullptr && value->content != nullptr) {
      return reinterpret_cast<const char*>(value->content);
    }
    return {};
  }
  return {};
}

bool has_attribute(const xmlNode* node, std::string_view name) {
  for (const xmlAttr* attr = node->properties; attr != nullptr; attr = attr->next) {
    if (name == reinterpret_cast<const char*>(attr->name)) return true;
  }
  return false;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f'; }

// Collapses runs of whitespace into one space and trims.
std::string collapse_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    // U+00A0 (no-break space) counts as a space.
    if (c == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0') {
      pending_space = true;
      ++i;
      continue;
    }
    if (is_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

void append_text(const xmlNode* node, std::string& out) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
      if (child->content) out += reinterpret_cast<const char*>(child->content);
    } else if (is_element(child)) {
      append_text(child, out);
    }
  }
}

std::string text_of(const xmlNode* node) {
  std::string out;
  append_text(node, out);
  return collapse_spaces(out);
}

template <typename Visit>
void for_each_element(xmlNode* node, const Visit& visit) {
  for (xmlNode* child = node; child != nullptr; child = child->next) {
    if (!is_element(child)) continue;
    visit(child);
    if (child->children) for_each_element(child->children, visit);
  }
}

// The first element named `tag` in document order, stopping there.
xmlNode* first_element(xmlNode* node, std::string_view tag) {
  for (; node != nullptr; node = node->next) {
    if (!is_element(node)) continue;
    if (name_of(node) == tag) return node;
    if (xmlNode* found = first_element(node->children, tag)) return found;
  }
  return nullptr;
}

std::vector<std::string> class_list(const xmlNode* node) {
  std::vector<std::string> classes;
  const std::string_view value = attribute(node, "class");
  size_t start = 0;
  while (start < value.size()) {
    while (start < value.size() && is_space(value[start])) ++start;
    size_t end = start;
    while (end < value.size() && !is_space(value[end])) ++end;
    if (end > start) classes.emplace_back(value.substr(start, end - start));
    start = end;
  }
  return classes;
}

// "h1.pw-post-title": tag (or empty for any) and classes that must all be present.
bool matches_selector(const xmlNode* node, std::string_view selector) {
  const size_t dot = selector.find('.');
  const std::string_view tag = selector.substr(0, dot);
  if (!tag.empty() && name_of(node) != tag) return false;
  if (dot == std::string_view::npos) return true;
  const std::vector<std::string> classes = class_list(node);
  std::string_view rest = selector.substr(dot + 1);
  while (!rest.empty()) {
    const size_t next = rest.find('.');
    const std::string_view wanted = rest.substr(0, next);
    if (std::find(classes.begin(), classes.end(), wanted) == classes.end()) return false;
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
  }
  return true;
}

xmlNode* select_first(xmlNode* root, std::string_view selector) {
  if (selector.empty()) return nullptr;
  xmlNode* found = nullptr;
  for_each_element(root, [&](xmlNode* node) {
    if (found == nullptr && matches_selector(node, selector)) found = node;
  });
  return found;
}

// Unlinks `node`; its memory goes with the document's arena (ParsedHtml).
void remove_node(xmlNode* node) { xmlUnlinkNode(node); }

// ---------------------------------------------------------------------------------------------
// Metadata: JSON-LD, OpenGraph, <meta>.

std::string json_string(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("name")) return json_string(value["name"]);
  if (value.is_array() && !value.empty()) {
    std::string joined;
    for (const auto& item : value) {
      std::string one = json_string(item);
      if (one.empty()) continue;
      if (!joined.empty()) joined += ", ";
      joined += one;
    }
    return joined;
  }
  return "";
}

bool is_article_type(const nlohmann::json& type) {
  static constexpr std::array kTypes = {
      "Article",          "NewsArticle",        "BlogPosting", "TechArticle",    "Report",
      "ScholarlyArticle", "SocialMediaPosting", "WebPage",     "LiveBlogPosting"};
  auto one = [](const std::string& name) {
    return std::find(kTypes.begin(), kTypes.end(), name) != kTypes.end();
  };
  if (type.is_string()) return one(type.get<std::string>());
  if (type.is_array()) {
    for (const auto& item : type) {
      if (item.is_string() && one(item.get<std::string>())) return true;
    }
  }
  return false;
}

// Reads an article object of JSON-LD into `meta`; its "name", which Readability weighs against
// "headline", into `name`.
void read_json_ld_object(const nlohmann::json& object, ExtractedArticle& meta, std::string& name) {
  if (!object.is_object()) return;
  if (object.contains("@graph")) {
    for (const auto& item : object["@graph"]) read_json_ld_object(item, meta, name);
  }
  if (!is_article_type(object.value("@type", nlohmann::json()))) return;
  const bool is_web_page = object.value("@type", nlohmann::json()) == "WebPage";
  auto take = [&object](std::string& field, const char* key) {
    if (field.empty() && object.contains(key)) field = json_string(object[key]);
  };
  if (!is_web_page || meta.title.empty()) take(meta.title, "headline");
  if (!is_web_page) take(name, "name");
  take(meta.subtitle, "description");
  take(meta.author, "author");
  take(meta.date, "datePublished");
  take(meta.language, "inLanguage");
}

void read_json_ld(xmlNode* script, ExtractedArticle& meta, std::string& name) {
  if (lower(attribute(script, "type")) != "application/ld+json") return;
  std::string text;
  append_text(script, text);
  // Some pages wrap the JSON in <![CDATA[ ... ]]>.
  if (const size_t open = text.find("<![CDATA["); open != std::string::npos) {
    text.erase(0, open + 9);
    if (const size_t close = text.rfind("]]>"); close != std::string::npos) text.erase(close);
  }
  const Result<nlohmann::json> json_ld = parse_json(text, "JSON-LD");
  if (!json_ld) return;
  const nlohmann::json& parsed = *json_ld;
  if (parsed.is_array()) {
    for (const auto& item : parsed) read_json_ld_object(item, meta, name);
  } else {
    read_json_ld_object(parsed, meta, name);
  }
}

// Calls `visit` with each lower-cased word of `text` split on any of `separators`; stops and
// returns true as soon as `visit` does.
template <typename Visit>
bool any_word(std::string_view text, std::string_view separators, const Visit& visit) {
  std::array<char, 48> buffer{};
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find_first_of(separators, start);
    if (end == std::string_view::npos) end = text.size();
    const size_t length = end - start;
    if (length > 0 && length <= buffer.size()) {
      for (size_t i = 0; i < length; ++i) {
        buffer[i] = ascii_lower(text[start + i]);
      }
      if (visit(std::string_view(buffer.data(), length))) return true;
    }
    start = end + 1;
  }
  return false;
}

size_t word_count(std::string_view text) {
  size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = is_space(c);
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

// The article's title from the document's <title>, the way Readability reads it: a site name
// after " | ", " - ", " » " ... is cut (or before it, when what is left is too short to be a
// title), "Site: Title" keeps the part after the colon, a title of four words or fewer is kept
// whole. `headings` are the texts of the page's h1 and h2 elements.
std::string title_from_document(const std::string& original,
                                const std::vector<std::string>& headings) {
  static constexpr std::array<std::string_view, 8> kSeparators = {
      " | ", " - ", " \xe2\x80\x93 ", " \xe2\x80\x94 ", " \\ ", " / ", " > ", " \xc2\xbb "};
  size_t first_at = std::string::npos;
  size_t first_length = 0;
  size_t last_at = std::string::npos;
  bool hierarchical = false;
  for (std::string_view separator : kSeparators) {
    const size_t first = original.find(separator);
    if (first == std::string::npos) continue;
    const size_t last = original.rfind(separator);
    if (first_at == std::string::npos || first < first_at) {
      first_at = first;
      first_length = separator.size();
    }
    if (last_at == std::string::npos || last > last_at) last_at = last;
    hierarchical = hierarchical || separator == " \\ " || separator == " / " ||
                   separator == " > " || separator == " \xc2\xbb ";
  }
  std::string title = original;
  if (last_at != std::string::npos) {
    title = original.substr(0, last_at);
    if (word_count(title) < 3) title = original.substr(first_at + first_length);
  } else if (const size_t colon = original.find(": "); colon != std::string::npos) {
    if (std::find(headings.begin(), headings.end(), original) == headings.end()) {
      title = original.substr(original.rfind(':') + 1);
      if (word_count(title) < 3) {
        title = original.substr(colon + 1);
      } else if (word_count(original.substr(0, colon)) > 5) {
        title = original;
      }
    }
  } else if ((original.size() > 150 || original.size() < 15) && headings.size() == 1) {
    title = headings.front();
  }
  title = collapse_spaces(title);
  const size_t words = word_count(title);
  if (words <= 4 && (!hierarchical || words + 1 != word_count(original) - 1)) return original;
  return title;
}

// Rank of a <meta> title key, lower wins (Readability's order); 0 when not a title key.
int title_rank(std::string_view key) {
  static constexpr std::array<std::string_view, 7> kKeys = {
      "dc:title", "dcterm:title",        "og:title",     "weibo:article:title",
      "title",    "weibo:webpage:title", "twitter:title"};
  for (size_t i = 0; i < kKeys.size(); ++i) {
    if (key == kKeys[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

// An element of the page naming the author (rel=author, itemprop=author, a byline class), as
// Readability finds bylines; its text when short enough to be one.
bool is_byline_element(const xmlNode* node) {
  if (attribute(node, "rel") == "author") return true;
  if (attribute(node, "itemprop").find("author") != std::string_view::npos) return true;
  for (const char* attr : {"class", "id"}) {
    const std::string_view names = attribute(node, attr);
    for (std::string_view word : {"byline", "author", "writtenby"}) {
      for (size_t at = 0; at + word.size() <= names.size(); ++at) {
        if (starts_with_at(names, at, word)) return true;
      }
    }
  }
  return false;
}

// One walk over the document: JSON-LD first (it wins), then OpenGraph and <meta> tags, then the
// page itself (<title>, headings, a byline element, <time>).
ExtractedArticle read_metadata(xmlNode* root) {
  ExtractedArticle meta;
  ExtractedArticle found;
  std::string description;
  std::string html_title;
  std::string byline;
  std::string json_ld_name;
  int title_found_rank = 0;
  std::vector<std::string> headings;
  xmlNode* first_time = nullptr;
  bool in_body = false;
  for_each_element(root, [&](xmlNode* node) {
    const std::string_view tag = name_of(node);
    if (tag == "body") in_body = true;
    if (tag == "script") read_json_ld(node, meta, json_ld_name);
    if (tag == "h1" || tag == "h2") headings.push_back(text_of(node));
    if (tag == "time" && first_time == nullptr) first_time = node;
    if (tag == "html" && meta.language.empty())
      meta.language = std::string(attribute(node, "lang"));
    if (tag == "title" && html_title.empty()) html_title = text_of(node);
    if (in_body && byline.empty() && node->properties != nullptr && is_byline_element(node)) {
      std::string text = text_of(node);
      if (!text.empty() && text.size() < 100) byline = std::move(text);
    }
    if (tag != "meta") return;
    const std::string keys =
        lower(!attribute(node, "property").empty() ? attribute(node, "property")
                                                   : attribute(node, "name"));
    if (keys.empty()) return;
    const std::string content = collapse_spaces(attribute(node, "content"));
    if (content.empty()) return;
    auto set = [&content](std::string& field) {
      if (field.empty()) field = content;
    };
    any_word(keys, " \t\n", [&](std::string_view key) {
      const int rank = title_rank(key);
      if (rank != 0 && (title_found_rank == 0 || rank < title_found_rank)) {
        found.title = content;
        title_found_rank = rank;
      }
      if (key == "og:description" || key == "twitter:description") set(found.subtitle);
      if (key == "description" || key == "dc:description") set(description);
      if (key == "author" || key == "article:author" || key == "dc.creator" ||
          key == "dc:creator" || key == "dcterm:creator" || key == "parsely-author" ||
          key == "byl") {
        if (!content.starts_with("http")) set(found.author);
      }
      if (key == "article:published_time" || key == "date" || key == "dc.date" ||
          key == "pubdate" || key == "publish-date") {
        set(found.date);
      }
      if (key == "og:site_name") set(found.site_name);
      if (key == "og:locale") set(found.language);
      return false;
    });
  });
  auto fill = [](std::string& field, const std::string& value) {
    if (field.empty()) field = value;
  };
  // JSON-LD's name instead of its headline when the document's title names it and not the
  // headline (Wikipedia's headline is a description: "Wikimedia list article").
  if (!json_ld_name.empty() &&
      (meta.title.empty() || (html_title.find(json_ld_name) != std::string::npos &&
                              html_title.find(meta.title) == std::string::npos))) {
    meta.title = json_ld_name;
  }
  fill(meta.title, found.title);
  fill(meta.subtitle, found.subtitle);
  fill(meta.subtitle, description);
  fill(meta.author, found.author);
  fill(meta.author, byline);
  fill(meta.date, found.date);
  fill(meta.site_name, found.site_name);
  if (meta.language.empty() && !found.language.empty()) {
    meta.language = found.language;
    std::replace(meta.language.begin(), meta.language.end(), '_', '-');
  }
  if (meta.title.empty() && !html_title.empty())
    meta.title = title_from_document(html_title, headings);
  if (meta.title.empty() && !headings.empty()) meta.title = headings.front();
  if (meta.date.empty() && first_time != nullptr) {
    meta.date = std::string(attribute(first_time, "datetime"));
  }
  return meta;
}

// ---------------------------------------------------------------------------------------------
// Boilerplate removal.

using NameSet = std::unordered_set<std::string_view>;

// Parts (split on space, '-', '_') of class and id names that mark boilerplate.
bool is_boilerplate_part(std::string_view part) {
  static const NameSet kParts = {
      "ad", "ads", "adsbygoogle", "advert", "advertisement", "advertising", "sponsor", "sponsored",
      "promo", "promoted", "banner", "nav", "navbar", "navigation", "menu", "breadcrumb",
      "breadcrumbs", "sidebar", "aside", "footer", "masthead", "comment", "comments", "disqus",
      "replies", "respond", "share", "sharing", "social", "sharebar", "related", "recommended",
      "recommendations", "recirc", "outbrain", "taboola", "cookie", "cookies", "consent", "gdpr",
      "newsletter", "subscribe", "subscription", "signup", "paywall", "popup", "modal", "overlay",
      "toc", "pagination", "pager", "tags", "tag", "widget", "byline", "meta", "author", "bio",
      "avatar", "skip", "hidden", "caption", "credits", "print", "rss", "toolbar", "header",
      "topbar", "dateline", "timestamp", "categories", "follow", "more", "readmore", "upnext",
      "trending", "popular", "prevnext", "postnav", "jump", "feedback", "rating", "edit",
      "announcement", "alert", "notice", "cta", "donate", "login",
      // WordPress/Jetpack and share plugins: the sharing bar
      // (div.sharedaddy, .sd-sharing, .robots-nocontent), likes,
      // related posts (.jp-relatedposts), AddToAny, ShareThis.
      "sharedaddy", "sd", "nocontent", "relatedposts", "likes", "addtoany", "a2a", "sharethis",
      "shareaholic"};
  return kParts.contains(part);
}

bool has_boilerplate_name(const xmlNode* node) {
  for (const char* attr : {"class", "id"}) {
    if (any_word(attribute(node, attr), " \t\n_-", is_boilerplate_part)) return true;
  }
  return false;
}

bool is_dropped_tag(std::string_view tag) {
  static const NameSet kTags = {"script", "style",  "noscript", "template", "svg",
                                "iframe", "button", "input",    "select",   "textarea",
                                "nav",    "aside",  "footer",   "header",   "figcaption",
                                "object", "embed",  "canvas",   "video",    "audio",
                                "dialog", "menu",   "link",     "meta",     "label"};
  return kTags.contains(tag);
}

bool is_hidden(const xmlNode* node) {
  if (node->properties == nullptr) return false;
  if (has_attribute(node, "hidden")) return true;
  if (attribute(node, "aria-hidden") == "true") return true;
  const std::string style = lower(attribute(node, "style"));
  if (style.find("display:none") != std::string::npos ||
      style.find("display: none") != std::string::npos ||
      style.find("visibility:hidden") != std::string::npos ||
      style.find("visibility: hidden") != std::string::npos) {
    return true;
  }
  const std::string role = lower(attribute(node, "role"));
  return role == "navigation" || role == "banner" || role == "contentinfo" ||
         role == "complementary" || role == "dialog" || role == "alertdialog" || role == "search" ||
         role == "menu";
}

// Text length (non-space bytes) of every element, and of its text inside links and <p>.
struct TextStats {
  size_t text = 0;
  size_t link_text = 0;
  size_t paragraph_text = 0;  // inside <p>, <pre>, <li>, <blockquote>, <td>
  size_t headings = 0;        // h1 elements inside
  size_t commas = 0;
};

// Text statistics memoised per element in the element's `_private` slot (libxml2 leaves it to
// applications): a generation number and an index into `stats_`. clear() starts a new
// generation, so slots of elements freed or changed since are never trusted.
class StatsCache {
 public:
  StatsCache() : generation_(next_generation()) {}

  const TextStats& of(xmlNode* node) {
    const auto slot = reinterpret_cast<std::uintptr_t>(node->_private);
    if ((slot >> 32) == generation_) return stats_[(slot & 0xFFFFFFFFu)];
    TextStats computed = compute(node);
    stats_.push_back(computed);
    node->_private = reinterpret_cast<void*>((generation_ << 32) | (stats_.size() - 1));
    return stats_.back();
  }
  void clear() {
    stats_.clear();
    generation_ = next_generation();
  }

 private:
  static std::uintptr_t next_generation() {
    thread_local std::uintptr_t generation = 0;
    return ++generation;
  }
  std::deque<TextStats> stats_;
  std::uintptr_t generation_;

  TextStats compute(xmlNode* node) {
    TextStats stats;
    const std::string_view tag = name_of(node);
    const bool is_link = tag == "a";
    const bool is_paragraph = tag == "p" || tag == "pre" || tag == "li" || tag == "blockquote" ||
                              tag == "td" || tag == "dd";
    if (tag == "h1") ++stats.headings;
    for (xmlNode* child = node->children; child != nullptr; child = child->next) {
      if (child->type == XML_TEXT_NODE && child->content) {
        for (const xmlChar* c = child->content; *c; ++c) {
          if (!is_space(static_cast<char>(*c))) ++stats.text;
          if (*c == ',') ++stats.commas;
        }
      } else if (is_element(child)) {
        const TextStats& inner = of(child);
        stats.text += inner.text;
        stats.link_text += inner.link_text;
        stats.paragraph_text += inner.paragraph_text;
        stats.headings += inner.headings;
        stats.commas += inner.commas;
      }
    }
    if (is_link) stats.link_text = stats.text;
    if (is_paragraph) stats.paragraph_text = stats.text - std::min(stats.text, stats.link_text);
    return stats;
  }
};

bool is_known_content_container(const xmlNode* node);
double link_density(const TextStats& s);

// Whether an element holds the article (its h1 or a known content container): such an element
// is never removed for its name, since "layout--with-sidebar" wraps the article, not a sidebar.
bool holds_article(xmlNode* node) {
  if (is_known_content_container(node)) return true;
  bool found = false;
  for_each_element(node->children, [&](xmlNode* inner) {
    if (!found && (name_of(inner) == "h1" || is_known_content_container(inner))) found = true;
  });
  return found;
}

// Parts of boilerplate names that also name parts of articles ("read-more" wrapping the rest of
// the story, "story-meta", "caption"): such an element is removed only when it holds little
// running text.
bool is_weak_boilerplate_part(std::string_view part) {
  static const NameSet kWeak = {
      "more",   "readmore", "meta",      "tags",         "tag",     "print",    "edit",    "jump",
      "skip",   "notice",   "alert",     "announcement", "header",  "masthead", "bio",     "author",
      "byline", "dateline", "timestamp", "follow",       "rating",  "feedback", "login",   "cta",
      "banner", "promo",    "paywall",   "subscription", "toolbar", "topbar",   "credits", "toc"};
  return kWeak.contains(part);
}

// Whether the class/id names mark boilerplate strongly (navigation, comments, share bars...),
// weakly (see is_weak_boilerplate_part), or not at all.
enum class NameMark { kNone, kWeak, kStrong };
NameMark boilerplate_mark(const xmlNode* node) {
  NameMark mark = NameMark::kNone;
  for (const char* attr : {"class", "id"}) {
    any_word(attribute(node, attr), " \t\n_-", [&mark](std::string_view part) {
      if (!is_boilerplate_part(part)) return false;
      mark = is_weak_boilerplate_part(part) ? NameMark::kWeak : NameMark::kStrong;
      return mark == NameMark::kStrong;
    });
    if (mark == NameMark::kStrong) return mark;
  }
  return mark;
}

// Running text: paragraph text outside links, enough to be part of an article.
bool holds_running_text(xmlNode* node, StatsCache& stats) {
  const TextStats& s = stats.of(node);
  return s.paragraph_text >= 250 && link_density(s) < 0.3;
}

// How strictly boilerplate is removed: kRelaxed (the retry when too little text was found) keeps
// elements removed only for their class/id names.
enum class Cleaning { kStrict, kRelaxed };

// Collects, below `first` and its siblings, the elements to remove: boilerplate by tag, ARIA
// role, hidden state or class/id name. An element holding the article (its h1 or a known
// content container) is kept whatever its name: "layout--with-sidebar" wraps the article.
// Inside <article> or <main>, a <header> is the article's own (its standfirst, its lead image
// caption) and stays.
void collect_boilerplate(xmlNode* first, std::vector<xmlNode*>& doomed, StatsCache& stats,
                         Cleaning cleaning, bool in_article) {
  for (xmlNode* node = first; node != nullptr; node = node->next) {
    if (node->type == XML_COMMENT_NODE) {
      doomed.push_back(node);
      continue;
    }
    if (!is_element(node)) continue;
    const std::string_view tag = name_of(node);
    bool drop = (is_dropped_tag(tag) && !(in_article && tag == "header")) || is_hidden(node);
    // A <form> is a search box or a comment form, unless it wraps the page (ASP.NET WebForms).
    if (!drop && tag != "body" && tag != "article" && tag != "main") {
      if (tag == "form") {
        drop = !holds_article(node);
      } else if (cleaning == Cleaning::kStrict) {
        const NameMark mark = boilerplate_mark(node);
        if (mark == NameMark::kStrong) drop = !holds_article(node);
        if (mark == NameMark::kWeak)
          drop = !holds_running_text(node, stats) && !holds_article(node);
      }
    }
    if (drop) {
      doomed.push_back(node);
    } else if (node->children) {
      collect_boilerplate(
          node->children, doomed, stats, cleaning,
          in_article || tag == "article" || tag == "main" || attribute(node, "role") == "main");
    }
  }
}

// Removes boilerplate elements from the document; `stats` is reset since texts changed.
void remove_boilerplate(xmlNode* body, StatsCache& stats, Cleaning cleaning = Cleaning::kStrict) {
  std::vector<xmlNode*> doomed;
  collect_boilerplate(body->children, doomed, stats, cleaning, false);
  for (xmlNode* node : doomed) remove_node(node);
  stats.clear();
}

// ---------------------------------------------------------------------------------------------
// Choosing the main content.

// Known article containers (trafilatura's and Readability's experience), most specific first.
bool is_known_content_container(const xmlNode* node) {
  if (node->properties == nullptr) return false;
  if (attribute(node, "itemprop") == "articleBody") return true;
  static const NameSet kClasses = {
      "post-content",  "entry-content",     "article-content", "article-body",
      "article__body", "post-body",         "story-body",      "postarticle-content",
      "post__content", "c-entry-content",   "markup",          "article-text",
      "content-body",  "blog-post-content", "post-text",       "rich-text",
      "prose",         "main-content",      "page-content",    "documentation",
      "md-content",    "rst-content",       "entry-body",      "story-content"};
  return any_word(attribute(node, "class"), " \t\n",
                  [](std::string_view name) { return kClasses.contains(name); });
}

double link_density(const TextStats& s) {
  return s.text == 0 ? 0.0 : static_cast<double>(s.link_text) / static_cast<double>(s.text);
}

// Readability's class weight: +25 for content-like names, -25 for boilerplate-like names.
double class_weight(const xmlNode* node) {
  const std::string names =
      lower(std::string(attribute(node, "class")) + " " + std::string(attribute(node, "id")));
  double weight = 0;
  for (const char* good :
       {"article", "body", "content", "entry", "main", "page", "post", "text", "blog", "story"}) {
    if (names.find(good) != std::string::npos) {
      weight += 25;
      break;
    }
  }
  if (has_boilerplate_name(node)) weight -= 25;
  return weight;
}

double tag_weight(std::string_view tag) {
  if (tag == "div" || tag == "article" || tag == "main" || tag == "section") return 5;
  if (tag == "pre" || tag == "td" || tag == "blockquote") return 3;
  if (tag == "address" || tag == "ol" || tag == "ul" || tag == "dl" || tag == "dd" || tag == "dt" ||
      tag == "li" || tag == "form") {
    return -3;
  }
  if (tag.size() == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6') return -5;
  if (tag == "th") return -5;
  return 0;
}

bool has_block_child(xmlNode* node) {
  for (xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (!is_element(child)) continue;
    const std::string_view tag = name_of(child);
    if (tag == "p" || tag == "div" || tag == "table" || tag == "ul" || tag == "ol" ||
        tag == "pre" || tag == "blockquote" || tag == "section" || tag == "article" ||
        tag == "h1" || tag == "h2" || tag == "h3") {
      return true;
    }
  }
  return false;
}

// Mozilla Readability's scoring: paragraphs give points to their ancestors.
xmlNode* readability_candidate(xmlNode* body, StatsCache& stats) {
  std::unordered_map<xmlNode*, double> scores;
  std::vector<xmlNode*> order;
  auto score_of = [&](xmlNode* node) -> double& {
    auto it = scores.find(node);
    if (it == scores.end()) {
      order.push_back(node);
      it = scores.emplace(node, tag_weight(name_of(node)) + class_weight(node)).first;
    }
    return it->second;
  };
  for_each_element(body->children, [&](xmlNode* node) {
    const std::string_view tag = name_of(node);
    if (tag != "p" && tag != "pre" && tag != "td" && tag != "blockquote" && tag != "div") return;
    // Table cells and divs count as paragraphs only when they hold text directly (Readability's
    // DIV_TO_P), not when they wrap paragraphs of their own.
    if ((tag == "td" || tag == "div") && has_block_child(node)) return;
    const TextStats& s = stats.of(node);
    if (s.text < 25) return;
    const double points = 1.0 + static_cast<double>(s.commas) +
                          std::min(3.0, std::floor(static_cast<double>(s.text) / 100.0));
    xmlNode* ancestor = node->parent;
    for (int level = 0; ancestor != nullptr && is_element(ancestor) && level < 5; ++level) {
      const double divider = level == 0 ? 1.0 : (level == 1 ? 2.0 : level * 3.0);
      score_of(ancestor) += points / divider;
      ancestor = ancestor->parent;
    }
  });
  xmlNode* best = nullptr;
  double best_score = 0;
  for (xmlNode* node : order) {
    if (name_of(node) == "html") continue;
    const double score = scores[node] * (1.0 - link_density(stats.of(node)));
    if (best == nullptr || score > best_score) {
      best = node;
      best_score = score;
    }
  }
  // Readability climbs while the parent holds clearly more text in paragraphs of the same
  // article (the candidate is one section of several).
  while (best != nullptr && best->parent != nullptr && is_element(best->parent) &&
         name_of(best->parent) != "body" && name_of(best->parent) != "html") {
    const TextStats& mine = stats.of(best);
    const TextStats& parent = stats.of(best->parent);
    if (parent.paragraph_text * 10 < mine.paragraph_text * 13 || link_density(parent) > 0.3) break;
    best = best->parent;
  }
  return best;
}

xmlNode* explicit_candidate(xmlNode* body, StatsCache& stats) {
  xmlNode* known = nullptr;
  xmlNode* article = nullptr;
  xmlNode* main = nullptr;
  for_each_element(body->children, [&](xmlNode* node) {
    const size_t text = stats.of(node).paragraph_text;
    if (is_known_content_container(node) &&
        (known == nullptr || text > stats.of(known).paragraph_text)) {
      known = node;
    }
    const std::string_view tag = name_of(node);
    if (tag == "article" && (article == nullptr || text > stats.of(article).paragraph_text)) {
      article = node;
    }
    if ((tag == "main" || attribute(node, "role") == "main") && main == nullptr) main = node;
  });
  for (xmlNode* candidate : {known, article, main}) {
    if (candidate != nullptr && stats.of(candidate).paragraph_text >= 200) return candidate;
  }
  return nullptr;
}

// Whether an element's text ends like a sentence ("... it failed."), not like a label.
bool has_sentence_end(const xmlNode* node) {
  const std::string text = text_of(node);
  return !text.empty() && (text.back() == '.' || text.back() == '!' || text.back() == '?');
}

// The main content: one element, or several siblings when the article is split across them.
struct Content {
  std::vector<xmlNode*> nodes;  // in document order
  ExtractionPath path = ExtractionPath::kNone;
};

// Readability's sibling merge: an article is often split into sibling containers (a lead, the
// body, a "read more" remainder, steps of a how-to). Siblings of the chosen element holding
// running text with few links, or sharing its class, join it.
std::vector<xmlNode*> with_siblings(xmlNode* chosen, StatsCache& stats) {
  xmlNode* parent = chosen->parent;
  if (parent == nullptr || !is_element(parent) || name_of(chosen) == "body") return {chosen};
  const size_t own = std::max<size_t>(stats.of(chosen).paragraph_text, 1);
  const std::string_view own_class = attribute(chosen, "class");
  std::vector<xmlNode*> nodes;
  for (xmlNode* sibling = parent->children; sibling != nullptr; sibling = sibling->next) {
    if (!is_element(sibling)) continue;
    if (sibling == chosen) {
      nodes.push_back(sibling);
      continue;
    }
    const TextStats& s = stats.of(sibling);
    const double density = link_density(s);
    const std::string_view tag = name_of(sibling);
    bool keep = false;
    if (!own_class.empty() && attribute(sibling, "class") == own_class) {
      keep = s.paragraph_text > 0 && density < 0.3;
    } else if (tag == "p") {
      keep = (s.text > 80 && density < 0.25) ||
             (s.text > 0 && density == 0 && has_sentence_end(sibling));
    } else if (s.paragraph_text >= 200 && s.paragraph_text * 5 >= own) {
      keep = density < 0.25 && s.headings == 0;
    }
    if (keep) nodes.push_back(sibling);
  }
  return nodes;
}

bool is_inside(const xmlNode* node, const xmlNode* ancestor) {
  for (const xmlNode* up = node->parent; up != nullptr; up = up->parent) {
    if (up == ancestor) return true;
  }
  return false;
}

// An article split into parts by figures or pull quotes, each part a container with the same
// class ("post__content" three times): all of them, in document order, when the chosen one has
// such twins holding running text; else the chosen one and its siblings (with_siblings).
std::vector<xmlNode*> with_twins(xmlNode* chosen, xmlNode* body, StatsCache& stats) {
  const std::string_view own_class = attribute(chosen, "class");
  std::vector<xmlNode*> parts;
  if (!own_class.empty()) {
    for_each_element(body->children, [&](xmlNode* node) {
      if (node != chosen && attribute(node, "class") != own_class) return;
      if (!parts.empty() && is_inside(node, parts.back())) return;
      const TextStats& s = stats.of(node);
      if (node == chosen || (s.paragraph_text >= 100 && link_density(s) < 0.3)) {
        parts.push_back(node);
      }
    });
  }
  if (parts.size() > 1) return parts;
  return with_siblings(chosen, stats);
}

Content choose_content(xmlNode* body, StatsCache& stats) {
  xmlNode* scored = readability_candidate(body, stats);
  xmlNode* explicit_node = explicit_candidate(body, stats);
  if (explicit_node == nullptr && scored == nullptr) return {{body}, ExtractionPath::kScored};
  // Prefer the explicit container unless it holds much less text than the scored one.
  if (explicit_node != nullptr &&
      (scored == nullptr ||
       stats.of(explicit_node).paragraph_text * 2 >= stats.of(scored).paragraph_text)) {
    return {with_twins(explicit_node, body, stats), ExtractionPath::kContainer};
  }
  return {with_siblings(scored, stats), ExtractionPath::kScored};
}

// ---------------------------------------------------------------------------------------------
// Rendering as markdown-like text.

class MarkdownWriter {
 public:
  // Headings equal to one of `skip_headings` (the title, the subtitle) are left out once.
  MarkdownWriter(StatsCache& stats, const std::vector<std::string>& skip_headings) : stats_(stats) {
    for (const std::string& heading : skip_headings) {
      if (!heading.empty()) skip_headings_.push_back(normalized(heading));
    }
  }

  std::string render(xmlNode* root) { return render(std::vector<xmlNode*>{root}); }

  // The elements' contents one after the other, as one text.
  std::string render(const std::vector<xmlNode*>& roots) {
    for (xmlNode* root : roots) {
      block(root);
      flush_paragraph();
    }
    // Boilerplate lines ("8 min read", bylines, copyright notices) are dropped where they sit
    // around the article, before its first and after its last real block; inside it they are
    // the author's text ("Published in 1843, the notes...").
    size_t first = 0;
    size_t last = blocks_.size();
    while (first < last && blocks_[first].boilerplate) ++first;
    while (last > first && blocks_[last - 1].boilerplate) --last;
    if (first == last) {  // nothing but short lines ("Test"): they are the page's text
      first = 0;
      last = blocks_.size();
    }
    std::string out;
    for (size_t i = first; i < last; ++i) {
      const Block& b = blocks_[i];
      if (!out.empty()) out += b.tight ? "\n" : "\n\n";
      out += b.text;
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

 private:
  // Lower-case letters and digits only: "Title¶" and "title" compare equal.
  static std::string normalized(std::string_view text) {
    std::string out;
    for (char c : text) {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        out += ascii_lower(c);
      }
    }
    return out;
  }

  // Lines around an article that are not part of it: "8 min read", "1.2K 14", bylines,
  // "Last updated ...", copyright notices.
  static bool is_short_line(std::string_view text) {
    size_t words = 0;
    size_t wide = 0;  // characters of three or more UTF-8 bytes (CJK): words of their own
    bool in_word = false;
    for (char c : text) {
      const bool letter = std::isalpha(static_cast<unsigned char>(c)) != 0;
      if (letter && !in_word) ++words;
      in_word = letter;
      if ((static_cast<unsigned char>(c) & 0xF0) >= 0xE0) ++wide;
    }
    if (words + wide / 2 >= 3) return false;
    // "8 min read", "1.2K 14", "Share": short and not a sentence. "Yes." stays.
    const char last = text.empty() ? ' ' : text.back();
    return last != '.' && last != '!' && last != '?' && last != ':';
  }

  static bool is_boilerplate_line(std::string_view text) {
    if (is_short_line(text)) return true;
    if (text.size() > 160) return false;
    const std::string low = lower(text);  // short: cheap
    for (const char* start :
         {"written by ", "posted by ", "posted on ", "published ", "by ", "last updated",
          "updated on ", "share this", "read more", "advertisement", "copyright", "\xc2\xa9"}) {
      if (low.starts_with(start)) return true;
    }
    return low.find("all rights reserved") != std::string::npos ||
           low.find("visitor number") != std::string::npos;
  }

  void flush_paragraph() {
    std::string text = collapse_spaces(inline_);
    inline_.clear();
    if (text.empty()) return;
    const bool boilerplate = prefix_.empty() && is_boilerplate_line(text);
    // A subtitle is one short line; a longer paragraph equal to the description is the lead.
    if (prefix_.empty() && !skip_headings_.empty() && text.size() < 160) {
      auto skipped = std::find(skip_headings_.begin(), skip_headings_.end(), normalized(text));
      if (skipped != skip_headings_.end()) {
        skip_headings_.erase(skipped);
        return;
      }
    }
    emit_block(prefix_ + text, boilerplate);
  }

  void emit_block(std::string text, bool boilerplate = false) {
    blocks_.push_back({std::move(text), list_depth_ > 0 && in_list_item_, boilerplate});
  }

  // Link-heavy lists and containers inside the article: related links, tag clouds.
  bool is_link_cluster(xmlNode* node) {
    const std::string_view tag = name_of(node);
    const TextStats& s = stats_.of(node);
    if (s.text == 0) return false;
    const double density = link_density(s);
    if (tag == "ul" || tag == "ol") {
      size_t items = 0;
      for (xmlNode* child = node->children; child; child = child->next) {
        if (is_element(child) && name_of(child) == "li") ++items;
      }
      return items >= 3 && density > 0.85;
    }
    if (tag == "div" || tag == "section" || tag == "p") return density > 0.75 && s.text < 400;
    return false;
  }

  // Headings of share, like and related-posts widgets ("Share this:", "Like this:", "Related")
  // whose container's name did not give them away; `key` is normalized(). "Related work" stays.
  static bool is_widget_label(std::string_view key) {
    static const NameSet kLabels = {
        "share",           "sharethis",        "sharethispost",  "sharethisarticle",
        "sharethisstory",  "likethis",         "related",        "relatedposts",
        "relatedarticles", "youmightalsolike", "youmayalsolike", "readnext"};
    return kLabels.contains(key);
  }

  void heading(xmlNode* node, int level) {
    flush_paragraph();
    const std::string text = text_of(node);
    if (text.empty()) return;
    const std::string key = normalized(text);
    if (is_widget_label(key)) return;
    auto skipped = std::find(skip_headings_.begin(), skip_headings_.end(), key);
    if (skipped != skip_headings_.end()) {
      skip_headings_.erase(skipped);
      return;
    }
    emit_block(std::string(static_cast<size_t>(level), '#') + " " + text);
  }

  void block(xmlNode* node) {
    for (xmlNode* child = node->children; child != nullptr; child = child->next) {
      if (child->type == XML_TEXT_NODE) {
        if (child->content) inline_ += reinterpret_cast<const char*>(child->content);
        continue;
      }
      if (!is_element(child)) continue;
      element(child);
    }
  }

  enum class Kind { kBlock, kBreak, kMedia, kHeading, kPre, kCode, kList, kQuote, kTable, kInline };

  // What an element is for rendering; one hash lookup instead of a chain of comparisons.
  static Kind kind_of(std::string_view tag) {
    static const std::unordered_map<std::string_view, Kind> kKinds = {
        {"br", Kind::kBreak},      {"img", Kind::kMedia},        {"picture", Kind::kMedia},
        {"source", Kind::kMedia},  {"h1", Kind::kHeading},       {"h2", Kind::kHeading},
        {"h3", Kind::kHeading},    {"h4", Kind::kHeading},       {"h5", Kind::kHeading},
        {"h6", Kind::kHeading},    {"pre", Kind::kPre},          {"code", Kind::kCode},
        {"kbd", Kind::kCode},      {"samp", Kind::kCode},        {"ul", Kind::kList},
        {"ol", Kind::kList},       {"blockquote", Kind::kQuote}, {"table", Kind::kTable},
        {"a", Kind::kInline},      {"span", Kind::kInline},      {"em", Kind::kInline},
        {"strong", Kind::kInline}, {"b", Kind::kInline},         {"i", Kind::kInline},
        {"u", Kind::kInline},      {"s", Kind::kInline},         {"sub", Kind::kInline},
        {"sup", Kind::kInline},    {"small", Kind::kInline},     {"mark", Kind::kInline},
        {"abbr", Kind::kInline},   {"cite", Kind::kInline},      {"q", Kind::kInline},
        {"time", Kind::kInline},   {"del", Kind::kInline},       {"ins", Kind::kInline},
        {"font", Kind::kInline},   {"var", Kind::kInline},       {"dfn", Kind::kInline},
        {"bdi", Kind::kInline},    {"bdo", Kind::kInline},       {"wbr", Kind::kInline}};
    auto it = kKinds.find(tag);
    return it == kKinds.end() ? Kind::kBlock : it->second;
  }

  void element(xmlNode* node) {
    const std::string_view tag = name_of(node);
    const Kind kind = kind_of(tag);
    if (kind != Kind::kHeading && attribute(node, "role") == "heading") {
      const std::string_view level = attribute(node, "aria-level");
      heading(node, level.size() == 1 && level[0] >= '1' && level[0] <= '6' ? level[0] - '0' : 2);
      return;
    }
    switch (kind) {
      case Kind::kBreak:
        inline_ += "\n";
        return;
      case Kind::kMedia:
        return;
      case Kind::kHeading:
        heading(node, tag[1] - '0');
        return;
      case Kind::kPre: {
        flush_paragraph();
        std::string code = "```\n";
        append_text(node, code);
        while (code.back() == '\n') code.pop_back();
        code += "\n```";
        emit_block(code);
        return;
      }
      case Kind::kCode:
        inline_ += '`';
        append_text(node, inline_);
        inline_ += '`';
        return;
      case Kind::kList:
        if (!is_link_cluster(node)) list(node);
        return;
      case Kind::kQuote: {
        flush_paragraph();
        const std::string saved = prefix_;
        prefix_ += "> ";
        block(node);
        flush_paragraph();
        prefix_ = saved;
        return;
      }
      case Kind::kTable:
        table(node);
        return;
      case Kind::kInline:
        block(node);
        return;
      case Kind::kBlock:
        // Paragraphs, divs, sections; link clusters among them are dropped.
        if ((tag == "div" || tag == "section" || tag == "p") && is_link_cluster(node)) return;
        flush_paragraph();
        block(node);
        flush_paragraph();
        return;
    }
  }

  // Ordered lists are written like unordered ones: numbering is presentation, and its digits
  // would count as words the article does not contain.
  void list(xmlNode* node) {
    flush_paragraph();
    const std::string saved = prefix_;
    ++list_depth_;
    bool first = true;
    for (xmlNode* item = node->children; item != nullptr; item = item->next) {
      if (!is_element(item)) continue;
      const std::string marker = "- ";
      prefix_ = saved;
      prefix_.append(2 * static_cast<size_t>(list_depth_ - 1), ' ').append(marker);
      in_list_item_ = !first;
      first = false;
      block(item);
      flush_paragraph();
      in_list_item_ = true;
    }
    --list_depth_;
    in_list_item_ = false;
    prefix_ = saved;
  }

  void table(xmlNode* node) {
    flush_paragraph();
    std::string rows;
    for_each_element(node->children, [&](xmlNode* row) {
      if (name_of(row) != "tr") return;
      std::string line = "|";
      for (xmlNode* cell = row->children; cell != nullptr; cell = cell->next) {
        if (!is_element(cell)) continue;
        line += ' ';
        line += text_of(cell);
        line += " |";
      }
      if (!rows.empty()) rows += "\n";
      rows += line;
    });
    if (!rows.empty()) emit_block(rows);
  }

  StatsCache& stats_;
  std::vector<std::string> skip_headings_;
  // One rendered block: a paragraph, heading, list item, code block or table.
  struct Block {
    std::string text;
    bool tight = false;        // a list item after the first: one newline before it, not two
    bool boilerplate = false;  // is_boilerplate_line(): dropped at the article's edges
  };
  std::vector<Block> blocks_;
  std::string inline_;
  std::string prefix_;
  int list_depth_ = 0;
  bool in_list_item_ = false;
};

xmlNode* body_of(xmlDoc* doc) {
  xmlNode* root = xmlDocGetRootElement(doc);
  if (root == nullptr) return nullptr;
  xmlNode* body = first_element(root, "body");
  return body != nullptr ? body : root;
}

// Enough text to be an article rather than a teaser or a stub (Readability's 500 characters).
bool enough_text(std::string_view content) {
  size_t letters = 0;
  for (char c : content) letters += is_space(c) ? 0u : 1u;
  return letters >= 500;
}

// jusText-style paragraph classification over the whole body: each text block is good (long,
// few links), bad (link-heavy) or short; short blocks and headings are kept between good ones.
std::string classify_paragraphs(xmlNode* body, StatsCache& stats) {
  struct Paragraph {
    std::string text;
    bool heading = false;
    int quality = 0;  // 1 good, 0 short, -1 bad
  };
  std::vector<Paragraph> paragraphs;
  for_each_element(body->children, [&](xmlNode* node) {
    const std::string_view tag = name_of(node);
    const bool heading = tag.size() == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6';
    const bool leaf_block = tag == "p" || tag == "li" || tag == "td" || tag == "pre" ||
                            tag == "dd" || tag == "blockquote" ||
                            ((tag == "div" || tag == "section") && !has_block_child(node));
    if (!heading && !leaf_block) return;
    if (tag == "li" || tag == "blockquote" || tag == "td") {
      if (has_block_child(node)) return;  // its paragraphs count on their own
    }
    Paragraph paragraph{text_of(node), heading, 0};
    if (paragraph.text.empty()) return;
    const double density = link_density(stats.of(node));
    if (density > 0.4) {
      paragraph.quality = -1;
    } else if (!heading && paragraph.text.size() >= 70) {
      paragraph.quality = 1;
    }
    paragraphs.push_back(std::move(paragraph));
  });
  std::string out;
  for (size_t i = 0; i < paragraphs.size(); ++i) {
    const Paragraph& p = paragraphs[i];
    bool keep = p.quality == 1;
    if (p.quality == 0) {
      int before = -1;
      int after = -1;
      for (size_t j = i; j-- > 0;) {
        if (paragraphs[j].quality != 0) {
          before = paragraphs[j].quality;
          break;
        }
      }
      for (size_t j = i + 1; j < paragraphs.size(); ++j) {
        if (paragraphs[j].quality != 0) {
          after = paragraphs[j].quality;
          break;
        }
      }
      keep = after == 1 && (before == 1 || p.heading);
    }
    if (!keep) continue;
    if (!out.empty()) out += "\n\n";
    if (p.heading) out += "## ";
    out += p.text;
  }
  return out;
}

// One parse and extraction of `cut` (already without unread parts). `path` is what to do after
// cleaning: kScored picks the content as choose_content() does (reporting kContainer, kScored,
// or kRelaxed under relaxed cleaning), kParagraphs classifies paragraphs, kBaseline keeps the
// whole body.
ExtractedArticle extract_once(std::string_view cut, Cleaning cleaning,
                              ExtractionPath path = ExtractionPath::kScored) {
  const ParsedHtml doc(cut);
  if (!doc) return {};
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return {};
  ExtractedArticle article = read_metadata(root);
  xmlNode* body = body_of(doc.get());
  StatsCache stats;
  remove_boilerplate(body, stats, cleaning);
  const std::vector<std::string> skip = {article.title, article.subtitle};
  if (path == ExtractionPath::kParagraphs) {
    article.content = classify_paragraphs(body, stats);
  } else if (path == ExtractionPath::kBaseline) {
    article.content = MarkdownWriter(stats, skip).render(body);
  } else {
    const Content content = choose_content(body, stats);
    article.content = MarkdownWriter(stats, skip).render(content.nodes);
    path = cleaning == Cleaning::kRelaxed ? ExtractionPath::kRelaxed : content.path;
  }
  article.path = article.content.empty() ? ExtractionPath::kNone : path;
  return article;
}

}  // namespace

std::string_view to_string(ExtractionPath path) {
  switch (path) {
    case ExtractionPath::kNone:
      return "none";
    case ExtractionPath::kSelectors:
      return "selectors";
    case ExtractionPath::kContainer:
      return "container";
    case ExtractionPath::kScored:
      return "scored";
    case ExtractionPath::kRelaxed:
      return "relaxed";
    case ExtractionPath::kParagraphs:
      return "paragraphs";
    case ExtractionPath::kBaseline:
      return "baseline";
  }
  return "none";
}

ExtractedArticle extract_article(std::string_view html) {
  const std::string cut = without_unread_parts(html);
  ExtractedArticle article = extract_once(cut, Cleaning::kStrict);
  if (enough_text(article.content)) return article;
  // Too little text: Readability's retry with relaxed rules, then paragraph classification, then
  // every text block of the body. A retry replaces what was found only when it finds at least
  // twice as much (a short article stays short, with its boilerplate still removed); the first
  // with enough text ends the search.
  for (const ExtractionPath path :
       {ExtractionPath::kRelaxed, ExtractionPath::kParagraphs, ExtractionPath::kBaseline}) {
    ExtractedArticle retry = extract_once(cut, Cleaning::kRelaxed, path);
    if (retry.content.size() > 2 * article.content.size()) article = std::move(retry);
    if (enough_text(article.content)) break;
  }
  return article;
}

ExtractedArticle extract_with_selectors(std::string_view html, const SiteSelectors& selectors) {
  const ParsedHtml doc(without_unread_parts(html));
  if (!doc) return {};
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return {};
  ExtractedArticle article = read_metadata(root);
  xmlNode* title = select_first(root, selectors.title);
  xmlNode* subtitle = select_first(root, selectors.subtitle);
  article.title = title ? text_of(title) : "";
  article.subtitle = subtitle ? text_of(subtitle) : "";
  if (title) remove_node(title);
  if (subtitle) remove_node(subtitle);
  StatsCache stats;
  remove_boilerplate(body_of(doc.get()), stats);
  xmlNode* content = select_first(root, selectors.content);
  if (content == nullptr) return article;
  article.content = MarkdownWriter(stats, {}).render(content);
  article.path = ExtractionPath::kSelectors;
  return article;
}

const SiteSelectors& medium_selectors() {
  static const SiteSelectors selectors{"h1.pw-post-title", "h2.pw-subtitle-paragraph", "article"};
  return selectors;
}

const SiteSelectors& substack_selectors() {
  static const SiteSelectors selectors{"h1.post-title", "h3.subtitle", "div.body.markup"};
  return selectors;
}

}  // namespace twin::crawl
