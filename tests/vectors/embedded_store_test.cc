// The embedded backend: the conformance suite, plus what only it promises (durability across
// kill -9, the persistent index, the planner, several stores on one folder).
#include <gmock/gmock.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "vector_store_conformance.h"

namespace twin::vectors {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

INSTANTIATE_TEST_SUITE_P(Embedded, VectorStoreConformance,
                         ::testing::Values(VectorStoreBackend{"embedded",
                                                              [](const fs::path& scratch) {
                                                                return VectorStore::open_embedded(
                                                                    (scratch / "vectors").string());
                                                              }}),
                         [](const auto& param_info) { return param_info.param.name; });

std::vector<float> random_vector(std::mt19937& random, std::size_t size) {
  std::normal_distribution<float> normal;
  std::vector<float> vector(size);
  for (float& x : vector) x = normal(random);
  return vector;
}

std::unique_ptr<VectorStore> open_store(const fs::path& dir) {
  auto opened = VectorStore::open_embedded(dir.string());
  EXPECT_TRUE(opened.has_value()) << opened.error().to_string();
  return opened ? std::move(*opened) : nullptr;
}

std::vector<PointId> ids_of(const std::vector<ScoredPoint>& points) {
  std::vector<PointId> ids;
  for (const auto& point : points) ids.push_back(point.id);
  return ids;
}

// Mean recall@k of ANN searches against exact ones.
double recall(VectorStore& store, const std::string& collection, std::size_t size,
              const std::optional<Filter>& filter, int queries = 20) {
  std::mt19937 random(99);
  double hits = 0;
  double total = 0;
  for (int q = 0; q < queries; ++q) {
    SearchRequest request{random_vector(random, size), 10};
    request.filter = filter;
    auto ann = store.search(collection, request);
    request.exact = true;
    auto exact = store.search(collection, request);
    EXPECT_TRUE(ann.has_value() && exact.has_value());
    if (!ann || !exact) return 0;
    const auto wanted = ids_of(*exact);
    const std::set<PointId> truth(wanted.begin(), wanted.end());
    for (const auto& id : ids_of(*ann)) hits += truth.count(id) ? 1 : 0;
    total += static_cast<double>(wanted.size());
  }
  return total == 0 ? 1.0 : hits / total;
}

TEST(EmbeddedStore, PointsSurviveReopen) {
  testing_support::TempDir dir;
  {
    auto store = open_store(dir.path());
    ASSERT_TRUE(store->create_collection("docs", {VectorParams{2, Distance::kDot}}).is_ok());
    ASSERT_TRUE(store->create_collection("cleaned", {}).is_ok());
    ASSERT_TRUE(store
                    ->upsert("docs", {Point{PointId(1), {1, 0}, {{"a", 1}}},
                                      Point{PointId(2), {0, 1}, {{"a", 2}}}})
                    .is_ok());
    ASSERT_TRUE(store->upsert("cleaned", {Point{PointId(5), {}, {{"text", "x"}}}}).is_ok());
    ASSERT_TRUE(store->delete_points("docs", std::vector<PointId>{PointId(1)}).is_ok());
    ASSERT_TRUE(store->set_payload("docs", {{"b", 3}}, std::vector<PointId>{PointId(2)}).is_ok());
    ASSERT_TRUE(store->create_payload_index("docs", {"a", "integer"}).is_ok());
    EXPECT_THAT(store->describe(), ::testing::StartsWith("embedded: "));
  }
  auto store = open_store(dir.path());
  EXPECT_EQ(store->collection_names().value(), (std::vector<std::string>{"cleaned", "docs"}));
  auto points =
      store->retrieve("docs", std::vector<PointId>{PointId(1), PointId(2)}, {true, true}).value();
  ASSERT_EQ(points.size(), 1U);
  EXPECT_EQ(points[0].payload, (json{{"a", 2}, {"b", 3}}));
  EXPECT_EQ(points[0].vector, (std::vector<float>{0, 1}));
  EXPECT_EQ(store->count("cleaned", std::nullopt).value(), 1U);
  EXPECT_EQ(store->collection_info("docs").value().payload_indexes.size(), 1U);
  auto found = store->search("docs", SearchRequest{{1, 1}, 5}).value();
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].id, PointId(2));
}

