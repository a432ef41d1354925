// MLflow's run search language (runs/search `filter` and `order_by`, `twin runs list --filter`):
// the first line is a filter string, the rest an order_by clause; both are parsed and evaluated.
#include "fuzz_input.h"
#include "twin/tracking/run_filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = twin::fuzz::as_text(data, size);
  const size_t newline = text.find('\n');
  const std::string_view filter_text = text.substr(0, newline);
  const std::string_view order_text =
      newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);

  static const std::vector<twin::tracking::Run> sample = [] {
    twin::tracking::Run run;
    run.info.run_id = "0123456789abcdef0123456789abcdef";
    run.info.run_name = "bert-small";
    run.info.status = twin::tracking::RunStatus::kFinished;
    run.info.start_time_ms = 1700000000000;
    run.info.end_time_ms = 1700000000900;
    run.params.push_back({"lr", "0.01"});
    run.latest_metrics.push_back({"loss", 0.25, 1700000000500, 3});
    run.tags.push_back({"mlflow.runName", "bert-small"});
    return std::vector<twin::tracking::Run>{run, twin::tracking::Run{}};
  }();

  if (const auto filter = twin::tracking::RunFilter::parse(filter_text)) {
    for (const auto& run : sample) (void)filter->matches(run);
  }
  if (const auto order = twin::tracking::RunOrder::parse(order_text)) {
    std::vector<twin::tracking::Run> runs = sample;
    twin::tracking::sort_runs(runs, {*order});
  }
  (void)twin::tracking::like_match(order_text, filter_text, true);
  return 0;
}
