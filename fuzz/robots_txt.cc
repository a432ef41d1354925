// robots.txt (RFC 9309): the rules for twin's user agent, then the decisions the crawler asks for.
#include "fuzz_input.h"
#include "twin/crawl/robots.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = twin::fuzz::as_text(data, size);
  const auto rules = twin::crawl::RobotsRules::parse(text, "twin/0.1");
  for (const std::string_view path : {"/", "/a/b?c=1", "/private/x.html", "/%E2%82%AC", ""}) {
    (void)rules.allowed(path);
  }
  // A path taken from the input itself reaches the matcher's corners (stars, '$', escapes).
  (void)rules.allowed(text.substr(0, text.find('\n')));
  (void)rules.crawl_delay();
  return 0;
}
