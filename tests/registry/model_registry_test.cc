// ModelRegistry conformance: the same tests on SQLite and PostgreSQL.
#include "twin/registry/model_registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <ostream>

#include "support/scratch_database.h"
#include "support/temp_dir.h"
#include "twin/tracking/tracking_store.h"

namespace twin {
// Lets GoogleTest print a Status in failure messages.
inline std::ostream& operator<<(std::ostream& out, const Status& status) {
  return out << status.to_string();
}
}  // namespace twin

namespace twin::registry {
namespace {

using testing_support::ScratchDatabase;

class ModelRegistryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<ScratchDatabase>(GetParam());
    if (!scratch_->skip_reason().empty()) GTEST_SKIP() << scratch_->skip_reason();
    ASSERT_TRUE(scratch_->error().empty()) << scratch_->error();
    auto database = db::Database::open(scratch_->uri());
    ASSERT_TRUE(database) << database.error();
    database_ = std::move(*database);
    auto tracking = tracking::TrackingStore::open(*database_, "file:///tmp/twin-test/mlruns");
    ASSERT_TRUE(tracking) << tracking.error();
    tracking_ = std::move(*tracking);
    auto blobs = artifacts::LocalArtifactStore::open(dir_.path() / "blobs",
                                                     {.durability = artifacts::Durability::kNone});
    ASSERT_TRUE(blobs) << blobs.error();
    blobs_ = std::move(*blobs);
    auto registry =
        ModelRegistry::open(*database_, {.artifacts = blobs_.get(), .tracking = tracking_.get()});
    ASSERT_TRUE(registry) << registry.error();
    registry_ = std::move(*registry);
  }

  // Writes `content` to dir_/relative, creating folders.
  std::filesystem::path write_file(const std::filesystem::path& relative,
                                   const std::string& content) {
    const auto path = dir_.path() / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  Result<ModelVersion> register_files(const std::string& name, const std::filesystem::path& path,
                                      const std::string& run_id = "",
                                      const std::string& description = "") {
    RegisterFilesRequest request;
    request.name = name;
    request.path = path;
    request.run_id = run_id;
    request.description = description;
    return registry_->register_files(request);
  }

  static std::string read_whole(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  ModelVersion add_version(const std::string& name, const std::string& source) {
    CreateVersionRequest request;
    request.name = name;
    request.source = source;
    request.model_card = "# " + name + "\n";
    auto version = registry_->create_version(request);
    EXPECT_TRUE(version) << version.error();
    return version.value_or(ModelVersion{});
  }

  testing_support::TempDir dir_;
  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<db::Database> database_;
  std::unique_ptr<tracking::TrackingStore> tracking_;
  std::unique_ptr<artifacts::LocalArtifactStore> blobs_;
  std::unique_ptr<ModelRegistry> registry_;
};

TEST_P(ModelRegistryTest, ModelsAndVersions) {
  auto model = registry_->create_model("twin-llama", "the LLM Twin", {{"task", "sft"}});
  ASSERT_TRUE(model) << model.error();
  EXPECT_EQ(registry_->create_model("twin-llama").error().code(), StatusCode::kAlreadyExists);

  EXPECT_EQ(add_version("twin-llama", "file:///m/1").version, 1);
  ModelVersion second = add_version("twin-llama", "file:///m/2");
  EXPECT_EQ(second.version, 2);
  EXPECT_EQ(second.current_stage, "None");
  EXPECT_EQ(second.model_card, "# twin-llama\n");
  EXPECT_EQ(registry_
                ->create_version({.name = "missing",
                                  .source = "x",
                                  .run_id = {},
                                  .run_link = {},
                                  .description = {},
                                  .model_card = {},
                                  .tags = {}})
                .error()
                .code(),
            StatusCode::kNotFound);

  auto updated = registry_->update_version("twin-llama", 2, "better");
  ASSERT_TRUE(updated) << updated.error();
  EXPECT_EQ(updated->description, "better");
  ASSERT_TRUE(registry_->set_version_tag("twin-llama", 2, {"eval", "0.9"}).is_ok());
  auto fetched = registry_->get_version("twin-llama", 2);
  ASSERT_TRUE(fetched);
  ASSERT_EQ(fetched->tags.size(), 1u);

  auto found = registry_->search_versions("name = 'twin-llama' and source LIKE '%/2'");
  ASSERT_TRUE(found) << found.error();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().version, 2);
  EXPECT_FALSE(registry_->search_versions("metrics.x > 1"));

  auto models = registry_->search_models("name LIKE 'twin%'");
  ASSERT_TRUE(models) << models.error();
  ASSERT_EQ(models->size(), 1u);
  EXPECT_EQ(models->front().tags.size(), 1u);

  ASSERT_TRUE(registry_->delete_version("twin-llama", 1).is_ok());
  EXPECT_EQ(registry_->get_version("twin-llama", 1).error().code(), StatusCode::kNotFound);
  ASSERT_TRUE(registry_->delete_model("twin-llama").is_ok());
  EXPECT_EQ(registry_->get_model("twin-llama").error().code(), StatusCode::kNotFound);
}

TEST_P(ModelRegistryTest, StagesAndLatestVersions) {
  ASSERT_TRUE(registry_->create_model("m"));
  add_version("m", "s1");
  add_version("m", "s2");
  add_version("m", "s3");
  ASSERT_TRUE(registry_->transition_stage("m", 1, "production", false));
  auto moved = registry_->transition_stage("m", 2, "Production", true);
  ASSERT_TRUE(moved) << moved.error();
  EXPECT_EQ(moved->current_stage, "Production");
  EXPECT_EQ(registry_->get_version("m", 1)->current_stage, "Archived");
  EXPECT_EQ(registry_->transition_stage("m", 3, "Shipping", false).error().code(),
            StatusCode::kInvalidArgument);

  auto production = registry_->latest_versions("m", {"Production"});
  ASSERT_TRUE(production) << production.error();
  ASSERT_EQ(production->size(), 1u);
  EXPECT_EQ(production->front().version, 2);
  auto all = registry_->latest_versions("m", {});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u);  // Archived v1, None v3, Production v2
}

