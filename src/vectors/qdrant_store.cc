#include "backends.h"

namespace twin::vectors {

Result<std::unique_ptr<VectorStore>> open_qdrant_store(const std::string& url,
                                                       const std::string& /*api_key*/) {
  return fail(Status::failed_precondition("qdrant backend not built yet: " + url));
}

}  // namespace twin::vectors
