#include "twin/artifacts/materializers.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"

namespace twin::artifacts {
namespace {
namespace fs = std::filesystem;
using testing_support::TempDir;

struct User {
  std::string full_name;
  int articles = 0;
};
void to_json(nlohmann::json& j, const User& u) {
  j = {{"full_name", u.full_name}, {"articles", u.articles}};
}
void from_json(const nlohmann::json& j, User& u) {
  j.at("full_name").get_to(u.full_name);
  j.at("articles").get_to(u.articles);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class Materializers : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(LocalArtifactStore::open(dir_.path() / "store").value());
  }
  TempDir dir_;
  std::unique_ptr<LocalArtifactStore> store_;
};

TEST_F(Materializers, TypedValueRoundTripsThroughJson) {
  auto stored = save_value(*store_, User{"Paul Iusztin", 3});
  ASSERT_TRUE(stored.has_value()) << stored.error().to_string();
  EXPECT_EQ(stored->materializer, "json");
  auto user = load_value<User>(*store_, stored->hash);
  ASSERT_TRUE(user.has_value()) << user.error().to_string();
  EXPECT_EQ(user->full_name, "Paul Iusztin");
  EXPECT_EQ(user->articles, 3);
}

TEST_F(Materializers, EqualJsonHasEqualHashWhateverTheKeyOrder) {
  auto a = save_json(*store_, nlohmann::json::parse(R"({"b":1,"a":2})"));
  auto b = save_json(*store_, nlohmann::json::parse(R"({"a":2,"b":1})"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->hash, b->hash);
}

TEST_F(Materializers, WrongTypeIsInvalidArgument) {
  auto stored = save_json(*store_, nlohmann::json{{"other", true}});
  ASSERT_TRUE(stored.has_value());
  auto user = load_value<User>(*store_, stored->hash);
  ASSERT_FALSE(user.has_value());
  EXPECT_EQ(user.error().code(), StatusCode::kInvalidArgument);
}

TEST_F(Materializers, NonJsonBlobIsCorruption) {
  auto stored = save_bytes(*store_, "not json {");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->materializer, "bytes");
  EXPECT_EQ(load_json(*store_, stored->hash).error().code(), StatusCode::kCorruption);
}

TEST_F(Materializers, FileExportsByteForByte) {
  const fs::path file = dir_.path() / "data.bin";
  std::ofstream(file, std::ios::binary) << std::string("a\0b\nc", 5);
  auto stored = save_path(*store_, file);
  ASSERT_TRUE(stored.has_value()) << stored.error().to_string();
  EXPECT_EQ(stored->materializer, "file");
  EXPECT_EQ(stored->size, 5U);
  ASSERT_TRUE(
      export_artifact(*store_, stored->materializer, stored->hash, dir_.path() / "out").is_ok());
  EXPECT_EQ(read_file(dir_.path() / "out"), std::string("a\0b\nc", 5));
}

TEST_F(Materializers, DirectoryRoundTripsWithExecutableBits) {
  const fs::path tree = dir_.path() / "tree";
  fs::create_directories(tree / "sub");
  std::ofstream(tree / "a.txt") << "alpha";
  std::ofstream(tree / "sub" / "run.sh") << "#!/bin/sh\necho hi\n";
  fs::permissions(tree / "sub" / "run.sh", fs::perms::owner_exec, fs::perm_options::add);
  auto stored = save_path(*store_, tree);
  ASSERT_TRUE(stored.has_value()) << stored.error().to_string();
  EXPECT_EQ(stored->materializer, "directory");
  EXPECT_EQ(stored->size, 5U + 18U);
  const fs::path out = dir_.path() / "exported";
  ASSERT_TRUE(export_artifact(*store_, "directory", stored->hash, out).is_ok());
  EXPECT_EQ(read_file(out / "a.txt"), "alpha");
  EXPECT_EQ(read_file(out / "sub" / "run.sh"), "#!/bin/sh\necho hi\n");
  EXPECT_NE(fs::status(out / "sub" / "run.sh").permissions() & fs::perms::owner_exec,
            fs::perms::none);

  // The same tree elsewhere has the same hash.
  fs::copy(tree, dir_.path() / "tree2", fs::copy_options::recursive);
  EXPECT_EQ(save_path(*store_, dir_.path() / "tree2")->hash, stored->hash);
}

TEST_F(Materializers, DirectoryWithADeletedFileBlobIsIncomplete) {
  const fs::path tree = dir_.path() / "tree";
  fs::create_directories(tree);
  std::ofstream(tree / "a.txt") << "alpha";
  auto stored = save_path(*store_, tree);
  ASSERT_TRUE(stored.has_value());
  EXPECT_TRUE(artifact_is_complete(*store_, "directory", stored->hash));
  ASSERT_TRUE(store_->remove(save_bytes(*store_, "alpha")->hash).is_ok());
  EXPECT_FALSE(artifact_is_complete(*store_, "directory", stored->hash));
  EXPECT_FALSE(artifact_is_complete(*store_, "json", std::string(64, 'a')));
}

// What a power loss before flush() can leave: a blob renamed into place with fewer bytes.
void truncate_blob(const LocalArtifactStore& store, const std::string& hash, uint64_t size) {
  fs::resize_file(store.blob_path(hash), size);
}

TEST_F(Materializers, TruncatedBlobIsIncompleteAndAnErrorNamingItOnExport) {
  auto bytes = save_bytes(*store_, "0123456789");
  ASSERT_TRUE(bytes.has_value());
  EXPECT_TRUE(artifact_is_complete(*store_, "bytes", bytes->hash, 10));
  truncate_blob(*store_, bytes->hash, 4);
  EXPECT_FALSE(artifact_is_complete(*store_, "bytes", bytes->hash, 10));

  const fs::path tree = dir_.path() / "tree";
  fs::create_directories(tree);
  std::ofstream(tree / "a.txt") << "alpha and more";
  auto stored = save_path(*store_, tree);
  ASSERT_TRUE(stored.has_value());
  EXPECT_TRUE(artifact_is_complete(*store_, "directory", stored->hash, stored->size));
  const std::string file_hash = save_bytes(*store_, "alpha and more")->hash;
  truncate_blob(*store_, file_hash, 5);
  EXPECT_FALSE(artifact_is_complete(*store_, "directory", stored->hash, stored->size));
  const Status exported = export_artifact(*store_, "directory", stored->hash, dir_.path() / "out");
  EXPECT_EQ(exported.code(), StatusCode::kCorruption);
  EXPECT_NE(exported.message().find(file_hash), std::string::npos) << exported.message();
}

TEST_F(Materializers, MissingPathIsNotFound) {
  EXPECT_EQ(save_path(*store_, dir_.path() / "nope").error().code(), StatusCode::kNotFound);
}

TEST_F(Materializers, UnknownMaterializerIsInvalidArgument) {
  EXPECT_EQ(export_artifact(*store_, "pickle", std::string(64, 'a'), dir_.path() / "x").code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace twin::artifacts
