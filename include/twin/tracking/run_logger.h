// RunLogger: buffered logging to one tracker run, for C++ training code and pipeline steps.
//
//   TWIN_ASSIGN_OR_RETURN(auto run, store.create_run({.experiment_id = id, .run_name = "sft"}));
//   tracking::RunLogger log(store, run.info.run_id);
//   for (int step = 0; step < steps; ++step) TWIN_RETURN_IF_ERROR(log.log_metric("loss", l, step));
//   TWIN_RETURN_IF_ERROR(log.finish());
//
// Metrics, params and tags are kept in memory and written in one transaction when
// `flush_threshold` entries are buffered, on flush(), finish() and destruction, so logging a
// point costs a vector push and millions of points cost a few thousand transactions.
//
// Thread-safety: all methods may be called from several threads. The store must outlive the
// logger. Errors of a write are returned by the call that triggered it; entries of a failed write
// are dropped (the error names the run). The destructor flushes and logs (spdlog) a failure.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "twin/core/status.h"
#include "twin/tracking/tracking_store.h"

namespace twin::tracking {

class RunLogger {
 public:
  RunLogger(TrackingStore& store, std::string run_id, size_t flush_threshold = 5000);
  ~RunLogger();
  RunLogger(const RunLogger&) = delete;
  RunLogger& operator=(const RunLogger&) = delete;

  // `timestamp_ms` defaults to now.
  Status log_metric(std::string key, double value, int64_t step = 0,
                    std::optional<int64_t> timestamp_ms = std::nullopt);
  Status log_param(std::string key, std::string value);
  Status set_tag(std::string key, std::string value);

  // Writes everything buffered.
  Status flush();
  // Flushes, then marks the run `status` with the end time now.
  Status finish(RunStatus status = RunStatus::kFinished);

  const std::string& run_id() const { return run_id_; }

 private:
  Status flush_if_full();  // with mutex_ held
  Status write_buffer();   // with mutex_ held

  TrackingStore& store_;
  const std::string run_id_;
  const size_t flush_threshold_;
  std::mutex mutex_;
  RunDataBatch buffer_;
};

}  // namespace twin::tracking
