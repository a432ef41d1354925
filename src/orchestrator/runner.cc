#include "twin/orchestrator/runner.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <condition_variable>
#include <csignal>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>

#include "cache_key.h"
#include "twin/core/json.h"
#include "twin/core/process.h"

namespace twin::orchestrator {
namespace fs = std::filesystem;
using metadata::ArtifactVersionRecord;
using metadata::RunStatus;
using metadata::StepArtifactLink;
using metadata::StepStatus;
using nlohmann::json;

namespace {

// How much of a failed command step's output its error repeats, so that the reason is on the
// screen and in the run's record, not only in the log file.
constexpr std::size_t kFailedStepTailLines = 5;
constexpr std::size_t kFailedStepTailBytes = 2000;
// Concurrent runs whose names expand to the same {time} try NAME-2 .. NAME-<this> before failing.
constexpr int kMaxRunNameSuffix = 50;

// The last `count` non-empty lines of the text file at `path` (at most kFailedStepTailBytes
// from its end), each indented; empty when it cannot be read.
std::string last_lines(const fs::path& path, std::size_t count) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  const std::streamoff from =
      std::max<std::streamoff>(0, size - static_cast<std::streamoff>(kFailedStepTailBytes));
  in.seekg(from);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    start = end + 1;
  }
  if (from > 0 && !lines.empty()) lines.erase(lines.begin());  // cut in the middle
  const std::size_t first = lines.size() > count ? lines.size() - count : 0;
  std::string out;
  for (std::size_t i = first; i < lines.size(); ++i) out += "    " + lines[i] + "\n";
  if (!out.empty()) out.pop_back();
  return out;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json overlay(json base, const json& top) {
  if (!base.is_object()) base = json::object();
  if (top.is_object()) base.update(top);
  return base;
}

// A log file opened on the first message, so a step that logs nothing costs no file.
class LazyFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit LazyFileSink(fs::path path) : path_(std::move(path)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    if (!out_.is_open()) out_.open(path_, std::ios::app);
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    out_.write(formatted.data(), static_cast<std::streamsize>(formatted.size()));
    out_.flush();
  }
  void flush_() override {
    if (out_.is_open()) out_.flush();
  }

 private:
  fs::path path_;
  std::ofstream out_;
};

// What one attempt of a step produced.
struct AttemptResult {
  Status status;
  std::map<std::string, ProducedOutput> outputs;
  json step_metadata = json::object();
  json run_metadata = json::object();
};

enum class Phase { kPending, kRunning, kDone };

struct StepState {
  const StepNode* node = nullptr;
  const StepDefinition* definition = nullptr;
  Phase phase = Phase::kPending;
  StepStatus status = StepStatus::kRunning;
  std::vector<std::string> upstream;
  std::map<std::string, ArtifactVersionRecord> outputs;  // output name -> version
};

// One run of one pipeline: the scheduler loop and the execution of each step.
class RunExecution {
 public:
  RunExecution(metadata::MetadataStore& metadata, artifacts::ArtifactStore& artifacts,
               const PipelineRegistry& registry, const PipelineDefinition& pipeline,
               const RunOptions& options, metadata::RunRecord run, json parameters, bool use_cache)
      : metadata_(metadata),
        artifacts_(artifacts),
        registry_(registry),
        pipeline_(pipeline),
        options_(options),
        run_(std::move(run)),
        parameters_(std::move(parameters)),
        use_cache_(use_cache) {
    for (const auto& node : pipeline_.steps) {
      StepState state;
      state.node = &node;
      state.definition = node.uses ? registry_.find_step(*node.uses) : nullptr;
      state.upstream = upstream_steps(node);
      index_[node.name] = states_.size();
      states_.push_back(std::move(state));
    }
    jobs_ = options_.jobs > 0 ? options_.jobs
                              : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  }

