// The OpenAI-compatible client against a real HTTP server on loopback (cpp-httplib) that
// speaks the /v1/embeddings wire format and can answer 429, 500 or garbage on demand.
#include <gmock/gmock.h>
#include <httplib.h>

#include <atomic>
#include <cmath>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "embeddings_test_support.h"
#include "support/temp_dir.h"
#include "twin/embeddings/embedder.h"

namespace twin::embeddings {
namespace {

using ::testing::HasSubstr;
using testing::settings_with;

// A fake embeddings service: a text's vector is (length, number of spaces, 1, 0) scaled by 2,
// so answers are checkable and not normalised (the client normalises). Queued faults are
// answered first, one per request.
class EmbeddingsServer {
 public:
  EmbeddingsServer() {
    server_.Post("/v1/embeddings",
                 [this](const httplib::Request& request, httplib::Response& response) {
                   handle(request, response);
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~EmbeddingsServer() {
    server_.stop();
    thread_.join();
  }
  EmbeddingsServer(const EmbeddingsServer&) = delete;
  EmbeddingsServer& operator=(const EmbeddingsServer&) = delete;

  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

  struct Fault {
    int status;
    std::string body;
    std::string retry_after;
  };
  void queue(Fault fault) {
    std::lock_guard lock(mutex_);
    faults_.push_back(std::move(fault));
  }
  void reverse_order(bool on) { reverse_ = on; }

  std::vector<nlohmann::json> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<std::string> authorizations() const {
    std::lock_guard lock(mutex_);
    return authorizations_;
  }

 private:
  void handle(const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mutex_);
    authorizations_.push_back(request.get_header_value("Authorization"));
    requests_.push_back(nlohmann::json::parse(request.body, nullptr, false));
    if (!faults_.empty()) {
      Fault fault = faults_.front();
      faults_.pop_front();
      response.status = fault.status;
      if (!fault.retry_after.empty()) response.set_header("Retry-After", fault.retry_after);
      response.set_content(fault.body, "application/json");
      return;
    }
    const nlohmann::json& body = requests_.back();
    nlohmann::json data = nlohmann::json::array();
    const auto& input = body["input"];
    for (std::size_t i = 0; i < input.size(); ++i) {
      const std::string text = input[i].get<std::string>();
      const auto spaces = std::count(text.begin(), text.end(), ' ');
      data.push_back({{"object", "embedding"},
                      {"index", i},
                      {"embedding",
                       {2.0 * static_cast<double>(text.size()), 2.0 * static_cast<double>(spaces),
                        2.0, 0.0}}});
    }
    if (reverse_) std::reverse(data.begin(), data.end());
    response.set_content(
        nlohmann::json{{"object", "list"}, {"data", data}, {"model", body["model"]}}.dump(),
        "application/json");
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::deque<Fault> faults_;
  std::vector<nlohmann::json> requests_;
  std::vector<std::string> authorizations_;
  std::atomic<bool> reverse_{false};
};

std::vector<float> expected_vector(const std::string& text) {
  const auto spaces = static_cast<double>(std::count(text.begin(), text.end(), ' '));
  const auto length = static_cast<double>(text.size());
  const double norm = std::sqrt(length * length + spaces * spaces + 1.0);
  return {static_cast<float>(length / norm), static_cast<float>(spaces / norm),
          static_cast<float>(1 / norm), 0.0F};
}

class OpenAiEmbedderTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<Embedder>> open(std::string url,
                                         std::map<std::string, std::string> more = {}) {
    std::map<std::string, std::string> flags = {{"TEXT_EMBEDDING_MODEL_ID", std::move(url)},
                                                {"TEXT_EMBEDDING_MODEL_NAME", "fake-embed"},
                                                {"TEXT_EMBEDDING_API_KEY", "sk-test"}};
    for (auto& [k, v] : more) flags[k] = v;
    return Embedder::open(settings_with(dir_.path(), flags));
  }
  testing_support::TempDir dir_;
  EmbeddingsServer server_;
};

TEST_F(OpenAiEmbedderTest, ProbesTheDimensionAndEmbedsInOrder) {
  auto opened = open(server_.base());
  ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
  Embedder& embedder = **opened;
  EXPECT_EQ(embedder.dimension(), 4U);
  EXPECT_EQ(embedder.model_id(), "fake-embed");
  EXPECT_EQ(embedder.max_input_length(), 256U);
  server_.reverse_order(true);  // answers in any order are put back by index
  const std::vector<std::string> texts = {"one", "", "two words", "three little words"};
  auto vectors = embedder.embed(texts);
  ASSERT_TRUE(vectors.has_value()) << vectors.error().to_string();
  ASSERT_EQ(vectors->size(), 4U);
  for (std::size_t i : {0U, 2U, 3U}) {
    const auto want = expected_vector(texts[i]);
    for (std::size_t d = 0; d < 4; ++d) EXPECT_NEAR((*vectors)[i][d], want[d], 1e-6) << i;
  }
  EXPECT_EQ((*vectors)[1], std::vector<float>(4, 0.0F));  // empty text: zero, not sent
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2U);  // the probe, then one batch
  EXPECT_EQ(requests[1]["model"], "fake-embed");
  EXPECT_EQ(requests[1]["input"], nlohmann::json({"one", "two words", "three little words"}));
  EXPECT_EQ(server_.authorizations()[1], "Bearer sk-test");
}

TEST_F(OpenAiEmbedderTest, AcceptsTheFullEndpointUrlAndBatchesBy64) {
  auto opened = open(server_.base() + "/embeddings/");
  ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
  std::vector<std::string> texts;
  for (int i = 0; i < 130; ++i) texts.push_back("text " + std::to_string(i));
  auto vectors = (*opened)->embed(texts);
  ASSERT_TRUE(vectors.has_value()) << vectors.error().to_string();
  ASSERT_EQ(vectors->size(), 130U);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 4U);
  EXPECT_EQ(requests[1]["input"].size(), 64U);
  EXPECT_EQ(requests[2]["input"].size(), 64U);
  EXPECT_EQ(requests[3]["input"].size(), 2U);
  const auto want = expected_vector("text 129");
  EXPECT_NEAR((*vectors)[129][0], want[0], 1e-6);
}

TEST_F(OpenAiEmbedderTest, RetriesRateLimitsAndServerErrors) {
  auto opened = open(server_.base());
  ASSERT_TRUE(opened.has_value());
  server_.queue({429, R"({"error": "slow down"})", "0"});
  server_.queue({500, "oops", ""});
  server_.queue({503, "busy", "0"});
  auto vectors = (*opened)->embed(std::vector<std::string>{"hello"});
  ASSERT_TRUE(vectors.has_value()) << vectors.error().to_string();
  EXPECT_NEAR(vectors->front()[0], expected_vector("hello")[0], 1e-6);
  EXPECT_EQ(server_.requests().size(), 5U);  // probe + 3 faults + success
}

TEST_F(OpenAiEmbedderTest, GivesUpAfterFiveAttemptsNamingUrlAndStatus) {
  auto opened = open(server_.base());
  ASSERT_TRUE(opened.has_value());
  for (int i = 0; i < 5; ++i) server_.queue({503, "overloaded", "0"});
  auto vectors = (*opened)->embed(std::vector<std::string>{"hello"});
  ASSERT_FALSE(vectors.has_value());
  EXPECT_EQ(vectors.error().code(), StatusCode::kUnavailable);
  EXPECT_THAT(vectors.error().message(), HasSubstr(server_.base() + "/embeddings"));
  EXPECT_THAT(vectors.error().message(), HasSubstr("HTTP 503"));
  EXPECT_THAT(vectors.error().message(), HasSubstr("overloaded"));
}

TEST_F(OpenAiEmbedderTest, ClientErrorsAreNotRetried) {
  auto opened = open(server_.base());
  ASSERT_TRUE(opened.has_value());
  server_.queue({401, R"({"error": {"message": "bad key"}})", ""});
  auto vectors = (*opened)->embed(std::vector<std::string>{"hello"});
  ASSERT_FALSE(vectors.has_value());
  EXPECT_EQ(vectors.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(vectors.error().message(), HasSubstr("HTTP 401"));
  EXPECT_THAT(vectors.error().message(), HasSubstr("bad key"));
  EXPECT_EQ(server_.requests().size(), 2U);
}

TEST_F(OpenAiEmbedderTest, MalformedAnswersAreClearErrors) {
  auto opened = open(server_.base());
  ASSERT_TRUE(opened.has_value());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json at all", "not JSON"},
      {R"({"object": "list"})", "no \"data\" array"},
      {R"({"data": []})", "0 embeddings for 1 inputs"},
      {R"({"data": [{"index": 0, "embedding": [1, 2]}]})", "2 dimensions, expected 4"},
      {R"({"data": [{"index": 3, "embedding": [1, 2, 3, 4]}]})", "bad index 3"},
      {R"({"data": [{"index": 0, "embedding": [1, "x", 3, 4]}]})", "non-number"},
      {R"({"data": [{"index": 0}]})", "no \"embedding\" array"},
  };
  for (const auto& [body, why] : cases) {
    server_.queue({200, body, ""});
    auto vectors = (*opened)->embed(std::vector<std::string>{"hello"});
    ASSERT_FALSE(vectors.has_value()) << body;
    EXPECT_EQ(vectors.error().code(), StatusCode::kCorruption) << body;
    EXPECT_THAT(vectors.error().message(), HasSubstr(why)) << body;
    EXPECT_THAT(vectors.error().message(), HasSubstr(server_.base())) << body;
  }
}

TEST_F(OpenAiEmbedderTest, ConnectionRefusedIsUnavailable) {
  std::string url;
  {
    EmbeddingsServer gone;
    url = gone.base();
  }
  auto opened = open(url);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), StatusCode::kUnavailable);
  EXPECT_THAT(opened.error().message(), HasSubstr(url));
}

