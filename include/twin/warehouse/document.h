// A warehouse document: a JSON object keyed by a UUID string `_id`, as in the Handbook's
// MongoDB ODM, plus optional lineage (which pipeline run and step run wrote it).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "twin/core/status.h"

namespace twin::warehouse {

// Which run created a document (stamped by the ETL pipelines). Stored beside the document, never
// inside it: exports in the Handbook's format do not carry it.
struct Lineage {
  std::string run_id;
  std::string step_run_id;
  friend bool operator==(const Lineage&, const Lineage&) = default;
};

struct Document {
  std::string id;                                    // the `_id`
  nlohmann::json fields = nlohmann::json::object();  // every field but `_id`
  std::optional<Lineage> lineage{};

  // The document as the Handbook writes it: its fields plus "_id".
  nlohmann::json to_json() const;
  // Splits "_id" off a JSON object; a missing "_id" gets a new UUID. kInvalidArgument when
  // `json` is not an object or "_id" is not a string.
  static Result<Document> from_json(nlohmann::json json);

  friend bool operator==(const Document&, const Document&) = default;
};

// A random (version 4) UUID in its canonical lower-case form.
std::string new_uuid();

}  // namespace twin::warehouse
