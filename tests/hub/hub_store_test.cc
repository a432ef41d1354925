// HubStore on SQLite and PostgreSQL: repos, commits as snapshots, branches, stale parents, objects
// checked before they are stored, paths kept inside the repo; and the hashes the protocol uses.
#include "twin/hub/hub_store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/scratch_database.h"
#include "twin/artifacts/content_hash.h"

namespace twin {
inline std::ostream& operator<<(std::ostream& out, const Status& status) {
  return out << status.to_string();
}
}  // namespace twin

namespace twin::hub {
namespace {

using testing_support::ScratchDatabase;
const RepoId kRepo{.type = RepoType::kModel, .name = "team/model"};

// A body that delivers `bytes` in pieces of `piece` bytes.
BodyReader body(const std::string& bytes, size_t piece = 7) {
  return [bytes, piece](const ChunkSink& sink) {
    for (size_t at = 0; at < bytes.size(); at += piece) {
      if (!sink(bytes.data() + at, std::min(piece, bytes.size() - at))) return false;
    }
    return true;
  };
}

class HubStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    if (!scratch_->skip_reason().empty()) GTEST_SKIP() << scratch_->skip_reason();
    ASSERT_TRUE(scratch_->error().empty()) << scratch_->error();
    auto database = db::Database::open(scratch_->uri());
    ASSERT_TRUE(database) << database.error();
    database_ = std::move(*database);
    auto blobs = artifacts::LocalArtifactStore::open(dir_.path() / "blobs",
                                                     {.durability = artifacts::Durability::kNone});
    ASSERT_TRUE(blobs) << blobs.error();
    blobs_ = std::move(*blobs);
    auto hub = HubStore::open(*database_, *blobs_, {.staging_dir = dir_.path() / "staging"});
    ASSERT_TRUE(hub) << hub.error();
    hub_ = std::move(*hub);
    ASSERT_EQ(hub_->create_repo(kRepo), Status::ok());
  }

  FileChange put(const std::string& path, const std::string& bytes) {
    auto blob = hub_->store_bytes(bytes);
    EXPECT_TRUE(blob) << blob.error();
    return {.kind = FileChange::Kind::kPut,
            .path = path,
            .sha256 = blob->hash,
            .size = blob->size,
            .lfs = false};
  }

  testing_support::TempDir dir_;
  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<db::Database> database_;
  std::unique_ptr<artifacts::LocalArtifactStore> blobs_;
  std::unique_ptr<HubStore> hub_;
};

