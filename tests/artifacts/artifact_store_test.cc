// Conformance suite for ArtifactStore backends, instantiated for every backend: the local store
// in its three durability modes, and S3 (on the local s3rver of scripts/test-env.d/s3.sh).
#include "twin/artifacts/artifact_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "support/s3_test_env.h"
#include "support/temp_dir.h"
#include "twin/artifacts/content_hash.h"
#include "twin/artifacts/s3_artifact_store.h"

namespace twin::artifacts {
namespace {
namespace fs = std::filesystem;
using testing_support::TempDir;

// Opens a fresh store of one backend under a temporary folder.
struct Backend {
  std::string name;
  std::function<std::string(const fs::path& dir)> uri_for;
  bool s3 = false;  // uri_for is unused: each test gets a bucket of its own on the test server
};

class ArtifactStoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!GetParam().s3) {
      auto opened = open_artifact_store(GetParam().uri_for(dir_.path()));
      ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
      store_ = std::move(*opened);
      return;
    }
    const auto endpoint = testing_support::test_s3_endpoint();
    if (!endpoint) GTEST_SKIP() << testing_support::kNoS3Reason;
    bucket_ = testing_support::unique_bucket("conformance");
    const Status created = testing_support::test_s3_client(*endpoint)->create_bucket(bucket_);
    ASSERT_TRUE(created.is_ok()) << created.to_string();
    const Settings settings =
        testing_support::settings_with(dir_.path(), testing_support::s3_environment(*endpoint));
    auto opened = open_artifact_store("s3://" + bucket_ + "/blobs", settings);
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    store_ = std::move(*opened);
  }
  // Blobs the backend holds: files under the folder, or objects in the bucket.
  size_t stored_blobs() const {
    if (auto* s3 = dynamic_cast<S3ArtifactStore*>(store_.get())) {
      auto objects = s3->client().list_objects(bucket_, "");
      return objects ? objects->size() : 0;
    }
    size_t blobs = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir_.path())) {
      if (entry.is_regular_file()) ++blobs;
    }
    return blobs;
  }
  TempDir dir_;
  std::string bucket_;
  std::unique_ptr<ArtifactStore> store_;
};

TEST_P(ArtifactStoreConformance, PutBytesReturnsSha256AndReadsBack) {
  auto blob = store_->put_bytes("hello");
  ASSERT_TRUE(blob.has_value()) << blob.error().to_string();
  EXPECT_EQ(blob->hash, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(blob->size, 5U);
  EXPECT_TRUE(store_->contains(blob->hash));
  auto bytes = store_->get_bytes(blob->hash);
  ASSERT_TRUE(bytes.has_value()) << bytes.error().to_string();
  EXPECT_EQ(*bytes, "hello");
}

TEST_P(ArtifactStoreConformance, SameContentIsStoredOnce) {
  auto first = store_->put_bytes("same");
  auto second = store_->put_bytes("same");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->hash, second->hash);
  EXPECT_EQ(stored_blobs(), 1U);
}

TEST_P(ArtifactStoreConformance, PutFileStreamsContent) {
  const fs::path file = dir_.path() / "input.bin";
  std::string content(300000, 'x');
  content[12345] = 'y';
  std::ofstream(file, std::ios::binary) << content;
  auto blob = store_->put_file(file);
  ASSERT_TRUE(blob.has_value()) << blob.error().to_string();
  EXPECT_EQ(blob->hash, sha256_hex(content));
  EXPECT_EQ(blob->size, content.size());
  const fs::path copy = dir_.path() / "copy.bin";
  ASSERT_TRUE(store_->copy_to_file(blob->hash, copy).is_ok());
  EXPECT_EQ(sha256_file(copy).value(), blob->hash);
}

TEST_P(ArtifactStoreConformance, MissingBlobIsNotFound) {
  const std::string absent = sha256_hex("never stored");
  EXPECT_FALSE(store_->contains(absent));
  auto bytes = store_->get_bytes(absent);
  ASSERT_FALSE(bytes.has_value());
  EXPECT_EQ(bytes.error().code(), StatusCode::kNotFound);
  EXPECT_NE(bytes.error().message().find(absent), std::string::npos);
  EXPECT_EQ(store_->copy_to_file(absent, dir_.path() / "x").code(), StatusCode::kNotFound);
}

TEST_P(ArtifactStoreConformance, RemoveDeletesAndIsIdempotent) {
  auto blob = store_->put_bytes("gone soon");
  ASSERT_TRUE(blob.has_value());
  EXPECT_TRUE(store_->remove(blob->hash).is_ok());
  EXPECT_FALSE(store_->contains(blob->hash));
  EXPECT_TRUE(store_->remove(blob->hash).is_ok());
}

