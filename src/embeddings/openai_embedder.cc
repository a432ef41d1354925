// An OpenAI-compatible embeddings API (OpenAI, Ollama, TEI, vLLM, LiteLLM ...):
// POST {"model": NAME, "input": [texts]} to .../v1/embeddings, read data[i].embedding by index.
#include <curl/curl.h>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "embedders.h"
#include "twin/core/json.h"
#include "word_windows.h"

namespace twin::embeddings {

namespace {

constexpr std::size_t kBatchSize = 64;
constexpr int kMaxAttempts = 5;
constexpr std::chrono::milliseconds kFirstBackoff{250};
constexpr std::chrono::seconds kLongestWait{30};
constexpr std::size_t kRemoteMaxInputLength = 256;
constexpr std::string_view kProbeText = "twin";

void ensure_curl_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct HttpAnswer {
  long status = 0;
  std::string body;
  std::string retry_after;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* answer) {
  static_cast<HttpAnswer*>(answer)->body.append(data, size * count);
  return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* answer) {
  const std::string_view line(data, size * count);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string name(line.substr(0, kName.size()));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == kName) {
      std::string value(line.substr(kName.size()));
      const auto begin = value.find_first_not_of(" \t");
      const auto end = value.find_last_not_of(" \t\r\n");
      static_cast<HttpAnswer*>(answer)->retry_after =
          begin == std::string::npos ? "" : value.substr(begin, end - begin + 1);
    }
  }
  return size * count;
}

std::string excerpt(std::string_view body) {
  constexpr std::size_t kLimit = 300;
  std::string out(body.substr(0, kLimit));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (body.size() > kLimit) out += "...";
  return out;
}

class OpenAiEmbedder final : public Embedder {
 public:
  OpenAiEmbedder(std::string url, std::string model, std::string api_key)
      : url_(std::move(url)), model_(std::move(model)), api_key_(std::move(api_key)) {}

  // Embeds the probe text to learn the dimension.
  Status probe() {
    const std::vector<std::string> probe_texts{std::string(kProbeText)};
    auto vectors = request(probe_texts, /*expected_dimension=*/0);
    if (!vectors) return vectors.error();
    dimension_ = vectors->front().size();
    return Status::ok();
  }

