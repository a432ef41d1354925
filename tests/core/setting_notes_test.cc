#include "twin/core/setting_notes.h"

#include <gtest/gtest.h>

namespace twin {
namespace {

TEST(SettingNotes, HandbookAwsKeysAreUsedAndTheSageMakerRoleIsNotYet) {
  // cloud/ reads these (the S3 artifact store, twin aws): no note.
  EXPECT_EQ(setting_note("AWS_REGION", "eu-central-1"), std::nullopt);
  EXPECT_EQ(setting_note("AWS_ACCESS_KEY", "AKID"), std::nullopt);
  EXPECT_EQ(setting_note("AWS_SECRET_KEY", "secret"), std::nullopt);
  const auto role = setting_note("AWS_ARN_ROLE", "arn:aws:iam::1:role/x");
  ASSERT_TRUE(role.has_value());
  EXPECT_NE(role->find("SageMaker"), std::string::npos);
  EXPECT_TRUE(setting_note("DATABASE_HOST", "mongodb://x").has_value());
}

}  // namespace
}  // namespace twin
