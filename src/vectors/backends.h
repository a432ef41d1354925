// The VectorStore implementations, created by the factories in vector_store.cc.
#pragma once

#include <memory>
#include <string>

#include "twin/vectors/vector_store.h"

namespace twin::vectors {

Result<std::unique_ptr<VectorStore>> open_embedded_store(const std::string& directory);
Result<std::unique_ptr<VectorStore>> open_qdrant_store(const std::string& url,
                                                       const std::string& api_key);

// "Collection `NAME` doesn't exist!", as Qdrant words it.
Status collection_not_found(std::string_view name);

}  // namespace twin::vectors
