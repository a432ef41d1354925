#include "hnsw_index.h"

#include <fmt/format.h>
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <shared_mutex>
#include <thread>

namespace twin::vectors {

struct HnswIndex::Impl {
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;
  // hnswlib keeps ef in the index: a search with another ef holds this exclusively.
  mutable std::shared_mutex ef_mutex;
};

namespace {

std::unique_ptr<hnswlib::SpaceInterface<float>> space_for(std::size_t dimension,
                                                          Distance distance) {
  if (distance == Distance::kEuclid) return std::make_unique<hnswlib::L2Space>(dimension);
  return std::make_unique<hnswlib::InnerProductSpace>(dimension);
}

}  // namespace

HnswIndex::HnswIndex(std::unique_ptr<Impl> impl, const HnswParams& params)
    : impl_(std::move(impl)), params_(params) {}
HnswIndex::~HnswIndex() = default;

std::unique_ptr<HnswIndex> HnswIndex::create(std::size_t dimension, Distance distance,
                                             std::size_t capacity, const HnswParams& params) {
  auto impl = std::make_unique<Impl>();
  impl->space = space_for(dimension, distance);
  impl->graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(
      impl->space.get(), std::max<std::size_t>(capacity, 16), params.m, params.ef_construction);
  impl->graph->setEf(params.ef_search);
  return std::unique_ptr<HnswIndex>(new HnswIndex(std::move(impl), params));
}

Result<std::unique_ptr<HnswIndex>> HnswIndex::load(const std::string& path, std::size_t dimension,
                                                   Distance distance, const HnswParams& params) {
  auto impl = std::make_unique<Impl>();
  impl->space = space_for(dimension, distance);
  try {
    impl->graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(impl->space.get(), path);
  } catch (const std::exception& error) {
    return fail(Status::corruption(fmt::format("ANN index {}: {}", path, error.what())));
  }
  if (impl->graph->data_size_ != dimension * sizeof(float)) {
    return fail(Status::corruption(
        fmt::format("ANN index {}: holds vectors of another size than {}", path, dimension)));
  }
  impl->graph->setEf(params.ef_search);
  return std::unique_ptr<HnswIndex>(new HnswIndex(std::move(impl), params));
}

Status HnswIndex::save(const std::string& path) const {
  try {
    impl_->graph->saveIndex(path);
  } catch (const std::exception& error) {
    return Status::io(fmt::format("writing ANN index {}: {}", path, error.what()));
  }
  return Status::ok();
}

void HnswIndex::reserve(std::size_t capacity) {
  if (capacity > impl_->graph->max_elements_) {
    impl_->graph->resizeIndex(std::max(capacity, impl_->graph->max_elements_ * 2));
  }
}

void HnswIndex::add(std::span<const std::uint64_t> labels, std::span<const float* const> vectors,
                    unsigned threads) {
  reserve(impl_->graph->cur_element_count + labels.size());
  const auto insert = [&](std::size_t i) {
    impl_->graph->addPoint(vectors[i], static_cast<hnswlib::labeltype>(labels[i]));
  };
  if (threads <= 1 || labels.size() < 1000) {
    for (std::size_t i = 0; i < labels.size(); ++i) insert(i);
    return;
  }
  // hnswlib's addPoint is safe to call concurrently for distinct labels once the graph has an
  // entry point; the first element goes in alone (as hnswlib's Python bindings do), else two
  // threads race on the entry point's links.
  std::atomic<std::size_t> next{0};
  if (impl_->graph->cur_element_count == 0) insert(next++);
  std::vector<std::jthread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < labels.size(); i = next++) insert(i);
    });
  }
}

void HnswIndex::mark_deleted(std::uint64_t label) {
  auto& graph = *impl_->graph;
  const auto found = graph.label_lookup_.find(static_cast<hnswlib::labeltype>(label));
  if (found == graph.label_lookup_.end() || graph.isMarkedDeleted(found->second)) return;
  graph.markDelete(static_cast<hnswlib::labeltype>(label));
}

std::vector<HnswIndex::Neighbour> HnswIndex::search(const float* query, std::size_t k,
                                                    std::size_t ef) const {
  auto& graph = *impl_->graph;
  std::priority_queue<std::pair<float, hnswlib::labeltype>> found;
  if (ef == 0 || ef == params_.ef_search) {
    std::shared_lock lock(impl_->ef_mutex);
    found = graph.searchKnn(query, k);
  } else {
    std::unique_lock lock(impl_->ef_mutex);
    graph.setEf(ef);
    found = graph.searchKnn(query, k);
    graph.setEf(params_.ef_search);
  }
  std::vector<Neighbour> neighbours(found.size());
  for (std::size_t i = found.size(); i-- > 0;) {
    neighbours[i] = {found.top().first, static_cast<std::uint64_t>(found.top().second)};
    found.pop();
  }
  return neighbours;
}

std::size_t HnswIndex::size() const { return impl_->graph->cur_element_count; }

}  // namespace twin::vectors
