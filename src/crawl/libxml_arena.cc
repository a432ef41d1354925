#include "libxml_arena.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace twin::crawl {
namespace {

// Each allocation is preceded by its size, so realloc can copy it.
struct alignas(16) Header {
  size_t size;
};

// Trivially destructible on purpose: libxml2 frees its per-thread state with free() hooks that
// run after C++ thread_local destructors, and must then find an empty arena, not a destroyed
// one. The blocks are returned by ArenaReleaser below.
class Arena {
 public:
  void* allocate(size_t size) {
    const size_t needed = sizeof(Header) + round_up(size);
    if (count_ == 0 || used_ + needed > blocks_[current_].size) {
      if (!next_block(needed)) return std::malloc(size);  // all slots used: plain malloc
    }
    auto* header = reinterpret_cast<Header*>(blocks_[current_].data + used_);
    header->size = size;
    used_ += needed;
    return header + 1;
  }

  bool owns(const void* pointer) const {
    const auto* byte = static_cast<const char*>(pointer);
    for (size_t i = 0; i < count_; ++i) {
      if (byte >= blocks_[i].data && byte < blocks_[i].data + blocks_[i].size) return true;
    }
    return false;
  }

  static size_t size_of(const void* pointer) {
    return (static_cast<const Header*>(pointer) - 1)->size;
  }

  // Forgets every allocation; keeps the first blocks for the next document.
  void reset() { release_from(kBlocksKept); }
  void release() { release_from(0); }

 private:
  static constexpr size_t kFirstBlockSize = size_t{1} << 20;
  static constexpr size_t kMaxBlocks = 24;  // sizes double: far beyond any page's needs
  static constexpr size_t kBlocksKept = 2;

  struct Block {
    char* data;
    size_t size;
  };
  static size_t round_up(size_t size) { return (size + 15) & ~size_t{15}; }

  bool next_block(size_t needed) {
    const size_t next = count_ == 0 ? 0 : current_ + 1;
    if (next < count_ && blocks_[next].size >= needed) {
      current_ = next;
      used_ = 0;
      return true;
    }
    if (count_ == kMaxBlocks) return false;
    // A kept block too small for `needed` stays after the new one.
    const size_t size = std::max(kFirstBlockSize << std::min<size_t>(count_, 6), needed);
    auto* data = static_cast<char*>(std::malloc(size));
    if (data == nullptr) return false;
    for (size_t i = count_; i > next; --i) blocks_[i] = blocks_[i - 1];
    blocks_[next] = Block{data, size};
    ++count_;
    current_ = next;
    used_ = 0;
    return true;
  }

  void release_from(size_t first) {
    for (size_t i = first; i < count_; ++i) std::free(blocks_[i].data);
    count_ = std::min(count_, first);
    current_ = 0;
    used_ = 0;
  }

  std::array<Block, kMaxBlocks> blocks_{};
  size_t count_ = 0;
  size_t current_ = 0;
  size_t used_ = 0;
};

thread_local Arena thread_arena;
thread_local int arena_depth = 0;  // open LibxmlArenaScopes on this thread

// Returns the thread's blocks to the system when the thread ends.
struct ArenaReleaser {
  ~ArenaReleaser() { thread_arena.release(); }
};
thread_local ArenaReleaser arena_releaser;

void* arena_malloc(size_t size) {
  return arena_depth > 0 ? thread_arena.allocate(size) : std::malloc(size);
}

void arena_free(void* pointer) {
  if (pointer == nullptr || thread_arena.owns(pointer)) return;
  std::free(pointer);  // NOLINT(cppcoreguidelines-no-malloc): libxml2's allocator contract
}

void* arena_realloc(void* pointer, size_t size) {
  if (pointer == nullptr) return arena_malloc(size);
  if (!thread_arena.owns(pointer)) return std::realloc(pointer, size);
  void* moved = arena_malloc(size);
  if (moved != nullptr) std::memcpy(moved, pointer, std::min(size, Arena::size_of(pointer)));
  return moved;
}

char* arena_strdup(const char* text) {
  const size_t size = std::strlen(text) + 1;
  auto* copy = static_cast<char*>(arena_malloc(size));
  if (copy != nullptr) std::memcpy(copy, text, size);
  return copy;
}

}  // namespace

void install_libxml_arena_hooks() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlMemSetup(arena_free, arena_malloc, arena_realloc, arena_strdup);
    xmlInitParser();
  });
}

LibxmlArenaScope::LibxmlArenaScope() {
  install_libxml_arena_hooks();
  (void)&arena_releaser;  // odr-use: constructs the thread's releaser
  ++arena_depth;
}

LibxmlArenaScope::~LibxmlArenaScope() {
  if (--arena_depth > 0) return;  // an outer scope still reads its document
  xmlResetLastError();            // its strings may live in the arena
  thread_arena.reset();
}

}  // namespace twin::crawl