// Two stores on one folder (twin server beside a pipeline run, or two pipeline steps): each sees
// the other's writes, and interleaved writes keep every point.
TEST(EmbeddedStore, TwoStoresOnOneFolderSeeEachOthersWrites) {
  testing_support::TempDir dir;
  auto first = open_store(dir.path());
  auto second = open_store(dir.path());
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(
      first->create_collection("docs", {.vectors = VectorParams{2, Distance::kDot}}).is_ok());
  ASSERT_TRUE(second->collection_exists("docs").value());
  ASSERT_TRUE(first->upsert("docs", {{PointId(1), {1, 0}, {{"by", "first"}}}}).is_ok());
  EXPECT_EQ(second->count("docs", std::nullopt).value(), 1U);  // loads what first wrote
  ASSERT_TRUE(second->upsert("docs", {{PointId(2), {0, 1}, {{"by", "second"}}}}).is_ok());
  ASSERT_TRUE(first->upsert("docs", {{PointId(3), {1, 1}, {{"by", "first"}}}}).is_ok());
  for (VectorStore* store : {first.get(), second.get()}) {
    EXPECT_EQ(store->count("docs", std::nullopt).value(), 3U);
    const auto found = store->search("docs", SearchRequest{{0, 1}, 1}).value();
    ASSERT_EQ(found.size(), 1U);
    EXPECT_TRUE(found[0].id == PointId(2) || found[0].id == PointId(3));
  }
  ASSERT_TRUE(second->delete_points("docs", std::vector<PointId>{PointId(1)}).is_ok());
  ASSERT_TRUE(
      first->set_payload("docs", {{"seen", true}}, std::vector<PointId>{PointId(2)}).is_ok());
  const auto points = second
                          ->retrieve("docs", std::vector<PointId>{PointId(1), PointId(2)},
                                     {.payload = true, .vector = false})
                          .value();
  ASSERT_EQ(points.size(), 1U);
  EXPECT_EQ(points[0].payload["seen"], true);
  EXPECT_EQ(points[0].payload["by"], "second");
  EXPECT_EQ(first->count("docs", std::nullopt).value(), 2U);
  ASSERT_TRUE(second->delete_collection("docs").value());
  EXPECT_FALSE(first->collection_exists("docs").value());
}

std::vector<Point> batch_of(std::uint64_t batch, std::size_t size, std::size_t dimension) {
  std::mt19937 random(static_cast<unsigned>(batch));
  std::vector<Point> points;
  for (std::uint64_t i = 0; i < size; ++i) {
    points.push_back({PointId(batch * size + i),
                      random_vector(random, dimension),
                      {{"batch", batch}, {"bucket", (batch * size + i) % 100}}});
  }
  return points;
}

TEST(EmbeddedStore, IndexFileIsReusedAndRebuiltWhenDamaged) {
  testing_support::TempDir dir;
  constexpr std::size_t kDimension = 16;
  {
    auto store = open_store(dir.path());
    ASSERT_TRUE(
        store->create_collection("c", {VectorParams{kDimension, Distance::kCosine}}).is_ok());
    for (std::uint64_t b = 0; b < 6; ++b) {
      ASSERT_TRUE(store->upsert("c", batch_of(b, 500, kDimension)).is_ok());
    }
    EXPECT_GE(recall(*store, "c", kDimension, std::nullopt), 0.95);
  }
  const fs::path index = dir.path() / "index" / "c.hnsw";
  ASSERT_TRUE(fs::exists(index));
  const auto written = fs::last_write_time(index);
  {
    // No change since: the file is loaded, not rewritten.
    auto store = open_store(dir.path());
    EXPECT_GE(recall(*store, "c", kDimension, std::nullopt), 0.95);
  }
  EXPECT_EQ(fs::last_write_time(index), written);
  {
    auto store = open_store(dir.path());
    ASSERT_TRUE(store->delete_points("c", std::vector<PointId>{PointId(0), PointId(1)}).is_ok());
  }
  {
    // The deletion after the file is replayed on open.
    auto store = open_store(dir.path());
    auto found =
        store->search("c", SearchRequest{batch_of(0, 500, kDimension)[0].vector, 3}).value();
    for (const auto& point : found) EXPECT_NE(point.id, PointId(0));
  }
  // Damage the file: it is rebuilt from SQLite.
  {
    std::ofstream damage(index, std::ios::binary | std::ios::trunc);
    damage << "not an index";
  }
  {
    auto store = open_store(dir.path());
    EXPECT_EQ(store->count("c", std::nullopt).value(), 2998U);
    EXPECT_GE(recall(*store, "c", kDimension, std::nullopt), 0.95);
  }
  fs::remove(index);
  auto store = open_store(dir.path());
  EXPECT_GE(recall(*store, "c", kDimension, std::nullopt), 0.95);
}

