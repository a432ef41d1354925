// Internal to src/tasks: a task's `deps` and `uses`, run before it: each invocation (task name
// plus arguments) once per `twin task`, in dependency order, up to `jobs` at a time; `uses`
// invocations capture their stdout into variables. Cycles are errors naming the path.
//
// One DependencyRunner per TaskRunner; run() may be called from several threads (the memo of
// finished invocations is locked).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "exec_context.h"
#include "twin/core/status.h"
#include "twin/tasks/task_spec.h"

namespace twin::tasks {

class DependencyRunner {
 public:
  // Runs one task with words, as the TaskRunner does.
  using Invoke = std::function<Result<int>(const TaskSpec&, const std::vector<std::string>&,
                                           const ExecContext&)>;
  // Prints an info message (a dependency failed).
  using Note = std::function<void(const ExecContext&, std::string_view)>;

  // `dry_run`: nothing runs, so a `uses` variable holds "<output:INVOCATION>", which shows in
  // the printed command where the output would go (rather than an empty word).
  DependencyRunner(const TaskFile& file, std::filesystem::path root, int jobs, bool dry_run,
                   Invoke invoke, Note note);

  // Runs the deps and uses of `task` and returns the `uses` variables, or the exit code of the
  // first dependency that failed (128+signal after a relayed signal).
  Result<std::variant<int, Environment>> run(const TaskSpec& task, const ExecContext& ctx);

 private:
  struct DepNode {
    std::string key;  // "deps:<invocation>" or "uses:<invocation>"
    const TaskSpec* task = nullptr;
    std::vector<std::string> args;
    bool captured = false;
    std::vector<std::string> after;  // keys of the nodes this one waits for
  };

  Result<std::pair<const TaskSpec*, std::vector<std::string>>> resolve_invocation(
      const TaskSpec& owner, const std::string& invocation, const ExecContext& ctx);
  // Post-order walk: every node after the nodes it waits for. `path` catches cycles.
  Status collect(const TaskSpec& task, const ExecContext& ctx, std::vector<std::string>& path,
                 std::map<std::string, DepNode>& nodes, std::vector<std::string>& order,
                 std::vector<std::string>& direct);
  Result<int> run_node(const DepNode& node, const ExecContext& base);

  const TaskFile& file_;
  std::filesystem::path root_;
  int jobs_;
  bool dry_run_;
  Invoke invoke_;
  Note note_;
  std::mutex memo_mutex_;
  // Invocations already run: key -> (exit code, captured stdout for `uses`).
  std::map<std::string, std::pair<int, std::string>> memo_;
};

}  // namespace twin::tasks
