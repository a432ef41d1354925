#include <gtest/gtest.h>

#include "db/backends.h"

namespace twin::db::internal {
namespace {

TEST(NumberedPlaceholders, NumbersEachQuestionMark) {
  EXPECT_EQ(numbered_placeholders("SELECT ? + ?, ?"), "SELECT $1 + $2, $3");
}

TEST(NumberedPlaceholders, LeavesQuotedTextAndCommentsAlone) {
  EXPECT_EQ(numbered_placeholders("SELECT '?', 'it''s ?', \"a?b\", ? -- ?\n, ? /* ? */"),
            "SELECT '?', 'it''s ?', \"a?b\", $1 -- ?\n, $2 /* ? */");
}

TEST(NumberedPlaceholders, LeavesDollarQuotedStringsAlone) {
  EXPECT_EQ(numbered_placeholders("SELECT $body$ ? $body$, $$?$$, ?"),
            "SELECT $body$ ? $body$, $$?$$, $1");
}

TEST(MaskPassword, HidesOnlyThePassword) {
  EXPECT_EQ(mask_password("postgresql://u:pw@h:5/db"), "postgresql://u:***@h:5/db");
  EXPECT_EQ(mask_password("postgresql://u@h:5/db"), "postgresql://u@h:5/db");
  EXPECT_EQ(mask_password("postgresql://h:5/db"), "postgresql://h:5/db");
}

}  // namespace
}  // namespace twin::db::internal
