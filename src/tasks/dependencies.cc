#include "dependencies.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <thread>

#include "twin/core/process.h"
#include "twin/tasks/runner.h"

namespace twin::tasks {
namespace {

// Captured output as Poe exposes it through `uses`: its lines joined by single spaces, without
// the trailing newline ("compacted to have new lines removed", as bash's $(...) reads).
std::string compact_lines(std::string_view output) {
  std::string compact;
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string_view::npos) end = output.size();
    std::string_view line = output.substr(start, end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (!compact.empty()) compact += ' ';
    compact += line;
    start = end + 1;
  }
  return compact;
}

}  // namespace

DependencyRunner::DependencyRunner(const TaskFile& file, std::filesystem::path root, int jobs,
                                   bool dry_run, Invoke invoke, Note note)
    : file_(file),
      root_(std::move(root)),
      jobs_(jobs),
      dry_run_(dry_run),
      invoke_(std::move(invoke)),
      note_(std::move(note)) {}

Result<std::pair<const TaskSpec*, std::vector<std::string>>> DependencyRunner::resolve_invocation(
    const TaskSpec& owner, const std::string& invocation, const ExecContext& ctx) {
  auto words = split_command_line(invocation, ctx.env, root_);
  if (!words || words->empty()) {
    return fail(Status::invalid_argument(fmt::format("{}: task {}: '{}' is not a task invocation",
                                                     owner.location, owner.name, invocation)));
  }
  const TaskSpec* target = file_.find(words->front());
  if (target == nullptr) {
    return fail(unknown_task(file_, words->front())
                    .with_context(fmt::format("{}: task {} depends on a task that does not exist",
                                              owner.location, owner.name)));
  }
  return std::pair{target, std::vector<std::string>(words->begin() + 1, words->end())};
}

// Post-order walk: every node after the nodes it waits for. `path` catches cycles.
Status DependencyRunner::collect(const TaskSpec& task, const ExecContext& ctx,
                                 std::vector<std::string>& path,
                                 std::map<std::string, DepNode>& nodes,
                                 std::vector<std::string>& order,
                                 std::vector<std::string>& direct) {
  const auto visit = [&](const std::string& invocation, bool captured) -> Status {
    TWIN_ASSIGN_OR_RETURN(auto target, resolve_invocation(task, invocation, ctx));
    const std::string invocation_key = shell_join([&] {
      std::vector<std::string> all{target.first->name};
      all.insert(all.end(), target.second.begin(), target.second.end());
      return all;
    }());
    if (captured && target.first->capture_stdout) {
      return Status::invalid_argument(
          fmt::format("{}: task {} uses task {}, which has capture_stdout: its output goes to a "
                      "file, so it cannot be used",
                      task.location, task.name, target.first->name));
    }
    const std::string key = (captured ? "uses:" : "deps:") + invocation_key;
    direct.push_back(key);
    if (std::ranges::find(path, target.first->name) != path.end()) {
      std::vector<std::string> cycle(std::ranges::find(path, target.first->name), path.end());
      cycle.push_back(target.first->name);
      return Status::invalid_argument(
          fmt::format("dependency cycle: {}", fmt::join(cycle, " -> ")));
    }
    if (nodes.contains(key)) return Status::ok();
    DepNode node{key, target.first, target.second, captured, {}};
    path.push_back(target.first->name);
    TWIN_RETURN_IF_ERROR(collect(*target.first, ctx, path, nodes, order, node.after));
    path.pop_back();
    nodes.emplace(key, std::move(node));
    order.push_back(key);
    return Status::ok();
  };
  for (const auto& dep : task.deps) TWIN_RETURN_IF_ERROR(visit(dep, false));
  for (const auto& [variable, invocation] : task.uses)
    TWIN_RETURN_IF_ERROR(visit(invocation, true));
  return Status::ok();
}

Result<int> DependencyRunner::run_node(const DepNode& node, const ExecContext& base) {
  {
    std::lock_guard lock(memo_mutex_);
    if (auto it = memo_.find(node.key); it != memo_.end()) return it->second.first;
  }
  ExecContext ctx = base;
  ctx.prefix.clear();
  std::string output;
  if (node.captured) ctx.capture = &output;
  TWIN_ASSIGN_OR_RETURN(int code, invoke_(*node.task, node.args, ctx));
  std::lock_guard lock(memo_mutex_);
  memo_[node.key] = {code, std::move(output)};
  return code;
}

// Runs the deps and uses of `task` (each invocation once per twin run) and returns the `uses`
// variables, or the exit code of the first dependency that failed.
Result<std::variant<int, Environment>> DependencyRunner::run(const TaskSpec& task,
                                                             const ExecContext& ctx) {
  if (task.deps.empty() && task.uses.empty()) return Environment{};
  std::map<std::string, DepNode> nodes;
  std::vector<std::string> order;
  std::vector<std::string> direct;
  std::vector<std::string> path{task.name};
  TWIN_RETURN_IF_ERROR(collect(task, ctx, path, nodes, order, direct));

  std::set<std::string> done;
  {
    std::lock_guard lock(memo_mutex_);
    for (const auto& key : order) {
      if (memo_.contains(key)) done.insert(key);
    }
  }
  const size_t jobs = static_cast<size_t>(std::max(1, jobs_));
  while (done.size() < order.size()) {
    std::vector<const DepNode*> ready;
    for (const auto& key : order) {
      const DepNode& node = nodes.at(key);
      if (done.contains(key)) continue;
      if (std::ranges::all_of(node.after, [&](const std::string& k) { return done.contains(k); })) {
        ready.push_back(&node);
        if (ready.size() == jobs) break;
      }
    }
    std::vector<Result<int>> results(ready.size(), 0);
    if (ready.size() == 1) {
      results[0] = run_node(*ready[0], ctx);
    } else {
      std::vector<std::thread> threads;
      threads.reserve(ready.size());
      for (size_t i = 0; i < ready.size(); ++i) {
        threads.emplace_back([&, i]() {
          ExecContext concurrent = ctx;
          concurrent.concurrent = true;
          results[i] = run_node(*ready[i], concurrent);
        });
      }
      for (auto& thread : threads) thread.join();
    }
    for (size_t i = 0; i < ready.size(); ++i) {
      if (!results[i]) return fail(results[i].error());
      if (*results[i] != 0) {
        note_(ctx, fmt::format("task {}: dependency '{}' failed with exit code {}", task.name,
                               ready[i]->key.substr(5), *results[i]));
        return std::variant<int, Environment>(*results[i]);
      }
      done.insert(ready[i]->key);
    }
    if (ForwardSignals::received_signal() != 0) {
      return std::variant<int, Environment>(128 + ForwardSignals::received_signal());
    }
  }
  // `direct` lists the deps' keys, then the uses' keys, in declaration order.
  Environment uses;
  std::lock_guard lock(memo_mutex_);
  for (size_t i = 0; i < task.uses.size(); ++i) {
    const std::string& key = direct[task.deps.size() + i];
    uses[task.uses[i].first] = dry_run_ ? fmt::format("<output:{}>", task.uses[i].second)
                                        : compact_lines(memo_[key].second);
  }
  return std::variant<int, Environment>(std::move(uses));
}

}  // namespace twin::tasks