TEST_P(ModelRegistryTest, Aliases) {
  ASSERT_TRUE(registry_->create_model("m"));
  add_version("m", "s1");
  add_version("m", "s2");
  ASSERT_TRUE(registry_->set_alias("m", "champion", 1).is_ok());
  ASSERT_TRUE(registry_->set_alias("m", "champion", 2).is_ok());
  auto champion = registry_->version_by_alias("m", "champion");
  ASSERT_TRUE(champion) << champion.error();
  EXPECT_EQ(champion->version, 2);
  EXPECT_EQ(champion->aliases, std::vector<std::string>{"champion"});
  auto model = registry_->get_model("m");
  ASSERT_EQ(model->aliases.size(), 1u);
  EXPECT_EQ(model->aliases[0].version, 2);
  EXPECT_EQ(registry_->set_alias("m", "x", 9).code(), StatusCode::kNotFound);
  ASSERT_TRUE(registry_->delete_alias("m", "champion").is_ok());
  EXPECT_EQ(registry_->version_by_alias("m", "champion").error().code(), StatusCode::kNotFound);
}

TEST_P(ModelRegistryTest, RegisterFilesCopiesThemIntoTheArtifactStore) {
  const std::string weights(100000, '\x7f');
  write_file("model/weights.bin", weights);
  write_file("model/tokenizer/vocab.txt", "a\nb\n");
  auto first = register_files("twin", dir_.path() / "model", "", "first cut");
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(first->version, 1);
  ASSERT_TRUE(first->source.starts_with("file://")) << first->source;
  // The source is the manifest's blob: it lists the files with their hashes.
  const std::string manifest_hash = first->source.substr(first->source.rfind('/') + 1);
  auto manifest = blobs_->get_bytes(manifest_hash);
  ASSERT_TRUE(manifest) << manifest.error();
  EXPECT_NE(manifest->find("\"tokenizer/vocab.txt\""), std::string::npos) << *manifest;

  std::vector<std::string> paths;
  for (const ModelFile& f : first->files) paths.push_back(f.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"README.md", "tokenizer/vocab.txt", "weights.bin"}));
  auto bytes = registry_->read_file("twin", 1, "weights.bin");
  ASSERT_TRUE(bytes) << bytes.error();
  EXPECT_EQ(*bytes, weights);
  EXPECT_EQ(registry_->read_file("twin", 1, "nope.bin").error().code(), StatusCode::kNotFound);

  ASSERT_TRUE(registry_->download("twin", 1, dir_.path() / "out").is_ok());
  EXPECT_EQ(read_whole(dir_.path() / "out/weights.bin"), weights);
  EXPECT_EQ(read_whole(dir_.path() / "out/tokenizer/vocab.txt"), "a\nb\n");
  EXPECT_EQ(read_whole(dir_.path() / "out/README.md"), first->model_card);

  // A single file registers too, as the next version of the same model.
  auto second = register_files("twin", dir_.path() / "model/weights.bin");
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(second->version, 2);
  EXPECT_EQ(registry_->read_file("twin", 2, "weights.bin").value_or(""), weights);
}

