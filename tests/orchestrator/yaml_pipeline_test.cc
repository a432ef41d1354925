#include "twin/orchestrator/yaml_pipeline.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "twin/orchestrator/registry.h"

namespace twin::orchestrator {
namespace {

constexpr const char* kHello = R"(name: hello
parameters: {who: world}
steps:
  greet:
    run: echo "hello $TWIN_PARAM_who" > "$TWIN_OUTPUT_greeting"
    outputs: [greeting]
  shout:
    run: [sh, -c, 'tr a-z A-Z < "$TWIN_INPUT_text" > "$TWIN_OUTPUT_loud"']
    inputs: {text: greet.greeting}
    outputs: [loud]
    retries: 2
    timeout: 30s
)";

TEST(YamlPipeline, ParsesTheDesignExample) {
  auto pipeline = parse_pipeline_yaml(kHello, "hello.yaml");
  ASSERT_TRUE(pipeline.has_value()) << pipeline.error().to_string();
  EXPECT_EQ(pipeline->name, "hello");
  EXPECT_EQ(pipeline->parameters, nlohmann::json({{"who", "world"}}));
  ASSERT_EQ(pipeline->steps.size(), 2U);
  const StepNode& greet = pipeline->steps[0];
  EXPECT_EQ(greet.name, "greet");
  EXPECT_EQ(greet.command,
            (std::vector<std::string>{
                "sh", "-c", R"(echo "hello $TWIN_PARAM_who" > "$TWIN_OUTPUT_greeting")"}));
  EXPECT_EQ(greet.outputs, std::vector<std::string>{"greeting"});
  const StepNode& shout = pipeline->steps[1];
  EXPECT_EQ(shout.command.size(), 3U);
  EXPECT_EQ(shout.inputs.at("text"), "greet.greeting");
  EXPECT_EQ(shout.retries, 2);
  EXPECT_EQ(shout.timeout, std::chrono::seconds(30));
  EXPECT_EQ(shout.location, "hello.yaml:8:5");
  PipelineRegistry registry;
  EXPECT_TRUE(validate_pipeline(*pipeline, registry).is_ok());
  EXPECT_EQ(upstream_steps(shout), std::vector<std::string>{"greet"});
}

TEST(YamlPipeline, AfterAndCacheDeclarations) {
  auto pipeline = parse_pipeline_yaml(R"(steps:
  a: {run: "true"}
  b:
    run: "true"
    after: [a]
    depends_on_files: [src/x.py]
    depends_on_env: [MODEL_ID]
    parameters: {n: 3, ratio: 0.5, flag: true, name: "007"}
)",
                                      "dir/pipe.yaml");
  ASSERT_TRUE(pipeline.has_value()) << pipeline.error().to_string();
  EXPECT_EQ(pipeline->name, "pipe");  // from the file name
  const StepNode& b = pipeline->steps[1];
  EXPECT_EQ(b.after, std::vector<std::string>{"a"});
  EXPECT_EQ(b.depends_on_files, std::vector<std::string>{"src/x.py"});
  EXPECT_EQ(b.depends_on_env, std::vector<std::string>{"MODEL_ID"});
  EXPECT_EQ(b.parameters["n"], 3);
  EXPECT_EQ(b.parameters["ratio"], 0.5);
  EXPECT_EQ(b.parameters["flag"], true);
  EXPECT_EQ(b.parameters["name"], "007");  // quoted stays a string
}

TEST(YamlPipeline, UnknownStepKeyNamesLocationAndSuggests) {
  auto pipeline = parse_pipeline_yaml("steps:\n  a:\n    run: 'true'\n    retry: 2\n", "p.yaml");
  ASSERT_FALSE(pipeline.has_value());
  EXPECT_EQ(pipeline.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pipeline.error().message().find("p.yaml:4:5"), std::string::npos)
      << pipeline.error().message();
  EXPECT_NE(pipeline.error().message().find("'retries'"), std::string::npos)
      << pipeline.error().message();
}

// Found by fuzz/yaml_pipeline.cc: a byte that is not UTF-8 in a `run:` list made the JSON dump of
// the command throw (std::terminate in the fuzzer, "internal error" in the CLI).
TEST(YamlPipeline, TextThatIsNotUtf8IsAnErrorNamingWhere) {
  auto pipeline = parse_pipeline_yaml(
      "steps:\n  a:\n    run: [sh, -c, 'tr < \"\xe9$TWIN_INPUT_raw\"']\n", "p.yaml");
  ASSERT_FALSE(pipeline.has_value());
  EXPECT_EQ(pipeline.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pipeline.error().message(),
            "p.yaml:3:26: not valid UTF-8 text (save the pipeline file as UTF-8)");
}

