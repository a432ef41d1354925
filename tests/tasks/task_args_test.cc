// Task argument parsing as Poe's argparse does it (tasks/task_args.h).
#include "twin/tasks/task_args.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace twin::tasks {
namespace {

using ::testing::ElementsAre;

TaskSpec task_with(std::vector<ArgSpec> args) {
  TaskSpec task;
  task.name = "t";
  task.args = std::move(args);
  task.declares_args = true;
  return task;
}

ArgSpec option(std::string name) {
  ArgSpec arg;
  arg.options = {"--" + name};
  arg.name = std::move(name);
  return arg;
}

TEST(TaskArgsTest, OptionsPositionalsAndFreeArguments) {
  ArgSpec file;
  file.name = "file";
  file.positional = true;
  ArgSpec count = option("count");
  count.type = ArgType::kInteger;
  count.options.push_back("-c");
  auto parsed =
      parse_task_args(task_with({file, count}), {"-c", "3", "in.txt", "--", "--raw", "x"}, {});
  ASSERT_TRUE(parsed.has_value()) << parsed.error().to_string();
  EXPECT_EQ(parsed->values.at("file"), "in.txt");
  EXPECT_EQ(parsed->values.at("count"), "3");
  EXPECT_THAT(parsed->free, ElementsAre("--raw", "x"));
  auto inline_value = parse_task_args(task_with({count}), {"--count=7"}, {});
  ASSERT_TRUE(inline_value.has_value());
  EXPECT_EQ(inline_value->values.at("count"), "7");
}

TEST(TaskArgsTest, DefaultsAreTemplatedAndBooleansAreFlags) {
  ArgSpec greeting = option("greeting");
  greeting.default_value = "hi ${USER_NAME}";
  ArgSpec loud = option("loud");
  loud.type = ArgType::kBoolean;
  ArgSpec dashed = option("dry-mode");
  dashed.type = ArgType::kBoolean;
  auto parsed =
      parse_task_args(task_with({greeting, loud, dashed}), {"--dry-mode"}, {{"USER_NAME", "ann"}});
  ASSERT_TRUE(parsed.has_value()) << parsed.error().to_string();
  EXPECT_EQ(parsed->values.at("greeting"), "hi ann");
  EXPECT_FALSE(parsed->values.contains("loud"));
  EXPECT_EQ(parsed->values.at("dry_mode"), "True");
}

TEST(TaskArgsTest, MultipleValuesJoinWithSpaces) {
  ArgSpec names = option("names");
  names.multiple = true;
  ArgSpec rest;
  rest.name = "rest";
  rest.positional = true;
  rest.multiple = true;
  auto parsed = parse_task_args(task_with({names, rest}), {"p1", "--names", "a", "b", "c"}, {});
  ASSERT_TRUE(parsed.has_value()) << parsed.error().to_string();
  EXPECT_EQ(parsed->values.at("names"), "a b c");
  EXPECT_EQ(parsed->values.at("rest"), "p1");
}

TEST(TaskArgsTest, ErrorsNameTheArgument) {
  ArgSpec level = option("level");
  level.choices = {"low", "high"};
  ArgSpec count = option("count");
  count.type = ArgType::kInteger;
  ArgSpec needed = option("needed");
  needed.required = true;
  const TaskSpec task = task_with({level, count});
  auto bad_choice = parse_task_args(task, {"--level", "mid"}, {});
  ASSERT_FALSE(bad_choice.has_value());
  EXPECT_THAT(bad_choice.error().message(), ::testing::HasSubstr("invalid choice: 'mid'"));
  auto bad_int = parse_task_args(task, {"--count", "x1"}, {});
  ASSERT_FALSE(bad_int.has_value());
  EXPECT_THAT(bad_int.error().message(), ::testing::HasSubstr("invalid integer value 'x1'"));
  auto unknown = parse_task_args(task, {"--nope"}, {});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_THAT(unknown.error().message(), ::testing::HasSubstr("unrecognized argument '--nope'"));
  auto missing = parse_task_args(task_with({needed}), {}, {});
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error().message(), ::testing::HasSubstr("--needed is required"));
  auto no_value = parse_task_args(task, {"--count"}, {});
  ASSERT_FALSE(no_value.has_value());
  EXPECT_THAT(no_value.error().message(), ::testing::HasSubstr("expects a value"));
}

TEST(TaskArgsTest, NegativeNumbersAreValues) {
  ArgSpec offset = option("offset");
  offset.type = ArgType::kFloat;
  auto parsed = parse_task_args(task_with({offset}), {"--offset", "-2.5"}, {});
  ASSERT_TRUE(parsed.has_value()) << parsed.error().to_string();
  EXPECT_EQ(parsed->values.at("offset"), "-2.5");
}

}  // namespace
}  // namespace twin::tasks