  const std::string& model_id() const override { return model_; }
  std::size_t dimension() const override { return dimension_; }
  std::size_t max_input_length() const override { return kRemoteMaxInputLength; }

  Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) override {
    std::vector<std::vector<float>> vectors(texts.size(), std::vector<float>(dimension_, 0.0F));
    // Empty texts are not sent (the APIs reject them); they keep their zero vector.
    std::vector<std::size_t> positions;
    std::vector<std::string> batch;
    auto flush = [&]() -> Status {
      if (batch.empty()) return Status::ok();
      TWIN_ASSIGN_OR_RETURN(auto answered, request(batch, dimension_));
      for (std::size_t i = 0; i < positions.size(); ++i) {
        vectors[positions[i]] = std::move(answered[i]);
      }
      positions.clear();
      batch.clear();
      return Status::ok();
    };
    for (std::size_t i = 0; i < texts.size(); ++i) {
      if (texts[i].empty()) continue;
      positions.push_back(i);
      batch.push_back(texts[i]);
      if (batch.size() == kBatchSize) TWIN_RETURN_IF_ERROR(flush());
    }
    TWIN_RETURN_IF_ERROR(flush());
    return vectors;
  }

  std::vector<std::string> token_windows(std::string_view text, std::size_t tokens_per_window,
                                         std::size_t overlap) const override {
    return word_windows(text, tokens_per_window, overlap);
  }

 private:
  // One POST, retried on connection errors, 429 and 5xx with exponential backoff (or the
  // server's Retry-After, in seconds).
  Result<std::vector<std::vector<float>>> request(const std::vector<std::string>& texts,
                                                  std::size_t expected_dimension) const {
    const std::string body = nlohmann::json{{"model", model_}, {"input", texts}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    Status last;
    std::chrono::milliseconds backoff = kFirstBackoff;
    for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
      HttpAnswer answer;
      const Status sent = post(body, answer);
      if (sent.is_ok() && answer.status == 200)
        return parse(answer.body, texts.size(), expected_dimension);
      const bool retryable = !sent.is_ok() || answer.status == 429 || answer.status >= 500;
      if (sent.is_ok()) {
        const StatusCode code = retryable ? StatusCode::kUnavailable
                                          : (answer.status == 401 || answer.status == 403
                                                 ? StatusCode::kFailedPrecondition
                                                 : StatusCode::kInvalidArgument);
        last = Status(code, fmt::format("POST {} answered HTTP {}: {}", url_, answer.status,
                                        excerpt(answer.body)));
      } else {
        last = sent;
      }
      if (!retryable || attempt == kMaxAttempts) break;
      std::chrono::milliseconds wait = backoff;
      if (!answer.retry_after.empty()) {
        char* end = nullptr;
        const double seconds = std::strtod(answer.retry_after.c_str(), &end);
        if (end != answer.retry_after.c_str() && seconds >= 0) {
          wait = std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
        }
      }
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(wait, kLongestWait));
      backoff *= 2;
    }
    if (last.code() == StatusCode::kUnavailable) {
      return fail(
          last.with_context(fmt::format("embedding with {} ({} attempts)", model_, kMaxAttempts)));
    }
    return fail(last.with_context(fmt::format("embedding with {}", model_)));
  }

  Status post(const std::string& body, HttpAnswer& answer) const {
    ensure_curl_initialised();
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return Status::internal("curl_easy_init failed");
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Accept: application/json");
    std::string authorization;
    if (!api_key_.empty()) {
      authorization = "Authorization: Bearer " + api_key_;
      headers = curl_slist_append(headers, authorization.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 300L);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    const CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (code != CURLE_OK) {
      return Status::unavailable(fmt::format("POST {}: {}", url_, curl_easy_strerror(code)));
    }
    return Status::ok();
  }

  Result<std::vector<std::vector<float>>> parse(const std::string& body, std::size_t count,
                                                std::size_t expected_dimension) const {
    auto malformed = [&](std::string_view what) {
      return fail(Status::corruption(fmt::format(
          "POST {} answered a malformed embeddings reply ({}): {}", url_, what, excerpt(body))));
    };
    if (!check_json_depth(body, "reply").is_ok()) return malformed("nested too deep");
    const nlohmann::json reply = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (reply.is_discarded()) return malformed("not JSON");
    if (!reply.is_object() || !reply.contains("data") || !reply["data"].is_array()) {
      return malformed("no \"data\" array");
    }
    const nlohmann::json& data = reply["data"];
    if (data.size() != count) {
      return malformed(fmt::format("{} embeddings for {} inputs", data.size(), count));
    }
    std::vector<std::vector<float>> vectors(count);
    std::vector<bool> seen(count, false);
    for (std::size_t position = 0; position < data.size(); ++position) {
      const nlohmann::json& item = data[position];
      if (!item.is_object()) return malformed("an item is not an object");
      std::size_t index = position;
      if (auto found = item.find("index"); found != item.end()) {
        if (!found->is_number_unsigned() || found->get<std::size_t>() >= count) {
          return malformed(fmt::format("bad index {}", found->dump()));
        }
        index = found->get<std::size_t>();
      }
      if (seen[index]) return malformed(fmt::format("index {} twice", index));
      seen[index] = true;
      auto embedding = item.find("embedding");
      if (embedding == item.end() || !embedding->is_array() || embedding->empty()) {
        return malformed(fmt::format("item {} has no \"embedding\" array", index));
      }
      std::vector<float>& vector = vectors[index];
      vector.reserve(embedding->size());
      double norm = 0.0;
      for (const nlohmann::json& value : *embedding) {
        if (!value.is_number()) return malformed(fmt::format("item {} holds a non-number", index));
        const double number = value.get<double>();
        norm += number * number;
        vector.push_back(static_cast<float>(number));
      }
      const std::size_t want = expected_dimension == 0 ? vectors[0].size() : expected_dimension;
      if (want != 0 && vector.size() != want) {
        return malformed(
            fmt::format("item {} has {} dimensions, expected {}", index, vector.size(), want));
      }
      norm = std::sqrt(norm);
      if (norm > 0.0) {
        for (float& x : vector) x = static_cast<float>(x / norm);
      }
    }
    if (expected_dimension == 0) {
      for (const auto& vector : vectors) {
        if (vector.size() != vectors.front().size()) return malformed("dimensions differ");
      }
    }
    return vectors;
  }

  std::string url_;
  std::string model_;
  std::string api_key_;
  std::size_t dimension_ = 0;
};

std::string embeddings_url(std::string_view model_id) {
  std::string url(model_id);
  while (!url.empty() && url.back() == '/') url.pop_back();
  constexpr std::string_view kPath = "/embeddings";
  if (url.size() < kPath.size() ||
      url.compare(url.size() - kPath.size(), kPath.size(), kPath) != 0) {
    url += kPath;
  }
  return url;
}

}  // namespace

Result<std::unique_ptr<Embedder>> open_openai(std::string_view url, const Settings& settings) {
  const std::string model = settings.value_or("TEXT_EMBEDDING_MODEL_NAME", "");
  if (model.empty()) {
    return fail(Status::invalid_argument(fmt::format(
        "TEXT_EMBEDDING_MODEL_ID is the API {}: set TEXT_EMBEDDING_MODEL_NAME to the model it "
        "serves (e.g. text-embedding-3-small)",
        url)));
  }
  auto embedder = std::make_unique<OpenAiEmbedder>(embeddings_url(url), model,
                                                   settings.value_or("TEXT_EMBEDDING_API_KEY", ""));
  TWIN_RETURN_IF_ERROR(embedder->probe());
  return std::unique_ptr<Embedder>(std::move(embedder));
}

}  // namespace twin::embeddings
