// BertTokenizer against ids derived by hand from Hugging Face's BertTokenizer algorithm (the
// steps listed in bert_tokenizer.h), one case per tricky input. The vocabulary below is small
// so that each expected id can be read off it.
#include "twin/embeddings/bert_tokenizer.h"

#include <gtest/gtest.h>

#include <vector>

namespace twin::embeddings {
namespace {

using Ids = std::vector<std::int32_t>;

// Ids are line numbers: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, hello 5, world 6, ...
const std::vector<std::string> kVocabulary = {
    "[PAD]", "[UNK]",   "[CLS]", "[SEP]",  "[MASK]",  // 0-4
    "hello", "world",   "!",     ".",      ",",       // 5-9
    "cafe",  "un",      "##aff", "##able", "中",      // 10-14
    "文",    "a",       "##a",   "naive",  "-",       // 15-19
    "'",     "s",       "it",    "Hello",  "##ing",   // 20-24
    "café",  "##world",                               // 25-26
};

BertTokenizer make(BertTokenizerOptions options = {}) {
  auto tokenizer = BertTokenizer::from_vocabulary(kVocabulary, options);
  EXPECT_TRUE(tokenizer.has_value());
  return std::move(*tokenizer);
}

BertTokenizerOptions cased() {
  BertTokenizerOptions options;
  options.do_lower_case = false;
  return options;
}

BertTokenizerOptions lower_case_keeping_accents() {
  BertTokenizerOptions options;
  options.strip_accents = false;
  return options;
}

BertTokenizerOptions without_cjk_spacing() {
  BertTokenizerOptions options;
  options.tokenize_chinese_chars = false;
  return options;
}

TEST(BertTokenizer, LowerCasesAndSplitsAsciiPunctuation) {
  // "Hello, World!" -> lower "hello, world!" -> punctuation split: hello , world !
  EXPECT_EQ(make().token_ids("Hello, World!"), (Ids{5, 9, 6, 7}));
}

TEST(BertTokenizer, StripsAccentsWithLowerCase) {
  // NFD turns é into e + U+0301 (category Mn, dropped); ï likewise: cafe naive.
  EXPECT_EQ(make().token_ids("Café naïve"), (Ids{10, 18}));
  // Upper case first lower-cases (É -> é), then strips: cafe.
  EXPECT_EQ(make().token_ids("CAFÉ"), (Ids{10}));
  // NFD input (e + combining acute) strips the same way.
  EXPECT_EQ(make().token_ids("cafe\u0301"), (Ids{10}));
}

TEST(BertTokenizer, StripAccentsFollowsLowerCaseUnlessSet) {
  // Cased tokenizer: no lower-casing and (unset) no accent stripping. "Hello" is its own id;
  // "Café" matches nothing ("C" is not in the vocabulary) so it is [UNK].
  EXPECT_EQ(make(cased()).token_ids("Hello Café"), (Ids{23, 1}));
  // Lower-casing with strip_accents false keeps é: "café" is id 25.
  EXPECT_EQ(make(lower_case_keeping_accents()).token_ids("CAFÉ"), (Ids{25}));
}

TEST(BertTokenizer, SpacesOutCjkIdeographs) {
  // Each ideograph becomes its own word, also inside a Latin word: hello 中 文 world.
  EXPECT_EQ(make().token_ids("hello中文world"), (Ids{5, 14, 15, 6}));
  // Without tokenize_chinese_chars "中文" is one word: 中 matches, "##文" does not -> [UNK].
  EXPECT_EQ(make(without_cjk_spacing()).token_ids("中文"), (Ids{1}));
}

TEST(BertTokenizer, EmojiIsAWordOfItsOwnAndUnknown) {
  // U+1F600 is category So: not whitespace, control or punctuation, so "hello😀" stays one word;
  // "hello" matches, "##😀" does not -> the whole word is [UNK]. Apart, it is [UNK] alone.
  EXPECT_EQ(make().token_ids("hello😀"), (Ids{1}));
  EXPECT_EQ(make().token_ids("hello 😀"), (Ids{5, 1}));
}

TEST(BertTokenizer, PunctuationRunsSplitIntoSingleCharacters) {
  // Every punctuation character is a token: hello ! ! ! . . .
  EXPECT_EQ(make().token_ids("hello!!!..."), (Ids{5, 7, 7, 7, 8, 8, 8}));
  // U+2014 EM DASH is category Pd: split off, not in the vocabulary -> [UNK].
  EXPECT_EQ(make().token_ids("hello\u2014world"), (Ids{5, 1, 6}));
  // '$' (ASCII 36, category Sc) counts as punctuation by BERT's ASCII ranges: a $ a.
  EXPECT_EQ(make().token_ids("a$a"), (Ids{16, 1, 16}));
  // "it's" -> it ' s.
  EXPECT_EQ(make().token_ids("it's"), (Ids{22, 20, 21}));
}

TEST(BertTokenizer, VeryLongWords) {
  // 100 characters: WordPiece runs, "a" then 99 x "##a".
  Ids hundred{16};
  hundred.insert(hundred.end(), 99, 17);
  EXPECT_EQ(make().token_ids(std::string(100, 'a')), hundred);
  // 101 characters exceed max_input_chars_per_word: one [UNK].
  EXPECT_EQ(make().token_ids(std::string(101, 'a')), (Ids{1}));
}

TEST(BertTokenizer, ControlCharactersAndWhitespace) {
  // U+0000, U+FFFD and BEL (Cc) are dropped, joining the word: hello.
  EXPECT_EQ(make().token_ids(std::string("hel\0lo", 6)), (Ids{5}));
  EXPECT_EQ(make().token_ids("hel\uFFFDlo\a"), (Ids{5}));
  // U+200B ZERO WIDTH SPACE is Cf (a control to BERT): dropped, so "helloworld" is one word,
  // hello ##world.
  EXPECT_EQ(make().token_ids("hello\u200bworld"), (Ids{5, 26}));
  // Tab, newline and U+00A0 (Zs) separate words.
  EXPECT_EQ(make().token_ids("hello\tworld\nhello\u00a0world"), (Ids{5, 6, 5, 6}));
  EXPECT_TRUE(make().token_ids(" \t\n ").empty());
}

TEST(BertTokenizer, WordPieceGreedyLongestMatchAndUnknown) {
  // un ##aff ##able.
  EXPECT_EQ(make().token_ids("unaffable"), (Ids{11, 12, 13}));
  // A trailing "x" no piece matches makes the whole word [UNK], not un ##aff ##able [UNK].
  EXPECT_EQ(make().token_ids("unaffablex"), (Ids{1}));
}

TEST(BertTokenizer, SpecialTokensWrittenInTheTextStayWhole) {
  // "[SEP]" is matched before cleaning and punctuation splitting: hello [SEP] world.
  EXPECT_EQ(make().token_ids("hello[SEP]world"), (Ids{5, 3, 6}));
  // Matching is exact: "[sep]" is not the special token but [ sep ], and "sep" is unknown.
  EXPECT_EQ(make().token_ids("[sep]"), (Ids{1, 1, 1}));
  // A lone "[" is punctuation ([UNK] here); "[MASK]" right after it is still the special token.
  EXPECT_EQ(make().token_ids("[[MASK]"), (Ids{1, 4}));
}

TEST(BertTokenizer, SpecialTokensAndTruncation) {
  // [CLS] hello world [SEP] after cutting to 4 tokens in all.
  const auto single = make().encode("hello world hello world", 4);
  EXPECT_EQ(single.input_ids, (Ids{2, 5, 6, 3}));
  EXPECT_EQ(single.token_type_ids, (Ids{0, 0, 0, 0}));
  // Empty text: [CLS] [SEP].
  EXPECT_EQ(make().encode("", 8).input_ids, (Ids{2, 3}));
}

TEST(BertTokenizer, PairsTruncateLongestFirst) {
  // 5 + 2 tokens into 7 - 3 = 4: the short part (2) fits, the long one gets the other 2.
  const auto pair = make().encode_pair("hello hello hello hello hello", "world world", 7);
  EXPECT_EQ(pair.input_ids, (Ids{2, 5, 5, 3, 6, 6, 3}));
  EXPECT_EQ(pair.token_type_ids, (Ids{0, 0, 0, 0, 1, 1, 1}));
  // 5 + 5 into 8 - 3 = 5: neither fits half, so 2 and 3 (the second part gets the odd token).
  const auto even =
      make().encode_pair("hello hello hello hello hello", "world world world world world", 8);
  EXPECT_EQ(even.input_ids, (Ids{2, 5, 5, 3, 6, 6, 6, 3}));
  // Short enough: nothing cut.
  EXPECT_EQ(make().encode_pair("hello", "world", 16).input_ids, (Ids{2, 5, 3, 6, 3}));
}

TEST(BertTokenizer, DecodeGluesContinuationsAndCleansSpaces) {
  const auto tokenizer = make();
  EXPECT_EQ(tokenizer.decode(Ids{5, 9, 6, 7}), "hello, world!");
  EXPECT_EQ(tokenizer.decode(Ids{11, 12, 13}), "unaffable");
  EXPECT_EQ(tokenizer.decode(tokenizer.token_ids("it's")), "it's");
  EXPECT_EQ(tokenizer.decode(Ids{2, 5, 3}), "[CLS] hello [SEP]");
}

TEST(BertTokenizer, VocabularyMustHoldTheSpecialTokens) {
  auto missing = BertTokenizer::from_vocabulary({"[PAD]", "[UNK]", "[CLS]"}, {});
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("[SEP]"), std::string::npos);
}

}  // namespace
}  // namespace twin::embeddings
