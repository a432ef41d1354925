#include "twin/orchestrator/run_config.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace twin::orchestrator {
namespace {

TEST(RunConfig, ReadsEveryHandbookConfig) {
  // ../shared/data beside the checkout (a worktree sits one level deeper).
  std::filesystem::path dir = TWIN_SOURCE_DIR "/../shared/data/llm-engineers-handbook/configs";
  if (!std::filesystem::exists(dir))
    dir = TWIN_SOURCE_DIR "/../../shared/data/llm-engineers-handbook/configs";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "Handbook configs not found at " << dir;
  int read = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    auto config = load_run_config(entry.path());
    ASSERT_TRUE(config.has_value()) << config.error().to_string();
    ++read;
  }
  EXPECT_GE(read, 5);
  auto etl = load_run_config(dir / "digital_data_etl_paul_iusztin.yaml");
  ASSERT_TRUE(etl.has_value());
  EXPECT_EQ(etl->parameters["user_full_name"], "Paul Iusztin");
  EXPECT_GT(etl->parameters["links"].size(), 10U);
  EXPECT_TRUE(etl->parameters["links"][0].get<std::string>().starts_with("https://medium.com/"));
  // docker and orchestrator.sagemaker: one warning each.
  EXPECT_EQ(etl->warnings.size(), 2U);
  EXPECT_NE(etl->warnings[0].find("settings.docker"), std::string::npos);
}

TEST(RunConfig, StepParametersCacheAndRunName) {
  auto config = parse_run_config(R"(parameters: {a: 1}
steps:
  crawl: {parameters: {limit: 5}}
enable_cache: false
run_name: etl-{date}
)",
                                 "c.yaml");
  ASSERT_TRUE(config.has_value()) << config.error().to_string();
  EXPECT_EQ(config->parameters["a"], 1);
  EXPECT_EQ(config->step_parameters.at("crawl")["limit"], 5);
  EXPECT_EQ(config->enable_cache, false);
  EXPECT_EQ(config->run_name, "etl-{date}");
  EXPECT_TRUE(config->warnings.empty());
}

TEST(RunConfig, UnknownTopLevelKeyIsAnError) {
  auto config = parse_run_config("parameterz: {}\n", "c.yaml");
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().message().find("c.yaml:1:1"), std::string::npos);
}

TEST(RunConfig, EnableCacheMustBeBoolean) {
  EXPECT_FALSE(parse_run_config("enable_cache: maybe\n", "c.yaml").has_value());
}

TEST(RunConfig, ParamOverridesAreTyped) {
  RunConfig config;
  ASSERT_TRUE(apply_param_override(config, "n=3").is_ok());
  ASSERT_TRUE(apply_param_override(config, "who=Paul Iusztin").is_ok());
  ASSERT_TRUE(apply_param_override(config, "links=[a, b]").is_ok());
  ASSERT_TRUE(apply_param_override(config, "crawl.limit=7").is_ok());
  ASSERT_TRUE(apply_param_override(config, "empty=").is_ok());
  EXPECT_EQ(config.parameters["n"], 3);
  EXPECT_EQ(config.parameters["who"], "Paul Iusztin");
  EXPECT_EQ(config.parameters["links"], nlohmann::json::array({"a", "b"}));
  EXPECT_EQ(config.parameters["empty"], "");
  EXPECT_EQ(config.step_parameters["crawl"]["limit"], 7);
  EXPECT_EQ(apply_param_override(config, "novalue").code(), StatusCode::kInvalidArgument);
}

TEST(RunConfig, RunNamePlaceholders) {
  const auto at = std::chrono::sys_days{std::chrono::year{2024} / 3 / 9} + std::chrono::hours(14) +
                  std::chrono::minutes(5) + std::chrono::seconds(7) + std::chrono::microseconds(42);
  EXPECT_EQ(expand_run_name("etl-{date}-{time}", at), "etl-2024_03_09-14_05_07_000042");
  EXPECT_EQ(expand_run_name("plain", at), "plain");
}

TEST(RunConfig, AliasBombInParametersIsRefusedNotExpanded) {
  std::string text = "parameters:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int level = 1; level <= 9; ++level) {
    text += fmt::format("  a{}: &a{} [", level, level);
    for (int i = 0; i < 10; ++i) text += fmt::format("{}*a{}", i ? ", " : "", level - 1);
    text += "]\n";
  }
  auto config = parse_run_config(text, "bomb.yaml");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(config.error().message().find("bomb.yaml:"), std::string::npos)
      << config.error().message();
}

TEST(RunConfig, AliasesSharedAcrossStepsCountAgainstOneBudget) {
  // 2000 steps each aliasing a 100-value list: 200k values in all, over the per-document budget.
  std::string text = "parameters:\n  shared: &s [";
  for (int i = 0; i < 100; ++i) text += fmt::format("{}{}", i ? ", " : "", i);
  text += "]\nsteps:\n";
  for (int i = 0; i < 2000; ++i) text += fmt::format("  s{}: {{parameters: {{v: *s}}}}\n", i);
  auto config = parse_run_config(text, "shared.yaml");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code(), StatusCode::kInvalidArgument);
}

TEST(RunConfig, ParametersNestedTooDeepAreRefusedNotACrash) {
  auto config = parse_run_config(
      "parameters: {deep: " + std::string(5000, '[') + std::string(5000, ']') + "}\n", "deep.yaml");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace twin::orchestrator
