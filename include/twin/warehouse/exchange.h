// Files of documents in the Handbook's export format: one JSON array of documents per file,
// each an object with a string "_id" (as MongoDB's export and the Handbook's
// data_warehouse_raw_data/*.json hold them).
#pragma once

#include <filesystem>
#include <vector>

#include "twin/core/status.h"
#include "twin/warehouse/document.h"

namespace twin::warehouse {

// Reads every document of `file`. kInvalidArgument for malformed JSON (naming file:line:column),
// for a value that is not an array of objects, or for a bad "_id" (naming the element's index);
// kIo when the file cannot be read.
Result<std::vector<Document>> read_document_array(const std::filesystem::path& file);

// Writes `documents` (without lineage) as one JSON array, replacing `file` atomically.
Status write_document_array(const std::filesystem::path& file,
                            const std::vector<Document>& documents);

}  // namespace twin::warehouse
