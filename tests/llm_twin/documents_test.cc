// The LLM Twin's documents and the Handbook's export files, on SQLite and PostgreSQL.
#include "twin/llm_twin/documents.h"

#include <gmock/gmock.h>

#include <fstream>

#include "support/scratch_database.h"
#include "support/temp_dir.h"

namespace twin::llm_twin {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;
using warehouse::Document;

const std::filesystem::path kHandbookExport =
    TWIN_SOURCE_DIR "/../shared/data/llm-engineers-handbook/data_warehouse_raw_data";

json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

void write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file) << text;
}

TEST(SplitFullName, LastWordIsTheLastName) {
  auto name = split_full_name("Paul Iusztin");
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(name->first_name, "Paul");
  EXPECT_EQ(name->last_name, "Iusztin");
  auto three = split_full_name("Maxime  Jean Labonne");
  ASSERT_TRUE(three.has_value());
  EXPECT_EQ(three->first_name, "Maxime Jean");
  EXPECT_EQ(three->last_name, "Labonne");
  auto one = split_full_name("Cher");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->first_name, "Cher");
  EXPECT_EQ(one->last_name, "Cher");
  EXPECT_EQ(split_full_name("  ").error().code(), StatusCode::kInvalidArgument);
}

TEST(DocumentClasses, KnownByClassAndCollection) {
  ASSERT_NE(find_document_class("ArticleDocument"), nullptr);
  EXPECT_EQ(find_document_class("ArticleDocument"), find_document_class("articles"));
  EXPECT_EQ(find_document_class("posts")->class_name, "PostDocument");
  EXPECT_EQ(find_document_class("repositories")->class_name, "RepositoryDocument");
  EXPECT_EQ(find_document_class("users")->class_name, "UserDocument");
  EXPECT_EQ(find_document_class("nope"), nullptr);
}

TEST(Validate, NamesTheDocumentAndTheField) {
  Document article{"a1", {{"content", json::object()}, {"platform", "medium"}}, std::nullopt};
  Status status = validate(*find_document_class("articles"), article);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("ArticleDocument a1"));
  EXPECT_THAT(status.message(), HasSubstr("'link'"));
  Document user{"u1", {{"first_name", "A"}, {"last_name", 3}}, std::nullopt};
  EXPECT_THAT(validate(*find_document_class("users"), user).message(),
              HasSubstr("'last_name' must be a string"));
}

TEST(TypedDocuments, RoundTripThroughDocuments) {
  RepositoryDocument repository{"r1",
                                "twin",
                                "https://github.com/x/twin",
                                {{"README.md", "# twin"}, {"src/a.cc", "int main() {}"}},
                                "github",
                                {"u1", "Paul Iusztin"},
                                warehouse::Lineage{"run", "step"}};
  auto back = RepositoryDocument::from_document(repository.to_document());
  ASSERT_TRUE(back.has_value()) << back.error().to_string();
  EXPECT_EQ(back->content, repository.content);
  EXPECT_EQ(back->author.author_full_name, "Paul Iusztin");
  EXPECT_EQ(back->lineage, repository.lineage);

  PostDocument post{"p1",       {{"text", "hi"}}, std::nullopt, std::nullopt,
                    "linkedin", {"u1", "P"},      std::nullopt};
  const Document stored = post.to_document();
  EXPECT_TRUE(stored.fields["link"].is_null());
  auto post_back = PostDocument::from_document(stored);
  ASSERT_TRUE(post_back.has_value());
  EXPECT_FALSE(post_back->link.has_value());

  UserDocument user{"u1", "Paul", "Iusztin"};
  EXPECT_EQ(user.full_name(), "Paul Iusztin");
  EXPECT_EQ(UserDocument::from_document(user.to_document())->last_name, "Iusztin");
}

class HandbookFilesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<testing_support::ScratchDatabase>(GetParam());
    if (!scratch_->skip_reason().empty()) GTEST_SKIP() << scratch_->skip_reason();
    ASSERT_TRUE(scratch_->error().empty()) << scratch_->error();
    auto opened = warehouse::Warehouse::open(scratch_->uri());
    ASSERT_TRUE(opened.has_value()) << opened.error().to_string();
    warehouse_ = std::move(*opened);
  }
  void TearDown() override { warehouse_.reset(); }

  std::int64_t count(std::string_view collection) {
    auto found = warehouse_->collection(collection);
    return found ? found->count().value_or(-1) : -1;
  }

  std::unique_ptr<testing_support::ScratchDatabase> scratch_;
  std::unique_ptr<warehouse::Warehouse> warehouse_;
  testing_support::TempDir dir_;
};

