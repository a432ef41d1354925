#include "twin/core/text.h"

#include <gtest/gtest.h>

namespace twin {
namespace {

TEST(TextTest, EditDistance) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3U);
  EXPECT_EQ(edit_distance("", "abc"), 3U);
  EXPECT_EQ(edit_distance("same", "same"), 0U);
}

TEST(TextTest, ClosestMatchesKeepsPlausibleTyposOnly) {
  const std::vector<std::string> names = {"settings", "task", "tasks", "pipeline", "server"};
  EXPECT_EQ(closest_matches("setings", names), std::vector<std::string>{"settings"});
  EXPECT_EQ(closest_matches("tsk", names).front(), "task");
  EXPECT_TRUE(closest_matches("zzzzzzzz", names).empty());
  EXPECT_EQ(quoted_alternatives({"a", "b", "c"}), "'a', 'b' or 'c'");
}

}  // namespace
}  // namespace twin
