#include "python_program.h"

#include <fmt/format.h>

#include <cctype>

#include "twin/tasks/task_args.h"

namespace twin::tasks {
namespace {

// $VAR / ${VAR} in a Python expression become lookups of the task environment: attributes of
// `__env` (kPythonEnv), which need no quotes, so they work inside f-strings too.
std::string python_env_references(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size()) {
      const bool braced = text[i + 1] == '{';
      size_t start = i + (braced ? 2 : 1);
      size_t end = start;
      while (end < text.size() &&
             (std::isalnum(static_cast<unsigned char>(text[end])) != 0 || text[end] == '_')) {
        ++end;
      }
      if (end > start && (!braced || (end < text.size() && text[end] == '}'))) {
        out += fmt::format("__env.{}", text.substr(start, end - start));
        i = braced ? end : end - 1;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

// Defines `__env`, the task environment seen from Python (unset variables are '').
constexpr std::string_view kPythonEnv =
    "class _TwinEnv:\n"
    "    def __getattr__(self, name):\n"
    "        return os.environ.get(name, '')\n"
    "__env = _TwinEnv()\n";

std::string assignments(const PythonScope& scope) {
  std::string code;
  for (const auto& [variable, value] : scope.variables)
    code += fmt::format("{} = {}\n", variable, value);
  std::vector<std::string> extra;
  extra.reserve(scope.extra_args.size());
  for (const auto& word : scope.extra_args) extra.push_back(python_literal(word));
  code += fmt::format("_extra_args = [{}]\n", fmt::join(extra, ", "));
  return code;
}

}  // namespace

std::string trim(std::string_view text) {
  const size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "";
  const size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(start, end - start + 1));
}

// Runs a module as `python -m` does (script = "http.server").
std::string module_program(const TaskSpec& task, const std::vector<std::string>& argv_words,
                           const std::filesystem::path& root, const PythonScope& scope) {
  const std::string module = trim(task.content);
  std::string argv = "[" + python_literal(module);
  for (const auto& arg : task.args) {
    const std::string variable = arg_variable(arg);
    if (arg.positional) {
      argv += fmt::format(
          ", *([str(v) for v in {0}] if isinstance({0}, list) else "
          "([] if {0} is None else [str({0})]))",
          variable);
    } else if (arg.type == ArgType::kBoolean) {
      argv += fmt::format(", *([{}] if {} else [])", python_literal(arg.options.front()), variable);
    } else {
      argv += fmt::format(
          ", *([] if {1} is None else [{0}, *([str(v) for v in {1}] if isinstance({1}, list) "
          "else [str({1})])])",
          python_literal(arg.options.front()), variable);
    }
  }
  for (const auto& word : argv_words) argv += ", " + python_literal(word);
  argv += "]";
  return fmt::format(
      "import sys, os, runpy\n"
      "sys.path[0:0] = [{root}, {src}]\n"
      "environ = os.environ\n{env}"
      "{args}"
      "sys.argv = {argv}\n"
      "runpy.run_module({module}, run_name='__main__', alter_sys=True)\n",
      fmt::arg("root", python_literal(root.string())),
      fmt::arg("src", python_literal((root / "src").string())), fmt::arg("env", kPythonEnv),
      fmt::arg("args", assignments(scope)), fmt::arg("argv", argv),
      fmt::arg("module", python_literal(module)));
}

std::string script_program(const TaskSpec& task, const std::vector<std::string>& argv_words,
                           const std::filesystem::path& root, const PythonScope& scope) {
  const size_t colon = task.content.find(':');
  if (colon == std::string::npos) return module_program(task, argv_words, root, scope);
  const std::string module = trim(task.content.substr(0, colon));
  std::string call = trim(task.content.substr(colon + 1));
  if (call.find('(') == std::string::npos) {
    // Without parentheses the task's args are passed as keyword arguments, as Poe does.
    std::vector<std::string> keywords;
    for (const auto& arg : task.args) {
      const std::string variable = arg_variable(arg);
      keywords.push_back(fmt::format("{}={}", variable, variable));
    }
    call += fmt::format("({})", fmt::join(keywords, ", "));
  }
  std::string argv_literal = "[" + python_literal(task.name);
  for (const auto& word : argv_words) argv_literal += ", " + python_literal(word);
  argv_literal += "]";
  return fmt::format(
      "import sys, os, importlib, asyncio\n"
      "sys.path[0:0] = [{root}, {src}]\n"
      "sys.argv = {argv}\n"
      "environ = os.environ\n{env}"
      "{args}"
      "_module = importlib.import_module({module})\n"
      "_result = eval({call}, dict(vars(_module)), dict(globals()))\n"
      "if asyncio.iscoroutine(_result): _result = asyncio.run(_result)\n"
      "{print}",
      fmt::arg("root", python_literal(root.string())),
      fmt::arg("src", python_literal((root / "src").string())), fmt::arg("argv", argv_literal),
      fmt::arg("env", kPythonEnv), fmt::arg("args", assignments(scope)),
      fmt::arg("module", python_literal(module)),
      fmt::arg("call", python_literal(python_env_references(call))),
      fmt::arg("print", task.print_result ? "if _result is not None: print(_result)\n" : ""));
}

std::string expr_program(const TaskSpec& task, const PythonScope& scope) {
  std::string imports = "sys, os";
  for (const auto& module : task.imports) imports += ", " + module;
  return fmt::format(
      "import {imports}\n"
      "environ = os.environ\n{env}"
      "{args}"
      "_result = eval({expr})\n"
      "print(_result)\n"
      "{assertion}",
      fmt::arg("imports", imports), fmt::arg("env", kPythonEnv),
      fmt::arg("args", assignments(scope)),
      fmt::arg("expr", python_literal(python_env_references(trim(task.content)))),
      fmt::arg("assertion", task.assert_result ? "sys.exit(0 if _result else 1)\n" : ""));
}

}  // namespace twin::tasks
