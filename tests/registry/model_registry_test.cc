// ModelRegistry conformance: the same tests on SQLite and PostgreSQL.
#include "twin/registry/model_registry.h"

#include <gtest/gtest.h>

#include <ostream>

#include "support/scratch_database.h"

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
    auto registry = ModelRegistry::open(*database_);
    ASSERT_TRUE(registry) << registry.error();
    registry_ = std::move(*registry);
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

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<db::Database> database_;
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

INSTANTIATE_TEST_SUITE_P(Backends, ModelRegistryTest, ::testing::Values("sqlite", "postgresql"));

}  // namespace
}  // namespace twin::registry
