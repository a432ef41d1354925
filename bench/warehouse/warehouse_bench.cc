// Warehouse against raw SQLite, measured in the same run on the same rows:
//   insert: N article-sized documents in one call (insert_many: one transaction) against one
//           prepared INSERT of the already-serialised rows in one transaction;
//   find:   lookups by the indexed `link` (find_one) against one prepared SELECT on the same
//           expression index.
// Usage: warehouse_bench [N] [LOOKUPS]. Prints figures and ratios; exits 1 on a failure.
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "twin/warehouse/warehouse.h"

namespace {

using Clock = std::chrono::steady_clock;
using twin::warehouse::Document;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string link_of(std::size_t i) { return fmt::format("https://example.com/articles/{}", i); }

// About 1.6 KB of JSON, shaped like the Handbook's ArticleDocument.
std::vector<Document> make_articles(std::size_t n) {
  std::mt19937 random(7);
  const std::string words[] = {"model",  "fine-tune",    "dataset",   "pipeline",
                               "vector", "prompt",       "token",     "inference",
                               "LoRA",   "quantization", "retrieval", "RAG"};
  std::vector<Document> documents;
  documents.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string text;
    while (text.size() < 1400) {
      text += words[random() % std::size(words)];
      text += ' ';
    }
    nlohmann::json fields = {{"content",
                              {{"Title", fmt::format("Article {}", i)},
                               {"Subtitle", nullptr},
                               {"Content", text},
                               {"language", "en"}}},
                             {"link", link_of(i)},
                             {"platform", i % 3 == 0 ? "medium" : "substack"},
                             {"author_id", "b5fa1f08-75f0-402d-8e88-d1357e346d9e"},
                             {"author_full_name", "Paul Iusztin"}};
    documents.push_back({twin::warehouse::new_uuid(), std::move(fields), std::nullopt});
  }
  return documents;
}

