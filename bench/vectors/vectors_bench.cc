// The embedded VectorStore against the raw libraries under it, measured in the same run on the
// same data (N clustered unit vectors of 384 dimensions, Cosine):
//   upsert:   points/s through VectorStore::upsert (batches of 1000) against one prepared INSERT
//             of the same rows (id, vector blob, payload JSON) in raw SQLite, same batches;
//   search:   QPS and recall@10 through VectorStore::search against hnswlib's searchKnn on an
//             index built with the same parameters (M 16, ef_construction 100), at ef 128;
//   filtered: a 1%-selective payload filter: latency and recall against an exact scan;
//   reopen:   opening the store again and answering the first search (the index file is loaded,
//             not rebuilt).
// Usage: vectors_bench [N] [QUERIES]. Exits 1 when a call fails.
#include <fmt/format.h>
#include <hnswlib/hnswlib.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "twin/vectors/vector_store.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using twin::vectors::Distance;
using twin::vectors::Point;
using twin::vectors::PointId;
using twin::vectors::SearchRequest;
using twin::vectors::VectorStore;

constexpr std::size_t kDimension = 384;
constexpr std::size_t kK = 10;
constexpr std::size_t kEf = 128;
constexpr std::size_t kBatch = 1000;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "vectors_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T must(twin::Result<T> result, const char* what) {
  if (!result) die(fmt::format("{}: {}", what, result.error().to_string()));
  return std::move(*result);
}

void must(const twin::Status& status, const char* what) {
  if (!status.is_ok()) die(fmt::format("{}: {}", what, status.to_string()));
}

// Unit vectors around 100 random centres, like embeddings of texts on a few topics.
std::vector<float> clustered(std::size_t n, unsigned seed) {
  std::mt19937 random(seed);
  std::mt19937 centres_random(1);
  std::normal_distribution<float> normal;
  std::vector<float> centres(100 * kDimension);
  for (float& x : centres) x = normal(centres_random);
  std::vector<float> data(n * kDimension);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t c = random() % 100;
    double norm = 0;
    for (std::size_t j = 0; j < kDimension; ++j) {
      const float x = centres[c * kDimension + j] + 0.5F * normal(random);
      data[i * kDimension + j] = x;
      norm += static_cast<double>(x) * x;
    }
    const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
    for (std::size_t j = 0; j < kDimension; ++j) data[i * kDimension + j] *= scale;
  }
  return data;
}

nlohmann::json payload_of(std::size_t i) {
  return {{"bucket", i % 100}, {"author", fmt::format("author-{}", i % 17)}, {"n", i}};
}

std::vector<std::vector<std::uint64_t>> truth(const std::vector<float>& data,
                                              const std::vector<float>& queries, std::size_t n,
                                              std::size_t q, std::uint64_t only_bucket = 1000) {
  std::vector<std::vector<std::uint64_t>> result(q);
  std::vector<std::pair<float, std::uint64_t>> scored;
  for (std::size_t qi = 0; qi < q; ++qi) {
    scored.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (only_bucket < 1000 && i % 100 != only_bucket) continue;
      float dot = 0;
      for (std::size_t j = 0; j < kDimension; ++j) {
        dot += queries[qi * kDimension + j] * data[i * kDimension + j];
      }
      scored.emplace_back(-dot, i);
    }
    const std::size_t k = std::min(kK, scored.size());
    std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k),
                      scored.end());
    for (std::size_t i = 0; i < k; ++i) result[qi].push_back(scored[i].second);
  }
  return result;
}

double recall_of(const std::vector<std::vector<std::uint64_t>>& found,
                 const std::vector<std::vector<std::uint64_t>>& expected) {
  double hits = 0;
  double total = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const std::set<std::uint64_t> wanted(expected[i].begin(), expected[i].end());
    for (auto id : found[i]) hits += wanted.count(id) ? 1 : 0;
    total += static_cast<double>(expected[i].size());
  }
  return hits / total;
}

