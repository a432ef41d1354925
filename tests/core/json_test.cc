#include "twin/core/json.h"

#include <gmock/gmock.h>

#include <string>

namespace twin {
namespace {

using ::testing::HasSubstr;

std::string nested_array(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(ParseJson, ArrayNested60kDeepIsRefusedNotACrash) {
  const std::string body = R"({"name":"m","description":)" + nested_array(60'000) + "}";
  auto parsed = parse_json(body, "the request body");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.error().message(), "the request body: JSON nested deeper than 256 levels");
}

TEST(ParseJson, NestingAtTheLimitParses) {
  auto at_limit = parse_json(nested_array(kMaxJsonDepth), "x");
  ASSERT_TRUE(at_limit.has_value()) << at_limit.error().to_string();
  EXPECT_FALSE(parse_json(nested_array(kMaxJsonDepth + 1), "x").has_value());
  EXPECT_FALSE(parse_json(R"({"a":{"b":[1]}})", "x", 2).has_value());
  EXPECT_TRUE(parse_json(R"({"a":{"b":1}})", "x", 2).has_value());
}

TEST(ParseJson, BracketsInsideStringsDoNotCount) {
  const std::string text = R"({"a":")" + std::string(1000, '[') + R"(\"[{"})";
  auto parsed = parse_json(text, "x");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().to_string();
  EXPECT_EQ((*parsed)["a"].get<std::string>().size(), 1003U);
}

TEST(ParseJson, MalformedTextNamesWhatAndWhere) {
  auto parsed = parse_json("{not json", "--filter");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.error().message(),
              HasSubstr("--filter: not valid JSON: parse error at line 1"));
  EXPECT_THAT(parsed.error().message(), ::testing::Not(HasSubstr("[json.exception")));
}

TEST(ParseJson, NumberOverflowIsAnErrorNotAnException) {
  auto parsed = parse_json("[1e999]", "x");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace twin
