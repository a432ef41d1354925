#include "twin/core/dotenv.h"

#include <gtest/gtest.h>

#include <map>

namespace twin {
namespace {

EnvironmentLookup fake_environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    if (auto it = values.find(std::string(name)); it != values.end()) return it->second;
    return std::nullopt;
  };
}

std::map<std::string, std::string> parse(std::string_view text,
                                         std::map<std::string, std::string> env = {}) {
  auto entries = parse_dotenv(text, ".env", fake_environment(std::move(env)));
  EXPECT_TRUE(entries.has_value()) << entries.error().to_string();
  std::map<std::string, std::string> out;
  if (entries) {
    for (auto& e : *entries) out[e.key] = e.value;
  }
  return out;
}

TEST(DotenvTest, PlainValuesCommentsAndExport) {
  auto values = parse(
      "# a comment\n"
      "A=1\n"
      "export B = two words  \n"
      "C=value # inline comment\n"
      "D=no#comment\n"
      "\n"
      "EMPTY=\n"
      "DECLARED_ONLY\n");
  EXPECT_EQ(values["A"], "1");
  EXPECT_EQ(values["B"], "two words");
  EXPECT_EQ(values["C"], "value");
  EXPECT_EQ(values["D"], "no#comment");
  EXPECT_EQ(values["EMPTY"], "");
  EXPECT_FALSE(values.contains("DECLARED_ONLY"));
}

TEST(DotenvTest, QuotesAndEscapes) {
  auto values = parse(
      "S='literal ${A} \\n'\n"
      "D=\"tab\\there\\n\\\"q\\\"\"\n"
      "H=\"# not a comment\" # but this is\n");
  EXPECT_EQ(values["S"], "literal ${A} \\n");
  EXPECT_EQ(values["D"], "tab\there\n\"q\"");
  EXPECT_EQ(values["H"], "# not a comment");
}

TEST(DotenvTest, MultiLineQuotedValues) {
  auto values = parse("KEY=\"-----BEGIN-----\nabc\n-----END-----\"\nNEXT=1\n");
  EXPECT_EQ(values["KEY"], "-----BEGIN-----\nabc\n-----END-----");
  EXPECT_EQ(values["NEXT"], "1");
}

TEST(DotenvTest, ExpansionPrefersProcessEnvironmentThenEarlierEntries) {
  auto values = parse(
      "HOST=localhost\n"
      "URL=http://${HOST}:${PORT:-8080}/${USER}\n"
      "QUOTED=\"${HOST}\"\n"
      "LITERAL='${HOST}'\n",
      {{"USER", "ada"}});
  EXPECT_EQ(values["URL"], "http://localhost:8080/ada");
  EXPECT_EQ(values["QUOTED"], "localhost");
  EXPECT_EQ(values["LITERAL"], "${HOST}");

  auto overridden = parse("HOST=file\nURL=${HOST}\n", {{"HOST", "process"}});
  EXPECT_EQ(overridden["URL"], "process");
}

TEST(DotenvTest, HandbookEnvExampleParses) {
  auto entries = read_dotenv(
      std::filesystem::path(TWIN_SOURCE_DIR) / "../shared/data/llm-engineers-handbook/env.example",
      fake_environment({}));
  if (!entries && entries.error().code() == StatusCode::kNotFound) {
    GTEST_SKIP() << "../shared/data is absent";
  }
  ASSERT_TRUE(entries.has_value()) << entries.error().to_string();
  std::map<std::string, std::string> values;
  for (auto& e : *entries) values[e.key] = e.value;
  EXPECT_EQ(values["DATABASE_HOST"], "mongodb://llm_engineering:llm_engineering@127.0.0.1:27017");
  EXPECT_EQ(values["AWS_REGION"], "eu-central-1");
  EXPECT_EQ(values["USE_QDRANT_CLOUD"], "false");
}

TEST(DotenvTest, ErrorsNameFileAndLine) {
  auto unterminated = parse_dotenv("A=1\nB=\"open\n", ".env", fake_environment({}));
  ASSERT_FALSE(unterminated.has_value());
  EXPECT_EQ(unterminated.error().message(), ".env:2: unterminated double-quoted value");

  auto garbage = parse_dotenv("A=1\n!!\n", "x/.env", fake_environment({}));
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().message(), "x/.env:2: unexpected character '!'");
}

// Found by fuzz/dotenv.cc: the error for a missing name read the byte past the end of the text.
TEST(DotenvTest, ExportAtTheEndOfTheFileIsAnErrorNotAnOverread) {
  auto trailing = parse_dotenv("A=1\nexport ", ".env", fake_environment({}));
  ASSERT_FALSE(trailing.has_value());
  EXPECT_EQ(trailing.error().message(), ".env:2: expected a variable name at the end of the file");
}

}  // namespace
}  // namespace twin