TEST_P(HandbookFilesTest, ImportsTheHandbookExportAndExportsItBack) {
  if (!std::filesystem::exists(kHandbookExport)) {
    GTEST_SKIP() << "the Handbook's export is not at " << kHandbookExport;
  }
  auto imported = import_files(*warehouse_, {kHandbookExport});
  ASSERT_TRUE(imported.has_value()) << imported.error().to_string();
  EXPECT_EQ(count("users"), 2);
  EXPECT_EQ(count("articles"), 76);
  // Original ids are kept.
  auto articles = warehouse_->collection("articles").value();
  const json originals = read_json(kHandbookExport / "ArticleDocument.json");
  const std::string first_id = originals[0]["_id"];
  EXPECT_TRUE(articles.get(first_id).value().has_value());

  // Importing again changes nothing.
  ASSERT_TRUE(import_files(*warehouse_, {kHandbookExport / "ArticleDocument.json"}).has_value());
  EXPECT_EQ(count("articles"), 76);

  auto exported = export_files(*warehouse_, dir_.path() / "out");
  ASSERT_TRUE(exported.has_value()) << exported.error().to_string();
  for (std::string name :
       {"UserDocument", "ArticleDocument", "PostDocument", "RepositoryDocument"}) {
    EXPECT_EQ(read_json(dir_.path() / "out" / (name + ".json")),
              read_json(kHandbookExport / (name + ".json")))
        << name;
  }
}

TEST_P(HandbookFilesTest, DocumentMissingAFieldStoresNothingFromItsFile) {
  const auto file = dir_.path() / "ArticleDocument.json";
  write_text(file, R"([
    {"_id": "a1", "content": {"Title": "t"}, "link": "l1", "platform": "p", "author_id": "u", "author_full_name": "U V"},
    {"_id": "a2", "content": {"Title": "t"}, "platform": "p", "author_id": "u", "author_full_name": "U V"}
  ])");
  auto imported = import_files(*warehouse_, {file});
  ASSERT_FALSE(imported.has_value());
  EXPECT_THAT(imported.error().message(), HasSubstr("ArticleDocument a2"));
  EXPECT_THAT(imported.error().message(), HasSubstr("'link'"));
  EXPECT_EQ(count("articles"), 0);
}

TEST_P(HandbookFilesTest, MalformedFileStoresNothingAndNamesLineAndColumn) {
  const auto file = dir_.path() / "UserDocument.json";
  write_text(file,
             "[\n{\"_id\": \"u1\", \"first_name\": \"A\", \"last_name\": \"B\"},\n{\"_id\": }\n]");
  auto imported = import_files(*warehouse_, {file});
  ASSERT_FALSE(imported.has_value());
  EXPECT_THAT(imported.error().message(), HasSubstr(file.string() + ":3:9"));
  EXPECT_EQ(count("users"), 0);
}

TEST_P(HandbookFilesTest, FileFailingInTheDatabaseIsRolledBack) {
  // Valid documents, but the third reuses the first one's link: the unique index refuses it
  // after two rows are written, and the transaction takes them back.
  const auto file = dir_.path() / "ArticleDocument.json";
  write_text(file, R"([
    {"_id": "a1", "content": {}, "link": "same", "platform": "p", "author_id": "u", "author_full_name": "U"},
    {"_id": "a2", "content": {}, "link": "other", "platform": "p", "author_id": "u", "author_full_name": "U"},
    {"_id": "a3", "content": {}, "link": "same", "platform": "p", "author_id": "u", "author_full_name": "U"}
  ])");
  auto imported = import_files(*warehouse_, {file});
  ASSERT_FALSE(imported.has_value());
  EXPECT_EQ(imported.error().code(), StatusCode::kAlreadyExists) << imported.error().to_string();
  EXPECT_THAT(imported.error().message(), HasSubstr("a3"));
  EXPECT_EQ(count("articles"), 0);
}

TEST_P(HandbookFilesTest, FileNamedAfterNoClassIsRefused) {
  const auto file = dir_.path() / "Articles.json";
  write_text(file, "[]");
  auto imported = import_files(*warehouse_, {file});
  ASSERT_FALSE(imported.has_value());
  EXPECT_THAT(imported.error().message(), HasSubstr("ArticleDocument.json"));
}

INSTANTIATE_TEST_SUITE_P(Backends, HandbookFilesTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace twin::llm_twin
