// Search latency through twin server's Qdrant REST API against the same searches on the
// embedded store called in-process, on the same collection, in the same run.
//
//   qdrant_rest_bench load PORT N DIM       creates collection `bench` over REST and upserts N
//                                           random unit vectors in batches of 500
//   qdrant_rest_bench search PORT Q DIM     Q searches (k=10) over REST: p50 / p99 in ms
//   qdrant_rest_bench direct DIR Q DIM      the same Q searches on the store in DIR, in-process
// Queries come from a fixed seed, so both modes run the same ones.
#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "twin/vectors/vector_store.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::vector<float> random_unit(std::mt19937& rng, std::size_t dim) {
  std::normal_distribution<float> normal;
  std::vector<float> v(dim);
  float norm = 0;
  for (float& x : v) {
    x = normal(rng);
    norm += x * x;
  }
  for (float& x : v) x /= std::sqrt(norm);
  return v;
}

void print_latencies(const std::string& name, std::vector<double> ms) {
  std::ranges::sort(ms);
  const auto at = [&](double q) {
    return ms[static_cast<std::size_t>(q * static_cast<double>(ms.size() - 1))];
  };
  fmt::print("{}_p50_ms {:.3f}\n{}_p99_ms {:.3f}\n", name, at(0.5), name, at(0.99));
}

int load(const std::string& port, std::size_t n, std::size_t dim) {
  httplib::Client client("127.0.0.1", std::stoi(port));
  auto created = client.Put("/collections/bench",
                            json{{"vectors", {{"size", dim}, {"distance", "Cosine"}}}}.dump(),
                            "application/json");
  if (!created || created->status != 200) {
    fmt::print(stderr, "create failed: {}\n", created ? created->body : "no answer");
    return 1;
  }
  std::mt19937 rng(7);
  const auto started = Clock::now();
  for (std::size_t start = 0; start < n; start += 500) {
    json points = json::array();
    for (std::size_t i = start; i < std::min(n, start + 500); ++i) {
      points.push_back({{"id", i},
                        {"vector", random_unit(rng, dim)},
                        {"payload", {{"n", i}, {"group", i % 100}}}});
    }
    auto reply = client.Put("/collections/bench/points?wait=true", json{{"points", points}}.dump(),
                            "application/json");
    if (!reply || reply->status != 200) {
      fmt::print(stderr, "upsert failed: {}\n", reply ? reply->body : "no answer");
      return 1;
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  fmt::print("rest_upsert_points_per_s {:.0f} ({} x {})\n", static_cast<double>(n) / seconds, n,
             dim);
  return 0;
}

int search_rest(const std::string& port, std::size_t queries, std::size_t dim) {
  httplib::Client client("127.0.0.1", std::stoi(port));
  client.set_read_timeout(600, 0);
  // The first search after a bulk load builds the index: not part of the latency measured.
  const std::string warm_up = json{{"vector", std::vector<float>(dim, 0.5F)}, {"limit", 1}}.dump();
  if (auto reply = client.Post("/collections/bench/points/search", warm_up, "application/json");
      !reply || reply->status != 200) {
    fmt::print(stderr, "warm-up search failed: {}\n", reply ? reply->body : "no answer");
    return 1;
  }
  std::mt19937 rng(11);
  std::vector<double> ms;
  for (std::size_t q = 0; q < queries; ++q) {
    const std::string body =
        json{{"vector", random_unit(rng, dim)}, {"limit", 10}, {"with_payload", true}}.dump();
    const auto started = Clock::now();
    auto reply = client.Post("/collections/bench/points/search", body, "application/json");
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    if (!reply || reply->status != 200) {
      fmt::print(stderr, "search failed: {}\n", reply ? reply->body : "no answer");
      return 1;
    }
  }
  print_latencies("rest_search", ms);
  return 0;
}

int search_direct(const std::string& dir, std::size_t queries, std::size_t dim) {
  auto store = twin::vectors::VectorStore::open_embedded(dir);
  if (!store) {
    fmt::print(stderr, "{}\n", store.error().to_string());
    return 1;
  }
  // Opening loads the index file the server saved; the first search replays what it lacks.
  if (auto warm = (*store)->search("bench", {.vector = std::vector<float>(dim, 0.5F), .limit = 1});
      !warm) {
    fmt::print(stderr, "{}\n", warm.error().to_string());
    return 1;
  }
  std::mt19937 rng(11);
  std::vector<double> ms;
  for (std::size_t q = 0; q < queries; ++q) {
    twin::vectors::SearchRequest request{.vector = random_unit(rng, dim), .limit = 10};
    const auto started = Clock::now();
    auto hits = (*store)->search("bench", request);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    if (!hits) {
      fmt::print(stderr, "{}\n", hits.error().to_string());
      return 1;
    }
  }
  print_latencies("direct_search", ms);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 4 && args[0] == "load")
    return load(args[1], std::stoul(args[2]), std::stoul(args[3]));
  if (args.size() == 4 && args[0] == "search")
    return search_rest(args[1], std::stoul(args[2]), std::stoul(args[3]));
  if (args.size() == 4 && args[0] == "direct")
    return search_direct(args[1], std::stoul(args[2]), std::stoul(args[3]));
  fmt::print(stderr,
             "usage: qdrant_rest_bench load PORT N DIM | search PORT Q DIM | direct DIR Q DIM\n");
  return 2;
}
