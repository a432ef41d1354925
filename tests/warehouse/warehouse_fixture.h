// A fresh warehouse per test on the backend named by the test parameter.
#pragma once

#include <gtest/gtest.h>

#include "support/scratch_database.h"
#include "twin/warehouse/warehouse.h"

namespace twin::warehouse {

class WarehouseTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<testing_support::ScratchDatabase>(GetParam());
    if (!scratch_->skip_reason().empty()) GTEST_SKIP() << scratch_->skip_reason();
    ASSERT_TRUE(scratch_->error().empty()) << scratch_->error();
    auto opened = Warehouse::open(scratch_->uri());
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    warehouse_ = std::move(*opened);
  }
  void TearDown() override { warehouse_.reset(); }

  Collection collection(std::string_view name) {
    auto found = warehouse_->collection(name);
    EXPECT_TRUE(found.has_value()) << found.error().to_string();
    return std::move(found).value();
  }

  static Document doc(std::string id, nlohmann::json fields) {
    return Document{std::move(id), std::move(fields), std::nullopt};
  }

  std::unique_ptr<testing_support::ScratchDatabase> scratch_;
  std::unique_ptr<Warehouse> warehouse_;
};

inline std::vector<std::string> ids_of(const std::vector<Document>& documents) {
  std::vector<std::string> ids;
  for (const auto& document : documents) ids.push_back(document.id);
  return ids;
}

}  // namespace twin::warehouse
