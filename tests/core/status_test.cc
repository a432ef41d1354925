#include "twin/core/status.h"

#include <gtest/gtest.h>

namespace twin {
namespace {

Result<int> parse_positive(int value) {
  if (value <= 0) return fail(Status::invalid_argument(fmt::format("{} is not positive", value)));
  return value;
}

Result<int> doubled(int value) {
  TWIN_ASSIGN_OR_RETURN(int checked, parse_positive(value));
  return checked * 2;
}

Status check(int value) {
  auto parsed = parse_positive(value);
  TWIN_RETURN_IF_ERROR(parsed ? Status::ok() : parsed.error());
  return Status::ok();
}

TEST(StatusTest, OkIsCheapAndPrintsOk) {
  EXPECT_TRUE(Status::ok().is_ok());
  EXPECT_EQ(Status::ok().to_string(), "ok");
}

TEST(StatusTest, MacrosPropagateErrors) {
  EXPECT_EQ(doubled(4).value(), 8);
  ASSERT_FALSE(doubled(-1).has_value());
  EXPECT_EQ(doubled(-1).error().message(), "-1 is not positive");
  EXPECT_EQ(check(-3).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(check(3).is_ok());
}

TEST(StatusTest, ContextIsPrefixed) {
  EXPECT_EQ(Status::io("disk full").with_context("writing a.json").to_string(),
            "io: writing a.json: disk full");
}

TEST(StatusTest, ExitCodesSeparateUsageFromFailedWork) {
  EXPECT_EQ(exit_code_for(Status::ok()), 0);
  EXPECT_EQ(exit_code_for(Status::invalid_argument("x")), 2);
  EXPECT_EQ(exit_code_for(Status::not_found("x")), 2);
  EXPECT_EQ(exit_code_for(Status::io("x")), 1);
  EXPECT_EQ(exit_code_for(Status::unavailable("x")), 1);
}

}  // namespace
}  // namespace twin