TEST_P(ArtifactStoreConformance, RejectsMalformedHashes) {
  EXPECT_EQ(store_->get_bytes("../../etc/passwd").error().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(store_->contains("ABC"));
}

TEST_P(ArtifactStoreConformance, ConcurrentWritersOfSameContentAgree) {
  std::vector<std::thread> threads;
  std::vector<std::string> hashes(8);
  const std::string content(100000, 'c');
  for (size_t i = 0; i < hashes.size(); ++i) {
    threads.emplace_back([&, i] {
      auto blob = store_->put_bytes(content);
      if (blob) hashes[i] = blob->hash;
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& hash : hashes) EXPECT_EQ(hash, sha256_hex(content));
  EXPECT_EQ(store_->get_bytes(hashes[0]).value(), content);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, ArtifactStoreConformance,
    ::testing::Values(Backend{"local",  // the default durability: batch
                              [](const fs::path& dir) {
                                return "file://" + (dir / "artifacts").string();
                              }},
                      Backend{"local_each",
                              [](const fs::path& dir) {
                                return "file://" + (dir / "artifacts").string() + "?fsync=each";
                              }},
                      Backend{"local_none",
                              [](const fs::path& dir) {
                                return "file://" + (dir / "artifacts").string() + "?fsync=none";
                              }},
                      Backend{"s3", {}, true}),
    [](const auto& test_info) { return test_info.param.name; });

TEST(LocalArtifactStore, WritesLeaveNoTemporaryFilesBehind) {
  TempDir dir;
  auto store = LocalArtifactStore::open(dir.path() / "a");
  ASSERT_TRUE(store.has_value());
  ASSERT_TRUE((*store)->put_bytes("one").has_value());
  ASSERT_TRUE((*store)->put_bytes("one").has_value());
  EXPECT_TRUE(fs::is_empty(dir.path() / "a" / "tmp"));
  const std::string hash = sha256_hex("one");
  EXPECT_EQ((*store)->blob_path(hash), dir.path() / "a" / hash.substr(0, 2) / hash);
}

TEST(OpenArtifactStore, RelativePathIsUnderBase) {
  TempDir dir;
  auto store = open_artifact_store("file://rel/store", dir.path());
  ASSERT_TRUE(store.has_value()) << store.error().to_string();
  EXPECT_TRUE(fs::is_directory(dir.path() / "rel" / "store"));
}

TEST(OpenArtifactStore, UnknownSchemeNamesTheUri) {
  auto store = open_artifact_store("ftp://host/x");
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.error().message().find("ftp://host/x"), std::string::npos);
}

TEST_P(ArtifactStoreConformance, FlushMakesWrittenBlobsDurableAndTheyReadBack) {
  EXPECT_TRUE(store_->flush().is_ok());  // nothing pending
  auto first = store_->put_bytes("first");
  const fs::path file = dir_.path() / "input.txt";
  std::ofstream(file) << "second";
  auto second = store_->put_file(file);
  ASSERT_TRUE(first && second);
  const Status flushed = store_->flush();
  EXPECT_TRUE(flushed.is_ok()) << flushed.to_string();
  EXPECT_TRUE(store_->flush().is_ok());  // again: nothing pending
  EXPECT_EQ(store_->get_bytes(first->hash).value_or(""), "first");
  EXPECT_EQ(store_->get_bytes(second->hash).value_or(""), "second");
  EXPECT_EQ(store_->blob_size(second->hash), std::optional<uint64_t>(6));
  EXPECT_EQ(store_->blob_size(sha256_hex("absent")), std::nullopt);
}

TEST(LocalArtifactStore, BatchIsTheDefaultAndWritesReadBackBeforeAndAfterFlush) {
  TempDir dir;
  auto store = LocalArtifactStore::open(dir.path() / "a");
  ASSERT_TRUE(store.has_value()) << store.error().to_string();
  EXPECT_EQ((*store)->durability(), Durability::kBatch);
  std::vector<std::string> hashes;
  for (size_t i = 0; i < 20; ++i) {
    auto blob = (*store)->put_bytes(fmt::format("blob {}", i));
    ASSERT_TRUE(blob.has_value()) << blob.error().to_string();
    hashes.push_back(blob->hash);
  }
  EXPECT_EQ((*store)->get_bytes(hashes[3]).value_or(""), "blob 3");  // before the flush
  const Status flushed = (*store)->flush();
  ASSERT_TRUE(flushed.is_ok()) << flushed.to_string();
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_EQ((*store)->get_bytes(hashes[i]).value_or(""), fmt::format("blob {}", i));
  }
  EXPECT_TRUE(fs::is_empty(dir.path() / "a" / "tmp"));
}

TEST(OpenArtifactStore, ParsesDurabilityModes) {
  TempDir dir;
  const std::string base = "file://" + (dir.path() / "a").string();
  const std::vector<std::pair<std::string, Durability>> cases = {
      {"", Durability::kBatch},
      {"?fsync=batch", Durability::kBatch},
      {"?fsync=each", Durability::kEach},
      {"?fsync=true", Durability::kEach},
      {"?fsync=1", Durability::kEach},
      {"?fsync=none", Durability::kNone},
      {"?fsync=false", Durability::kNone},
      {"?fsync=0", Durability::kNone}};
  for (const auto& [query, durability] : cases) {
    auto store = open_artifact_store(base + query);
    ASSERT_TRUE(store.has_value()) << query << ": " << store.error().to_string();
    auto* local = dynamic_cast<LocalArtifactStore*>(store->get());
    ASSERT_NE(local, nullptr);
    EXPECT_EQ(local->durability(), durability) << query;
  }
  EXPECT_EQ(to_string(Durability::kBatch), "batch");
}

TEST(OpenArtifactStore, UnknownDurabilityModeIsAClearError) {
  TempDir dir;
  const std::string uri = "file://" + (dir.path() / "a").string() + "?fsync=sometimes";
  auto store = open_artifact_store(uri);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.error().message().find("unknown fsync mode 'sometimes'"), std::string::npos)
      << store.error().message();
  EXPECT_NE(store.error().message().find("each|batch|none"), std::string::npos);
  EXPECT_NE(store.error().message().find(uri), std::string::npos);

  auto option = open_artifact_store("file://" + (dir.path() / "a").string() + "?sync=each");
  ASSERT_FALSE(option.has_value());
  EXPECT_NE(option.error().message().find("unknown option 'sync=each'"), std::string::npos)
      << option.error().message();
}

TEST(ContentHash, RecognisesHashes) {
  EXPECT_TRUE(is_content_hash(sha256_hex("")));
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_FALSE(is_content_hash("xyz"));
}

}  // namespace
}  // namespace twin::artifacts
