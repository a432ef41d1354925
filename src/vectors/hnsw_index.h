// The ANN index of one collection: hnswlib's HNSW graph over the collection's vectors, labelled
// by the point's slot (its row number in the store). Only hnsw_index.cc includes hnswlib, whose
// 0.6.2 header defines non-inline functions.
//
// Thread-safety: search() may run on many threads at once; add(), mark_deleted(), reserve() and
// save() need the caller's exclusive access (the embedded store's write lock).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "twin/core/status.h"
#include "twin/vectors/vector_store.h"

namespace twin::vectors {

struct HnswParams {
  std::size_t m = 16;                 // graph degree
  std::size_t ef_construction = 100;  // candidates kept while inserting
  std::size_t ef_search = 128;        // default candidates kept while searching
};

class HnswIndex {
 public:
  // hnswlib's raw distance: 1 - dot product (Cosine, Dot) or squared euclidean distance.
  struct Neighbour {
    float distance;
    std::uint64_t label;
  };

  static std::unique_ptr<HnswIndex> create(std::size_t dimension, Distance distance,
                                           std::size_t capacity, const HnswParams& params = {});
  // kCorruption when the file cannot be read as an index of this dimension.
  static Result<std::unique_ptr<HnswIndex>> load(const std::string& path, std::size_t dimension,
                                                 Distance distance, const HnswParams& params = {});
  ~HnswIndex();

  // Writes the index to `path` (the caller renames it into place).
  Status save(const std::string& path) const;

  // Grows the capacity to at least `capacity` elements.
  void reserve(std::size_t capacity);
  // Inserts or replaces the vectors of `labels` (vectors[i] is labels[i]'s), using up to
  // `threads` threads. A label marked deleted is revived.
  void add(std::span<const std::uint64_t> labels, std::span<const float* const> vectors,
           unsigned threads);
  // Marks a label deleted; no-op when the index does not hold it.
  void mark_deleted(std::uint64_t label);

  // The k nearest labels not marked deleted, closest first; ef = 0 uses the default.
  std::vector<Neighbour> search(const float* query, std::size_t k, std::size_t ef) const;

  std::size_t size() const;  // elements, including those marked deleted
  std::size_t default_ef() const { return params_.ef_search; }

 private:
  struct Impl;
  HnswIndex(std::unique_ptr<Impl> impl, const HnswParams& params);
  std::unique_ptr<Impl> impl_;
  HnswParams params_;
};

}  // namespace twin::vectors
