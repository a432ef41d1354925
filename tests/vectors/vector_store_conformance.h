// The conformance suite every VectorStore backend passes (vector_store_test.cc). A backend joins
// by instantiating it with a factory, as embedded_store_test.cc does:
//
//   INSTANTIATE_TEST_SUITE_P(Qdrant, VectorStoreConformance,
//                            ::testing::Values(VectorStoreBackend{"qdrant", [](const auto&) {
//                              return VectorStore::open_qdrant("http://127.0.0.1:6333", "");
//                            }}),
//                            [](const auto& info) { return info.param.name; });
//
// The factory gets a scratch directory the test owns and returns a store; a kUnavailable error
// skips the test (no server). Tests name their collections with a random suffix and delete them
// at the end, so a shared server can be used.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "support/temp_dir.h"
#include "twin/vectors/vector_store.h"

namespace twin::vectors {

struct VectorStoreBackend {
  std::string name;
  std::function<Result<std::unique_ptr<VectorStore>>(const std::filesystem::path& scratch)> open;
};

class VectorStoreConformance : public ::testing::TestWithParam<VectorStoreBackend> {
 protected:
  void SetUp() override {
    auto opened = GetParam().open(scratch_.path());
    if (!opened && opened.error().code() == StatusCode::kUnavailable) {
      GTEST_SKIP() << opened.error().to_string();
    }
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    store_ = std::move(*opened);
  }
  void TearDown() override {
    if (store_) {
      for (const auto& name : created_) (void)store_->delete_collection(name);
    }
    store_.reset();
  }

  // A fresh collection name (random suffix), deleted when the test ends.
  std::string fresh_name(std::string_view base) {
    static std::mt19937_64 random(std::random_device{}());
    std::string name = fmt::format("{}_{:08x}", base, random() & 0xffffffffU);
    created_.push_back(name);
    return name;
  }

  std::string create(std::string_view base, std::optional<VectorParams> vectors) {
    std::string name = fresh_name(base);
    Status created = store_->create_collection(name, CollectionConfig{vectors});
    EXPECT_TRUE(created.is_ok()) << created.to_string();
    return name;
  }

  testing_support::TempDir scratch_;
  std::unique_ptr<VectorStore> store_;
  std::vector<std::string> created_;
};

}  // namespace twin::vectors
