// Reading the flat XML documents AWS's query and REST-XML services answer with (S3, STS):
// element texts by tag name. Not a general XML parser: these documents have no attributes that
// matter, no CDATA and no namespaces prefixes on the elements read here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace twin::cloud {

// Decodes the five predefined entities and numeric character references.
std::string xml_unescape(std::string_view text);
std::string xml_escape(std::string_view text);

// The text of the first <tag>...</tag> in `xml` (unescaped), or "" when absent.
std::string xml_text(std::string_view xml, std::string_view tag);

// The raw inner XML of each <tag>...</tag> in order (e.g. each <Contents> of a listing).
std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view tag);

}  // namespace twin::cloud