TEST(YamlPipeline, RunAndUsesAreExclusive) {
  auto both = parse_pipeline_yaml("steps:\n  a: {run: 'true', uses: x}\n", "p.yaml");
  ASSERT_FALSE(both.has_value());
  EXPECT_NE(both.error().message().find("exactly one of run: or uses:"), std::string::npos);
  auto neither = parse_pipeline_yaml("steps:\n  a: {outputs: [x]}\n", "p.yaml");
  ASSERT_FALSE(neither.has_value());
}

TEST(YamlPipeline, BadTimeoutAndRetries) {
  auto timeout = parse_pipeline_yaml("steps:\n  a: {run: 'true', timeout: soon}\n", "p.yaml");
  ASSERT_FALSE(timeout.has_value());
  EXPECT_NE(timeout.error().message().find("p.yaml:2:"), std::string::npos);
  auto retries = parse_pipeline_yaml("steps:\n  a: {run: 'true', retries: -1}\n", "p.yaml");
  ASSERT_FALSE(retries.has_value());
}

TEST(YamlPipeline, MalformedYamlNamesLine) {
  auto pipeline = parse_pipeline_yaml("steps:\n  a: [\n", "p.yaml");
  ASSERT_FALSE(pipeline.has_value());
  EXPECT_TRUE(pipeline.error().message().starts_with("p.yaml:")) << pipeline.error().message();
}

TEST(ValidatePipeline, RejectsUnknownReferencesAndCycles) {
  PipelineRegistry registry;
  auto bad_input = parse_pipeline_yaml(
      "steps:\n  a: {run: 'true', outputs: [x]}\n  b: {run: 'true', inputs: {i: a.y}}\n", "p.yaml");
  ASSERT_TRUE(bad_input.has_value());
  Status status = validate_pipeline(*bad_input, registry);
  EXPECT_NE(status.message().find("step 'a' has no output 'y'"), std::string::npos)
      << status.message();

  auto cycle = parse_pipeline_yaml(
      "steps:\n  a: {run: 'true', after: [b]}\n  b: {run: 'true', after: [a]}\n", "p.yaml");
  ASSERT_TRUE(cycle.has_value());
  status = validate_pipeline(*cycle, registry);
  EXPECT_NE(status.message().find("cycle"), std::string::npos) << status.message();

  auto unknown_uses = parse_pipeline_yaml("steps:\n  a: {uses: nope}\n", "p.yaml");
  ASSERT_TRUE(unknown_uses.has_value());
  status = validate_pipeline(*unknown_uses, registry);
  EXPECT_NE(status.message().find("no registered step named 'nope'"), std::string::npos);
}

TEST(ValidatePipeline, UsesStepGetsOutputsAndChecksInputs) {
  PipelineRegistry registry;
  ASSERT_TRUE(registry
                  .add_step({.name = "load",
                             .outputs = {"rows"},
                             .run = [](StepContext&) { return Status::ok(); }})
                  .is_ok());
  ASSERT_TRUE(registry
                  .add_step({.name = "count",
                             .inputs = {"rows"},
                             .outputs = {"n"},
                             .run = [](StepContext&) { return Status::ok(); }})
                  .is_ok());
  auto pipeline = parse_pipeline_yaml(
      "steps:\n  l: {uses: load}\n  c: {uses: count, inputs: {rows: l.rows}}\n", "p.yaml");
  ASSERT_TRUE(pipeline.has_value());
  ASSERT_TRUE(validate_pipeline(*pipeline, registry).is_ok());
  EXPECT_EQ(pipeline->steps[0].outputs, std::vector<std::string>{"rows"});

  auto unconnected = parse_pipeline_yaml("steps:\n  c: {uses: count}\n", "p.yaml");
  ASSERT_TRUE(unconnected.has_value());
  EXPECT_NE(validate_pipeline(*unconnected, registry)
                .message()
                .find("input 'rows' of step 'count' is not connected"),
            std::string::npos);
}

