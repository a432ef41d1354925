// sourcedir.tar.gz: the code folder a SageMaker training job runs, packed as the SageMaker SDK
// packs `source_dir` (every file under the folder, paths relative to it, gzip-compressed tar).
#pragma once

#include <cstdint>
#include <filesystem>

#include "twin/core/status.h"

namespace twin::sagemaker {

struct PackedSource {
  uint64_t files = 0;
  uint64_t bytes = 0;  // the archive's size
};

// Packs every regular file under `folder` (symbolic links followed, as the SDK's tarfile.add
// does; `__pycache__` folders and `.pyc` files left out) into `archive`, written to a
// temporary file first and renamed, so a failure leaves no partial archive. kInvalidArgument
// when `folder` is not a folder; kIo naming the file that could not be read or written.
Result<PackedSource> pack_source_folder(const std::filesystem::path& folder,
                                        const std::filesystem::path& archive);

}  // namespace twin::sagemaker
