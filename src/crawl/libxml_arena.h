// Bump allocation for libxml2 while one document is parsed and read (internal to crawl/).
//
// Parsing a web page makes libxml2 call malloc for every node, attribute and string, and
// freeing the tree walks it again to call free for each; together that was about a third of the
// extractor's time. install_libxml_arena_hooks() routes libxml2's allocator (xmlMemSetup,
// process-wide) through this file: on a thread inside a LibxmlArenaScope, allocations come from
// that thread's arena and free() of them does nothing; everywhere else the hooks call the C
// library's malloc/realloc/free unchanged. When the scope ends, everything libxml2 allocated in
// it is released at once, so the document must not be used (nor xmlFreeDoc'd) after that.
//
// Contract: libxml2 objects allocated in a scope never leave the thread or outlive the scope;
// libxml2's per-thread last error is reset when the scope ends for that reason. Scopes may nest;
// the arena is released when the outermost one ends. Memory libxml2 got from malloc before the
// hooks were installed is still freed with free(). Installing them more than once is harmless.
#pragma once

#include <cstddef>

namespace twin::crawl {

void install_libxml_arena_hooks();

class LibxmlArenaScope {
 public:
  LibxmlArenaScope();
  ~LibxmlArenaScope();
  LibxmlArenaScope(const LibxmlArenaScope&) = delete;
  LibxmlArenaScope& operator=(const LibxmlArenaScope&) = delete;
};

}  // namespace twin::crawl