double raw_sqlite_insert(const fs::path& path, const std::vector<float>& data, std::size_t n) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) die("sqlite3_open");
  sqlite3_exec(db,
               "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE points "
               "(collection TEXT NOT NULL, slot INTEGER NOT NULL, id TEXT NOT NULL, vector BLOB, "
               "payload TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (collection, slot))",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO points (collection, slot, id, vector, payload, seq) VALUES "
                     "('raw', ?, ?, ?, ?, ?)",
                     -1, &insert, nullptr);
  const auto start = Clock::now();
  for (std::size_t from = 0; from < n; from += kBatch) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (std::size_t i = from; i < std::min(n, from + kBatch); ++i) {
      const std::string id = std::to_string(i);
      const std::string payload = payload_of(i).dump();
      sqlite3_bind_int64(insert, 1, static_cast<sqlite3_int64>(i));
      sqlite3_bind_text(insert, 2, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
      sqlite3_bind_blob(insert, 3, &data[i * kDimension],
                        static_cast<int>(kDimension * sizeof(float)), SQLITE_TRANSIENT);
      sqlite3_bind_text(insert, 4, payload.data(), static_cast<int>(payload.size()),
                        SQLITE_TRANSIENT);
      sqlite3_bind_int64(insert, 5, static_cast<sqlite3_int64>(from / kBatch + 1));
      if (sqlite3_step(insert) != SQLITE_DONE) die(sqlite3_errmsg(db));
      sqlite3_reset(insert);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  const double seconds = seconds_since(start);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return static_cast<double>(n) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100'000;
  const std::size_t q = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 300;
  const unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1U, 4U);
  fmt::print("vectors: {} points x {} dims (clustered, Cosine), {} queries, k {}, ef {}\n", n,
             kDimension, q, kK, kEf);
  const auto data = clustered(n, 7);
  const auto queries = clustered(q, 8);
  const auto expected = truth(data, queries, n, q);

  const fs::path dir = fs::temp_directory_path() / fmt::format("twin-vectors-bench-{}", getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);

  // ---- upsert
  const double raw_insert = raw_sqlite_insert(dir / "raw.db", data, n);
  double store_insert = 0;
  double index_build = 0;
  std::vector<std::vector<std::uint64_t>> store_found(q);
  double store_qps = 0;
  double filtered_ms = 0;
  double filtered_recall = 0;
  double indexed_ms = 0;
  double indexed_recall = 0;
  double raw_qps = 0;
  double raw_build = 0;
  std::vector<std::vector<std::uint64_t>> raw_found(q);
  hnswlib::InnerProductSpace space(kDimension);
  hnswlib::HierarchicalNSW<float> raw(&space, n, 16, 100);
  {
    auto store = must(VectorStore::open_embedded((dir / "store").string()), "open");
    must(store->create_collection("bench",
                                  {twin::vectors::VectorParams{kDimension, Distance::kCosine}}),
         "create");
    const auto start = Clock::now();
    for (std::size_t from = 0; from < n; from += kBatch) {
      std::vector<Point> batch;
      for (std::size_t i = from; i < std::min(n, from + kBatch); ++i) {
        batch.push_back({PointId(i),
                         std::vector<float>(&data[i * kDimension], &data[(i + 1) * kDimension]),
                         payload_of(i)});
      }
      must(store->upsert("bench", std::move(batch)), "upsert");
    }
    store_insert = static_cast<double>(n) / seconds_since(start);

    // The first search brings the index up to date (the build) and writes its file.
    const auto build_start = Clock::now();
    must(store->search("bench", SearchRequest{std::vector<float>(kDimension, 1.0F), 1}), "build");
    index_build = seconds_since(build_start);

    // Raw hnswlib with the same parameters and threads.
    const auto raw_build_start = Clock::now();
    {
      std::atomic<std::size_t> next{0};
      raw.addPoint(&data[0], next++);  // the entry point alone, as hnsw_index.cc does
      std::vector<std::jthread> workers;
      for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
          for (std::size_t i = next++; i < n; i = next++) raw.addPoint(&data[i * kDimension], i);
        });
      }
    }
    raw_build = seconds_since(raw_build_start);
    raw.setEf(kEf);
    double store_seconds = 0;
    double raw_seconds = 0;
    const auto search_store = [&](std::size_t from, std::size_t to) {
      const auto start_block = Clock::now();
      for (std::size_t i = from; i < to; ++i) {
        SearchRequest request{
            std::vector<float>(&queries[i * kDimension], &queries[(i + 1) * kDimension]), kK};
        request.hnsw_ef = kEf;
        request.with.payload = false;
        for (const auto& point : must(store->search("bench", request), "search")) {
          store_found[i].push_back(point.id.number());
        }
      }
      store_seconds += seconds_since(start_block);
    };
    const auto search_raw = [&](std::size_t from, std::size_t to) {
      const auto start_block = Clock::now();
      for (std::size_t i = from; i < to; ++i) {
        auto result = raw.searchKnn(&queries[i * kDimension], kK);
        while (!result.empty()) {
          raw_found[i].insert(raw_found[i].begin(), result.top().second);
          result.pop();
        }
      }
      raw_seconds += seconds_since(start_block);
    };
    // Blocks of 25 queries, each run by both in turn (alternating which goes first), so that the
    // load of a shared machine weighs on both alike and each searches with its own index warm.
    for (std::size_t from = 0, block = 0; from < q; from += 25, ++block) {
      const std::size_t to = std::min(q, from + 25);
      if (block % 2 == 0) {
        search_store(from, to);
        search_raw(from, to);
      } else {
        search_raw(from, to);
        search_store(from, to);
      }
    }
    store_qps = static_cast<double>(q) / store_seconds;
    raw_qps = static_cast<double>(q) / raw_seconds;

    // 1%-selective filter: by a scan of the payloads, then through a payload index.
    const auto filter = must(twin::vectors::Filter::from_json(
                                 {{"must", {{{"key", "bucket"}, {"match", {{"value", 7}}}}}}}),
                             "filter");
    const auto filtered_truth = truth(data, queries, n, q, 7);
    const auto run_filtered = [&](double& ms, double& recall) {
      std::vector<std::vector<std::uint64_t>> filtered_found(q);
      const auto filtered_start = Clock::now();
      for (std::size_t i = 0; i < q; ++i) {
        SearchRequest request{
            std::vector<float>(&queries[i * kDimension], &queries[(i + 1) * kDimension]), kK};
        request.filter = filter;
        request.with.payload = false;
        for (const auto& point : must(store->search("bench", request), "filtered search")) {
          filtered_found[i].push_back(point.id.number());
        }
      }
      ms = seconds_since(filtered_start) * 1000.0 / static_cast<double>(q);
      recall = recall_of(filtered_found, filtered_truth);
    };
    run_filtered(filtered_ms, filtered_recall);
    must(store->create_payload_index("bench", {"bucket", "integer"}), "payload index");
    run_filtered(indexed_ms, indexed_recall);
  }
  double reopen_seconds = 0;
  {
    const auto start = Clock::now();
    auto store = must(VectorStore::open_embedded((dir / "store").string()), "reopen");
    must(store->search("bench", SearchRequest{std::vector<float>(kDimension, 1.0F), 1}), "search");
    reopen_seconds = seconds_since(start);
  }

  fs::remove_all(dir);

  const double store_recall = recall_of(store_found, expected);
  const double raw_recall = recall_of(raw_found, expected);
  fmt::print(
      "upsert    VectorStore {:9.0f} points/s   raw SQLite {:9.0f} points/s   ratio {:.2f}\n",
      store_insert, raw_insert, store_insert / raw_insert);
  fmt::print(
      "index     VectorStore build {:.1f} s (first search)   raw hnswlib build {:.1f} s   ratio "
      "{:.2f}\n",
      index_build, raw_build, raw_build / index_build);
  fmt::print(
      "search    VectorStore {:7.0f} QPS recall@10 {:.3f}   raw hnswlib {:7.0f} QPS recall@10 "
      "{:.3f}   QPS ratio {:.2f}\n",
      store_qps, store_recall, raw_qps, raw_recall, store_qps / raw_qps);
  fmt::print(
      "filtered  1% selective: {:.2f} ms per search, recall@10 {:.3f} (exact over matching "
      "points)\n",
      filtered_ms, filtered_recall);
  fmt::print(
      "filtered  1% selective, payload index on bucket: {:.2f} ms per search, recall@10 {:.3f}\n",
      indexed_ms, indexed_recall);
  fmt::print("reopen    open + first search {:.2f} s (index file loaded, not rebuilt)\n",
             reopen_seconds);
  const bool met = store_qps >= 0.9 * raw_qps && store_recall >= 0.95;
  fmt::print("goal      >= 0.9x raw QPS at recall >= 0.95: {}\n", met ? "met" : "NOT met");
  return 0;
}