TEST_P(HubStoreTest, ANewRepoHasAnEmptyMainAndCannotBeCreatedTwice) {
  auto head = hub_->resolve(kRepo, "main");
  ASSERT_TRUE(head) << head.error();
  EXPECT_EQ(head->id.size(), 40u);
  EXPECT_TRUE(head->files.empty());
  EXPECT_EQ(hub_->create_repo(kRepo).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(hub_->branches(kRepo).value(), std::vector<std::string>{"main"});
  EXPECT_EQ(hub_->create_repo({.type = RepoType::kModel, .name = "no-namespace"}).code(),
            StatusCode::kInvalidArgument);
  // A dataset of the same name is another repo.
  EXPECT_EQ(hub_->create_repo({.type = RepoType::kDataset, .name = "team/model"}), Status::ok());
}

TEST_P(HubStoreTest, CommitsAreSnapshotsReachableByIdAndBranch) {
  auto first = hub_->commit(kRepo, {.branch = "main",
                                    .title = "add",
                                    .description = "",
                                    .parent_commit = "",
                                    .changes = {put("a.txt", "A"), put("dir/b.txt", "B")}});
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(first->files.size(), 2u);
  EXPECT_EQ(first->files[0].git_oid, git_blob_oid("A"));
  auto second = hub_->commit(kRepo, {.branch = "main",
                                     .title = "change",
                                     .description = "",
                                     .parent_commit = first->id,
                                     .changes = {put("a.txt", "A2"),
                                                 {.kind = FileChange::Kind::kDelete,
                                                  .path = "dir/b.txt",
                                                  .sha256 = "",
                                                  .size = 0,
                                                  .lfs = false}}});
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(second->parent, first->id);
  ASSERT_EQ(second->files.size(), 1u);
  EXPECT_EQ(second->files[0].size, 2u);
  // The old commit still reads as it was.
  auto old = hub_->resolve(kRepo, first->id);
  ASSERT_TRUE(old) << old.error();
  EXPECT_EQ(old->files.size(), 2u);
  EXPECT_EQ(hub_->resolve(kRepo, "HEAD")->id, second->id);
  EXPECT_EQ(hub_->resolve(kRepo, "nope").error().code(), StatusCode::kNotFound);
  // A new branch starts from main.
  auto branch = hub_->commit(kRepo, {.branch = "dev",
                                     .title = "dev",
                                     .description = "",
                                     .parent_commit = "",
                                     .changes = {put("c.txt", "C")}});
  ASSERT_TRUE(branch) << branch.error();
  EXPECT_EQ(branch->files.size(), 2u);
  EXPECT_EQ(hub_->branches(kRepo).value(), (std::vector<std::string>{"main", "dev"}));
}

TEST_P(HubStoreTest, StaleParentDeletingAMissingFileAndUnstoredObjectsRecordNothing) {
  const std::string head = hub_->resolve(kRepo, "main")->id;
  auto stale = hub_->commit(kRepo, {.branch = "main",
                                    .title = "x",
                                    .description = "",
                                    .parent_commit = std::string(40, 'a'),
                                    .changes = {put("a.txt", "A")}});
  EXPECT_EQ(stale.error().code(), StatusCode::kFailedPrecondition);
  auto missing = hub_->commit(kRepo, {.branch = "main",
                                      .title = "x",
                                      .description = "",
                                      .parent_commit = "",
                                      .changes = {{.kind = FileChange::Kind::kDelete,
                                                   .path = "none.txt",
                                                   .sha256 = "",
                                                   .size = 0,
                                                   .lfs = false}}});
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
  auto unstored = hub_->commit(kRepo, {.branch = "main",
                                       .title = "x",
                                       .description = "",
                                       .parent_commit = "",
                                       .changes = {{.kind = FileChange::Kind::kPut,
                                                    .path = "w.bin",
                                                    .sha256 = std::string(64, 'e'),
                                                    .size = 5,
                                                    .lfs = true}}});
  EXPECT_EQ(unstored.error().code(), StatusCode::kInvalidArgument);
  auto escaping = hub_->commit(kRepo, {.branch = "main",
                                       .title = "x",
                                       .description = "",
                                       .parent_commit = "",
                                       .changes = {put("../a.txt", "A")}});
  EXPECT_EQ(escaping.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(hub_->resolve(kRepo, "main")->id, head);
}

TEST_P(HubStoreTest, ObjectsAreStoredOnlyWhenSizeAndHashMatch) {
  const std::string bytes(1000, 'z');
  const std::string oid = artifacts::sha256_hex(bytes);
  EXPECT_EQ(hub_->receive_object(oid, 1000, body(std::string(1000, 'y'))).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(hub_->receive_object(oid, 1000, body(bytes.substr(0, 999))).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(hub_->receive_object(oid, 999, body(bytes)).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(hub_->has_object(oid, 1000));
  EXPECT_EQ(hub_->receive_object(oid, 1000, body(bytes)), Status::ok());
  EXPECT_TRUE(hub_->has_object(oid, 1000));
  EXPECT_FALSE(hub_->has_object(oid, 999));
  // In parts.
  const std::string large(2500, 'p');
  const std::string large_oid = artifacts::sha256_hex(large);
  for (int part = 1; part <= 3; ++part) {
    auto etag = hub_->receive_part(large_oid, part, 1024,
                                   body(large.substr(static_cast<size_t>(part - 1) * 1024, 1024)));
    ASSERT_TRUE(etag) << etag.error();
  }
  EXPECT_EQ(hub_->complete_parts(large_oid, 2500, 3), Status::ok());
  EXPECT_TRUE(hub_->has_object(large_oid, 2500));
  EXPECT_FALSE(hub_->receive_part(large_oid, 1, 10, body(std::string(11, 'p'))).has_value());
}

TEST_P(HubStoreTest, DeletedRepoIsGone) {
  ASSERT_EQ(hub_->delete_repo(kRepo), Status::ok());
  EXPECT_FALSE(hub_->repo_exists(kRepo).value());
  EXPECT_EQ(hub_->delete_repo(kRepo).code(), StatusCode::kNotFound);
  EXPECT_EQ(hub_->create_repo(kRepo), Status::ok());
}

TEST_P(HubStoreTest, ReopeningDropsUploadsOlderThanADay) {
  const auto staging = dir_.path() / "staging";
  std::filesystem::create_directories(staging / "parts" / "old-object");
  std::ofstream(staging / "old.upload") << "x";
  std::ofstream(staging / "young.upload") << "y";
  const auto old = std::filesystem::file_time_type::clock::now() - std::chrono::hours(25);
  std::filesystem::last_write_time(staging / "old.upload", old);
  std::filesystem::last_write_time(staging / "parts" / "old-object", old);
  auto reopened = HubStore::open(*database_, *blobs_, {.staging_dir = staging});
  ASSERT_TRUE(reopened) << reopened.error();
  EXPECT_FALSE(std::filesystem::exists(staging / "old.upload"));
  EXPECT_FALSE(std::filesystem::exists(staging / "parts" / "old-object"));
  EXPECT_TRUE(std::filesystem::exists(staging / "young.upload"));
}

INSTANTIATE_TEST_SUITE_P(Backends, HubStoreTest, ::testing::Values("sqlite", "postgresql"));

TEST(HubPaths, OnlyPathsInsideTheRepoAreValid) {
  for (const char* good : {"a.txt", "dir/b.bin", ".gitattributes", "a..b/c", "x/.hidden"}) {
    EXPECT_EQ(validate_file_path(good), Status::ok()) << good;
  }
  for (const char* bad : {"", "/abs", "../up", "a/../b", "a/./b", "a//b", "a/", "a\\b", ".."}) {
    EXPECT_EQ(validate_file_path(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(validate_file_path(std::string("a\0b", 3)).code(), StatusCode::kInvalidArgument);
}

TEST(HubHashes, MatchGitAndBase64) {
  // `printf hello | git hash-object --stdin`
  EXPECT_EQ(git_blob_oid("hello"), "b6fc4c620b67d95f953a5c1c1230aaab5db5a1b0");
  EXPECT_EQ(git_blob_oid(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  EXPECT_EQ(decode_base64("aGVsbG8=").value(), "hello");
  EXPECT_EQ(decode_base64("aGVsbG8").value(), "hello");
  EXPECT_FALSE(decode_base64("a$b=").has_value());
  EXPECT_EQ(lfs_pointer(std::string(64, 'a'), 3),
            "version https://git-lfs.github.com/spec/v1\noid sha256:" + std::string(64, 'a') +
                "\nsize 3\n");
  EXPECT_EQ(hmac_sha256_hex("key", "The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

}  // namespace
}  // namespace twin::hub
