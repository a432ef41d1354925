#include "twin/tracking/run_logger.h"

#include <spdlog/spdlog.h>

namespace twin::tracking {

RunLogger::RunLogger(TrackingStore& store, std::string run_id, size_t flush_threshold)
    : store_(store),
      run_id_(std::move(run_id)),
      flush_threshold_(std::max<size_t>(flush_threshold, 1)) {}

RunLogger::~RunLogger() {
  if (Status status = flush(); !status.is_ok()) {
    spdlog::error("tracker run {}: buffered metrics were not written: {}", run_id_,
                  status.message());
  }
}

Status RunLogger::log_metric(std::string key, double value, int64_t step,
                             std::optional<int64_t> timestamp_ms) {
  std::lock_guard lock(mutex_);
  buffer_.metrics.push_back({std::move(key), value, timestamp_ms.value_or(now_ms()), step});
  return flush_if_full();
}

Status RunLogger::log_param(std::string key, std::string value) {
  std::lock_guard lock(mutex_);
  buffer_.params.push_back({std::move(key), std::move(value)});
  return flush_if_full();
}

Status RunLogger::set_tag(std::string key, std::string value) {
  std::lock_guard lock(mutex_);
  buffer_.tags.push_back({std::move(key), std::move(value)});
  return flush_if_full();
}

Status RunLogger::flush() {
  std::lock_guard lock(mutex_);
  return write_buffer();
}

Status RunLogger::finish(RunStatus status) {
  TWIN_RETURN_IF_ERROR(flush());
  auto updated =
      store_.update_run(run_id_, {.status = status, .end_time_ms = now_ms(), .run_name = {}});
  return updated ? Status::ok() : updated.error();
}

Status RunLogger::flush_if_full() {
  const size_t size = buffer_.metrics.size() + buffer_.params.size() + buffer_.tags.size();
  return size >= flush_threshold_ ? write_buffer() : Status::ok();
}

Status RunLogger::write_buffer() {
  if (buffer_.empty()) return Status::ok();
  RunDataBatch batch = std::move(buffer_);
  buffer_ = {};
  return store_.log_batch(run_id_, batch);
}

}  // namespace twin::tracking
