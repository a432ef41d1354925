#include "twin/cloud/xml_text.h"

#include <cstdlib>

namespace twin::cloud {
namespace {

void append_utf8(std::string& out, unsigned long code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// Finds "<tag>" or "<tag " (an element with attributes) at or after `from`; returns the index
// just past its '>' and sets `open` to where it starts, or npos.
size_t find_open(std::string_view xml, std::string_view tag, size_t from, size_t& open) {
  while (true) {
    open = xml.find(std::string("<") + std::string(tag), from);
    if (open == std::string_view::npos) return open;
    const size_t after = open + 1 + tag.size();
    if (after < xml.size() && (xml[after] == '>' || xml[after] == ' ')) {
      const size_t close = xml.find('>', after);
      if (close == std::string_view::npos) return close;
      if (xml[close - 1] == '/') {  // <tag/>: empty
        from = close;
        continue;
      }
      return close + 1;
    }
    from = after;
  }
}

}  // namespace

std::string xml_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const size_t semicolon = text.find(';', i);
    if (semicolon == std::string_view::npos) {
      out += text[i];
      continue;
    }
    const std::string_view entity = text.substr(i + 1, semicolon - i - 1);
    if (entity == "amp") {
      out += '&';
    } else if (entity == "lt") {
      out += '<';
    } else if (entity == "gt") {
      out += '>';
    } else if (entity == "quot") {
      out += '"';
    } else if (entity == "apos") {
      out += '\'';
    } else if (entity.starts_with("#x") || entity.starts_with("#X")) {
      append_utf8(out, std::strtoul(std::string(entity.substr(2)).c_str(), nullptr, 16));
    } else if (entity.starts_with('#')) {
      append_utf8(out, std::strtoul(std::string(entity.substr(1)).c_str(), nullptr, 10));
    } else {
      out += text[i];
      continue;
    }
    i = semicolon;
  }
  return out;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> elements;
  const std::string close = "</" + std::string(tag) + ">";
  size_t from = 0;
  while (true) {
    size_t open = 0;
    const size_t inner = find_open(xml, tag, from, open);
    if (inner == std::string_view::npos) break;
    const size_t end = xml.find(close, inner);
    if (end == std::string_view::npos) break;
    elements.push_back(xml.substr(inner, end - inner));
    from = end + close.size();
  }
  return elements;
}

std::string xml_text(std::string_view xml, std::string_view tag) {
  const auto elements = xml_elements(xml, tag);
  return elements.empty() ? "" : xml_unescape(elements.front());
}

}  // namespace twin::cloud