  RunStatus schedule() {
    std::thread heartbeat([this] { heartbeat_loop(); });
    std::vector<std::thread> workers;
    std::unique_lock lock(mutex_);
    while (true) {
      if (!cancel_.load() && stop_requested()) cancel_.store(true);
      size_t pending = 0;
      for (size_t i = 0; i < states_.size(); ++i) {
        StepState& state = states_[i];
        if (state.phase != Phase::kPending) continue;
        if (cancel_.load()) {
          finish_unstarted(state, StepStatus::kCancelled, "the run was cancelled");
          continue;
        }
        const auto blocked = upstream_problem(state);
        if (blocked == Readiness::kWaiting) {
          ++pending;
          continue;
        }
        if (blocked == Readiness::kBroken) {
          finish_unstarted(state, StepStatus::kSkipped, "an upstream step did not complete");
          continue;
        }
        if (running_ >= jobs_) {
          ++pending;
          continue;
        }
        state.phase = Phase::kRunning;
        ++running_;
        workers.emplace_back([this, i] { execute(i); });
      }
      if (running_ == 0 && pending == 0) break;
      changed_.wait_for(lock, std::chrono::milliseconds(50));
    }
    lock.unlock();
    for (auto& worker : workers) worker.join();
    {
      std::lock_guard stop(heartbeat_mutex_);
      finished_ = true;
    }
    heartbeat_stop_.notify_all();
    heartbeat.join();
    if (cancel_.load()) return RunStatus::kCancelled;
    for (const auto& state : states_) {
      if (state.status == StepStatus::kFailed || state.status == StepStatus::kSkipped)
        return RunStatus::kFailed;
    }
    return RunStatus::kCompleted;
  }

 private:
  enum class Readiness { kReady, kWaiting, kBroken };

  bool stop_requested() const {
    return (options_.cancel != nullptr && options_.cancel->load()) ||
           ForwardSignals::received_signal() != 0;
  }

  // Requires mutex_.
  Readiness upstream_problem(const StepState& state) const {
    for (const auto& name : state.upstream) {
      const StepState& upstream = states_[index_.at(name)];
      if (upstream.phase != Phase::kDone) return Readiness::kWaiting;
      if (upstream.status != StepStatus::kCompleted && upstream.status != StepStatus::kCached) {
        return Readiness::kBroken;
      }
    }
    return Readiness::kReady;
  }

  // Requires mutex_.
  void finish_unstarted(StepState& state, StepStatus status, const std::string& reason) {
    state.phase = Phase::kDone;
    state.status = status;
    if (auto recorded = metadata_.record_unstarted_step(run_.id, state.node->name, status, reason);
        !recorded) {
      spdlog::warn("step {}: recording it as {}: {}", state.node->name, to_string(status),
                   recorded.error().to_string());
    }
    emit({state.node->name, status, std::chrono::milliseconds(0), 0, reason});
  }

  void emit(const StepEvent& event) {
    if (!options_.on_step_event) return;
    std::lock_guard lock(event_mutex_);
    options_.on_step_event(event);
  }

  void heartbeat_loop() {
    std::unique_lock lock(heartbeat_mutex_);
    while (!finished_) {
      heartbeat_stop_.wait_for(lock, options_.heartbeat_interval);
      if (finished_) break;
      if (Status beat = metadata_.heartbeat(run_.id); !beat.is_ok()) {
        spdlog::warn("run {}: heartbeat: {}", run_.id, beat.to_string());
      }
    }
  }

  void execute(size_t index) {
    StepState& state = states_[index];
    const auto started = std::chrono::steady_clock::now();
    emit({state.node->name, StepStatus::kRunning, std::chrono::milliseconds(0), 1, ""});
    std::map<std::string, ArtifactVersionRecord> outputs;
    std::string error;
    StepStatus status = StepStatus::kFailed;
    try {
      auto result = run_step(state, outputs);
      if (result) {
        status = *result;
      } else {
        error = result.error().message();
        status = result.error().code() == StatusCode::kCancelled ? StepStatus::kCancelled
                                                                 : StepStatus::kFailed;
      }
    } catch (const std::exception& exception) {
      error = fmt::format("step {}: {}", state.node->name, exception.what());
    }
    const auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (!error.empty()) spdlog::error("{}", error);
    {
      std::lock_guard lock(mutex_);
      state.outputs = std::move(outputs);
      state.status = status;
      state.phase = Phase::kDone;
      --running_;
    }
    emit({state.node->name, status, duration, 0, error});
    changed_.notify_all();
  }

