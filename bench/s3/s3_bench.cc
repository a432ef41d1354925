// S3 put and get throughput of twin's S3 client against the AWS CLI (Debian's awscli, `aws s3
// cp`), on the same S3 server in the same run: 1 MB and 100 MB blobs, file to object and back.
//   s3_bench ENDPOINT [REPEATS_1MB] [REPEATS_100MB]
// The AWS CLI's figures include its start-up (a Python process per copy), as a user or a script
// calling it pays it; twin's include nothing but the transfers (one client, kept connections).
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "twin/cloud/s3_client.h"

namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kKey = "S3RVER";  // s3rver's built-in key pair

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void write_random(const fs::path& file, uint64_t size) {
  std::mt19937_64 generator(42);
  std::ofstream out(file, std::ios::binary);
  std::string block(1 << 20, '\0');
  for (uint64_t written = 0; written < size; written += block.size()) {
    for (size_t i = 0; i + 8 <= block.size(); i += 8) {
      const uint64_t value = generator();
      std::memcpy(block.data() + i, &value, 8);
    }
    out.write(block.data(),
              static_cast<std::streamsize>(std::min<uint64_t>(block.size(), size - written)));
  }
}

struct Figures {
  double put = 0;  // MB/s (1 MB = 2^20 bytes), best of the repeats
  double get = 0;
};

int run_aws(const std::string& endpoint, const std::string& args) {
  const std::string command = fmt::format(
      "env AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_REGION=us-east-1 "
      "AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null /usr/bin/aws "
      "--endpoint-url {} {} >/dev/null 2>&1",
      kKey, kKey, endpoint, args);
  return std::system(command.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: s3_bench ENDPOINT [REPEATS_1MB] [REPEATS_100MB]\n");
    return 2;
  }
  const std::string endpoint = argv[1];
  const int repeats_small = argc > 2 ? std::atoi(argv[2]) : 10;
  const int repeats_large = argc > 3 ? std::atoi(argv[3]) : 2;
  const bool have_aws = fs::exists("/usr/bin/aws");

  twin::cloud::S3ClientOptions options;
  options.endpoint = endpoint;
  twin::cloud::S3Client client(options, {{kKey, kKey, ""}, "bench", "", std::nullopt});
  const std::string bucket = fmt::format("bench-{}", std::random_device{}() % 1000000);
  if (auto created = client.create_bucket(bucket); !created.is_ok()) {
    fmt::print(stderr, "{}\n", created.to_string());
    return 1;
  }
  const fs::path dir = fs::temp_directory_path() / fmt::format("twin-s3-bench-{}", ::getpid());
  fs::create_directories(dir);

  fmt::print("S3 throughput on {} (s3rver), MB/s (1 MB = 2^20 bytes), best of N copies\n",
             endpoint);
  fmt::print("{:>7} {:>3} {:>10} {:>10} {:>8} {:>10} {:>10} {:>8}\n", "size", "N", "twin put",
             "aws put", "ratio", "twin get", "aws get", "ratio");
  int status = 0;
  for (const auto& [megabytes, repeats] :
       std::vector<std::pair<uint64_t, int>>{{1, repeats_small}, {100, repeats_large}}) {
    const uint64_t size = megabytes << 20;
    const fs::path source = dir / fmt::format("blob-{}m", megabytes);
    const fs::path back = dir / "back";
    write_random(source, size);
    Figures twin_figures;
    Figures aws_figures;
    for (int i = 0; i < repeats; ++i) {
      const std::string key = fmt::format("twin/{}m-{}", megabytes, i);
      auto start = Clock::now();
      if (auto put = client.upload_file(bucket, key, source); !put.is_ok()) {
        fmt::print(stderr, "{}\n", put.to_string());
        return 1;
      }
      twin_figures.put =
          std::max(twin_figures.put, static_cast<double>(megabytes) / seconds_since(start));
      start = Clock::now();
      if (auto get = client.download_file(bucket, key, back); !get.is_ok()) {
        fmt::print(stderr, "{}\n", get.to_string());
        return 1;
      }
      twin_figures.get =
          std::max(twin_figures.get, static_cast<double>(megabytes) / seconds_since(start));
      if (fs::file_size(back) != size) {
        fmt::print(stderr, "twin read back {} bytes of {}\n", fs::file_size(back), size);
        return 1;
      }
      if (!have_aws) continue;
      const std::string aws_key = fmt::format("s3://{}/aws/{}m-{}", bucket, megabytes, i);
      start = Clock::now();
      if (run_aws(endpoint, fmt::format("s3 cp {} {}", source.string(), aws_key)) != 0) status = 1;
      aws_figures.put =
          std::max(aws_figures.put, static_cast<double>(megabytes) / seconds_since(start));
      start = Clock::now();
      if (run_aws(endpoint, fmt::format("s3 cp {} {}", aws_key, back.string())) != 0) status = 1;
      aws_figures.get =
          std::max(aws_figures.get, static_cast<double>(megabytes) / seconds_since(start));
    }
    auto ratio = [](double twin, double aws) {
      return aws > 0 ? fmt::format("{:.2f}x", twin / aws) : std::string("-");
    };
    fmt::print("{:>4} MB {:>3} {:>10.1f} {:>10.1f} {:>8} {:>10.1f} {:>10.1f} {:>8}\n", megabytes,
               repeats, twin_figures.put, aws_figures.put, ratio(twin_figures.put, aws_figures.put),
               twin_figures.get, aws_figures.get, ratio(twin_figures.get, aws_figures.get));
    std::fflush(stdout);
    for (const auto& object :
         client.list_objects(bucket, "").value_or(std::vector<twin::cloud::S3ObjectInfo>{})) {
      (void)client.delete_object(bucket, object.key);
    }
  }
  if (!have_aws) fmt::print("(no /usr/bin/aws: install awscli for the baseline)\n");
  if (status != 0) fmt::print(stderr, "an aws s3 cp failed\n");
  fs::remove_all(dir);
  return status;
}
