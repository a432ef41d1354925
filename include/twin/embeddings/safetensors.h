// A reader for the safetensors format Hugging Face saves model weights in: an 8-byte
// little-endian header length, a JSON header mapping each tensor name to its dtype, shape and
// byte range (data_offsets, relative to the end of the header), then the raw little-endian data.
// Only what BERT-family checkpoints hold is read: F32 as is, F16 and BF16 widened to float.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "twin/core/status.h"

namespace twin::embeddings {

struct Tensor {
  std::vector<std::int64_t> shape;
  std::vector<float> values;  // row-major, shape's product floats
};

// Every tensor of the file by name. Errors (kNotFound, kIo, kCorruption, kInvalidArgument) name
// the file and, where one is at fault, the tensor: a header longer than the file, a tensor whose
// byte range lies past the end of the file (a truncated download), a byte range that does not
// match dtype and shape, or a dtype other than F32, F16, BF16.
Result<std::map<std::string, Tensor>> read_safetensors(const std::filesystem::path& file);

}  // namespace twin::embeddings