  fs::path log_path(const std::string& step) const {
    return options_.state_dir / "logs" / run_.id / (step + ".log");
  }

  // Runs (or reuses) one step; returns its final status, or an error that failed it.
  Result<StepStatus> run_step(const StepState& state,
                              std::map<std::string, ArtifactVersionRecord>& outputs) {
    const StepNode& node = *state.node;
    std::vector<StepArtifactLink> inputs;
    StepContext::Inputs context_inputs;
    std::map<std::string, std::string> input_hashes;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [input, ref] : node.inputs) {
        const auto dot = ref.find('.');
        const StepState& producer = states_[index_.at(ref.substr(0, dot))];
        const ArtifactVersionRecord& version = producer.outputs.at(ref.substr(dot + 1));
        inputs.push_back({"", input, version});
        context_inputs.artifacts[input] = {version.materializer, version.content_hash};
        input_hashes[input] = version.content_hash;
      }
    }
    const json parameters = overlay(
        parameters_, overlay(node.parameters, options_.config.step_parameters.contains(node.name)
                                                  ? options_.config.step_parameters.at(node.name)
                                                  : json::object()));
    TWIN_ASSIGN_OR_RETURN(
        const std::string cache_key,
        compute_cache_key({pipeline_.name, &node, state.definition, parameters, input_hashes,
                           options_.project_root,
                           [](const std::string& name) -> std::optional<std::string> {
                             const char* value = std::getenv(name.c_str());
                             return value ? std::optional<std::string>(value) : std::nullopt;
                           }}));
    if (use_cache_ && (state.definition == nullptr || state.definition->enable_cache)) {
      TWIN_ASSIGN_OR_RETURN(auto reused, try_cache(node, cache_key, inputs));
      if (reused) {
        outputs = std::move(*reused);
        return StepStatus::kCached;
      }
    }
    const fs::path log = log_path(node.name);
    std::error_code ec;
    fs::create_directories(log.parent_path(), ec);
    TWIN_ASSIGN_OR_RETURN(auto step_run, metadata_.start_step_run(run_.id, node.name, cache_key,
                                                                  log.string(), inputs));
    const fs::path work = options_.state_dir / "work" / step_run.id;

    AttemptResult attempt;
    int attempts = 0;
    auto backoff = options_.retry_backoff;
    for (int i = 0; i <= node.retries; ++i) {
      if (cancel_.load()) {
        attempt.status = Status::cancelled(fmt::format("step {}: cancelled", node.name));
        break;
      }
      ++attempts;
      if (i > 0) {
        append_log(log, fmt::format("twin: attempt {} of {}\n", attempts, node.retries + 1));
        emit({node.name, StepStatus::kRunning, std::chrono::milliseconds(0), attempts, ""});
      }
      fs::remove_all(work, ec);
      if (node.is_command()) fs::create_directories(work, ec);  // C++ steps create it on demand
      attempt = node.is_command()
                    ? run_command(node, step_run.id, parameters, context_inputs, work, log)
                    : run_function(state, step_run.id, parameters, context_inputs, work, log);
      if (attempt.status.is_ok()) break;
      if (cancel_.load()) {
        attempt.status = Status::cancelled(fmt::format("step {}: cancelled", node.name));
        break;
      }
      append_log(log,
                 fmt::format("twin: attempt {} failed: {}\n", attempts, attempt.status.message()));
      if (i < node.retries) {
        spdlog::warn("{} (attempt {} of {}); retrying in {} ms", attempt.status.message(), attempts,
                     node.retries + 1, backoff.count());
        sleep_unless_cancelled(backoff);
        backoff *= 2;
      }
    }

    metadata::StepRunEnd end;
    end.attempts = attempts;
    end.metadata = attempt.step_metadata;
    if (!attempt.status.is_ok()) {
      end.status = attempt.status.code() == StatusCode::kCancelled ? StepStatus::kCancelled
                                                                   : StepStatus::kFailed;
      end.error = attempt.status.message();
      TWIN_RETURN_IF_ERROR(metadata_.finish_step_run(step_run.id, end));
      return fail(attempt.status);
    }
    for (const auto& output : node.outputs) {
      const ProducedOutput& produced = attempt.outputs.at(output);
      end.outputs.push_back({output, output, produced.hash, produced.size, produced.materializer,
                             artifacts_.blob_uri(produced.hash), produced.metadata});
    }
    end.status = StepStatus::kCompleted;
    TWIN_RETURN_IF_ERROR(metadata_.finish_step_run(step_run.id, end));
    if (!attempt.run_metadata.empty())
      TWIN_RETURN_IF_ERROR(metadata_.add_run_metadata(run_.id, attempt.run_metadata));
    TWIN_ASSIGN_OR_RETURN(auto links, metadata_.step_outputs(step_run.id));
    for (auto& link : links) outputs[link.name] = std::move(link.artifact);
    fs::remove_all(work, ec);
    return StepStatus::kCompleted;
  }

  // A cache hit's outputs, or nullopt for a miss (including a hit whose blobs are gone).
  Result<std::optional<std::map<std::string, ArtifactVersionRecord>>> try_cache(
      const StepNode& node, const std::string& cache_key,
      const std::vector<StepArtifactLink>& inputs) {
    TWIN_ASSIGN_OR_RETURN(auto hit, metadata_.find_cached_step_run(cache_key));
    if (!hit) return std::nullopt;
    TWIN_ASSIGN_OR_RETURN(auto links, metadata_.step_outputs(hit->id));
    std::map<std::string, ArtifactVersionRecord> outputs;
    for (auto& link : links) outputs[link.name] = link.artifact;
    for (const auto& output : node.outputs) {
      const auto it = outputs.find(output);
      if (it == outputs.end() ||
          !artifacts::artifact_is_complete(artifacts_, it->second.materializer,
                                           it->second.content_hash, it->second.size)) {
        spdlog::info(
            "step {}: cached result of step run {} is incomplete (output '{}' missing); running it",
            node.name, hit->id, output);
        return std::nullopt;
      }
    }
    TWIN_ASSIGN_OR_RETURN(auto step_run, metadata_.start_step_run(run_.id, node.name, cache_key,
                                                                  hit->log_uri, inputs));
    metadata::StepRunEnd end;
    end.status = StepStatus::kCached;
    end.attempts = 0;
    end.cached_from = hit->id;
    for (const auto& link : links)
      end.reused_outputs.push_back({step_run.id, link.name, link.artifact});
    TWIN_RETURN_IF_ERROR(metadata_.finish_step_run(step_run.id, end));
    return outputs;
  }

  void sleep_unless_cancelled(std::chrono::milliseconds duration) {
    const auto deadline = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < deadline && !cancel_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  static void append_log(const fs::path& log, std::string_view text) {
    std::ofstream out(log, std::ios::app);
    out << text;
  }

  AttemptResult run_command(const StepNode& node, const std::string& step_run_id,
                            const json& parameters, const StepContext::Inputs& inputs,
                            const fs::path& work, const fs::path& log) {
    AttemptResult result;
    auto environment = current_environment();
    for (const auto& [name, value] : parameters.items()) {
      environment["TWIN_PARAM_" + name] =
          value.is_string() ? value.get<std::string>() : value.dump();
    }
    for (const auto& [name, artifact] : inputs.artifacts) {
      const fs::path path = work / "inputs" / name;
      std::error_code ec;
      fs::create_directories(path.parent_path(), ec);
      if (Status exported =
              artifacts::export_artifact(artifacts_, artifact.first, artifact.second, path);
          !exported.is_ok()) {
        result.status = exported.with_context(fmt::format("step {}: input '{}'", node.name, name));
        return result;
      }
      environment["TWIN_INPUT_" + name] = path.string();
    }
    std::error_code ec;
    fs::create_directories(work / "outputs", ec);
    for (const auto& output : node.outputs)
      environment["TWIN_OUTPUT_" + output] = (work / "outputs" / output).string();
    const fs::path metadata_file = work / "metadata.json";
    environment["TWIN_METADATA_FILE"] = metadata_file.string();
    environment["TWIN_RUN_ID"] = run_.id;
    environment["TWIN_STEP"] = node.name;
    environment["TWIN_STEP_RUN_ID"] = step_run_id;
    environment["TWIN_PIPELINE"] = pipeline_.name;

    ProcessSpec spec;
    spec.argv = node.command;
    spec.cwd = options_.project_root;
    spec.environment = std::move(environment);
    spec.out = OutputSpec{OutputMode::kFile, log, {}};
    spec.merge_err_into_out = true;
    spec.input = std::string();
    spec.timeout = node.timeout;
    auto process = run_process(spec);
    if (!process) {
      result.status = process.error().with_context(fmt::format("step {}", node.name));
      return result;
    }
    if (process->timed_out) {
      result.status = Status::unavailable(
          fmt::format("step {}: timed out after {} ms; its process group was stopped", node.name,
                      node.timeout.value_or(std::chrono::milliseconds{0}).count()));
      return result;
    }
    if (process->exit_code != 0) {
      const std::string tail = last_lines(log, kFailedStepTailLines);
      result.status = Status::internal(fmt::format(
          "step {}: command exited with code {} (log: {}){}{}", node.name, process->exit_code,
          log.string(), tail.empty() ? "" : "; its output ended with:\n", tail));
      if (process->term_signal == SIGINT || process->term_signal == SIGTERM) {
        result.status = Status::cancelled(
            fmt::format("step {}: stopped by signal {}", node.name, process->term_signal));
      }
      return result;
    }
    json output_metadata = json::object();
    if (fs::exists(metadata_file, ec)) {
      std::ifstream in(metadata_file, std::ios::binary);
      const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      Result<json> parsed = parse_json(text, "$TWIN_METADATA_FILE");
      if (parsed) output_metadata = *std::move(parsed);
      if (!parsed || !output_metadata.is_object()) {
        result.status = Status::invalid_argument(fmt::format(
            "step {}: $TWIN_METADATA_FILE must hold a JSON object of metadata per output name",
            node.name));
        return result;
      }
    }
    for (const auto& output : node.outputs) {
      const fs::path path = work / "outputs" / output;
      if (!fs::exists(path, ec)) {
        result.status = Status::failed_precondition(
            fmt::format("step {}: declared output '{}' was not written to $TWIN_OUTPUT_{}",
                        node.name, output, output));
        return result;
      }
      auto stored = artifacts::save_path(artifacts_, path);
      if (!stored) {
        result.status =
            stored.error().with_context(fmt::format("step {}: output '{}'", node.name, output));
        return result;
      }
      json metadata = output_metadata.contains(output) ? output_metadata[output] : json::object();
      result.outputs[output] = {stored->materializer, stored->hash, stored->size, metadata};
    }
    for (const auto& [key, value] : output_metadata.items()) {
      if (!result.outputs.contains(key)) result.step_metadata[key] = value;
    }
    return result;
  }

  AttemptResult run_function(const StepState& state, const std::string& step_run_id,
                             const json& parameters, StepContext::Inputs inputs,
                             const fs::path& work, const fs::path& log) {
    const StepNode& node = *state.node;
    AttemptResult result;
    auto sink = std::make_shared<LazyFileSink>(log);
    sink->set_pattern("%Y-%m-%d %H:%M:%S.%e %l: %v");
    auto logger = std::make_shared<spdlog::logger>(node.name, std::move(sink));
    logger->set_level(spdlog::level::debug);
    logger->flush_on(spdlog::level::debug);
    StepContext context(run_.id, step_run_id, node.name, parameters, std::move(inputs),
                        node.outputs, artifacts_, logger, work, cancel_, options_.settings);
    try {
      result.status = state.definition->run(context);
    } catch (const std::exception& exception) {
      result.status =
          Status::internal(fmt::format("step {}: threw: {}", node.name, exception.what()));
    }
    if (!result.status.is_ok()) {
      // What the step recorded before it failed is kept: it tells why (the ETL's failures).
      result.step_metadata = context.step_metadata();
      logger->error("{}", result.status.to_string());
      if (!result.status.message().starts_with("step ")) {
        result.status = result.status.with_context(fmt::format("step {}", node.name));
      }
      return result;
    }
    for (const auto& output : node.outputs) {
      if (!context.produced().contains(output)) {
        result.status = Status::failed_precondition(
            fmt::format("step {}: returned without setting its output '{}'", node.name, output));
        return result;
      }
    }
    result.outputs = std::move(context.produced());
    result.step_metadata = context.step_metadata();
    result.run_metadata = context.run_metadata();
    return result;
  }

  metadata::MetadataStore& metadata_;
  artifacts::ArtifactStore& artifacts_;
  const PipelineRegistry& registry_;
  const PipelineDefinition& pipeline_;
  const RunOptions& options_;
  metadata::RunRecord run_;
  json parameters_;
  bool use_cache_;
  int jobs_ = 1;

  std::mutex mutex_;  // guards states_ and running_
  std::condition_variable changed_;
  std::vector<StepState> states_;
  std::map<std::string, size_t> index_;
  int running_ = 0;
  std::atomic<bool> cancel_{false};

  std::mutex event_mutex_;
  std::mutex heartbeat_mutex_;
  std::condition_variable heartbeat_stop_;
  bool finished_ = false;
};

}  // namespace