TEST(Registry, RejectsDuplicatesAndFindsByName) {
  PipelineRegistry registry;
  StepDefinition step{
      .name = "s", .outputs = {"o"}, .run = [](StepContext&) { return Status::ok(); }};
  ASSERT_TRUE(registry.add_step(step).is_ok());
  EXPECT_EQ(registry.add_step(step).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(
      registry.add_pipeline({.name = "p", .steps = {{.name = "only", .uses = "s"}}}).is_ok());
  EXPECT_NE(registry.find_pipeline("p"), nullptr);
  EXPECT_EQ(registry.find_pipeline("p")->source, "built-in");
  EXPECT_EQ(registry.find_pipeline("q"), nullptr);
  EXPECT_EQ(registry.pipeline_names(), std::vector<std::string>{"p"});
}

Status register_macro_pipeline(PipelineRegistry& registry) {
  TWIN_RETURN_IF_ERROR(
      registry.add_step({.name = "macro_step", .outputs = {"o"}, .run = [](StepContext& ctx) {
                           return ctx.set_output("o", 1);
                         }}));
  return registry.add_pipeline(
      {.name = "registered_by_macro", .steps = {{.name = "only", .uses = "macro_step"}}});
}
TWIN_REGISTER_PIPELINES(register_macro_pipeline);

TEST(Registry, MacroRegistersIntoTheGlobalRegistry) {
  const PipelineDefinition* pipeline =
      PipelineRegistry::global().find_pipeline("registered_by_macro");
  ASSERT_NE(pipeline, nullptr);
  EXPECT_EQ(pipeline->steps[0].outputs, std::vector<std::string>{"o"});
  EXPECT_NE(PipelineRegistry::global().find_step("macro_step"), nullptr);
}

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(parse_duration("30s").value(), std::chrono::seconds(30));
  EXPECT_EQ(parse_duration("500ms").value(), std::chrono::milliseconds(500));
  EXPECT_EQ(parse_duration("1m30s").value(), std::chrono::seconds(90));
  EXPECT_EQ(parse_duration("2h").value(), std::chrono::hours(2));
  EXPECT_EQ(parse_duration("1.5").value(), std::chrono::milliseconds(1500));
  EXPECT_FALSE(parse_duration("5 minutes").has_value());
  EXPECT_FALSE(parse_duration("").has_value());
}

// Found by fuzz/yaml_pipeline.cc: `timeout: 3.9e76s` converted out of range (undefined behaviour).
TEST(Duration, HugeAndNonFiniteDurationsAreErrors) {
  for (const char* text : {"3.9e76s", "1e300", "inf", "nan", "9000h"}) {
    const auto parsed = parse_duration(text);
    EXPECT_FALSE(parsed.has_value()) << text;
  }
  EXPECT_EQ(parse_duration("8000h").value(), std::chrono::hours(8000));
}

TEST(YamlPipeline, ParametersNestedTooDeepAreRefusedNotACrash) {
  for (const size_t depth : {size_t{300}, size_t{1'000}, size_t{100'000}}) {
    const std::string text = "parameters:\n  deep: " + std::string(depth, '[') +
                             std::string(depth, ']') + "\nsteps:\n  a: {run: 'true'}\n";
    auto pipeline = parse_pipeline_yaml(text, "deep.yaml");
    ASSERT_FALSE(pipeline.has_value()) << depth;
    EXPECT_EQ(pipeline.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(pipeline.error().message().find("deep.yaml:"), std::string::npos)
        << pipeline.error().message();
  }
}

// The "billion laughs": nine levels of ten aliases each stand for 10^9 strings.
std::string alias_bomb(std::string_view indent) {
  std::string text =
      fmt::format("{}a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n", indent);
  for (int level = 1; level <= 9; ++level) {
    text += fmt::format("{}a{}: &a{} [", indent, level, level);
    for (int i = 0; i < 10; ++i) text += fmt::format("{}*a{}", i ? ", " : "", level - 1);
    text += "]\n";
  }
  return text;
}

TEST(YamlPipeline, AliasBombInParametersIsRefusedNotExpanded) {
  const std::string text = "parameters:\n" + alias_bomb("  ") + "steps:\n  a: {run: 'true'}\n";
  EXPECT_LT(text.size(), 1000U);
  auto pipeline = parse_pipeline_yaml(text, "bomb.yaml");
  ASSERT_FALSE(pipeline.has_value());
  EXPECT_EQ(pipeline.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pipeline.error().message().find("too many values"), std::string::npos)
      << pipeline.error().message();
}

TEST(YamlPipeline, FileOverTheSizeLimitIsRefused) {
  const std::string text =
      "# " + std::string(kMaxYamlBytes, 'x') + "\nsteps:\n  a: {run: 'true'}\n";
  auto pipeline = parse_pipeline_yaml(text, "big.yaml");
  ASSERT_FALSE(pipeline.has_value());
  EXPECT_EQ(pipeline.error().code(), StatusCode::kInvalidArgument);
}

TEST(YamlPipeline, OutputAndInputNamesCannotLeaveTheWorkFolder) {
  for (const std::string bad : {"../escape", "a/b", ".hidden", ""}) {
    auto pipeline =
        parse_pipeline_yaml("steps:\n  a: {run: 'true', outputs: ['" + bad + "']}\n", "p.yaml");
    ASSERT_FALSE(pipeline.has_value()) << bad;
    EXPECT_EQ(pipeline.error().code(), StatusCode::kInvalidArgument);
  }
  auto input = parse_pipeline_yaml(
      "steps:\n  a: {run: 'true', outputs: [x]}\n  b: {run: 'true', inputs: {../y: a.x}}\n",
      "p.yaml");
  EXPECT_FALSE(input.has_value());
  EXPECT_TRUE(
      parse_pipeline_yaml("steps:\n  a: {run: 'true', outputs: [model.v1-final_2]}\n", "p.yaml")
          .has_value());
}

}  // namespace
}  // namespace twin::orchestrator
