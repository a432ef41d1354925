// The embedded vector store: SQLite (WAL) holds every point durably, memory mirrors it for
// filtering and scoring, and an hnswlib index per collection answers nearest-neighbour queries.
//
// Layout of the store's directory:
//   vectors.db                 collections, points (slot, id, vector, payload, seq), deletions,
//                              payload indexes
//   index/<collection>.hnsw    the collection's ANN index as of change `seq`, with
//   index/<collection>.json    {"seq": S, "bytes": size of the .hnsw file}
//
// Several processes may have the store open (twin server beside a pipeline run, two pipeline
// steps): vector_generation counts the store's writes. Every write first takes SQLite's write
// lock (BEGIN IMMEDIATE) and claims the next generation; when it finds that another process
// wrote since this one last looked, it drops what memory holds and reads the collection again
// inside the same transaction, so a write never works on stale state and never has to retry
// (a writer that lost races in a loop could otherwise starve). Reads compare the generation
// first and reload a stale collection.
//
// Every point has a slot, a number that is never reused within a collection; it is the point's
// label in the ANN index. Each write batch takes the collection's next change number (seq):
// upserted rows carry it, deletions are logged with it. On open the index file is loaded and the
// changes after its seq are replayed (idempotently); a missing or corrupt file is rebuilt from
// the points. Upserts reach the index lazily, on the next search, so bulk loads run at SQLite's
// speed.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "backends.h"
#include "hnsw_index.h"
#include "twin/core/logging.h"
#include "twin/db/database.h"
#include "twin/db/migrations.h"

