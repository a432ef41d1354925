#include "twin/warehouse/document.h"

#include <fmt/format.h>

#include <random>

namespace twin::warehouse {

nlohmann::json Document::to_json() const {
  nlohmann::json json = fields;
  json["_id"] = id;
  return json;
}

Result<Document> Document::from_json(nlohmann::json json) {
  if (!json.is_object()) {
    return fail(Status::invalid_argument(
        fmt::format("a document must be a JSON object, not {}", json.type_name())));
  }
  Document document;
  if (auto found = json.find("_id"); found != json.end()) {
    if (!found->is_string() || found->get_ref<const std::string&>().empty()) {
      return fail(Status::invalid_argument(
          fmt::format("a document's _id must be a non-empty string, not {}", found->dump())));
    }
    document.id = found->get<std::string>();
    json.erase(found);
  } else {
    document.id = new_uuid();
  }
  document.fields = std::move(json);
  return document;
}

std::string new_uuid() {
  thread_local std::mt19937_64 random([] {  // NOLINT(misc-use-internal-linkage): a local
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
  }());
  std::uint64_t high = random();
  std::uint64_t low = random();
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;    // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xffff,
                     high & 0xffff, low >> 48, low & 0xffffffffffffULL);
}

}  // namespace twin::warehouse