TEST_F(OpenAiEmbedderTest, NeedsAModelName) {
  auto opened =
      Embedder::open(settings_with(dir_.path(), {{"TEXT_EMBEDDING_MODEL_ID", server_.base()}}));
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(opened.error().message(), HasSubstr("TEXT_EMBEDDING_MODEL_NAME"));
}

TEST_F(OpenAiEmbedderTest, IsSafeFromManyThreads) {
  auto opened = open(server_.base());
  ASSERT_TRUE(opened.has_value());
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const std::vector<std::string> texts = {"thread " + std::to_string(t)};
      auto vectors = (*opened)->embed(texts);
      if (vectors && std::abs(vectors->front()[0] - expected_vector(texts[0])[0]) < 1e-6) ++good;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(good.load(), 4);
}

// ---- the dispatch

// A folder is opened as a sentence-transformers model (bert_folder_test.cc has the good and the
// broken ones); an empty one says which file is missing.
TEST(EmbedderOpen, EmptyFolderNamesTheMissingConfig) {
  testing_support::TempDir dir;
  std::filesystem::create_directory(dir.path() / "model");
  auto opened = Embedder::open("model", settings_with(dir.path(), {}));
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), StatusCode::kNotFound);
  EXPECT_THAT(opened.error().message(), HasSubstr("model/config.json: missing"));
}

TEST(EmbedderOpen, UnknownIdsNameWhatTheSettingAccepts) {
  testing_support::TempDir dir;
  auto opened = Embedder::open(settings_with(
      dir.path(), {{"TEXT_EMBEDDING_MODEL_ID", "sentence-transformers/all-MiniLM-L6-v2"}}));
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(opened.error().message(), HasSubstr("TEXT_EMBEDDING_MODEL_ID"));
  EXPECT_THAT(opened.error().message(), HasSubstr("glove-100d"));
  EXPECT_THAT(opened.error().message(), HasSubstr("Hugging Face Hub ids are not downloaded"));
}

}  // namespace
}  // namespace twin::embeddings
