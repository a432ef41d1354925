// The Qdrant backend. The conformance suite runs against the Qdrant server named by
// TWIN_TEST_QDRANT_URL (e.g. http://127.0.0.1:6333, or twin server's Qdrant API), with
// TWIN_TEST_QDRANT_API_KEY when it needs one; without it those tests are skipped.
#include <gmock/gmock.h>

#include <cstdlib>

#include "vector_store_conformance.h"

namespace twin::vectors {
namespace {

Result<std::unique_ptr<VectorStore>> open_test_qdrant(const std::filesystem::path& /*scratch*/) {
  const char* url = std::getenv("TWIN_TEST_QDRANT_URL");
  if (url == nullptr || *url == '\0') {
    return fail(Status::unavailable("TWIN_TEST_QDRANT_URL is not set: no Qdrant to test against"));
  }
  const char* key = std::getenv("TWIN_TEST_QDRANT_API_KEY");
  return VectorStore::open_qdrant(url, key != nullptr ? key : "");
}

INSTANTIATE_TEST_SUITE_P(Qdrant, VectorStoreConformance,
                         ::testing::Values(VectorStoreBackend{"qdrant", open_test_qdrant}),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(QdrantStore, UnreachableServerIsUnavailable) {
  auto store = VectorStore::open_qdrant("http://127.0.0.1:9", "");
  ASSERT_TRUE(store.has_value()) << store.error().to_string();
  EXPECT_EQ((*store)->describe(), "qdrant: http://127.0.0.1:9");
  auto names = (*store)->collection_names();
  ASSERT_FALSE(names.has_value());
  EXPECT_EQ(names.error().code(), StatusCode::kUnavailable);
  EXPECT_THAT(names.error().message(), ::testing::HasSubstr("127.0.0.1:9"));
}

TEST(QdrantStore, SettingsSelectQdrantOnlyWhenSet) {
  testing_support::TempDir dir;
  SettingsOptions options;
  options.root = dir.path();
  options.environment = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  options.flags = {{"QDRANT_DATABASE_HOST", "qdrant.internal"}};
  auto host = VectorStore::open(Settings::load(options).value());
  ASSERT_TRUE(host.has_value()) << host.error().to_string();
  EXPECT_EQ((*host)->describe(), "qdrant: http://qdrant.internal:6333");
  options.flags = {{"USE_QDRANT_CLOUD", "True"},
                   {"QDRANT_CLOUD_URL", "https://abc.cloud.qdrant.io:6333"},
                   {"QDRANT_APIKEY", "secret"}};
  auto cloud = VectorStore::open(Settings::load(options).value());
  ASSERT_TRUE(cloud.has_value()) << cloud.error().to_string();
  EXPECT_EQ((*cloud)->describe(), "qdrant: https://abc.cloud.qdrant.io:6333");
  EXPECT_EQ(VectorStore::open_qdrant("localhost:6333", "").error().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace twin::vectors
