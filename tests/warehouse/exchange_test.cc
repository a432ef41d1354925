#include "twin/warehouse/exchange.h"

#include <gmock/gmock.h>

#include <fstream>

#include "support/temp_dir.h"

namespace twin::warehouse {
namespace {

using ::testing::HasSubstr;

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(Exchange, ReadsTheHandbookFormat) {
  testing_support::TempDir dir;
  write(dir.path() / "UserDocument.json",
        R"([{"first_name": "Maxime", "last_name": "Labonne", "_id": "eff74089"}])");
  auto documents = read_document_array(dir.path() / "UserDocument.json");
  ASSERT_TRUE(documents.has_value()) << documents.error().to_string();
  ASSERT_EQ(documents->size(), 1u);
  EXPECT_EQ((*documents)[0].id, "eff74089");
  EXPECT_EQ((*documents)[0].fields,
            (nlohmann::json{{"first_name", "Maxime"}, {"last_name", "Labonne"}}));
}

TEST(Exchange, MalformedJsonNamesFileLineAndColumn) {
  testing_support::TempDir dir;
  const auto file = dir.path() / "ArticleDocument.json";
  write(file, "[\n  {\"_id\": \"a\"},\n  {\"_id\": \"b\",, }\n]");
  auto documents = read_document_array(file);
  ASSERT_FALSE(documents.has_value());
  EXPECT_EQ(documents.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(documents.error().message(), HasSubstr(file.string() + ":3:15:"));
}

TEST(Exchange, NotAnArrayOrBadIdIsNamed) {
  testing_support::TempDir dir;
  write(dir.path() / "a.json", R"({"_id": "x"})");
  EXPECT_THAT(read_document_array(dir.path() / "a.json").error().message(),
              HasSubstr("expected a JSON array"));
  write(dir.path() / "b.json", R"([{"_id": "x"}, {"_id": 5}])");
  EXPECT_THAT(read_document_array(dir.path() / "b.json").error().message(),
              HasSubstr("document 1"));
}

TEST(Exchange, WriteThenReadRoundTrips) {
  testing_support::TempDir dir;
  std::vector<Document> documents = {
      {"1", {{"content", {{"Title", "😀"}, {"Subtitle", nullptr}}}}, Lineage{"r", "s"}},
      {"2", nlohmann::json::object(), std::nullopt}};
  ASSERT_TRUE(write_document_array(dir.path() / "out.json", documents).is_ok());
  auto back = read_document_array(dir.path() / "out.json");
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].fields, documents[0].fields);
  EXPECT_FALSE((*back)[0].lineage.has_value());  // lineage is not part of the export format
}

TEST(Exchange, MissingFileIsIo) {
  EXPECT_EQ(read_document_array("/nonexistent/x.json").error().code(), StatusCode::kIo);
}

}  // namespace
}  // namespace twin::warehouse
