// Concurrent clients and graceful shutdown of TwinServer: a training job logging while the
// dashboard reads; stopping with requests in flight loses no acknowledged write.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "server/server_fixture.h"

namespace twin::server {
namespace {

using nlohmann::json;
const std::string kApi = "/api/2.0/mlflow";

json metric_batch(const std::string& run_id, const std::string& key, int first_step, int count) {
  json metrics = json::array();
  for (int i = 0; i < count; ++i) {
    metrics.push_back(
        {{"key", key}, {"value", i * 0.5}, {"timestamp", 1}, {"step", first_step + i}});
  }
  return {{"run_id", run_id}, {"metrics", metrics}};
}

class ConcurrencyTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<testing_support::ScratchDatabase>(GetParam());
    if (!scratch_->skip_reason().empty()) GTEST_SKIP() << scratch_->skip_reason();
    ASSERT_TRUE(scratch_->error().empty()) << scratch_->error();
    server_ = std::make_unique<RunningServer>(scratch_->uri(), ServerOptions{});
    ASSERT_TRUE(server_->error().empty()) << server_->error();
    auto c = server_->client();
    JsonReply run = post_json(c, kApi + "/runs/create", {{"experiment_id", "0"}});
    ASSERT_EQ(run.status, 200) << run.raw;
    run_id_ = run.body["run"]["info"]["run_id"];
  }

  std::unique_ptr<testing_support::ScratchDatabase> scratch_;
  std::unique_ptr<RunningServer> server_;
  std::string run_id_;
};

TEST_P(ConcurrencyTest, WritersAndReadersTogether) {
  constexpr int kWriters = 4;
  constexpr int kBatches = 15;
  constexpr int kPerBatch = 100;
  std::atomic<int> failures{0};
  std::atomic<bool> writing{true};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      auto c = server_->client();
      c.set_keep_alive(true);
      for (int b = 0; b < kBatches; ++b) {
        JsonReply reply =
            post_json(c, kApi + "/runs/log-batch",
                      metric_batch(run_id_, fmt::format("w{}", w), b * kPerBatch, kPerBatch));
        if (reply.status != 200) ++failures;
      }
    });
  }
  std::atomic<int> reads{0};
  std::thread reader([&] {
    auto c = server_->client();
    while (writing.load()) {
      if (get_json(c, kApi + "/runs/get?run_id=" + run_id_).status != 200) ++failures;
      if (get_json(c, "/api/twin/experiments/0/runs").status != 200) ++failures;
      ++reads;
    }
  });
  for (auto& t : threads) t.join();
  writing = false;
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(reads.load(), 0);
  for (int w = 0; w < kWriters; ++w) {
    auto history = server_->tracking().metric_history(run_id_, fmt::format("w{}", w));
    ASSERT_TRUE(history);
    EXPECT_EQ(history->size(), static_cast<size_t>(kBatches * kPerBatch));
  }
}

TEST_P(ConcurrencyTest, StopKeepsEveryAcknowledgedWrite) {
  constexpr int kWriters = 3;
  std::atomic<int> acknowledged[kWriters] = {};
  std::atomic<bool> stop_writing{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      auto c = server_->client();
      for (int b = 0; !stop_writing.load() && b < 10000; ++b) {
        JsonReply reply = post_json(c, kApi + "/runs/log-batch",
                                    metric_batch(run_id_, fmt::format("k{}", w), b * 10, 10));
        if (reply.status == 200) {
          acknowledged[w] += 10;
        } else if (reply.status == -1) {
          return;  // the server is gone: refused or closed, never acknowledged
        }
      }
    });
  }
  while (acknowledged[0].load() < 100) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server_->stop();  // returns once in-flight requests are done
  stop_writing = true;
  for (auto& t : threads) t.join();
  for (int w = 0; w < kWriters; ++w) {
    auto history = server_->tracking().metric_history(run_id_, fmt::format("k{}", w));
    ASSERT_TRUE(history);
    // Every acknowledged batch is stored; a batch may be stored whose reply was cut off.
    EXPECT_GE(history->size(), static_cast<size_t>(acknowledged[w].load())) << "writer " << w;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ConcurrencyTest, ::testing::Values("sqlite", "postgresql"));

}  // namespace
}  // namespace twin::server
