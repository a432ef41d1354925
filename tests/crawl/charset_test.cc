#include "twin/crawl/charset.h"

#include <gtest/gtest.h>

#include "crawl/status_stream.h"

namespace twin::crawl {
namespace {

TEST(CharsetTest, DetectsFromHeaderMetaAndBom) {
  EXPECT_EQ(detect_charset("", "text/html; charset=ISO-8859-1"), "iso-8859-1");
  EXPECT_EQ(detect_charset("", "text/html; Charset=\"UTF-8\""), "utf-8");
  EXPECT_EQ(detect_charset("<html><head><meta charset='Shift_JIS'>", "text/html"), "shift_jis");
  EXPECT_EQ(
      detect_charset(R"(<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">)", ""),
      "koi8-r");
  EXPECT_EQ(detect_charset("\xEF\xBB\xBFhello", ""), "utf-8");
  EXPECT_EQ(detect_charset("<p>nothing declared</p>", "text/html"), "");
}

TEST(CharsetTest, DecodesDeclaredCharsets) {
  DecodedText koi8 = decode_to_utf8("\xF0\xD2\xC9\xD7\xC5\xD4", "text/plain; charset=koi8-r");
  EXPECT_EQ(koi8.text, "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");  // Привет
  EXPECT_EQ(koi8.charset, "koi8-r");
}

// Regression: pages saved as UTF-8 keep their original <meta charset=gb2312>; decoding them as
// gb2312 gave mojibake and "no article content found" (readability-test-pages: qq, youth).
TEST(CharsetTest, ValidUtf8WinsOverAMetaDeclaredLegacyCharset) {
  const std::string page = "<meta charset=\"gb2312\"><p>\xE5\x9B\xBE\xE4\xB8\xBA</p>";
  DecodedText text = decode_to_utf8(page, "text/html");
  EXPECT_EQ(text.text, page);
  EXPECT_EQ(text.charset, "utf-8");
  // The HTTP header is obeyed.
  EXPECT_EQ(decode_to_utf8(page, "text/html; charset=gb2312").charset, "gb2312");
}

TEST(CharsetTest, UndeclaredNonUtf8IsReadAsWindows1252) {
  DecodedText text = decode_to_utf8("caf\xE9", "text/html");
  EXPECT_EQ(text.text, "caf\xC3\xA9");
  EXPECT_EQ(text.charset, "windows-1252");
}

TEST(CharsetTest, ValidUtf8PassesThroughAndBomIsDropped) {
  EXPECT_EQ(decode_to_utf8("\xEF\xBB\xBF"
                           "caf\xC3\xA9",
                           "")
                .text,
            "caf\xC3\xA9");
}

TEST(CharsetTest, UnknownCharsetFallsBackToUtf8WithReplacement) {
  DecodedText text = decode_to_utf8("ok\xFF", "text/html; charset=x-made-up");
  EXPECT_EQ(text.text, "ok\xEF\xBF\xBD");
  EXPECT_TRUE(text.replaced_invalid);
}

TEST(CharsetTest, SanitizeRejectsOverlongAndSurrogates) {
  EXPECT_EQ(sanitize_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(sanitize_utf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");                  // emoji kept
}

}  // namespace
}  // namespace twin::crawl
