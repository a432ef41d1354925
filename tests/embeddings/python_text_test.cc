// Python str semantics: every assigned code point classified as CPython does (checked against
// python3 itself when it is installed), UTF-8 decoding, split, strip, lower, len.
#include "twin/embeddings/python_text.h"

#include <gmock/gmock.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/temp_dir.h"
#include "twin/core/process.h"

namespace twin::embeddings {
namespace {

using ::testing::ElementsAre;

TEST(PythonText, ClassifiesLikeCPythonForEveryAssignedCodePoint) {
  testing_support::TempDir dir;
  ProcessSpec spec;
  spec.argv = {"python3", TWIN_SOURCE_DIR "/tests/embeddings/python_unicode.py",
               (dir.path() / "classes.json").string()};
  spec.err.mode = OutputMode::kCapture;
  auto ran = run_process(spec);
  if (!ran) GTEST_SKIP() << "python3 is needed for the reference";
  ASSERT_TRUE(ran->ok()) << ran->err;
  std::ifstream in(dir.path() / "classes.json");
  const auto classes = nlohmann::json::parse(in);
  std::vector<bool> assigned(0x110000, false);
  std::vector<bool> alnum(0x110000, false);
  std::vector<bool> space(0x110000, false);
  for (const auto& range : classes["assigned"]) {
    for (auto c = range[0].get<std::size_t>(); c <= range[1].get<std::size_t>(); ++c)
      assigned[c] = true;
  }
  for (const auto& range : classes["alnum"]) {
    for (auto c = range[0].get<std::size_t>(); c <= range[1].get<std::size_t>(); ++c)
      alnum[c] = true;
  }
  for (const auto& c : classes["space"]) space[c.get<std::size_t>()] = true;
  std::size_t checked = 0;
  std::size_t differences = 0;
  for (std::size_t c = 0; c < 0x110000; ++c) {
    // Code points Python's Unicode version leaves unassigned are newer than it: ICU may know them.
    if (!assigned[c]) continue;
    ++checked;
    const auto cp = static_cast<char32_t>(c);
    if (is_alnum(cp) != alnum[c] || is_space(cp) != space[c]) {
      if (++differences <= 20) {
        ADD_FAILURE() << fmt::format("U+{:04X}: python isalnum {} isspace {}, twin {} {}", c,
                                     alnum[c], space[c], is_alnum(cp), is_space(cp));
      }
    }
  }
  EXPECT_EQ(differences, 0U) << "of " << checked << " code points (Python's Unicode "
                             << classes["unidata_version"].get<std::string>() << ")";
}

TEST(PythonText, WordIsAlnumOrUnderscore) {
  EXPECT_TRUE(is_word('_'));
  EXPECT_TRUE(is_word(U'é'));
  EXPECT_TRUE(is_word(U'٣'));
  EXPECT_TRUE(is_word(U'½'));
  EXPECT_FALSE(is_word(0x0301));  // combining acute accent (Mn)
  EXPECT_FALSE(is_word(0x0903));  // Devanagari visarga (Mc)
  EXPECT_FALSE(is_word('-'));
  EXPECT_FALSE(is_word(0x1F680));  // rocket
}

TEST(PythonText, SpaceIsPythonsIsspace) {
  for (char32_t c :
       {U' ', U'\t', U'\n', U'\v', U'\f', U'\r', char32_t{0x1C}, char32_t{0x1F}, char32_t{0x85},
        char32_t{0xA0}, char32_t{0x1680}, char32_t{0x2000}, char32_t{0x200A}, char32_t{0x2028},
        char32_t{0x2029}, char32_t{0x202F}, char32_t{0x205F}, char32_t{0x3000}}) {
    EXPECT_TRUE(is_space(c)) << static_cast<unsigned>(c);
  }
  for (char32_t c : {U'a', char32_t{0x200B}, char32_t{0xFEFF}, char32_t{0x180E}}) {
    EXPECT_FALSE(is_space(c)) << static_cast<unsigned>(c);
  }
}

TEST(PythonText, DecodesUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(decode_utf8("aé€😀"), std::u32string(U"aé€😀"));
  EXPECT_EQ(decode_utf8("\xff"), std::u32string(U"\uFFFD"));
  EXPECT_EQ(decode_utf8("\xc0\xaf"), std::u32string(U"\uFFFD\uFFFD"));            // overlong
  EXPECT_EQ(decode_utf8("\xed\xa0\x80"), std::u32string(U"\uFFFD\uFFFD\uFFFD"));  // surrogate
  EXPECT_EQ(decode_utf8("a\xe2\x82"), std::u32string(U"a\uFFFD\uFFFD"));          // truncated
  EXPECT_EQ(encode_utf8(U"aé€😀"), "aé€😀");
  EXPECT_EQ(code_point_count("aé€😀"), 4U);
  EXPECT_EQ(code_point_count("\xff\xfe"), 2U);
}

TEST(PythonText, SplitStripLower) {
  EXPECT_THAT(split_whitespace("  a b\u00a0c\u3000\td  "), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(split_whitespace(""), ElementsAre());
  EXPECT_EQ(strip("\u00a0 \u2003x y\u3000\n"), "x y");
  EXPECT_EQ(strip("   "), "");
  EXPECT_EQ(strip("x\xff"), "x\xff");
  EXPECT_EQ(lower("King ÉCOLE ΟΔΟΣ"), "king école οδο\u03c2");  // final sigma
  EXPECT_EQ(lower("ABC"), "abc");
}

}  // namespace
}  // namespace twin::embeddings