Result<metadata::RunRecord> create_named_run(metadata::MetadataStore& store,
                                             metadata::NewRun new_run, std::string_view pattern,
                                             std::chrono::system_clock::time_point now) {
  const std::string expanded = expand_run_name(pattern, now);
  new_run.name = expanded;
  Result<metadata::RunRecord> created = store.create_run(new_run);
  if (pattern.find("{time}") == std::string_view::npos) return created;
  for (int suffix = 2; !created && created.error().code() == StatusCode::kAlreadyExists &&
                       suffix <= kMaxRunNameSuffix;
       ++suffix) {
    new_run.name = fmt::format("{}-{}", expanded, suffix);
    created = store.create_run(new_run);
  }
  return created;
}

std::string host_name() {
  std::array<char, 256> buffer{};
  if (::gethostname(buffer.data(), buffer.size() - 1) != 0) return "localhost";
  return buffer.data();
}

Result<int> reap_crashed_runs(metadata::MetadataStore& store) {
  const int64_t stale_before =
      now_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(kStaleHeartbeat).count();
  return store.mark_crashed_runs(
      host_name(),
      [](int64_t pid) {
        return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
      },
      stale_before);
}

Status check_run_config(const json& config) {
  std::string text;
  try {
    text = config.dump();
  } catch (const json::type_error& error) {
    return Status::invalid_argument(fmt::format(
        "the run's parameters and settings must be UTF-8 text (check the run config and --param "
        "values): {}",
        error.what()));
  }
  if (text.size() > kMaxRunConfigBytes) {
    return Status::invalid_argument(
        fmt::format("the run's parameters and settings take {} bytes; at most {} KiB are stored "
                    "per run (pass large inputs as files or artifacts)",
                    text.size(), kMaxRunConfigBytes >> 10));
  }
  return Status::ok();
}