void check(int code, sqlite3* db, const char* what) {
  if (code != SQLITE_OK && code != SQLITE_DONE && code != SQLITE_ROW) {
    fmt::print(stderr, "raw sqlite: {}: {}\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

void exec(sqlite3* db, const char* sql) {
  check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql);
}

struct Figures {
  double insert_seconds = 0;
  std::vector<double> find_us;
};

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

// The same table, index and pragmas the warehouse uses, driven directly.
Figures run_raw_sqlite(const std::filesystem::path& file, const std::vector<std::string>& ids,
                       const std::vector<std::string>& bodies,
                       const std::vector<std::size_t>& probes) {
  sqlite3* db = nullptr;
  check(sqlite3_open(file.c_str(), &db), db, "open");
  exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON");
  exec(db,
       "CREATE TABLE wh_articles (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body TEXT NOT "
       "NULL, run_id TEXT, step_run_id TEXT);"
       "CREATE UNIQUE INDEX ix_link ON wh_articles (json_extract(body, '$.link'))");
  Figures figures;
  const auto start = Clock::now();
  exec(db, "BEGIN IMMEDIATE");
  sqlite3_stmt* insert = nullptr;
  check(sqlite3_prepare_v2(
            db, "INSERT INTO wh_articles (id, body, run_id, step_run_id) VALUES (?, ?, ?, ?)", -1,
            &insert, nullptr),
        db, "prepare insert");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    sqlite3_bind_text(insert, 1, ids[i].data(), static_cast<int>(ids[i].size()), SQLITE_STATIC);
    sqlite3_bind_text(insert, 2, bodies[i].data(), static_cast<int>(bodies[i].size()),
                      SQLITE_STATIC);
    sqlite3_bind_null(insert, 3);
    sqlite3_bind_null(insert, 4);
    check(sqlite3_step(insert), db, "insert");
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  exec(db, "COMMIT");
  figures.insert_seconds = seconds_since(start);

  sqlite3_stmt* select = nullptr;
  check(sqlite3_prepare_v2(
            db, "SELECT id, body FROM wh_articles WHERE json_extract(body, '$.link') = ?", -1,
            &select, nullptr),
        db, "prepare select");
  std::size_t found = 0;
  for (std::size_t probe : probes) {
    const std::string link = link_of(probe);
    const auto t = Clock::now();
    sqlite3_bind_text(select, 1, link.data(), static_cast<int>(link.size()), SQLITE_STATIC);
    while (sqlite3_step(select) == SQLITE_ROW) {
      std::string id(reinterpret_cast<const char*>(sqlite3_column_text(select, 0)));
      std::string body(reinterpret_cast<const char*>(sqlite3_column_text(select, 1)));
      if (!id.empty() && !body.empty()) ++found;
    }
    sqlite3_reset(select);
    figures.find_us.push_back(seconds_since(t) * 1e6);
  }
  sqlite3_finalize(select);
  sqlite3_close(db);
  if (found != probes.size()) {
    fmt::print(stderr, "raw sqlite found {} of {} probes\n", found, probes.size());
    std::exit(1);
  }
  return figures;
}

Figures run_warehouse(const std::filesystem::path& file, std::vector<Document> documents,
                      const std::vector<std::size_t>& probes) {
  auto warehouse = twin::warehouse::Warehouse::open("sqlite://" + file.string());
  if (!warehouse) {
    fmt::print(stderr, "warehouse: {}\n", warehouse.error());
    std::exit(1);
  }
  auto articles = (*warehouse)->collection("articles");
  if (!articles || !articles->create_index({{"link"}, true}).is_ok()) {
    fmt::print(stderr, "warehouse: cannot make the collection\n");
    std::exit(1);
  }
  Figures figures;
  const auto start = Clock::now();
  auto inserted = articles->insert_many(std::move(documents));
  figures.insert_seconds = seconds_since(start);
  if (!inserted) {
    fmt::print(stderr, "warehouse insert: {}\n", inserted.error());
    std::exit(1);
  }
  for (std::size_t probe : probes) {
    const auto t = Clock::now();
    auto found = articles->find_one({{"link", link_of(probe)}});
    figures.find_us.push_back(seconds_since(t) * 1e6);
    if (!found || !found->has_value()) {
      fmt::print(stderr, "warehouse find of {} failed\n", link_of(probe));
      std::exit(1);
    }
  }
  return figures;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100'000;
  const std::size_t lookups = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20'000;
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("twin-warehouse-bench-{}", ::getpid());
  std::filesystem::create_directories(dir);

  std::vector<Document> documents = make_articles(n);
  std::vector<std::string> ids;
  std::vector<std::string> bodies;
  std::size_t bytes = 0;
  for (const auto& document : documents) {
    ids.push_back(document.id);
    bodies.push_back(document.fields.dump());
    bytes += bodies.back().size();
  }
  std::mt19937 random(11);
  std::vector<std::size_t> probes(lookups);
  for (auto& probe : probes) probe = random() % n;

  const Figures raw = run_raw_sqlite(dir / "raw.db", ids, bodies, probes);
  const Figures ours = run_warehouse(dir / "warehouse.db", std::move(documents), probes);
  std::filesystem::remove_all(dir);

  const double raw_rate = static_cast<double>(n) / raw.insert_seconds;
  const double our_rate = static_cast<double>(n) / ours.insert_seconds;
  const double raw_p50 = percentile(raw.find_us, 0.5);
  const double our_p50 = percentile(ours.find_us, 0.5);
  fmt::print("documents: {} (mean {} bytes of JSON), lookups: {}\n", n, bytes / n, lookups);
  fmt::print("insert  raw sqlite  {:>10.0f} docs/s  ({:.2f} s)\n", raw_rate, raw.insert_seconds);
  fmt::print(
      "insert  warehouse   {:>10.0f} docs/s  ({:.2f} s)  ratio {:.2f} of raw (goal >= 0.50)\n",
      our_rate, ours.insert_seconds, our_rate / raw_rate);
  fmt::print("find    raw sqlite  p50 {:>6.1f} us  p99 {:>6.1f} us\n", raw_p50,
             percentile(raw.find_us, 0.99));
  fmt::print(
      "find    warehouse   p50 {:>6.1f} us  p99 {:>6.1f} us  ({:.2f}x raw; goal p50 < 50 us)\n",
      our_p50, percentile(ours.find_us, 0.99), our_p50 / raw_p50);
  const bool met = our_rate / raw_rate >= 0.5 && our_p50 < 50.0;
  fmt::print("goals {}\n", met ? "met" : "NOT met");
  return 0;
}
