// The local S3 server the tests use (scripts/test-env.d/s3.sh starts @20minutes/s3rver and
// exports TWIN_TEST_S3_ENDPOINT), and settings that point twin at it with its keys.
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "twin/cloud/s3_client.h"
#include "twin/core/settings.h"

namespace twin::testing_support {

// s3rver's built-in key pair.
inline constexpr const char* kS3rverKey = "S3RVER";

// The endpoint, or nullopt (tests then skip, as PostgreSQL tests do without their cluster).
inline std::optional<std::string> test_s3_endpoint() {
  const char* endpoint = std::getenv("TWIN_TEST_S3_ENDPOINT");
  if (endpoint == nullptr || *endpoint == '\0') return std::nullopt;
  return std::string(endpoint);
}

inline constexpr const char* kNoS3Reason =
    "TWIN_TEST_S3_ENDPOINT is unset: run the tests with scripts/test-env.sh (make test) to start "
    "the local S3 server";

// The environment a twin process sees: s3rver's keys, a region, the endpoint override, plus
// `extra` (which may replace any of them); nothing from the real environment, so a developer's
// own ~/.aws or AWS_* variables cannot leak in.
inline std::map<std::string, std::string> s3_environment(
    const std::string& endpoint, const std::map<std::string, std::string>& extra = {}) {
  std::map<std::string, std::string> env = {
      {"AWS_ACCESS_KEY_ID", kS3rverKey},
      {"AWS_SECRET_ACCESS_KEY", kS3rverKey},
      {"AWS_REGION", "us-east-1"},
      {"AWS_ENDPOINT_URL_S3", endpoint},
      {"AWS_CONFIG_FILE", "/nonexistent/aws-config"},
      {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials"}};
  for (const auto& [name, value] : extra) env[name] = value;
  return env;
}

inline EnvironmentLookup lookup_in(std::map<std::string, std::string> env) {
  return [env = std::move(env)](std::string_view name) -> std::optional<std::string> {
    if (auto it = env.find(std::string(name)); it != env.end()) return it->second;
    return std::nullopt;
  };
}

inline Settings settings_with(const std::filesystem::path& root,
                              std::map<std::string, std::string> env) {
  SettingsOptions options;
  options.root = root;
  options.environment = lookup_in(std::move(env));
  return Settings::load(options).value();
}

// A client on the test server with its keys; tiny backoff so failure tests stay quick.
inline std::unique_ptr<cloud::S3Client> test_s3_client(const std::string& endpoint,
                                                       std::string secret = kS3rverKey) {
  cloud::S3ClientOptions options;
  options.endpoint = endpoint;
  options.initial_backoff = std::chrono::milliseconds(10);
  return std::make_unique<cloud::S3Client>(
      options,
      cloud::ResolvedCredentials{{kS3rverKey, std::move(secret), ""}, "test", "", std::nullopt});
}

// A bucket name no other test (or test run) uses.
inline std::string unique_bucket(std::string_view stem) {
  static std::atomic<int> counter{0};
  return fmt::format("{}-{}-{}-{}", stem, ::getpid(), counter++, std::random_device{}() % 100000);
}

}  // namespace twin::testing_support
