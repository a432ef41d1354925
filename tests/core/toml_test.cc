#include "twin/core/toml.h"

#include <gmock/gmock.h>

#include <fstream>
#include <string>

#include "support/temp_dir.h"

namespace twin {
namespace {

using ::testing::HasSubstr;

std::string dotted_key(size_t depth) {
  std::string key = "a";
  for (size_t i = 1; i < depth; ++i) key += ".a";
  return key;
}

class ReadTomlFile : public ::testing::Test {
 protected:
  Result<toml::table> read(const std::string& text) {
    const auto file = dir_.path() / "twin.toml";
    std::ofstream(file) << text;
    return read_toml_file(file);
  }
  testing_support::TempDir dir_;
};

TEST_F(ReadTomlFile, DottedKey100kDeepIsRefusedNotACrash) {
  auto table = read(dotted_key(100'000) + " = 1\n");
  ASSERT_FALSE(table.has_value());
  EXPECT_EQ(table.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(table.error().message(), HasSubstr("twin.toml:1: TOML nested deeper than 256"));
}

TEST_F(ReadTomlFile, TableHeader100kDeepIsRefusedNotACrash) {
  auto table = read("[tasks]\nx = 1\n[" + dotted_key(100'000) + "]\nx = 1\n");
  ASSERT_FALSE(table.has_value());
  EXPECT_THAT(table.error().message(), HasSubstr("twin.toml:3:"));
}

TEST_F(ReadTomlFile, DotsInStringsCommentsAndNumbersDoNotCount) {
  const std::string dots(2000, '.');
  auto table = read("# " + dots + "\n[tasks.lint]\ncmd = \"" + dots + "\"\nlit = '" + dots +
                    "'\nmulti = \"\"\"\n" + dots +
                    "\n\"\"\"\nratio = 0.5\nlist = [1.5, 2.5, 3.5]\n"
                    "inline = {a.b.c = 1.25}\n" +
                    dotted_key(200) + " = 1\n");
  ASSERT_TRUE(table.has_value()) << table.error().to_string();
  EXPECT_EQ((*table)["tasks"]["lint"]["ratio"].value<double>(), 0.5);
}

}  // namespace
}  // namespace twin