namespace twin::vectors {
namespace {

namespace fs = std::filesystem;

const std::vector<db::Migration> kMigrations = {
    {1, "collections, points, deletions, payload indexes",
     "CREATE TABLE vector_collections (name TEXT PRIMARY KEY, size INTEGER, distance TEXT, "
     "next_slot INTEGER NOT NULL, last_seq INTEGER NOT NULL);"
     "CREATE TABLE vector_points (collection TEXT NOT NULL, slot INTEGER NOT NULL, "
     "id TEXT NOT NULL, vector BLOB, payload TEXT NOT NULL, seq INTEGER NOT NULL, "
     "PRIMARY KEY (collection, slot));"
     "CREATE TABLE vector_deletions (collection TEXT NOT NULL, slot INTEGER NOT NULL, "
     "seq INTEGER NOT NULL);"
     "CREATE INDEX vector_deletions_by_seq ON vector_deletions (collection, seq);"
     "CREATE TABLE vector_payload_indexes (collection TEXT NOT NULL, field TEXT NOT NULL, "
     "data_type TEXT NOT NULL, PRIMARY KEY (collection, field))"},
    {2, "the write generation, so that several processes can share the store",
     "CREATE TABLE vector_generation (id INTEGER PRIMARY KEY CHECK (id = 1), "
     "value INTEGER NOT NULL);"
     "INSERT INTO vector_generation (id, value) VALUES (1, 0)"},
};

// What a write does to memory once its transaction has committed.
using Mirror = std::function<void()>;

// A filter matching at most this many points is answered by scoring them all (recall 1.0), as
// Qdrant's full_scan_threshold does; above it the ANN index is searched and its results filtered.
constexpr std::size_t kFullScanThreshold = 10'000;
// Index changes after which the index file is rewritten (fewer are replayed on open).
constexpr std::size_t kSaveAfterChanges = 1'000;
constexpr std::size_t kLoadPage = 10'000;

const std::vector<std::string_view> kPayloadIndexTypes = {
    "keyword", "integer", "float", "bool", "geo", "text", "uuid", "datetime"};

std::string payload_text(const nlohmann::json& payload) {
  return payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

db::Blob vector_blob(const std::vector<float>& vector) {
  db::Blob blob;
  blob.bytes.resize(vector.size() * sizeof(float));
  std::memcpy(blob.bytes.data(), vector.data(), blob.bytes.size());
  return blob;
}

float dot(const float* a, const float* b, std::size_t n) {
  float sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

float euclid(const float* a, const float* b, std::size_t n) {
  float sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float d = a[i] - b[i];
    sum += d * d;
  }
  return std::sqrt(sum);
}

void normalise(std::vector<float>& vector) {
  double norm = 0;
  for (float x : vector) norm += static_cast<double>(x) * x;
  if (norm <= 0) return;
  const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
  for (float& x : vector) x *= scale;
}

Status check_vector(const std::vector<float>& vector, std::size_t size, std::string_view what) {
  if (vector.size() != size) {
    return Status::invalid_argument(
        fmt::format("Wrong input: Vector dimension error: expected dim: {}, got {} ({})", size,
                    vector.size(), what));
  }
  for (std::size_t i = 0; i < vector.size(); ++i) {
    if (!std::isfinite(vector[i])) {
      return Status::invalid_argument(
          fmt::format("{}: vector[{}] is not a finite number", what, i));
    }
  }
  return Status::ok();
}

// Removes the value at a dotted path; true when something was removed.
bool erase_path(nlohmann::json& payload, std::string_view path) {
  if (!payload.is_object()) return false;
  const size_t dot_at = path.find('.');
  if (dot_at == std::string_view::npos) return payload.erase(std::string(path)) > 0;
  auto child = payload.find(std::string(path.substr(0, dot_at)));
  if (child == payload.end()) return false;
  return erase_path(*child, path.substr(dot_at + 1));
}

class EmbeddedStore final : public VectorStore {
 public:
  EmbeddedStore(std::string directory, std::unique_ptr<db::Database> database)
      : directory_(std::move(directory)), database_(std::move(database)) {}

  ~EmbeddedStore() override {
    std::unique_lock lock(mutex_);
    for (auto& [name, state] : loaded_) {
      if (state->index && state->pending.empty() && state->unsaved_changes > 0) {
        if (Status saved = save_index(*state); !saved.is_ok()) {
          spdlog::warn("vector store: {}", saved.message());
        }
      }
    }
    loaded_.clear();
    database_.reset();
  }

  std::string describe() const override { return "embedded: " + directory_; }

  Result<std::vector<std::string>> collection_names() override {
    TWIN_ASSIGN_OR_RETURN(auto rows,
                          database_->query("SELECT name FROM vector_collections ORDER BY name"));
    std::vector<std::string> names;
    for (const auto& row : rows) names.push_back(row.text(0));
    return names;
  }

  Status create_collection(std::string_view name, const CollectionConfig& config) override {
    TWIN_RETURN_IF_ERROR(check_collection(name, config));
    std::unique_lock lock(mutex_);
    return write([&](db::Connection& c) -> Result<Mirror> {
      TWIN_ASSIGN_OR_RETURN(bool exists, exists_in_database(name));
      if (exists) {
        return fail(Status::already_exists(
            fmt::format("Wrong input: Collection `{}` already exists!", name)));
      }
      remove_index_files(name);
      db::Params params{std::string(name), nullptr, nullptr};
      if (config.vectors) {
        params[1] = config.vectors->size;
        params[2] = std::string(to_string(config.vectors->distance));
      }
      TWIN_RETURN_IF_ERROR(db::status_of(
          c.execute("INSERT INTO vector_collections (name, size, distance, next_slot, last_seq) "
                    "VALUES (?, ?, ?, 0, 0)",
                    params)));
      return Mirror{};
    });
  }

  Result<bool> collection_exists(std::string_view name) override {
    TWIN_RETURN_IF_ERROR(check_collection_name(name));
    std::unique_lock lock(mutex_);
    TWIN_RETURN_IF_ERROR(sync());
    return exists_in_database(name);
  }

  Result<CollectionInfo> collection_info(std::string_view name) override {
    return read(name, [&](const State& state) -> Result<CollectionInfo> {
      CollectionInfo info;
      info.name = state.name;
      info.config = state.config;
      info.points_count = state.slots.size();
      info.payload_indexes = state.payload_indexes;
      return info;
    });
  }

  Result<bool> delete_collection(std::string_view name) override {
    TWIN_RETURN_IF_ERROR(check_collection_name(name));
    std::unique_lock lock(mutex_);
    bool existed = false;
    const Status done = write([&](db::Connection& c) -> Result<Mirror> {
      TWIN_ASSIGN_OR_RETURN(existed, exists_in_database(name));
      if (!existed) return Mirror{};
      for (const char* table : {"vector_points", "vector_deletions", "vector_payload_indexes"}) {
        TWIN_RETURN_IF_ERROR(db::status_of(c.execute(
            fmt::format("DELETE FROM {} WHERE collection = ?", table), {std::string(name)})));
      }
      TWIN_RETURN_IF_ERROR(db::status_of(
          c.execute("DELETE FROM vector_collections WHERE name = ?", {std::string(name)})));
      return Mirror([this, name] {
        if (auto found = loaded_.find(name); found != loaded_.end()) loaded_.erase(found);
        remove_index_files(name);
      });
    });
    if (!done.is_ok()) return fail(done);
    return existed;
  }

  Status upsert(std::string_view collection, std::vector<Point> points) override {
    std::unique_lock lock(mutex_);
    return write([&](db::Connection& c) { return upsert_points(c, collection, points); });
  }

  // Validates and writes `points` inside the write transaction (SQLite's retry of a busy
  // transaction may run it twice, so it leaves `points` fit for another run).
  Result<Mirror> upsert_points(db::Connection& c, std::string_view collection,
                               std::vector<Point>& points) {
    TWIN_ASSIGN_OR_RETURN(State * state, load(collection));
    // Validate everything first: a failed call changes nothing.
    for (auto& point : points) {
      const std::string what = fmt::format("point {}", point.id.to_string());
      if (state->config.vectors) {
        TWIN_RETURN_IF_ERROR(check_vector(point.vector, state->config.vectors->size, what));
        if (state->config.vectors->distance == Distance::kCosine) normalise(point.vector);
      } else if (!point.vector.empty()) {
        return fail(Status::invalid_argument(
            fmt::format("Wrong input: {}: collection `{}` holds no vectors", what, collection)));
      }
      if (point.payload.is_null()) point.payload = nlohmann::json::object();
      if (!point.payload.is_object()) {
        return fail(Status::invalid_argument(fmt::format(
            "{}: the payload must be a JSON object, not {}", what, point.payload.type_name())));
      }
    }
    // A batch naming an id twice keeps the last.
    std::map<PointId, std::size_t> last_of;
    for (std::size_t i = 0; i < points.size(); ++i) last_of[points[i].id] = i;
    if (last_of.empty()) return Mirror{};

    const std::int64_t seq = state->last_seq + 1;
    std::uint64_t next_slot = state->next_slot;
    std::vector<std::pair<std::uint64_t, std::size_t>> writes;  // slot, index into points
    for (const auto& [id, index] : last_of) {
      const auto found = state->slots.find(id);
      writes.emplace_back(found != state->slots.end() ? found->second : next_slot++, index);
    }
    for (const auto& [slot, index] : writes) {
      const Point& point = points[index];
      db::Value vector = nullptr;
      if (state->config.vectors) vector = vector_blob(point.vector);
      TWIN_RETURN_IF_ERROR(db::status_of(
          c.execute("INSERT INTO vector_points (collection, slot, id, vector, payload, seq) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (collection, slot) DO UPDATE SET "
                    "vector = excluded.vector, payload = excluded.payload, seq = excluded.seq",
                    {std::string(collection), slot, point.id.to_string(), vector,
                     payload_text(point.payload), seq})));
    }
    TWIN_RETURN_IF_ERROR(db::status_of(
        c.execute("UPDATE vector_collections SET next_slot = ?, last_seq = ? WHERE name = ?",
                  {next_slot, seq, std::string(collection)})));
    return Mirror([state, seq, next_slot, writes = std::move(writes), &points] {
      state->last_seq = seq;
      state->next_slot = next_slot;
      grow(*state, next_slot);
      for (const auto& [slot, index] : writes) {
        Point& point = points[index];
        Entry& entry = state->entries[slot];
        if (entry.live) index_payload(*state, slot, entry.payload, /*add=*/false);
        entry.id = point.id;
        entry.payload = std::move(point.payload);
        entry.live = true;
        index_payload(*state, slot, entry.payload, /*add=*/true);
        state->slots[point.id] = slot;
        if (state->config.vectors) {
          std::copy(point.vector.begin(), point.vector.end(), vector_of(*state, slot));
          state->pending.push_back(slot);
        }
      }
    });
  }

  Result<std::vector<Point>> retrieve(std::string_view collection, std::span<const PointId> ids,
                                      const WithOptions& with) override {
    return read(collection, [&](const State& state) -> Result<std::vector<Point>> {
      std::vector<Point> points;
      for (const auto& id : ids) {
        const auto found = state.slots.find(id);
        if (found != state.slots.end()) points.push_back(point_at(state, found->second, with));
      }
      return points;
    });
  }

  Status delete_points(std::string_view collection, const PointSelector& selector) override {
    std::unique_lock lock(mutex_);
    return write([&](db::Connection& c) -> Result<Mirror> {
      TWIN_ASSIGN_OR_RETURN(State * state, load(collection));
      TWIN_ASSIGN_OR_RETURN(auto slots, select(*state, selector, /*ids_must_exist=*/false));
      if (slots.empty()) return Mirror{};
      const std::int64_t seq = state->last_seq + 1;
      for (std::uint64_t slot : slots) {
        TWIN_RETURN_IF_ERROR(
            db::status_of(c.execute("DELETE FROM vector_points WHERE collection = ? AND slot = ?",
                                    {std::string(collection), slot})));
        if (state->config.vectors) {
          TWIN_RETURN_IF_ERROR(db::status_of(
              c.execute("INSERT INTO vector_deletions (collection, slot, seq) VALUES (?, ?, ?)",
                        {std::string(collection), slot, seq})));
        }
      }
      TWIN_RETURN_IF_ERROR(
          db::status_of(c.execute("UPDATE vector_collections SET last_seq = ? WHERE name = ?",
                                  {seq, std::string(collection)})));
      return Mirror([state, seq, slots = std::move(slots)] {
        state->last_seq = seq;
        for (std::uint64_t slot : slots) {
          Entry& entry = state->entries[slot];
          index_payload(*state, slot, entry.payload, /*add=*/false);
          state->slots.erase(entry.id);
          entry.live = false;
          entry.payload = nlohmann::json::object();
          if (state->index) {
            state->index->mark_deleted(slot);
            ++state->unsaved_changes;
          }
        }
        if (state->pending.empty()) state->index_seq = seq;
      });
    });
  }

  Status set_payload(std::string_view collection, const nlohmann::json& payload,
                     const PointSelector& points) override {
    if (!payload.is_object()) {
      return Status::invalid_argument("set_payload: the payload must be a JSON object");
    }
    return rewrite_payloads(collection, points, [&](nlohmann::json& current) {
      for (const auto& [key, value] : payload.items()) current[key] = value;
    });
  }

  Status overwrite_payload(std::string_view collection, const nlohmann::json& payload,
                           const PointSelector& points) override {
    if (!payload.is_object()) {
      return Status::invalid_argument("overwrite_payload: the payload must be a JSON object");
    }
    return rewrite_payloads(collection, points,
                            [&](nlohmann::json& current) { current = payload; });
  }

  Status delete_payload_keys(std::string_view collection, const std::vector<std::string>& keys,
                             const PointSelector& points) override {
    return rewrite_payloads(collection, points, [&](nlohmann::json& current) {
      for (const auto& key : keys) erase_path(current, key);
    });
  }

  Result<std::uint64_t> count(std::string_view collection,
                              const std::optional<Filter>& filter) override {
    return read(collection, [&](const State& state) -> Result<std::uint64_t> {
      if (!filter) return state.slots.size();
      return matching_slots(state, *filter).size();
    });
  }

  Result<ScrollPage> scroll(std::string_view collection, const ScrollRequest& request) override {
    return read(collection, [&](const State& state) -> Result<ScrollPage> {
      ScrollPage page;
      auto at = request.offset ? state.slots.lower_bound(*request.offset) : state.slots.begin();
      for (; at != state.slots.end(); ++at) {
        const Entry& entry = state.entries[at->second];
        if (request.filter && !request.filter->matches(entry.id, entry.payload)) continue;
        if (page.points.size() == request.limit) {
          page.next_page_offset = entry.id;
          break;
        }
        page.points.push_back(point_at(state, at->second, request.with));
      }
      return page;
    });
  }

  Result<std::vector<ScoredPoint>> search(std::string_view collection,
                                          const SearchRequest& request) override {
    {
      // Bring the index up to date first, which needs the write lock.
      std::unique_lock lock(mutex_);
      TWIN_RETURN_IF_ERROR(sync());
      TWIN_ASSIGN_OR_RETURN(State * state, load(collection));
      if (!state->config.vectors) {
        return fail(Status::invalid_argument(
            fmt::format("Wrong input: collection `{}` holds no vectors to search", collection)));
      }
      TWIN_RETURN_IF_ERROR(check_vector(request.vector, state->config.vectors->size, "query"));
      if (!request.exact) TWIN_RETURN_IF_ERROR(catch_up(*state));
    }
    return read(collection, [&](const State& state) { return search_in(state, request); });
  }

  Status create_payload_index(std::string_view collection, const PayloadIndex& index) override {
    if (index.field.empty()) return Status::invalid_argument("payload index: field_name is empty");
    if (std::find(kPayloadIndexTypes.begin(), kPayloadIndexTypes.end(), index.data_type) ==
        kPayloadIndexTypes.end()) {
      return Status::invalid_argument(fmt::format(
          "payload index on '{}': unknown field schema '{}'", index.field, index.data_type));
    }
    std::unique_lock lock(mutex_);
    return write([&](db::Connection& c) -> Result<Mirror> {
      TWIN_ASSIGN_OR_RETURN(State * state, load(collection));
      TWIN_RETURN_IF_ERROR(db::status_of(c.execute(
          "INSERT INTO vector_payload_indexes (collection, field, data_type) VALUES (?, ?, ?) "
          "ON CONFLICT (collection, field) DO UPDATE SET data_type = excluded.data_type",
          {std::string(collection), index.field, index.data_type})));
      return Mirror([state, &index] {
        auto& indexes = state->payload_indexes;
        std::erase_if(indexes, [&](const PayloadIndex& i) { return i.field == index.field; });
        indexes.push_back(index);
        std::sort(indexes.begin(), indexes.end(),
                  [](const PayloadIndex& a, const PayloadIndex& b) { return a.field < b.field; });
        build_field_index(*state, index);
      });
    });
  }

  Status delete_payload_index(std::string_view collection, std::string_view field) override {
    std::unique_lock lock(mutex_);
    return write([&](db::Connection& c) -> Result<Mirror> {
      TWIN_ASSIGN_OR_RETURN(State * state, load(collection));
      TWIN_RETURN_IF_ERROR(db::status_of(
          c.execute("DELETE FROM vector_payload_indexes WHERE collection = ? AND field = ?",
                    {std::string(collection), std::string(field)})));
      return Mirror([state, field] {
        std::erase_if(state->payload_indexes,
                      [&](const PayloadIndex& i) { return i.field == field; });
        build_field_index(*state, PayloadIndex{std::string(field), ""});
      });
    });
  }

 private:
  struct Entry {
    PointId id;
    nlohmann::json payload = nlohmann::json::object();
    bool live = false;
  };

  struct State {
    std::string name;
    CollectionConfig config;
    std::uint64_t next_slot = 0;
    std::int64_t last_seq = 0;
    std::map<PointId, std::uint64_t> slots;  // live points by id, in scroll order
    std::vector<Entry> entries;              // by slot
    std::vector<float> vectors;              // by slot, `dimension` floats each
    std::vector<PayloadIndex> payload_indexes;
    // Exact-match payload indexes (keyword, integer, bool, uuid): value (as JSON text) -> slots.
    std::map<std::string, std::unordered_map<std::string, std::set<std::uint64_t>>, std::less<>>
        field_indexes;
    std::unique_ptr<HnswIndex> index;
    std::vector<std::uint64_t> pending;  // slots whose vectors the index does not hold yet
    std::int64_t index_seq = 0;          // every change up to it is in the index
    std::size_t unsaved_changes = 0;     // index changes since the index file was written
    std::size_t dimension() const { return config.vectors ? config.vectors->size : 0; }
  };

  static float* vector_of(State& state, std::uint64_t slot) {
    return state.vectors.data() + slot * state.dimension();
  }
  static const float* vector_of(const State& state, std::uint64_t slot) {
    return state.vectors.data() + slot * state.dimension();
  }

  static void grow(State& state, std::uint64_t slots) {
    if (state.entries.size() < slots) {
      state.entries.resize(slots);
      state.vectors.resize(slots * state.dimension());
    }
  }

  static bool is_exact_match_type(std::string_view data_type) {
    return data_type == "keyword" || data_type == "integer" || data_type == "bool" ||
           data_type == "uuid";
  }

  // Adds (or removes) a point's payload values to (from) the collection's payload indexes.
  static void index_payload(State& state, std::uint64_t slot, const nlohmann::json& payload,
                            bool add) {
    for (auto& [field, values] : state.field_indexes) {
      for (const nlohmann::json* value : payload_values(payload, field)) {
        if (!value->is_string() && !value->is_number_integer() && !value->is_boolean()) continue;
        const std::string text = value->dump();
        if (add) {
          values[text].insert(slot);
        } else if (auto found = values.find(text); found != values.end()) {
          found->second.erase(slot);
          if (found->second.empty()) values.erase(found);
        }
      }
    }
  }

  static void build_field_index(State& state, const PayloadIndex& index) {
    std::string field = index.field;
    for (size_t at = field.find("[]"); at != std::string::npos; at = field.find("[]")) {
      field.erase(at, 2);
    }
    state.field_indexes.erase(field);
    if (!is_exact_match_type(index.data_type)) return;
    auto& values = state.field_indexes[field];
    for (const auto& [id, slot] : state.slots) {
      for (const nlohmann::json* value : payload_values(state.entries[slot].payload, field)) {
        if (value->is_string() || value->is_number_integer() || value->is_boolean()) {
          values[value->dump()].insert(slot);
        }
      }
    }
  }

  static Point point_at(const State& state, std::uint64_t slot, const WithOptions& with) {
    const Entry& entry = state.entries[slot];
    Point point{entry.id, {}, nlohmann::json::object()};
    if (with.payload) point.payload = entry.payload;
    if (with.vector && state.config.vectors) {
      const float* vector = vector_of(state, slot);
      point.vector.assign(vector, vector + state.dimension());
    }
    return point;
  }

  // Runs `fn` on a loaded collection under the read lock (loading it first if needed).
  template <typename Fn>
  auto read(std::string_view collection, Fn&& fn) -> std::invoke_result_t<Fn&, const State&> {
    {
      std::shared_lock lock(mutex_);
      if (auto found = loaded_.find(collection); found != loaded_.end() && is_current()) {
        return fn(*found->second);
      }
    }
    std::unique_lock lock(mutex_);
    TWIN_RETURN_IF_ERROR(sync());
    TWIN_ASSIGN_OR_RETURN(State * state, load(collection));
    return fn(*state);
  }

  Result<std::int64_t> stored_generation() {
    TWIN_ASSIGN_OR_RETURN(auto row,
                          database_->query_one("SELECT value FROM vector_generation WHERE id = 1"));
    return row ? row->int64(0) : 0;
  }

  // True when no one wrote since this store last synced (a read lock suffices).
  bool is_current() {
    auto stored = stored_generation();
    return stored && *stored == generation_.load();
  }

  // Forgets the memory of every collection when another process (or another VectorStore on
  // this folder) wrote since the last sync: they are read again from SQLite on next use. Needs
  // the write lock.
  Status sync() {
    TWIN_ASSIGN_OR_RETURN(const std::int64_t stored, stored_generation());
    if (stored != generation_.load()) {
      loaded_.clear();
      generation_ = stored;
    }
    return Status::ok();
  }

  // One write. Its transaction holds SQLite's write lock from the start (BEGIN IMMEDIATE), so
  // no other process writes meanwhile; it claims the next generation, and when another process
  // wrote since this store last looked, memory is dropped so that `body`'s load() reads the
  // collection again inside the transaction. `body` then validates against memory, writes, and
  // returns what to do to memory once the transaction has committed. A failed write changes
  // neither the database nor memory beyond that reload. Needs mutex_ held exclusively.
  Status write(const std::function<Result<Mirror>(db::Connection&)>& body) {
    std::int64_t claimed = 0;
    Mirror mirror;
    TWIN_RETURN_IF_ERROR(database_->run_in_transaction([&](db::Connection& c) -> Status {
      TWIN_ASSIGN_OR_RETURN(
          auto row,
          c.query_one(
              "UPDATE vector_generation SET value = value + 1 WHERE id = 1 RETURNING value"));
      claimed = row ? row->int64(0) : 0;
      if (claimed != generation_.load() + 1) {
        loaded_.clear();
        generation_ = claimed - 1;  // what memory will reflect: the store as committed
      }
      TWIN_ASSIGN_OR_RETURN(mirror, body(c));
      return Status::ok();
    }));
    generation_ = claimed;
    if (mirror) mirror();
    return Status::ok();
  }

  Result<bool> exists_in_database(std::string_view name) {
    if (loaded_.contains(name)) return true;
    TWIN_ASSIGN_OR_RETURN(auto row,
                          database_->query_one("SELECT 1 FROM vector_collections WHERE name = ?",
                                               {std::string(name)}));
    return row.has_value();
  }

  std::string index_path(std::string_view name, std::string_view extension) const {
    return fmt::format("{}/index/{}.{}", directory_, name, extension);
  }

  void remove_index_files(std::string_view name) const {
    std::error_code ignored;
    for (const char* extension : {"hnsw", "json", "hnsw.tmp", "json.tmp"}) {
      fs::remove(index_path(name, extension), ignored);
    }
  }

  // The collection's state, read from SQLite on first use. Needs the write lock.
  Result<State*> load(std::string_view name) {
    if (auto found = loaded_.find(name); found != loaded_.end()) return found->second.get();
    TWIN_RETURN_IF_ERROR(check_collection_name(name));
    TWIN_ASSIGN_OR_RETURN(auto row,
                          database_->query_one("SELECT size, distance, next_slot, last_seq FROM "
                                               "vector_collections WHERE name = ?",
                                               {std::string(name)}));
    if (!row) return fail(collection_not_found(name));
    auto state = std::make_unique<State>();
    state->name = std::string(name);
    if (!row->is_null(0)) {
      TWIN_ASSIGN_OR_RETURN(auto distance, parse_distance(row->text(1)));
      state->config.vectors = VectorParams{static_cast<std::size_t>(row->int64(0)), distance};
    }
    state->next_slot = static_cast<std::uint64_t>(row->int64(2));
    state->last_seq = row->int64(3);
    grow(*state, state->next_slot);
    const std::size_t dimension = state->dimension();
    for (std::int64_t from = 0;;) {
      TWIN_ASSIGN_OR_RETURN(auto rows,
                            database_->query("SELECT slot, id, vector, payload FROM vector_points "
                                             "WHERE collection = ? AND slot >= ? ORDER BY slot "
                                             "LIMIT ?",
                                             {std::string(name), from, kLoadPage}));
      for (const auto& point : rows) {
        const auto slot = static_cast<std::uint64_t>(point.int64(0));
        TWIN_ASSIGN_OR_RETURN(auto id, PointId::parse(point.text(1)));
        auto payload = nlohmann::json::parse(point[3].bytes_view(), nullptr, false);
        const auto bytes = point[2].bytes_view();
        if (slot >= state->next_slot || payload.is_discarded() ||
            bytes.size() != dimension * sizeof(float)) {
          return fail(Status::corruption(
              fmt::format("{}/vectors.db: point {} of collection `{}` is damaged", directory_,
                          id.to_string(), name)));
        }
        if (dimension > 0) std::memcpy(vector_of(*state, slot), bytes.data(), bytes.size());
        state->entries[slot] = Entry{id, std::move(payload), true};
        state->slots[id] = slot;
        from = static_cast<std::int64_t>(slot) + 1;
      }
      if (rows.size() < kLoadPage) break;
    }
    TWIN_ASSIGN_OR_RETURN(auto indexes, database_->query("SELECT field, data_type FROM "
                                                         "vector_payload_indexes WHERE "
                                                         "collection = ? ORDER BY field",
                                                         {std::string(name)}));
    for (const auto& index : indexes) {
      state->payload_indexes.push_back({index.text(0), index.text(1)});
      build_field_index(*state, state->payload_indexes.back());
    }
    if (state->config.vectors) TWIN_RETURN_IF_ERROR(open_index(*state));
    State* raw = state.get();
    loaded_.emplace(std::string(name), std::move(state));
    return raw;
  }

  // Loads the index file and replays the changes after it, or starts a rebuild of the index.
  Status open_index(State& state) {
    const auto& params = *state.config.vectors;
    std::ifstream meta_file(index_path(state.name, "json"));
    const auto meta = nlohmann::json::parse(meta_file, nullptr, false);
    std::error_code error;
    const auto bytes = fs::file_size(index_path(state.name, "hnsw"), error);
    if (!meta.is_discarded() && meta.is_object() &&
        meta.value("bytes", std::uint64_t{0}) == bytes && !error && meta.contains("seq") &&
        meta["seq"].is_number_integer() && meta["seq"].get<std::int64_t>() <= state.last_seq) {
      auto loaded = HnswIndex::load(index_path(state.name, "hnsw"), params.size, params.distance);
      if (loaded) {
        state.index = std::move(*loaded);
        const auto seq = meta["seq"].get<std::int64_t>();
        TWIN_ASSIGN_OR_RETURN(auto changed,
                              database_->query("SELECT slot FROM vector_points WHERE "
                                               "collection = ? AND seq > ? ORDER BY slot",
                                               {state.name, seq}));
        for (const auto& row : changed) {
          state.pending.push_back(static_cast<std::uint64_t>(row.int64(0)));
        }
        TWIN_ASSIGN_OR_RETURN(auto deleted, database_->query("SELECT slot FROM vector_deletions "
                                                             "WHERE collection = ? AND seq > ?",
                                                             {state.name, seq}));
        for (const auto& row : deleted) {
          state.index->mark_deleted(static_cast<std::uint64_t>(row.int64(0)));
        }
        state.index_seq = seq;
        state.unsaved_changes = changed.size() + deleted.size();
        return Status::ok();
      }
      spdlog::warn("vector store: {}; rebuilding it from {}/vectors.db", loaded.error().message(),
                   directory_);
    }
    // No usable index file: rebuild from the points (on the first search).
    state.index = HnswIndex::create(params.size, params.distance, state.slots.size());
    state.pending.clear();
    for (const auto& [id, slot] : state.slots) state.pending.push_back(slot);
    std::sort(state.pending.begin(), state.pending.end());
    state.index_seq = 0;
    state.unsaved_changes = state.pending.size() + 1;
    return Status::ok();
  }

  // Adds the pending vectors to the index; rewrites the index file after many changes.
  Status catch_up(State& state) {
    if (!state.index) return Status::ok();
    if (!state.pending.empty()) {
      std::sort(state.pending.begin(), state.pending.end());
      state.pending.erase(std::unique(state.pending.begin(), state.pending.end()),
                          state.pending.end());
      std::vector<std::uint64_t> labels;
      std::vector<const float*> vectors;
      for (std::uint64_t slot : state.pending) {
        if (!state.entries[slot].live) continue;
        labels.push_back(slot);
        vectors.push_back(vector_of(state, slot));
      }
      const unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1U, 4U);
      state.index->add(labels, vectors, threads);
      state.unsaved_changes += labels.size();
      state.pending.clear();
    }
    state.index_seq = state.last_seq;
    if (state.unsaved_changes >= kSaveAfterChanges) return save_index(state);
    return Status::ok();
  }

  // A number no other index save of this process uses (names its temporary files).
  static std::uint64_t save_number() {
    static std::atomic<std::uint64_t> next{0};
    return next++;
  }

  // Writes the index file and its seq beside it (each renamed into place), then forgets the
  // deletions it covers.
  Status save_index(State& state) {
    std::error_code error;
    fs::create_directories(fmt::format("{}/index", directory_), error);
    const std::string path = index_path(state.name, "hnsw");
    // Names of this store's own: another process, or another store in this one, may be saving
    // the same index.
    const std::string tmp = fmt::format("{}.{}.{}.tmp", path, ::getpid(), save_number());
    TWIN_RETURN_IF_ERROR(state.index->save(tmp));
    const auto bytes = fs::file_size(tmp, error);
    if (error) return Status::io(fmt::format("{}: {}", tmp, error.message()));
    fs::rename(tmp, path, error);
    if (error) return Status::io(fmt::format("renaming {}: {}", tmp, error.message()));
    const std::string meta_path = index_path(state.name, "json");
    const std::string meta_tmp = fmt::format("{}.{}.{}.tmp", meta_path, ::getpid(), save_number());
    {
      std::ofstream meta(meta_tmp, std::ios::trunc);
      meta << nlohmann::json{{"seq", state.index_seq}, {"bytes", bytes}}.dump() << '\n';
      if (!meta.flush()) return Status::io(fmt::format("writing {}", meta_tmp));
    }
    fs::rename(meta_tmp, meta_path, error);
    if (error) return Status::io(fmt::format("renaming {}: {}", meta_tmp, error.message()));
    state.unsaved_changes = 0;
    return db::status_of(
        database_->execute("DELETE FROM vector_deletions WHERE collection = ? AND seq <= ?",
                           {state.name, state.index_seq}));
  }

  static std::vector<std::uint64_t> matching_slots(const State& state, const Filter& filter) {
    std::vector<std::uint64_t> slots;
    if (const auto ids = filter.required_ids()) {
      for (const auto& id : *ids) {
        const auto found = state.slots.find(id);
        if (found != state.slots.end() &&
            filter.matches(id, state.entries[found->second].payload)) {
          slots.push_back(found->second);
        }
      }
      return slots;
    }
    // A top-level must on an indexed field: only the points holding one of its values can pass.
    for (const auto& match : filter.required_matches()) {
      const auto index = state.field_indexes.find(match.key);
      if (index == state.field_indexes.end()) continue;
      std::set<std::uint64_t> candidates;
      for (const auto& value : match.values) {
        if (auto found = index->second.find(value.dump()); found != index->second.end()) {
          candidates.insert(found->second.begin(), found->second.end());
        }
      }
      for (std::uint64_t slot : candidates) {
        const Entry& entry = state.entries[slot];
        if (filter.matches(entry.id, entry.payload)) slots.push_back(slot);
      }
      // Keep id order, as a scan would give.
      std::sort(slots.begin(), slots.end(), [&](std::uint64_t a, std::uint64_t b) {
        return state.entries[a].id < state.entries[b].id;
      });
      return slots;
    }
    for (const auto& [id, slot] : state.slots) {
      if (filter.matches(id, state.entries[slot].payload)) slots.push_back(slot);
    }
    return slots;
  }

  static Result<std::vector<std::uint64_t>> select(const State& state,
                                                   const PointSelector& selector,
                                                   bool ids_must_exist) {
    if (const auto* filter = std::get_if<Filter>(&selector)) return matching_slots(state, *filter);
    std::vector<std::uint64_t> slots;
    for (const auto& id : std::get<std::vector<PointId>>(selector)) {
      const auto found = state.slots.find(id);
      if (found == state.slots.end()) {
        if (ids_must_exist) {
          return fail(Status::not_found(fmt::format("No point with id {} found", id.to_string())));
        }
        continue;
      }
      slots.push_back(found->second);
    }
    std::sort(slots.begin(), slots.end());
    slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
    return slots;
  }

  template <typename Edit>
  Status rewrite_payloads(std::string_view collection, const PointSelector& selector, Edit edit) {
    std::unique_lock lock(mutex_);
    return write([&](db::Connection& c) -> Result<Mirror> {
      TWIN_ASSIGN_OR_RETURN(State * state, load(collection));
      TWIN_ASSIGN_OR_RETURN(auto slots, select(*state, selector, /*ids_must_exist=*/true));
      std::vector<nlohmann::json> payloads;
      for (std::uint64_t slot : slots) {
        payloads.push_back(state->entries[slot].payload);
        edit(payloads.back());
      }
      for (std::size_t i = 0; i < slots.size(); ++i) {
        TWIN_RETURN_IF_ERROR(db::status_of(
            c.execute("UPDATE vector_points SET payload = ? WHERE collection = ? AND slot = ?",
                      {payload_text(payloads[i]), std::string(collection), slots[i]})));
      }
      return Mirror([state, slots = std::move(slots), payloads = std::move(payloads)]() mutable {
        for (std::size_t i = 0; i < slots.size(); ++i) {
          index_payload(*state, slots[i], state->entries[slots[i]].payload, /*add=*/false);
          state->entries[slots[i]].payload = std::move(payloads[i]);
          index_payload(*state, slots[i], state->entries[slots[i]].payload, /*add=*/true);
        }
      });
    });
  }

  Result<std::vector<ScoredPoint>> search_in(const State& state,
                                             const SearchRequest& request) const {
    const auto& params = *state.config.vectors;
    std::vector<float> query = request.vector;
    if (params.distance == Distance::kCosine) normalise(query);
    const std::size_t dimension = params.size;
    const bool lower_is_better = params.distance == Distance::kEuclid;
    const auto score_of = [&](std::uint64_t slot) {
      return lower_is_better ? euclid(query.data(), vector_of(state, slot), dimension)
                             : dot(query.data(), vector_of(state, slot), dimension);
    };
    const std::size_t wanted = request.limit + request.offset;

    std::vector<std::pair<float, std::uint64_t>> scored;  // score, slot
    std::optional<std::vector<std::uint64_t>> allowed;
    if (request.filter) allowed = matching_slots(state, *request.filter);
    const bool use_index = !request.exact && state.index && state.pending.empty() &&
                           (!allowed || allowed->size() > kFullScanThreshold);
    if (!use_index) {
      // Exact: score every candidate.
      if (allowed) {
        for (std::uint64_t slot : *allowed) scored.emplace_back(score_of(slot), slot);
      } else {
        for (const auto& [id, slot] : state.slots) scored.emplace_back(score_of(slot), slot);
      }
    } else {
      std::vector<bool> permitted;
      if (allowed) {
        permitted.assign(state.entries.size(), false);
        for (std::uint64_t slot : *allowed) permitted[slot] = true;
      }
      const std::size_t ef = std::max(request.hnsw_ef.value_or(state.index->default_ef()), wanted);
      // hnswlib 0.6.2 has no filtered search: ask for more neighbours than wanted, in proportion
      // to how few points the filter lets through, until enough pass or the index is exhausted.
      std::size_t k = wanted;
      if (allowed) {
        const double fraction =
            static_cast<double>(allowed->size()) / static_cast<double>(state.slots.size());
        k = static_cast<std::size_t>(std::ceil(static_cast<double>(wanted) / fraction * 1.5)) + 8;
      }
      while (true) {
        scored.clear();
        for (const auto& neighbour : state.index->search(query.data(), k, std::max(ef, k))) {
          if (!state.entries[neighbour.label].live) continue;
          if (allowed && !permitted[neighbour.label]) continue;
          scored.emplace_back(score_of(neighbour.label), neighbour.label);
        }
        if (!allowed || scored.size() >= wanted || k >= state.index->size()) break;
        k *= 4;
      }
    }
    const auto better = [&](const std::pair<float, std::uint64_t>& a,
                            const std::pair<float, std::uint64_t>& b) {
      if (a.first != b.first) return lower_is_better ? a.first < b.first : a.first > b.first;
      return state.entries[a.second].id < state.entries[b.second].id;
    };
    if (scored.size() > wanted) {
      std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(wanted),
                        scored.end(), better);
      scored.resize(wanted);
    } else {
      std::sort(scored.begin(), scored.end(), better);
    }
    std::vector<ScoredPoint> results;
    for (std::size_t i = request.offset; i < scored.size(); ++i) {
      const auto [score, slot] = scored[i];
      if (request.score_threshold &&
          (lower_is_better ? score > *request.score_threshold : score < *request.score_threshold)) {
        break;
      }
      Point point = point_at(state, slot, request.with);
      results.push_back({point.id, score, std::move(point.payload), std::move(point.vector)});
    }
    return results;
  }

  std::string directory_;
  std::unique_ptr<db::Database> database_;
  std::atomic<std::int64_t> generation_{-1};  // the write generation memory reflects
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<State>, std::less<>> loaded_;
};

}  // namespace

Result<std::unique_ptr<VectorStore>> open_embedded_store(const std::string& directory) {
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) {
    return fail(
        Status::io(fmt::format("creating vector store {}: {}", directory, error.message())));
  }
  const std::string absolute = fs::absolute(directory).lexically_normal().string();
  auto database = db::Database::open("sqlite://" + absolute + "/vectors.db");
  if (!database) return fail(database.error());
  if (Status migrated = db::migrate(**database, "vectors", kMigrations); !migrated.is_ok()) {
    return fail(migrated);
  }
  return std::make_unique<EmbeddedStore>(absolute, std::move(*database));
}

}  // namespace twin::vectors
