// The Qdrant backend passes the same conformance suite as the embedded one. A real Qdrant cannot
// run here, so it talks to twin server's own Qdrant API on loopback (which serves the embedded
// store), and every exchange the backend sends and the server answers is then checked against
// Qdrant's published OpenAPI schemas (../shared/data/qdrant-openapi/, v1.11 and v1.19).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "server/server_fixture.h"
#include "support/run_twin.h"
#include "support/scratch_database.h"
#include "support/temp_dir.h"
#include "vector_store_conformance.h"

namespace twin::vectors {
namespace {

namespace fs = std::filesystem;

// One twin server for the whole binary, logging its Qdrant exchanges.
class QdrantServerEnvironment : public ::testing::Environment {
 public:
  static QdrantServerEnvironment* instance;

  void SetUp() override {
    server::ServerOptions options;
    options.qdrant_exchange_log = log_dir_.path() / "exchanges.jsonl";
    database_ = std::make_unique<testing_support::ScratchDatabase>("sqlite");
    server_ = std::make_unique<server::RunningServer>(database_->uri(), options);
    ASSERT_TRUE(server_->error().empty()) << server_->error();
  }

  // Every exchange conforms to both schemas (the checker prints what does not).
  void TearDown() override {
    server_->stop();
    const fs::path schemas =
        fs::path(TWIN_SOURCE_DIR) / ".." / "shared" / "data" / "qdrant-openapi";
    if (!fs::exists(schemas / "openapi-v1.11.json")) {
      fmt::print("skipped the OpenAPI check: no schemas at {}\n", schemas.string());
      return;
    }
    const std::string command =
        fmt::format("python3 {} {} {} {}",
                    testing_support::shell_quote((fs::path(TWIN_SOURCE_DIR) / "tests" / "vectors" /
                                                  "check_qdrant_exchanges.py")
                                                     .string()),
                    testing_support::shell_quote((log_dir_.path() / "exchanges.jsonl").string()),
                    testing_support::shell_quote((schemas / "openapi-v1.11.json").string()),
                    testing_support::shell_quote((schemas / "openapi-v1.19.json").string()));
    const auto checked = testing_support::run_shell(command, fs::current_path());
    fmt::print("{}", checked.out);
    EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  }

  std::string url() const { return fmt::format("http://127.0.0.1:{}", server_->qdrant_port()); }

 private:
  testing_support::TempDir log_dir_;
  std::unique_ptr<testing_support::ScratchDatabase> database_;
  std::unique_ptr<server::RunningServer> server_;
};
QdrantServerEnvironment* QdrantServerEnvironment::instance = dynamic_cast<QdrantServerEnvironment*>(
    ::testing::AddGlobalTestEnvironment(new QdrantServerEnvironment()));

INSTANTIATE_TEST_SUITE_P(Qdrant, VectorStoreConformance,
                         ::testing::Values(VectorStoreBackend{
                             "qdrant",
                             [](const fs::path&) {
                               return VectorStore::open_qdrant(
                                   QdrantServerEnvironment::instance->url(), "");
                             }}),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace twin::vectors