TEST(EmbeddedStore, PlannerScoresFewMatchingPointsExactly) {
  testing_support::TempDir dir;
  constexpr std::size_t kDimension = 16;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store->create_collection("c", {VectorParams{kDimension, Distance::kCosine}}).is_ok());
  for (std::uint64_t b = 0; b < 40; ++b) {
    ASSERT_TRUE(store->upsert("c", batch_of(b, 500, kDimension)).is_ok());
  }
  // 1% of 20,000 points: scored exactly.
  auto rare =
      Filter::from_json({{"must", {{{"key", "bucket"}, {"match", {{"value", 7}}}}}}}).value();
  EXPECT_EQ(store->count("c", rare).value(), 200U);
  EXPECT_EQ(recall(*store, "c", kDimension, rare), 1.0);
  // 60%: the index is searched and its results filtered.
  auto common =
      Filter::from_json({{"must", {{{"key", "bucket"}, {"range", {{"lt", 60}}}}}}}).value();
  EXPECT_GE(recall(*store, "c", kDimension, common), 0.9);
  std::mt19937 random(5);
  SearchRequest request{random_vector(random, kDimension), 10};
  request.filter = common;
  request.with.payload = true;
  auto found = store->search("c", request).value();
  ASSERT_EQ(found.size(), 10U);
  for (const auto& point : found) EXPECT_LT(point.payload["bucket"].get<int>(), 60);
}

