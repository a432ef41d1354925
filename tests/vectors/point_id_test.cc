#include "twin/vectors/point_id.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace twin::vectors {
namespace {

TEST(PointId, NumbersAndUuidsFromJson) {
  auto number = PointId::from_json(42);
  ASSERT_TRUE(number.has_value());
  EXPECT_TRUE(number->is_number());
  EXPECT_EQ(number->number(), 42U);
  EXPECT_EQ(number->to_json(), nlohmann::json(42));

  auto uuid = PointId::from_json("550E8400E29B41D4A716446655440000");
  ASSERT_TRUE(uuid.has_value());
  EXPECT_EQ(uuid->uuid(), "550e8400-e29b-41d4-a716-446655440000");
  EXPECT_EQ(uuid->to_json(), nlohmann::json("550e8400-e29b-41d4-a716-446655440000"));
}

TEST(PointId, RefusesWhatQdrantRefuses) {
  for (const auto& bad : {nlohmann::json(-1), nlohmann::json(1.5), nlohmann::json("12"),
                          nlohmann::json("not-a-uuid"), nlohmann::json::array()}) {
    auto id = PointId::from_json(bad);
    ASSERT_FALSE(id.has_value()) << bad;
    EXPECT_EQ(id.error().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_NE(PointId::from_json("12").error().message().find("12"), std::string::npos);
}

TEST(PointId, CanonicalUuidAcceptsPythonForms) {
  const std::string canonical = "550e8400-e29b-41d4-a716-446655440000";
  for (const char* form :
       {"550e8400-e29b-41d4-a716-446655440000", "{550E8400-E29B-41D4-A716-446655440000}",
        "urn:uuid:550e8400-e29b-41d4-a716-446655440000", "550e8400e29b41d4a716446655440000"}) {
    auto text = canonical_uuid(form);
    ASSERT_TRUE(text.has_value()) << form;
    EXPECT_EQ(*text, canonical);
  }
  EXPECT_FALSE(canonical_uuid("550e8400-e29b-41d4-a716-44665544000").has_value());
  EXPECT_FALSE(canonical_uuid("550e8400-e29b-41d4-a716-44665544000g").has_value());
}

TEST(PointId, ParseCommandLineText) {
  EXPECT_EQ(PointId::parse("7").value(), PointId(7));
  EXPECT_EQ(PointId::parse("18446744073709551615").value(), PointId(18446744073709551615ULL));
  EXPECT_FALSE(PointId::parse("18446744073709551616").has_value());
  EXPECT_FALSE(PointId::parse("").has_value());
  EXPECT_EQ(PointId::parse("550e8400e29b41d4a716446655440000").value().to_string(),
            "550e8400-e29b-41d4-a716-446655440000");
}

TEST(PointId, NumbersSortBeforeUuids) {
  std::vector<PointId> ids = {
      PointId::parse("ffffffff-e29b-41d4-a716-446655440000").value(), PointId(10),
      PointId::parse("00000000-e29b-41d4-a716-446655440000").value(), PointId(2)};
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids[0], PointId(2));
  EXPECT_EQ(ids[1], PointId(10));
  EXPECT_EQ(ids[2].uuid(), "00000000-e29b-41d4-a716-446655440000");
  EXPECT_EQ(ids[3].uuid(), "ffffffff-e29b-41d4-a716-446655440000");
}

}  // namespace
}  // namespace twin::vectors
