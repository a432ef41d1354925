#include "twin/core/setting_notes.h"

#include <gtest/gtest.h>

namespace twin {
namespace {

TEST(SettingNotes, HandbookAwsSettingsAreUsed) {
  // cloud/ reads these (the S3 artifact store, twin aws), twin sagemaker the role: no note.
  EXPECT_EQ(setting_note("AWS_REGION", "eu-central-1"), std::nullopt);
  EXPECT_EQ(setting_note("AWS_ACCESS_KEY", "AKID"), std::nullopt);
  EXPECT_EQ(setting_note("AWS_SECRET_KEY", "secret"), std::nullopt);
  EXPECT_EQ(setting_note("AWS_ARN_ROLE", "arn:aws:iam::1:role/x"), std::nullopt);
  EXPECT_EQ(setting_note("HUGGINGFACE_ACCESS_TOKEN", "hf_x"), std::nullopt);
  const auto comet = setting_note("COMET_API_KEY", "key");
  ASSERT_TRUE(comet.has_value());
  EXPECT_NE(comet->find("SageMaker"), std::string::npos);
  EXPECT_TRUE(setting_note("DATABASE_HOST", "mongodb://x").has_value());
}

}  // namespace
}  // namespace twin
