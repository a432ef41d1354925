// `twin hub upload` then `twin hub download` against a twin server: the files come back byte for
// byte, into the Hugging Face cache layout (blobs, snapshots/<commit> symlinks, refs/main), and a
// second upload sends no LFS byte.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "server/server_fixture.h"
#include "support/run_twin.h"
#include "support/temp_dir.h"
#include "twin/artifacts/content_hash.h"

namespace twin::server {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_support::run_twin;
using testing_support::shell_quote;

void write(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << bytes;
}

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string random_bytes(size_t size) {
  std::mt19937_64 random(42);
  std::string bytes(size, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(random() & 0xff);
  return bytes;
}

class HubCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.token = "hf_cli_token";
    options.hub_lfs_threshold_bytes = 64 * 1024;
    options.hub_multipart_chunk_bytes = 256 * 1024;
    server_ = std::make_unique<RunningServer>(scratch_.uri(), options);
    ASSERT_TRUE(server_->error().empty()) << server_->error();
  }

  testing_support::CommandOutput hub(const std::string& args, const std::string& token) {
    const std::string env =
        fmt::format("HF_ENDPOINT=http://127.0.0.1:{} HF_TOKEN={} HF_HOME={} ", server_->port(),
                    token, shell_quote((work_.path() / "hf").string()));
    return testing_support::run_shell(
        env + "NO_COLOR=1 " + shell_quote(TWIN_BINARY) + " hub " + args, work_.path());
  }

  testing_support::ScratchDatabase scratch_{"sqlite"};
  std::unique_ptr<RunningServer> server_;
  testing_support::TempDir work_;
};

TEST_F(HubCliTest, UploadThenDownloadRoundTripsIntoTheHuggingFaceCache) {
  const fs::path source = work_.path() / "model";
  const std::string weights = random_bytes(700 * 1024);  // LFS, three parts
  const std::string card = "# me/twin\n";
  write(source / "README.md", card);
  write(source / "tokenizer" / "vocab.txt", "a\nb\n");
  write(source / "model.safetensors", weights);

  auto uploaded = hub("upload me/twin model --json", "hf_cli_token");
  ASSERT_EQ(uploaded.exit_code, 0) << uploaded.err;
  const json pushed = json::parse(uploaded.out);
  EXPECT_EQ(pushed["files"], 3);
  EXPECT_EQ(pushed["lfs_files"], 1);
  EXPECT_EQ(pushed["bytes_uploaded"], weights.size());
  const std::string commit = pushed["commit"];

  auto again = hub("upload me/twin model --json", "hf_cli_token");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out)["bytes_uploaded"], 0) << "the stored object is sent again";
  const std::string head = json::parse(again.out)["commit"];

  auto listed = hub("ls me/twin --json", "hf_cli_token");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(json::parse(listed.out)["files"].size(), 3u);

  auto downloaded = hub("download me/twin -o out --json", "hf_cli_token");
  ASSERT_EQ(downloaded.exit_code, 0) << downloaded.err;
  EXPECT_EQ(json::parse(downloaded.out)["commit"], head);
  EXPECT_EQ(read(work_.path() / "out" / "model.safetensors"), weights);
  EXPECT_EQ(read(work_.path() / "out" / "README.md"), card);
  EXPECT_EQ(read(work_.path() / "out" / "tokenizer" / "vocab.txt"), "a\nb\n");

  const fs::path cache = work_.path() / "hf" / "hub" / "models--me--twin";
  EXPECT_EQ(read(cache / "refs" / "main"), head);
  const fs::path pointer = cache / "snapshots" / head / "model.safetensors";
  EXPECT_TRUE(fs::is_symlink(pointer));
  EXPECT_EQ(fs::canonical(pointer),
            fs::canonical(cache / "blobs" / artifacts::sha256_hex(weights)));
  EXPECT_EQ(read(pointer), weights);

  // Cached blobs are not fetched again; an older commit and --include pick files.
  auto cached = hub("download me/twin --json", "hf_cli_token");
  ASSERT_EQ(cached.exit_code, 0) << cached.err;
  EXPECT_EQ(json::parse(cached.out)["bytes_downloaded"], 0);
  auto picked =
      hub("download me/twin --revision " + commit + " --include '*.md' --json", "hf_cli_token");
  ASSERT_EQ(picked.exit_code, 0) << picked.err;
  EXPECT_EQ(json::parse(picked.out)["files"].size(), 1u);

  // A download cut short resumes where it stopped: only the rest comes over the wire.
  fs::remove_all(work_.path() / "hf");
  const fs::path blobs = work_.path() / "hf" / "hub" / "models--me--twin" / "blobs";
  fs::create_directories(blobs);
  write(blobs / (artifacts::sha256_hex(weights) + ".incomplete"), weights.substr(0, 300 * 1024));
  auto resumed = hub("download me/twin --include '*.safetensors' --json", "hf_cli_token");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(json::parse(resumed.out)["bytes_downloaded"], weights.size() - 300 * 1024);
  EXPECT_EQ(read(blobs / artifacts::sha256_hex(weights)), weights);
  // A partial file that is not a prefix of the blob fails verification: the blob is fetched again
  // whole.
  fs::remove_all(work_.path() / "hf");
  fs::create_directories(blobs);
  write(blobs / (artifacts::sha256_hex(weights) + ".incomplete"), std::string(1000, 'x'));
  auto refetched = hub("download me/twin --include '*.safetensors' --json", "hf_cli_token");
  ASSERT_EQ(refetched.exit_code, 0) << refetched.err;
  EXPECT_EQ(json::parse(refetched.out)["bytes_downloaded"], weights.size() - 1000 + weights.size());
  EXPECT_EQ(read(blobs / artifacts::sha256_hex(weights)), weights);
  EXPECT_FALSE(fs::exists(blobs / (artifacts::sha256_hex(weights) + ".incomplete")));

  // A dataset repo.
  write(work_.path() / "train.jsonl", "{\"instruction\": \"a\"}\n");
  auto dataset = hub("upload me/instruct train.jsonl --repo-type dataset --json", "hf_cli_token");
  ASSERT_EQ(dataset.exit_code, 0) << dataset.err;
  auto fetched = hub("download datasets/me/instruct --json", "hf_cli_token");
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  EXPECT_TRUE(fs::exists(work_.path() / "hf" / "hub" / "datasets--me--instruct" / "snapshots"));
}

TEST_F(HubCliTest, WrongTokenAndMissingRepoAreClearErrors) {
  auto refused = hub("ls me/none", "hf_wrong");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("HF_TOKEN"), std::string::npos) << refused.err;
  auto missing = hub("download me/none", "hf_cli_token");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("models/me/none"), std::string::npos) << missing.err;
  auto bad_name = hub("ls not-a-repo", "hf_cli_token");
  EXPECT_EQ(bad_name.exit_code, 2) << bad_name.err;
}

}  // namespace
}  // namespace twin::server