TEST_P(ModelRegistryTest, RegisterFilesRefusesWhatIsNotAModel) {
  EXPECT_EQ(register_files("m", dir_.path() / "missing").error().code(), StatusCode::kNotFound);
  std::filesystem::create_directories(dir_.path() / "empty");
  EXPECT_EQ(register_files("m", dir_.path() / "empty").error().code(),
            StatusCode::kInvalidArgument);
  write_file("secret.txt", "do not copy");
  write_file("leaky/model.bin", "weights");
  std::filesystem::create_symlink(dir_.path() / "secret.txt", dir_.path() / "leaky/link.txt");
  auto leaky = register_files("m", dir_.path() / "leaky");
  ASSERT_FALSE(leaky);
  EXPECT_EQ(leaky.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(leaky.error().message().find("outside the model folder"), std::string::npos);
}

TEST_P(ModelRegistryTest, GeneratedCardHasFrontMatterAndTheRunsMetrics) {
  tracking::CreateRunRequest run_request;
  run_request.run_name = "sft-1";
  auto run = tracking_->create_run(run_request);
  ASSERT_TRUE(run) << run.error();
  tracking::RunDataBatch batch;
  batch.params = {{"learning_rate", "3e-4"}};
  batch.metrics = {{"loss", 0.5, 1, 0}, {"loss", 0.25, 2, 1}};
  ASSERT_TRUE(tracking_->log_batch(run->info.run_id, batch).is_ok());
  write_file("m/model.bin", "w");
  auto version = register_files("twin", dir_.path() / "m", run->info.run_id, "SFT on my articles");
  ASSERT_TRUE(version) << version.error();
  const std::string& card = version->model_card;
  EXPECT_TRUE(card.starts_with("---\nmodel_name: \"twin\"\nversion: 1\n")) << card;
  EXPECT_NE(card.find("run_id: \"" + run->info.run_id + "\"\n"), std::string::npos) << card;
  EXPECT_NE(card.find("metrics:\n  \"loss\": 0.25\n---\n"), std::string::npos) << card;
  EXPECT_NE(card.find("# twin (version 1)\n\nSFT on my articles\n"), std::string::npos) << card;
  EXPECT_NE(card.find("| learning_rate | 3e-4 |"), std::string::npos) << card;
  EXPECT_NE(card.find("| model.bin | 1 |"), std::string::npos) << card;
  EXPECT_EQ(registry_->read_file("twin", 1, "README.md").value_or(""), card);
}

TEST_P(ModelRegistryTest, ARegisteredReadmeIsTheCardAndSetModelCardReplacesIt) {
  write_file("m/README.md", "---\nlicense: mit\n---\n# Mine\n");
  write_file("m/model.bin", "w");
  auto version = register_files("twin", dir_.path() / "m");
  ASSERT_TRUE(version) << version.error();
  EXPECT_EQ(version->model_card, "---\nlicense: mit\n---\n# Mine\n");

  ASSERT_TRUE(registry_->set_model_card("twin", 1, "# Replaced\n").is_ok());
  EXPECT_EQ(registry_->get_version("twin", 1)->model_card, "# Replaced\n");
  EXPECT_EQ(registry_->read_file("twin", 1, "README.md").value_or(""), "# Replaced\n");
  EXPECT_EQ(registry_->set_model_card("twin", 7, "x").code(), StatusCode::kNotFound);
}

TEST_P(ModelRegistryTest, AVersionFromASourceUriKeepsItAndGetsACard) {
  ASSERT_TRUE(registry_->create_model("m"));
  CreateVersionRequest request;
  request.name = "m";
  request.source = "s3://bucket/models/m/1";
  auto version = registry_->create_version(request);
  ASSERT_TRUE(version) << version.error();
  EXPECT_EQ(version->source, "s3://bucket/models/m/1");
  EXPECT_NE(version->model_card.find("source: \"s3://bucket/models/m/1\""), std::string::npos);
  ASSERT_EQ(version->files.size(), 1u);
  EXPECT_EQ(version->files[0].path, "README.md");
  EXPECT_EQ(registry_->read_file("m", 1, "README.md").value_or(""), version->model_card);
}

INSTANTIATE_TEST_SUITE_P(Backends, ModelRegistryTest, ::testing::Values("sqlite", "postgresql"));

}  // namespace
}  // namespace twin::registry
