// Conformance suite for ArtifactStore backends, instantiated for every backend (local today).
#include "twin/artifacts/artifact_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>
#include <vector>

#include "support/temp_dir.h"
#include "twin/artifacts/content_hash.h"

namespace twin::artifacts {
namespace {
namespace fs = std::filesystem;
using testing_support::TempDir;

// Opens a fresh store of one backend under a temporary folder.
struct Backend {
  std::string name;
  std::function<std::string(const fs::path& dir)> uri_for;
};

class ArtifactStoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto opened = open_artifact_store(GetParam().uri_for(dir_.path()));
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    store_ = std::move(*opened);
  }
  TempDir dir_;
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
  size_t blobs = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path())) {
    if (entry.is_regular_file()) ++blobs;
  }
  EXPECT_EQ(blobs, 1U);
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
    ::testing::Values(Backend{
        "local", [](const fs::path& dir) { return "file://" + (dir / "artifacts").string(); }}),
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

TEST(ContentHash, RecognisesHashes) {
  EXPECT_TRUE(is_content_hash(sha256_hex("")));
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_FALSE(is_content_hash("xyz"));
}

}  // namespace
}  // namespace twin::artifacts
