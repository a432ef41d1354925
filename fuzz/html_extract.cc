// Article extraction from crawled HTML (every fetched page goes through it): the generic
// extractor and the site selectors.
#include "fuzz_input.h"
#include "twin/crawl/extract.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view html = twin::fuzz::as_text(data, size);
  (void)twin::crawl::extract_article(html);
  (void)twin::crawl::extract_with_selectors(html, twin::crawl::medium_selectors());
  return 0;
}
