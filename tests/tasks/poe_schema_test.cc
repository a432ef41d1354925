// twin's reading of task files against Poe the Poet's own generated JSON Schema
// (../shared/data/poethepoet-0.47.1/docs/_static/partial-poe.json). The tables in
// twin/tasks/poe_schema.h must name what the schema names, and the parser must accept what the
// schema accepts and reject what it rejects, so that a new Poe release (a new schema file) shows
// its differences here as failing tests.
#include "twin/tasks/poe_schema.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "support/temp_dir.h"
#include "twin/tasks/task_spec.h"

namespace twin::tasks {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using Json = nlohmann::json;

const std::filesystem::path kSchemaFile = std::filesystem::path(TWIN_SOURCE_DIR) / ".." / "shared" /
                                          "data" / "poethepoet-0.47.1" / "docs" / "_static" /
                                          "partial-poe.json";

const Json& schema() {
  static const Json loaded = [] {
    std::ifstream in(kSchemaFile);
    EXPECT_TRUE(in) << "cannot read " << kSchemaFile;
    return Json::parse(in);
  }();
  return loaded;
}

const Json& definition(const std::string& name) { return schema().at("definitions").at(name); }

// Follows a {"$ref": "#/definitions/x"}.
const Json& resolve(const Json& node) {
  if (node.is_object() && node.contains("$ref")) {
    const std::string ref = node.at("$ref");
    return definition(ref.substr(ref.rfind('/') + 1));
  }
  return node;
}

std::set<std::string> property_names(const Json& node) {
  std::set<std::string> names;
  for (const auto& [key, value] : resolve(node).at("properties").items()) names.insert(key);
  return names;
}

std::set<std::string> as_set(std::span<const std::string_view> list) {
  return {list.begin(), list.end()};
}

std::set<std::string> enum_of(const Json& node) {
  std::set<std::string> values;
  for (const auto& value : resolve(node).at("enum")) {
    values.insert(value.is_string() ? value.get<std::string>() : value.dump());
  }
  return values;
}

const std::vector<std::pair<TaskKind, std::string>>& kinds() {
  static const std::vector<std::pair<TaskKind, std::string>> all = {
      {TaskKind::kCmd, "cmd"},           {TaskKind::kShell, "shell"},
      {TaskKind::kScript, "script"},     {TaskKind::kExpr, "expr"},
      {TaskKind::kSequence, "sequence"}, {TaskKind::kParallel, "parallel"},
      {TaskKind::kRef, "ref"},           {TaskKind::kSwitch, "switch"}};
  return all;
}

TEST(PoeSchemaTest, IsTheVersionTwinFollows) {
  EXPECT_THAT(schema().at("$comment").get<std::string>(),
              HasSubstr(fmt::format("poethepoet {}.", poe::kSchemaVersion)));
}

TEST(PoeSchemaTest, EveryTaskTypeOfTheSchemaIsKnown) {
  std::set<std::string> schema_types;
  for (const auto& alternative : definition("task_def").at("oneOf")) {
    if (!alternative.contains("$ref")) continue;
    const std::string ref = alternative.at("$ref");
    std::string name = ref.substr(ref.rfind('/') + 1);
    schema_types.insert(name.substr(0, name.size() - std::string_view("_task").size()));
  }
  std::set<std::string> twin_types;
  for (const auto& [kind, name] : kinds()) twin_types.insert(std::string(to_string(kind)));
  EXPECT_EQ(schema_types, twin_types);
}

TEST(PoeSchemaTest, EveryTaskOptionOfTheSchemaIsKnownPerType) {
  for (const auto& [kind, name] : kinds()) {
    EXPECT_EQ(property_names(definition(name + "_task")), as_set(poe::task_options(kind)))
        << name << " tasks";
    auto with_case = as_set(poe::task_options(kind));
    with_case.insert("case");
    EXPECT_EQ(property_names(definition(name + "_task_with_case")), with_case)
        << name << " tasks in a switch";
  }
}

TEST(PoeSchemaTest, GlobalArgIncludeGroupAndExecutorOptionsAreKnown) {
  EXPECT_EQ(property_names(schema()), as_set(poe::global_options()));
  EXPECT_EQ(property_names(definition("args_item")), as_set(poe::arg_options()));
  auto no_name = as_set(poe::arg_options());
  no_name.erase("name");
  EXPECT_EQ(property_names(definition("args_item_no_name")), no_name);
  EXPECT_EQ(
      property_names(
          schema().at("properties").at("include").at("anyOf").at(1).at("items").at("anyOf").at(1)),
      as_set(poe::include_options()));
  EXPECT_EQ(property_names(definition("task_group")), as_set(poe::group_options()));
  for (const auto& type : poe::executor_types()) {
    EXPECT_EQ(property_names(definition(fmt::format("executor_{}", type))),
              as_set(poe::executor_options(type)))
        << type << " executor";
  }
  EXPECT_EQ(enum_of(definition("executor_option").at("oneOf").at(0)),
            as_set(poe::executor_types()));
  std::set<std::string> uv_flags;
  for (const auto& [key, value] : definition("executor_uv").at("properties").items()) {
    if (value.value("type", "") == "boolean") uv_flags.insert(key);
  }
  EXPECT_EQ(uv_flags, as_set(poe::uv_flag_options()));
}

TEST(PoeSchemaTest, EnumeratedValuesMatch) {
  const Json& globals = schema().at("properties");
  EXPECT_EQ(enum_of(globals.at("default_task_type")), as_set(poe::string_task_types()));
  EXPECT_EQ(enum_of(globals.at("default_array_item_task_type")), as_set(poe::string_task_types()));
  EXPECT_EQ(enum_of(globals.at("default_array_task_type")), as_set(poe::array_task_types()));
  EXPECT_EQ(enum_of(globals.at("shell_interpreter").at("anyOf").at(0)),
            as_set(poe::shell_interpreters()));
  EXPECT_EQ(enum_of(definition("shell_task").at("properties").at("interpreter").at("anyOf").at(0)),
            as_set(poe::shell_interpreters()));
  EXPECT_EQ(enum_of(definition("args_item").at("properties").at("type")), as_set(poe::arg_types()));
  EXPECT_EQ(enum_of(definition("cmd_task").at("properties").at("empty_glob")),
            as_set(poe::empty_glob_values()));
  EXPECT_EQ(enum_of(definition("parallel_task").at("properties").at("output_mode")),
            as_set(poe::output_modes()));
  EXPECT_EQ(enum_of(definition("switch_task").at("properties").at("default")),
            as_set(poe::switch_defaults()));
  std::set<std::string> levels;
  for (int level = poe::kMinVerbosity; level <= poe::kMaxVerbosity; ++level)
    levels.insert(std::to_string(level));
  EXPECT_EQ(enum_of(globals.at("verbosity")), levels);
  for (const auto& [kind, name] : kinds())
    EXPECT_EQ(enum_of(definition(name + "_task").at("properties").at("verbosity")), levels) << name;
}

TEST(PoeSchemaTest, TaskAndGroupNamePatterns) {
  const Json& tasks_map = definition("tasks_map").at("patternProperties");
  const std::regex task_pattern(tasks_map.begin().key());
  const std::regex group_pattern(definition("groups_map").at("patternProperties").begin().key());
  for (const std::string name : {"test", "_private", "build-client", "a:b", "c++", "x1", "1x", "-x",
                                 "with space", "a.b", "", "ok_", ":x", "+y", "Z"}) {
    EXPECT_EQ(poe::valid_task_name(name), std::regex_match(name, task_pattern))
        << "'" << name << "'";
    EXPECT_EQ(poe::valid_group_name(name), std::regex_match(name, group_pattern))
        << "'" << name << "'";
  }
}

// ---- the parser against the schema --------------------------------------------------------

// A value the schema accepts for `node` (enums give their first value, types a plain value).
Json sample_value(const Json& raw) {
  const Json& node = resolve(raw);
  if (node.contains("enum")) return node.at("enum").at(0);
  if (node.contains("const")) return node.at("const");
  for (const char* alternatives : {"anyOf", "oneOf"}) {
    if (node.contains(alternatives)) return sample_value(node.at(alternatives).at(0));
  }
  const std::string type = node.value("type", "object");
  if (type == "string") return "x";
  if (type == "boolean") return false;
  if (type == "integer" || type == "number") return 1;
  if (type == "array") return Json::array();
  return Json::object();
}

toml::array toml_array(const Json& json);
toml::table toml_table(const Json& json);

template <typename Add>
void add_toml(const Json& value, Add add) {
  if (value.is_object()) {
    add(toml_table(value));
  } else if (value.is_array()) {
    add(toml_array(value));
  } else if (value.is_string()) {
    add(value.get<std::string>());
  } else if (value.is_boolean()) {
    add(value.get<bool>());
  } else {
    add(value.get<int64_t>());
  }
}

toml::table toml_table(const Json& json) {
  toml::table table;
  for (const auto& [key, item] : json.items())
    add_toml(item, [&](auto node) { table.insert(key, std::move(node)); });
  return table;
}

toml::array toml_array(const Json& json) {
  toml::array array;
  for (const auto& item : json)
    add_toml(item, [&](auto node) { array.push_back(std::move(node)); });
  return array;
}

// The smallest valid task of each type.
Json base_task(TaskKind kind) {
  switch (kind) {
    case TaskKind::kCmd:
      return {{"cmd", "true"}};
    case TaskKind::kShell:
      return {{"shell", "true"}};
    case TaskKind::kScript:
      return {{"script", "pkg:main"}};
    case TaskKind::kExpr:
      return {{"expr", "1"}};
    case TaskKind::kSequence:
      return {{"sequence", {"other"}}};
    case TaskKind::kParallel:
      return {{"parallel", {"other"}}};
    case TaskKind::kRef:
      return {{"ref", "other"}};
    case TaskKind::kSwitch:
      return {{"control", {{"expr", "1"}}}, {"switch", {{{"cmd", "true"}}}}};
  }
  return {};
}

Result<TaskFile> parse_tasks(const Json& tasks) {
  Json config = {{"tasks", tasks}};
  config["tasks"]["other"] = "true";
  return parse_task_file(toml_table(config), "twin.toml", std::filesystem::temp_directory_path());
}

TEST(PoeSchemaParserTest, EachTaskTypeTakesExactlyTheOptionsTheSchemaGivesIt) {
  // Every option of any task type, with a value its schema accepts.
  std::map<std::string, Json> samples;
  for (const auto& [kind, name] : kinds()) {
    for (const auto& [option, node] : definition(name + "_task").at("properties").items()) {
      if (!samples.contains(option)) samples[option] = sample_value(node);
    }
  }
  samples["default_item_type"] = "cmd";  // a string in the schema; a task type to Poe
  for (const auto& [kind, name] : kinds()) {
    const std::set<std::string> allowed = property_names(definition(name + "_task"));
    for (const auto& [option, value] : samples) {
      Json task = base_task(kind);
      if (task.contains(option)) continue;  // the type's own key
      if (std::ranges::any_of(kinds(), [&](const auto& k) { return k.second == option; }))
        continue;  // another type's key: tested below
      task[option] = value;
      const bool accepted = parse_tasks({{"t", task}}).has_value();
      EXPECT_EQ(accepted, allowed.contains(option))
          << "option '" << option << "' = " << value.dump() << " on a " << name << " task";
    }
  }
}

TEST(PoeSchemaParserTest, EnumeratedOptionsRejectValuesOutsideTheSchema) {
  for (const auto& [kind, name] : kinds()) {
    for (const auto& [option, node] : definition(name + "_task").at("properties").items()) {
      const Json& resolved = resolve(node);
      if (!resolved.contains("enum")) continue;
      for (const auto& value : resolved.at("enum")) {
        Json task = base_task(kind);
        task[option] = value;
        EXPECT_TRUE(parse_tasks({{"t", task}}).has_value())
            << name << " task: " << option << " = " << value.dump();
      }
      Json task = base_task(kind);
      task[option] = "not-a-choice";
      EXPECT_FALSE(parse_tasks({{"t", task}}).has_value())
          << name << " task: " << option << " = \"not-a-choice\" must be rejected";
    }
  }
}

TEST(PoeSchemaParserTest, InlineItemsCannotDeclareWhatTheSchemaForbids) {
  // Sequence and parallel items: no args. Switch branches: no args, uses or deps.
  for (const char* group : {"sequence", "parallel"}) {
    EXPECT_FALSE(parse_tasks({{"t", {{group, {{{"cmd", "true"}, {"args", {"a"}}}}}}}})) << group;
    EXPECT_TRUE(parse_tasks({{"t", {{group, {{{"cmd", "true"}, {"env", {{"A", "1"}}}}}}}}}))
        << group;
  }
  for (const char* key : {"args", "uses", "deps"}) {
    Json task = base_task(TaskKind::kSwitch);
    task["switch"][0][key] = sample_value(definition("cmd_task").at("properties").at(key));
    EXPECT_FALSE(parse_tasks({{"t", task}})) << "switch branch with " << key;
  }
}

TEST(PoeSchemaParserTest, ProjectLevelOptionsOfTheSchemaAreAccepted) {
  testing_support::TempDir dir;
  for (const auto& [option, node] : schema().at("properties").items()) {
    Json config = {{option, sample_value(node)}};
    if (option == "tasks") config["tasks"] = {{"t", "true"}};
    std::ostringstream text;
    text << toml::table{{"tool", toml::table{{"poe", toml_table(config)}}}};
    std::ofstream(dir.path() / "pyproject.toml") << text.str();
    auto file = load_task_file(dir.path(), std::nullopt);
    EXPECT_TRUE(file.has_value()) << option << ": " << (file ? "" : file.error().message());
  }
  std::ofstream(dir.path() / "pyproject.toml") << "[tool.poe]\nbogus_option = 1\n";
  auto bogus = load_task_file(dir.path(), std::nullopt);
  ASSERT_FALSE(bogus.has_value());
  EXPECT_THAT(bogus.error().message(), HasSubstr("bogus_option"));
}

TEST(PoeSchemaParserTest, ErrorsNameFileLineColumnAndTheOption) {
  testing_support::TempDir dir;
  std::ofstream(dir.path() / "pyproject.toml") << "[tool.poe.tasks.check]\n"
                                                  "sequence = [\"a\"]\n"
                                                  "capture_stdout = \"log.txt\"\n";
  auto file = load_task_file(dir.path(), std::nullopt);
  ASSERT_FALSE(file.has_value());
  EXPECT_THAT(file.error().message(),
              MatchesRegex(".*pyproject\\.toml:3:18: .*'capture_stdout'.*sequence.*"));
}

}  // namespace
}  // namespace twin::tasks