// A child process upserting batches is killed with SIGKILL; every batch it was told succeeded
// is there after reopen, and ANN search agrees with an exact scan.
TEST(EmbeddedStore, AcknowledgedBatchesSurviveKill9) {
  testing_support::TempDir dir;
  constexpr std::size_t kDimension = 16;
  constexpr std::size_t kBatch = 400;
  {
    auto store = open_store(dir.path());
    ASSERT_TRUE(store->create_collection("c", {VectorParams{kDimension, Distance::kDot}}).is_ok());
  }
  int acks[2];
  ASSERT_EQ(pipe(acks), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(acks[0]);
    auto opened = VectorStore::open_embedded(dir.path().string());
    if (!opened) _exit(2);
    for (std::uint64_t b = 0; b < 1000; ++b) {
      if (!(*opened)->upsert("c", batch_of(b, kBatch, kDimension)).is_ok()) _exit(3);
      if (b % 5 == 4) {
        // Searching brings the index up to date and rewrites its file now and then.
        if (!(*opened)->search("c", SearchRequest{std::vector<float>(kDimension, 1.0F), 1}))
          _exit(4);
      }
      if (b % 7 == 3) {
        if (!(*opened)->delete_points("c", std::vector<PointId>{PointId(b * kBatch)}).is_ok())
          _exit(5);
      }
      const auto acked = static_cast<std::uint32_t>(b);
      if (write(acks[1], &acked, sizeof acked) != sizeof acked) _exit(6);
    }
    _exit(0);
  }
  close(acks[1]);
  std::uint32_t last = 0;
  std::uint32_t received = 0;
  while (received < 25 && read(acks[0], &last, sizeof last) == sizeof last) ++received;
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  // Acks written before the kill may still sit in the pipe.
  while (read(acks[0], &last, sizeof last) == sizeof last) ++received;
  close(acks[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child ended before it was killed: " << status;
  ASSERT_GE(received, 25U);

  auto store = open_store(dir.path());
  for (std::uint64_t b = 0; b < received; ++b) {
    const auto batch = batch_of(b, kBatch, kDimension);
    std::vector<PointId> ids;
    for (const auto& point : batch) ids.push_back(point.id);
    auto stored = store->retrieve("c", ids, {true, true}).value();
    const std::size_t deleted = b % 7 == 3 ? 1 : 0;
    ASSERT_EQ(stored.size(), kBatch - deleted) << "batch " << b;
    EXPECT_EQ(stored.back().vector, batch.back().vector);
  }
  EXPECT_GE(recall(*store, "c", kDimension, std::nullopt), 0.95);
}

// Filters with a top-level match on an indexed field look candidates up in the payload index;
// they must give what a scan gives, through upserts, payload changes, deletes and a reopen.
TEST(EmbeddedStore, PayloadIndexesAnswerLikeAScan) {
  testing_support::TempDir dir;
  const std::vector<json> filters = {
      {{"must", {{{"key", "bucket"}, {"match", {{"value", 7}}}}}}},
      {{"must", {{{"key", "bucket"}, {"match", {{"any", {3, 4, 5}}}}}}}},
      {{"must",
        {{{"key", "tag"}, {"match", {{"value", "t1"}}}},
         {{"key", "bucket"}, {"range", {{"lt", 50}}}}}}},
      {{"must", {{{"key", "meta.lang"}, {"match", {{"value", "en"}}}}}}},
  };
  const auto check = [&](VectorStore& store, const char* when) {
    SCOPED_TRACE(when);
    auto all = store.scroll("c", ScrollRequest{std::nullopt, 100000}).value();
    for (const auto& json_filter : filters) {
      SCOPED_TRACE(json_filter.dump());
      const auto filter = Filter::from_json(json_filter).value();
      std::vector<PointId> expected;
      for (const auto& point : all.points) {
        if (filter.matches(point.id, point.payload)) expected.push_back(point.id);
      }
      EXPECT_EQ(store.count("c", filter).value(), expected.size());
      auto page = store.scroll("c", ScrollRequest{filter, 100000}).value();
      std::vector<PointId> got;
      for (const auto& point : page.points) got.push_back(point.id);
      EXPECT_EQ(got, expected);
    }
  };
  {
    auto store = open_store(dir.path());
    ASSERT_TRUE(store->create_collection("c", {VectorParams{4, Distance::kDot}}).is_ok());
    ASSERT_TRUE(store->create_payload_index("c", {"bucket", "integer"}).is_ok());
    std::vector<Point> points;
    std::mt19937 random(3);
    for (std::uint64_t i = 0; i < 600; ++i) {
      points.push_back({PointId(i),
                        random_vector(random, 4),
                        {{"bucket", i % 100},
                         {"tag", fmt::format("t{}", i % 3)},
                         {"meta", {{"lang", i % 4 == 0 ? "en" : "fr"}}}}});
    }
    ASSERT_TRUE(store->upsert("c", points).is_ok());
    // Indexes created after the points are filled from them.
    ASSERT_TRUE(store->create_payload_index("c", {"tag", "keyword"}).is_ok());
    ASSERT_TRUE(store->create_payload_index("c", {"meta.lang", "keyword"}).is_ok());
    check(*store, "after upsert");
    ASSERT_TRUE(
        store->set_payload("c", {{"bucket", 7}}, std::vector<PointId>{PointId(1), PointId(2)})
            .is_ok());
    ASSERT_TRUE(
        store->overwrite_payload("c", {{"tag", "t1"}}, std::vector<PointId>{PointId(107)}).is_ok());
    ASSERT_TRUE(store->delete_points("c", std::vector<PointId>{PointId(7), PointId(3)}).is_ok());
    ASSERT_TRUE(store->upsert("c", {Point{PointId(207), {1, 1, 1, 1}, {{"bucket", 8}}}}).is_ok());
    check(*store, "after changes");
    // 7, 107, ..., 507 had bucket 7; 1 and 2 gain it; 107 (overwritten), 7 (deleted) and 207
    // (replaced) lose it.
    EXPECT_EQ(store->count("c", Filter::from_json(filters[0]).value()).value(), 5U);
  }
  auto store = open_store(dir.path());
  check(*store, "after reopen");
  ASSERT_TRUE(store->delete_payload_index("c", "bucket").is_ok());
  check(*store, "index dropped");
}

// Searches, counts and scrolls on several threads while another upserts and deletes.
// Two stores on one folder writing in tight loops at once (parallel pipeline steps): no write
// fails, however often the other store wins the race for the write lock, and every point of
// both is kept. A writer that found the store stale after taking the lock used to give up after
// a few attempts while the other kept winning.
TEST(EmbeddedStore, TwoStoresWritingAtOnceNeverStarve) {
  testing_support::TempDir dir;
  constexpr std::size_t kDimension = 4;
  constexpr std::uint64_t kBatches = 150;
  auto first = open_store(dir.path());
  auto second = open_store(dir.path());
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->create_collection("a", {VectorParams{kDimension, Distance::kDot}}).is_ok());
  ASSERT_TRUE(first->create_collection("b", {VectorParams{kDimension, Distance::kDot}}).is_ok());
  std::atomic<int> failures{0};
  std::string first_error;
  const auto writer = [&](VectorStore& store, const std::string& collection, std::uint64_t from,
                          std::string* error) {
    for (std::uint64_t b = from; b < from + kBatches; ++b) {
      if (Status done = store.upsert(collection, batch_of(b, 5, kDimension)); !done.is_ok()) {
        if (error != nullptr && error->empty()) *error = done.to_string();
        ++failures;
      }
    }
  };
  {
    std::jthread one([&] { writer(*first, "a", 0, &first_error); });
    std::jthread two([&] { writer(*second, "b", kBatches, nullptr); });
    std::jthread three([&] { writer(*second, "a", 2 * kBatches, nullptr); });
  }
  EXPECT_EQ(failures.load(), 0) << first_error;
  for (VectorStore* store : {first.get(), second.get()}) {
    EXPECT_EQ(store->count("a", std::nullopt).value(), 2 * kBatches * 5);
    EXPECT_EQ(store->count("b", std::nullopt).value(), kBatches * 5);
  }
}

TEST(EmbeddedStore, ReadersAndAWriterOnManyThreads) {
  testing_support::TempDir dir;
  constexpr std::size_t kDimension = 8;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store->create_collection("c", {VectorParams{kDimension, Distance::kCosine}}).is_ok());
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::jthread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      std::mt19937 random(static_cast<unsigned>(r));
      while (!done) {
        SearchRequest request{random_vector(random, kDimension), 5};
        auto found = store->search("c", request);
        auto counted = store->count("c", std::nullopt);
        auto page = store->scroll("c", ScrollRequest{std::nullopt, 20});
        if (!found || !counted || !page || found->size() > 5) ++failures;
        if (found &&
            !std::is_sorted(found->begin(), found->end(),
                            [](const auto& a, const auto& b) { return a.score > b.score; })) {
          ++failures;
        }
      }
    });
  }
  for (std::uint64_t b = 0; b < 20; ++b) {
    ASSERT_TRUE(store->upsert("c", batch_of(b, 200, kDimension)).is_ok());
    ASSERT_TRUE(store->delete_points("c", std::vector<PointId>{PointId(b * 200)}).is_ok());
  }
  done = true;
  readers.clear();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store->count("c", std::nullopt).value(), 20U * 199U);
}

TEST(EmbeddedStore, SettingsChooseTheBackend) {
  testing_support::TempDir dir;
  const auto load = [&](std::map<std::string, std::string> flags) {
    SettingsOptions options;
    options.root = dir.path();
    options.flags = std::move(flags);
    options.environment = [](std::string_view) -> std::optional<std::string> {
      return std::nullopt;
    };
    return Settings::load(options).value();
  };
  auto embedded = VectorStore::open(load({}));
  ASSERT_TRUE(embedded.has_value()) << embedded.error().to_string();
  EXPECT_EQ((*embedded)->describe(), "embedded: " + (dir.path() / ".twin" / "vectors").string());
  embedded->reset();

  auto cloud = VectorStore::open(load({{"USE_QDRANT_CLOUD", "true"}}));
  ASSERT_FALSE(cloud.has_value());
  EXPECT_EQ(cloud.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(cloud.error().message(), ::testing::HasSubstr("QDRANT_CLOUD_URL"));
  auto port = VectorStore::open(
      load({{"QDRANT_DATABASE_HOST", "localhost"}, {"QDRANT_DATABASE_PORT", "x"}}));
  ASSERT_FALSE(port.has_value());
  EXPECT_EQ(port.error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace twin::vectors
