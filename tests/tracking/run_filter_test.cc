#include "twin/tracking/run_filter.h"

#include <gtest/gtest.h>

#include <ostream>

namespace twin {
// Lets GoogleTest print a Status in failure messages.
inline std::ostream& operator<<(std::ostream& out, const Status& status) {
  return out << status.to_string();
}
}  // namespace twin

namespace twin::tracking {
namespace {

tracking::Run make_run(std::string id, std::string name, double loss, std::string lr,
                       RunStatus status, int64_t start) {
  tracking::Run run;
  run.info.run_id = std::move(id);
  run.info.run_name = std::move(name);
  run.info.status = status;
  run.info.start_time_ms = start;
  run.latest_metrics.push_back({"loss", loss, start, 10});
  run.params.push_back({"lr", std::move(lr)});
  run.tags.push_back({"team", "nlp"});
  return run;
}

TEST(RunFilterTest, EmptyFilterMatchesEverything) {
  auto filter = RunFilter::parse("  ");
  ASSERT_TRUE(filter) << filter.error();
  EXPECT_TRUE(filter->matches(make_run("a", "x", 1, "0.1", RunStatus::kRunning, 1)));
}

TEST(RunFilterTest, ParamsMetricsTagsAndAttributesCombineWithAnd) {
  auto filter = RunFilter::parse(
      "params.lr = '0.01' AND metrics.loss < 0.5 and tags.team = \"nlp\" and "
      "attributes.status = 'FINISHED'");
  ASSERT_TRUE(filter) << filter.error();
  ASSERT_EQ(filter->clauses().size(), 4u);
  EXPECT_TRUE(filter->matches(make_run("a", "x", 0.4, "0.01", RunStatus::kFinished, 1)));
  EXPECT_FALSE(filter->matches(make_run("a", "x", 0.6, "0.01", RunStatus::kFinished, 1)));
  EXPECT_FALSE(filter->matches(make_run("a", "x", 0.4, "0.02", RunStatus::kFinished, 1)));
  EXPECT_FALSE(filter->matches(make_run("a", "x", 0.4, "0.01", RunStatus::kRunning, 1)));
}

TEST(RunFilterTest, QuotedKeysLikeAndIn) {
  auto like = RunFilter::parse("tags.`mlflow.runName` LIKE 'bert%' and run_name ILIKE '%LARGE'");
  ASSERT_TRUE(like) << like.error();
  EXPECT_TRUE(like->matches(make_run("a", "bert-large", 1, "1", RunStatus::kRunning, 1)));
  EXPECT_FALSE(like->matches(make_run("a", "gpt-large", 1, "1", RunStatus::kRunning, 1)));
  auto in = RunFilter::parse("attributes.run_id IN ('a', 'b')");
  ASSERT_TRUE(in) << in.error();
  EXPECT_TRUE(in->matches(make_run("b", "x", 1, "1", RunStatus::kRunning, 1)));
  EXPECT_FALSE(in->matches(make_run("c", "x", 1, "1", RunStatus::kRunning, 1)));
  auto not_in = RunFilter::parse("attributes.run_id NOT IN ('a')");
  ASSERT_TRUE(not_in) << not_in.error();
  EXPECT_TRUE(not_in->matches(make_run("c", "x", 1, "1", RunStatus::kRunning, 1)));
}

TEST(RunFilterTest, MissingKeyNeverMatches) {
  auto filter = RunFilter::parse("metrics.accuracy > 0");
  ASSERT_TRUE(filter);
  EXPECT_FALSE(filter->matches(make_run("a", "x", 1, "1", RunStatus::kRunning, 1)));
}

TEST(RunFilterTest, SyntaxErrorsNameTheColumn) {
  auto bad = RunFilter::parse("params.lr 0.1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("column"), std::string::npos) << bad.error();
  EXPECT_FALSE(RunFilter::parse("metrics.loss < 'abc'"));
  EXPECT_FALSE(RunFilter::parse("bogus.key = 'x'"));
  EXPECT_FALSE(RunFilter::parse("params.lr = '0.1' or params.lr = '0.2'"));
  EXPECT_FALSE(RunFilter::parse("params.lr < '0.1'"));
  EXPECT_FALSE(RunFilter::parse("params.lr = 'unterminated"));
}

TEST(RunFilterTest, SortByMetricThenStartTime) {
  std::vector<tracking::Run> runs = {make_run("a", "a", 0.3, "1", RunStatus::kRunning, 1),
                                     make_run("b", "b", 0.1, "1", RunStatus::kRunning, 2),
                                     make_run("c", "c", 0.2, "1", RunStatus::kRunning, 3)};
  auto order = RunOrder::parse("metrics.loss DESC");
  ASSERT_TRUE(order);
  sort_runs(runs, {*order});
  EXPECT_EQ(runs[0].info.run_id, "a");
  EXPECT_EQ(runs[2].info.run_id, "b");
  sort_runs(runs, {});
  EXPECT_EQ(runs[0].info.run_id, "c");  // newest first
  EXPECT_FALSE(RunOrder::parse("metrics.loss sideways"));
}

TEST(RunFilterTest, LikeMatchWildcards) {
  EXPECT_TRUE(like_match("abcdef", "a%f", false));
  EXPECT_TRUE(like_match("abc", "a_c", false));
  EXPECT_FALSE(like_match("abc", "A%", false));
  EXPECT_TRUE(like_match("abc", "A%", true));
  EXPECT_TRUE(like_match("", "%", false));
  EXPECT_FALSE(like_match("ab", "a", false));
}

TEST(ValidateBatchTest, EnforcesMlflowLimits) {
  RunDataBatch ok;
  ok.metrics.assign(1000, Metric{"loss", 1, 1, 1});
  EXPECT_TRUE(validate_batch(ok).is_ok());
  RunDataBatch too_many_metrics;
  too_many_metrics.metrics.assign(1001, Metric{"loss", 1, 1, 1});
  EXPECT_EQ(validate_batch(too_many_metrics).code(), StatusCode::kInvalidArgument);
  RunDataBatch too_many_params;
  for (int i = 0; i < 101; ++i) too_many_params.params.push_back({fmt::format("p{}", i), "v"});
  EXPECT_NE(validate_batch(too_many_params).message().find("params"), std::string::npos);
  RunDataBatch too_many_total;
  too_many_total.metrics.assign(950, Metric{"loss", 1, 1, 1});
  too_many_total.params.assign(60, Param{"p", "v"});
  EXPECT_FALSE(validate_batch(too_many_total).is_ok());
  RunDataBatch bad_key;
  bad_key.tags.push_back({"../escape", "v"});
  EXPECT_FALSE(validate_batch(bad_key).is_ok());
}

TEST(RunFilterTest, ThousandAndsIsAUsageErrorWithoutSql) {
  std::string text = "params.lr = '1'";
  for (int i = 0; i < 999; ++i) text += " AND params.lr = '1'";
  auto filter = RunFilter::parse(text);
  ASSERT_FALSE(filter.has_value());
  EXPECT_EQ(filter.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(filter.error().message().find("at most 100 comparisons"), std::string::npos);
}

}  // namespace
}  // namespace twin::tracking
