#include "twin/embeddings/safetensors.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <bit>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

namespace twin::embeddings {

namespace {

// Header lengths beyond this are not a safetensors file (the format's own limit is 100 MB).
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

float from_f16(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000U) << 16;
  std::uint32_t exponent = (h >> 10) & 0x1FU;
  std::uint32_t mantissa = h & 0x3FFU;
  std::uint32_t bits = 0;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400U) == 0) {
        mantissa <<= 1;
        --exponent;
      }
      mantissa &= 0x3FFU;
      bits = sign | (exponent << 23) | (mantissa << 13);
    }
  } else if (exponent == 0x1F) {
    bits = sign | 0x7F800000U | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  return std::bit_cast<float>(bits);
}

float from_bf16(std::uint16_t h) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16);
}

std::size_t dtype_bytes(const std::string& dtype) {
  if (dtype == "F32") return 4;
  if (dtype == "F16" || dtype == "BF16") return 2;
  return 0;
}

Result<Tensor> decode_tensor(const std::filesystem::path& file, const std::string& name,
                             const nlohmann::json& entry, std::ifstream& in,
                             std::uint64_t data_start, std::uint64_t file_size) {
  auto bad = [&](const std::string& what) {
    return fail(Status::corruption(fmt::format("{}: tensor '{}': {}", file.string(), name, what)));
  };
  if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
      !entry.contains("data_offsets"))
    return bad("header entry lacks dtype, shape or data_offsets");
  const std::string dtype = entry["dtype"].is_string() ? entry["dtype"].get<std::string>() : "";
  const std::size_t element_bytes = dtype_bytes(dtype);
  if (element_bytes == 0) {
    return fail(Status::invalid_argument(
        fmt::format("{}: tensor '{}' has dtype {}; twin reads F32, F16 and BF16", file.string(),
                    name, entry["dtype"].dump())));
  }
  Tensor tensor;
  std::uint64_t count = 1;
  for (const auto& dimension : entry["shape"]) {
    if (!dimension.is_number_unsigned()) return bad("shape is not a list of sizes");
    tensor.shape.push_back(dimension.get<std::int64_t>());
    count *= dimension.get<std::uint64_t>();
  }
  const auto& offsets = entry["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    return bad("data_offsets is not [begin, end]");
  const auto begin = offsets[0].get<std::uint64_t>();
  const auto end = offsets[1].get<std::uint64_t>();
  if (end < begin || end - begin != count * element_bytes) {
    return bad(fmt::format("data_offsets [{}, {}] hold {} bytes but {} {} needs {}", begin, end,
                           end - begin, dtype, fmt::join(tensor.shape, "x"),
                           count * element_bytes));
  }
  if (data_start + end > file_size) {
    return bad(fmt::format("its data ends at byte {} but the file has {} bytes (truncated?)",
                           data_start + end, file_size));
  }
  std::vector<char> raw(end - begin);
  in.seekg(static_cast<std::streamoff>(data_start + begin));
  in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
  if (!in) return bad("reading its data failed");
  tensor.values.resize(count);
  if (dtype == "F32") {
    std::memcpy(tensor.values.data(), raw.data(), raw.size());
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      std::uint16_t half = 0;
      std::memcpy(&half, raw.data() + (2 * i), 2);
      tensor.values[i] = dtype == "F16" ? from_f16(half) : from_bf16(half);
    }
  }
  return tensor;
}

}  // namespace

Result<std::map<std::string, Tensor>> read_safetensors(const std::filesystem::path& file) {
  static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");
  std::error_code error;
  const auto file_size = std::filesystem::file_size(file, error);
  if (error) return fail(Status::not_found(fmt::format("{}: {}", file.string(), error.message())));
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(Status::io(fmt::format("{}: cannot open", file.string())));
  std::uint64_t header_bytes = 0;
  if (file_size < 8 || !in.read(reinterpret_cast<char*>(&header_bytes), 8)) {
    return fail(Status::corruption(
        fmt::format("{}: {} bytes, too short for a safetensors header", file.string(), file_size)));
  }
  if (header_bytes > kMaxHeaderBytes || 8 + header_bytes > file_size) {
    return fail(Status::corruption(fmt::format(
        "{}: header length {} does not fit the file's {} bytes (truncated or not safetensors)",
        file.string(), header_bytes, file_size)));
  }
  std::string header(header_bytes, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_bytes));
  const auto json = nlohmann::json::parse(header, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    return fail(Status::corruption(fmt::format("{}: header is not a JSON object", file.string())));
  std::map<std::string, Tensor> tensors;
  for (const auto& [name, entry] : json.items()) {
    if (name == "__metadata__") continue;
    TWIN_ASSIGN_OR_RETURN(auto tensor,
                          decode_tensor(file, name, entry, in, 8 + header_bytes, file_size));
    tensors.emplace(name, std::move(tensor));
  }
  return tensors;
}

}  // namespace twin::embeddings
