// The vector store: Qdrant's data model behind one interface, with an embedded backend (the
// default, under <state>/vectors) and a Qdrant backend that speaks Qdrant's REST API.
//
// A collection holds points: an id (an unsigned integer or a UUID), a float32 vector of the
// collection's size (or none, for payload-only collections such as the Handbook's cleaned_*), and
// a JSON object payload. Distances and scores follow Qdrant: Cosine (vectors are normalised on
// upsert, score = dot product, higher is closer), Dot (score = dot product), Euclid (score = the
// euclidean distance, lower is closer; results are ordered closest first in every case).
//
// Errors: kNotFound for an unknown collection (message "Collection `NAME` doesn't exist!" as
// Qdrant words it), kAlreadyExists for create_collection on an existing name, kInvalidArgument
// for a wrong vector size, a non-finite number, a bad id or a malformed filter (naming it).
// A failed call changes nothing: upsert and delete are all or nothing.
//
// Durability: once upsert / delete / set_payload return ok, the change survives a crash of the
// process (kill -9) and a reopen.
//
// Thread-safety: a VectorStore is safe to use from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "twin/core/settings.h"
#include "twin/core/status.h"
#include "twin/vectors/filter.h"
#include "twin/vectors/point_id.h"

namespace twin::vectors {

enum class Distance { kCosine, kDot, kEuclid };
// Qdrant's spelling: "Cosine", "Dot", "Euclid".
std::string_view to_string(Distance distance);
// Accepts Qdrant's spelling (also "Manhattan" is refused with a clear error).
Result<Distance> parse_distance(std::string_view text);

struct VectorParams {
  std::size_t size = 0;
  Distance distance = Distance::kCosine;
  friend bool operator==(const VectorParams&, const VectorParams&) = default;
};

struct CollectionConfig {
  std::optional<VectorParams> vectors{};  // nullopt: a collection of payloads without vectors
  friend bool operator==(const CollectionConfig&, const CollectionConfig&) = default;
};

// Payload index types, as Qdrant names them ("keyword", "integer", "float", "bool", "uuid", ...).
struct PayloadIndex {
  std::string field;      // a key or dotted path
  std::string data_type;  // Qdrant's field schema name
  friend bool operator==(const PayloadIndex&, const PayloadIndex&) = default;
};

struct CollectionInfo {
  std::string name;
  CollectionConfig config;
  std::uint64_t points_count = 0;
  std::vector<PayloadIndex> payload_indexes;  // sorted by field
};

struct Point {
  PointId id;
  std::vector<float> vector{};  // empty when the collection has no vectors or it was not asked for
  nlohmann::json payload = nlohmann::json::object();
};

struct ScoredPoint {
  PointId id;
  float score = 0;
  nlohmann::json payload = nlohmann::json::object();  // empty object unless asked for
  std::vector<float> vector{};                        // empty unless asked for
};

struct WithOptions {
  bool payload = true;
  bool vector = false;
};

struct SearchRequest {
  std::vector<float> vector;
  std::size_t limit = 10;
  std::size_t offset = 0;
  std::optional<Filter> filter{};
  std::optional<float> score_threshold{};  // Cosine / Dot: score >= it; Euclid: distance <= it
  bool exact = false;                      // true: a full scan, no index
  std::optional<std::size_t> hnsw_ef{};
  WithOptions with{};
};

struct ScrollRequest {
  std::optional<Filter> filter{};
  std::size_t limit = 10;
  std::optional<PointId> offset{};  // the first id to return (inclusive), as Qdrant pages
  WithOptions with{};
};

// Points in id order (integers before UUIDs, each ascending), as Qdrant's scroll returns them.
struct ScrollPage {
  std::vector<Point> points;
  std::optional<PointId> next_page_offset;  // nullopt on the last page
};

// Which points a payload or delete operation applies to: listed ids, or those matching a filter.
using PointSelector = std::variant<std::vector<PointId>, Filter>;

class VectorStore {
 public:
  virtual ~VectorStore() = default;

  // From the settings: QDRANT_DATABASE_HOST / QDRANT_DATABASE_PORT, or USE_QDRANT_CLOUD with
  // QDRANT_CLOUD_URL and QDRANT_APIKEY (the Handbook's), select the Qdrant backend; otherwise the
  // embedded store in <state>/vectors. Configuration errors are kInvalidArgument naming the
  // setting.
  static Result<std::unique_ptr<VectorStore>> open(const Settings& settings);
  // The embedded store in `directory` (created when missing).
  static Result<std::unique_ptr<VectorStore>> open_embedded(const std::string& directory);
  // A Qdrant server at `url` (http://host:port or https://...), `api_key` may be empty.
  static Result<std::unique_ptr<VectorStore>> open_qdrant(const std::string& url,
                                                          const std::string& api_key);

  // "embedded: /path" or "qdrant: http://host:6333", for messages and `twin settings`.
  virtual std::string describe() const = 0;

  virtual Result<std::vector<std::string>> collection_names() = 0;  // sorted
  // Names are [A-Za-z0-9_-], 1 to 255 characters.
  virtual Status create_collection(std::string_view name, const CollectionConfig& config) = 0;
  virtual Result<bool> collection_exists(std::string_view name) = 0;
  virtual Result<CollectionInfo> collection_info(std::string_view name) = 0;
  // Returns false when there was no such collection.
  virtual Result<bool> delete_collection(std::string_view name) = 0;

  // Inserts or replaces (vector and payload) every point, all or nothing.
  virtual Status upsert(std::string_view collection, std::vector<Point> points) = 0;
  // The stored points among `ids`, in the order asked; missing ids are left out.
  virtual Result<std::vector<Point>> retrieve(std::string_view collection,
                                              std::span<const PointId> ids,
                                              const WithOptions& with) = 0;
  virtual Status delete_points(std::string_view collection, const PointSelector& points) = 0;
  // Merges `payload`'s keys into each selected point's payload.
  virtual Status set_payload(std::string_view collection, const nlohmann::json& payload,
                             const PointSelector& points) = 0;
  // Replaces each selected point's payload with `payload`.
  virtual Status overwrite_payload(std::string_view collection, const nlohmann::json& payload,
                                   const PointSelector& points) = 0;
  virtual Status delete_payload_keys(std::string_view collection,
                                     const std::vector<std::string>& keys,
                                     const PointSelector& points) = 0;

  virtual Result<std::uint64_t> count(std::string_view collection,
                                      const std::optional<Filter>& filter) = 0;
  virtual Result<ScrollPage> scroll(std::string_view collection, const ScrollRequest& request) = 0;
  // Nearest points first. kInvalidArgument when the collection has no vectors or the query's
  // size differs from the collection's.
  virtual Result<std::vector<ScoredPoint>> search(std::string_view collection,
                                                  const SearchRequest& request) = 0;

  virtual Status create_payload_index(std::string_view collection, const PayloadIndex& index) = 0;
  virtual Status delete_payload_index(std::string_view collection, std::string_view field) = 0;
};

// Checks a collection name: kInvalidArgument naming it unless [A-Za-z0-9_-]{1,255}.
Status check_collection_name(std::string_view name);
// The name as above, and a vector size from 1 to kMaxVectorSize: what every backend accepts.
inline constexpr std::size_t kMaxVectorSize = 65536;
Status check_collection(std::string_view name, const CollectionConfig& config);

}  // namespace twin::vectors