Result<int> remove_stale_work_folders(metadata::MetadataStore& store, const fs::path& state_dir) {
  std::error_code ec;
  int removed = 0;
  for (const auto& entry : fs::directory_iterator(state_dir / "work", ec)) {
    if (!entry.is_directory(ec)) continue;
    const auto step_run = store.get_step_run(entry.path().filename().string());
    if (step_run && step_run->status == StepStatus::kRunning) continue;
    if (!step_run && step_run.error().code() != StatusCode::kNotFound) {
      return fail(step_run.error());
    }
    fs::remove_all(entry.path(), ec);
    if (!ec) ++removed;
  }
  return removed;
}

Result<RunOutcome> PipelineRunner::run(PipelineDefinition pipeline, const RunOptions& options) {
  TWIN_RETURN_IF_ERROR(validate_pipeline(pipeline, registry_));
  for (const auto& [step, parameters] : options.config.step_parameters) {
    if (std::ranges::none_of(pipeline.steps,
                             [&step](const StepNode& node) { return node.name == step; })) {
      return fail(Status::invalid_argument(fmt::format(
          "run config: steps.{}: pipeline {} has no step named '{}'", step, pipeline.name, step)));
    }
  }
  if (options.settings != nullptr) {
    for (const StepNode& node : pipeline.steps) {
      const StepDefinition* step = node.uses ? registry_.find_step(*node.uses) : nullptr;
      if (step == nullptr || !step->check_settings) continue;
      if (Status usable = step->check_settings(*options.settings); !usable.is_ok()) {
        return fail(Status::invalid_argument(fmt::format(
            "pipeline {} cannot run: step {}: {}", pipeline.name, node.name, usable.message())));
      }
    }
  }
  const json parameters = overlay(pipeline.parameters, options.config.parameters);
  const bool use_cache = !options.no_cache && options.config.enable_cache.value_or(true);
  const std::string name_pattern =
      options.run_name.value_or(options.config.run_name.value_or(pipeline.name + "-{date}-{time}"));
  metadata::NewRun new_run;
  new_run.pipeline = pipeline.name;
  new_run.config = {{"parameters", parameters},
                    {"step_parameters", options.config.step_parameters},
                    {"enable_cache", use_cache},
                    {"settings", options.config.settings},
                    {"source", pipeline.source}};
  new_run.host = host_name();
  new_run.pid = ::getpid();
  TWIN_RETURN_IF_ERROR(check_run_config(new_run.config));
  TWIN_ASSIGN_OR_RETURN(metadata::RunRecord run,
                        create_named_run(metadata_, std::move(new_run), name_pattern,
                                         std::chrono::system_clock::now()));

  RunExecution execution(metadata_, artifacts_, registry_, pipeline, options, run, parameters,
                         use_cache);
  RunStatus status = execution.schedule();
  // Durability (see artifacts::Durability): in the default batch mode, step outputs are renamed
  // into place without an fsync each, and this one flush() makes every blob of the run durable
  // before the run is recorded as finished, whatever its status. Step runs recorded completed
  // before the flush are safe: a cache hit checks that each blob exists with its recorded size
  // (artifact_is_complete), so a blob lost or truncated by a power loss before the flush is a
  // cache miss and the step runs again, never a wrong answer; a crash of twin itself (kill -9)
  // cannot lose pages already written. Hence no flush per step, and none before reusing a cached
  // artifact (its blobs were flushed by the run that wrote them, or are checked as above).
  if (Status flushed = artifacts_.flush(); !flushed.is_ok()) {
    spdlog::error("run {}: making its artifacts durable: {}", run.id, flushed.to_string());
    if (status == RunStatus::kCompleted) status = RunStatus::kFailed;
  }
  TWIN_RETURN_IF_ERROR(metadata_.finish_run(run.id, status));

  RunOutcome outcome;
  TWIN_ASSIGN_OR_RETURN(outcome.run, metadata_.get_run(run.id));
  TWIN_ASSIGN_OR_RETURN(auto steps, metadata_.list_step_runs(run.id));
  for (const auto& node : pipeline.steps) {
    for (auto& step : steps) {
      if (step.step == node.name) outcome.steps.push_back(step);
    }
  }
  return outcome;
}

}  // namespace twin::orchestrator
