// The Handbook's cleaning and chunking: byte for byte against the Handbook's own artifacts and
// against the Python algorithms run by python3 (tests/llm_twin/handbook_*.py).
#include "twin/llm_twin/preprocessing.h"

#include <gmock/gmock.h>

#include <fstream>
#include <map>

#include "support/temp_dir.h"
#include "twin/core/process.h"
#include "twin/core/settings.h"

namespace twin::llm_twin {
namespace {

using ::testing::ElementsAre;
using ordered_json = nlohmann::ordered_json;

const std::filesystem::path kArtifacts =
    TWIN_SOURCE_DIR "/../shared/data/llm-engineers-handbook/artifacts";
const std::filesystem::path kTests = TWIN_SOURCE_DIR "/tests/llm_twin";

ordered_json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return ordered_json::parse(in);
}

void write_json(const std::filesystem::path& file, const ordered_json& json) {
  std::ofstream(file) << json.dump();
}

// Runs one of the Python references; an empty optional (with the test skipped) without python3.
std::optional<ordered_json> run_python(const std::string& script,
                                       std::vector<std::string> arguments,
                                       const std::filesystem::path& output) {
  ProcessSpec spec;
  spec.argv = {"python3", (kTests / script).string()};
  for (auto& argument : arguments) spec.argv.push_back(std::move(argument));
  spec.out.mode = OutputMode::kCapture;
  spec.err.mode = OutputMode::kCapture;
  auto result = run_process(spec);
  if (!result) return std::nullopt;
  EXPECT_TRUE(result->ok()) << result->err;
  if (!result->ok()) return std::nullopt;
  return read_json(output);
}

// ---- clean_text

TEST(CleanText, KeepsWordsAndSentencePunctuationOnly) {
  EXPECT_EQ(clean_text("Hello, world! (really?) #tag @me"), "Hello, world! really? tag me");
  EXPECT_EQ(clean_text("  a\t\n\n b  "), "a b");
  EXPECT_EQ(clean_text("snake_case stays; kebab-case splits"),
            "snake_case stays kebab case splits");
  EXPECT_EQ(clean_text(""), "");
  EXPECT_EQ(clean_text(" \n "), "");
  EXPECT_EQ(clean_text("**"), "");
}

TEST(CleanText, IsUnicodeAwareAsPythonRe) {
  EXPECT_EQ(clean_text("Café naïve Ærø"), "Café naïve Ærø");
  EXPECT_EQ(clean_text("Здравствуй, мир! 東京 ١٢٣ ½ Ⅻ"), "Здравствуй, мир! 東京 ١٢٣ ½ Ⅻ");
  // Emoji and symbols are not \w.
  EXPECT_EQ(clean_text("ship it 🚀🔥 now ™ €5"), "ship it now 5");
  // A combining mark (U+0301) is not \w in Python, so a decomposed é splits.
  EXPECT_EQ(clean_text("cafe\u0301 ok"), "cafe ok");
  // NBSP, em space, ideographic space, line separator, U+001F: all \s; ZWSP is not \s nor \w.
  EXPECT_EQ(clean_text("a\u00a0b\u2003c\u3000d\u2028e\x1f"
                       "f\u200bg"),
            "a b c d e f g");
  // Curly quotes and dashes are blanked.
  EXPECT_EQ(clean_text("it\u2019s \u201cquoted\u201d \u2014 done"), "it s quoted done");
}

TEST(CleanText, InvalidUtf8BytesBecomeSpaces) {
  EXPECT_EQ(clean_text("ab\xff"
                       "cd \xc3(x \xe2\x82"),
            "ab cd x");
}

TEST(CleanText, MatchesPythonOnTrickyTexts) {
  const std::vector<std::string> texts = {
      "e.g. Dr. Smith met U.S.A. officials?! Yes!!! ... ok",
      "tabs\tand\vvertical\ffeeds\r\n\u0085next",
      "mixed: 数据 data ２０２４ ⅷ ① x²",
      "Ϊ ǅ ʰ ー 〇 ꛦ 𝟘 𝔸",
      "emoji 👍🏽 family 👨‍👩‍👧 flag 🇫🇷",
      "\u00a0\u1680\u2000\u200a\u202f\u205f lead and trail \u3000",
      "under_score __dunder__ _ a_",
  };
  testing_support::TempDir dir;
  write_json(dir.path() / "texts.json", ordered_json(texts));
  auto expected =
      run_python("handbook_cleaning.py",
                 {(dir.path() / "texts.json").string(), (dir.path() / "out.json").string()},
                 dir.path() / "out.json");
  if (!expected) GTEST_SKIP() << "python3 is needed for the reference";
  ASSERT_EQ(expected->size(), texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(clean_text(texts[i]), (*expected)[i].get<std::string>()) << "text " << i;
  }
}

// ---- document cleaning: the Handbook's own raw -> cleaned artifacts

TEST(CleanDocuments, EveryHandbookArticleIsByteIdentical) {
  const ordered_json raw = read_json(kArtifacts / "raw_documents.json");
  const ordered_json cleaned = read_json(kArtifacts / "cleaned_documents.json");
  std::map<std::string, std::string> expected;
  for (const auto& document : cleaned["artifact_data"]) {
    expected[document["id"].get<std::string>()] = document["content"].get<std::string>();
  }
  const auto& documents = raw["artifact_data"];
  ASSERT_EQ(documents.size(), 76U);
  std::size_t identical = 0;
  for (const auto& document : documents) {
    const std::string id = document["id"].get<std::string>();
    ASSERT_TRUE(expected.contains(id)) << id;
    const std::string ours = clean_article_content(document["content"]);
    EXPECT_EQ(ours, expected[id]) << "article " << id;
    if (ours == expected[id]) ++identical;
  }
  EXPECT_EQ(identical, 76U);
}

TEST(CleanDocuments, SortedKeysAreReorderedTheHandbookWay) {
  // The warehouse hands out nlohmann::json, whose keys are sorted: Content, Subtitle, Title, ...
  const ordered_json raw = read_json(kArtifacts / "raw_documents.json");
  const ordered_json cleaned = read_json(kArtifacts / "cleaned_documents.json");
  std::size_t identical = 0;
  for (std::size_t i = 0; i < raw["artifact_data"].size(); ++i) {
    const nlohmann::json sorted = nlohmann::json::parse(raw["artifact_data"][i]["content"].dump());
    if (clean_article_content(handbook_content_order(sorted)) ==
        cleaned["artifact_data"][i]["content"].get<std::string>()) {
      ++identical;
    }
  }
  EXPECT_EQ(identical, 76U);
}

TEST(CleanDocuments, ArticlesDropEmptyValuesPostsKeepThem) {
  const auto content = ordered_json::parse(R"({"Title": "T!", "Subtitle": null, "Content": "",
                                               "language": "en"})");
  EXPECT_EQ(clean_article_content(content), "T! en");
  EXPECT_EQ(clean_post_content(content), "T! en");  // the #### separators are blanked
  const auto post = ordered_json::parse(R"({"Content": "Hello", "Title": null, "n": 3})");
  EXPECT_EQ(clean_post_content(post), "Hello 3");
  const auto repository = ordered_json::parse(R"({"b.py": "x = 1", "a.md": "# A"})");
  EXPECT_EQ(clean_repository_content(repository), "x 1 A");
}

// ---- chunk_article and chunk_id against the Python algorithm

TEST(ChunkArticle, SplitsSentencesLikeTheHandbookRegex) {
  // min 1 and a tiny max: every sentence is its own chunk, so the chunks show the split.
  EXPECT_THAT(chunk_article("One. Two? Three! Four", 1, 1),
              ElementsAre("One.", "Two?", "Three!", "Four"));
  // "e.g. x": \w.\w. before the space blocks the split; "Dr. X": [A-Z][a-z]. blocks it.
  EXPECT_THAT(chunk_article("See e.g. this. Dr. Who came. Mr. X left.", 1, 1),
              ElementsAre("See e.g. this.", "Dr. Who came.", "Mr. X left."));
  EXPECT_THAT(chunk_article("The U.S.A. is big. Yes.", 1, 1),
              ElementsAre("The U.S.A. is big.", "Yes."));
  EXPECT_THAT(chunk_article("What?! Really?? Ok... fine", 1, 1),
              ElementsAre("What?!", "Really??", "Ok...", "fine"));
}

TEST(ChunkArticle, PacksToMaxAndDropsShortChunks) {
  EXPECT_THAT(chunk_article("aaaa. bbbb. cccc.", 0, 12), ElementsAre("aaaa. bbbb.", "cccc."));
  EXPECT_THAT(chunk_article("aaaa. bbbb. cccc.", 7, 12), ElementsAre("aaaa. bbbb."));
  EXPECT_THAT(chunk_article("", 1, 10), ElementsAre());
  EXPECT_THAT(chunk_article("", 0, 10), ElementsAre(""));  // as in Python: "" is >= 0 long
  // A sentence longer than max_length is a chunk of its own.
  EXPECT_THAT(chunk_article("tiny. this one is long.", 1, 8),
              ElementsAre("tiny.", "this one is long."));
}

TEST(ChunkArticle, CountsCodePointsNotBytes) {
  // 5 code points each ("éééé."), 10 bytes each: both fit in a max of 11 code points.
  EXPECT_THAT(chunk_article("éééé. éééé.", 0, 11), ElementsAre("éééé. éééé."));
}

TEST(ChunkArticle, MatchesPythonOnTrickyTexts) {
  const std::vector<std::string> texts = {
      "See e.g. this. Dr. Who came. Mr. X left. The U.S.A. is big. i.e. not small.",
      "What?! Really?? Ok... fine. A.B. C. ab.c d. Ab. Cd.",
      "Ünïcödé. Straße ist lang. Ελληνικά! 日本語。 Next.\u00a0After NBSP.\u2003Em space.",
      "Emoji 🚀. Next 👍🏽! Combining e\u0301. X\u0301.\u3000Ideographic.",
      "new\nline.\nsplit? tab.\tsplit! a.b.\ncd",
      "x. y. z. " + std::string(30, 'w') + ". q.",
  };
  testing_support::TempDir dir;
  ordered_json documents = ordered_json::array();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    documents.push_back({{"id", std::to_string(i)}, {"content", texts[i]}});
  }
  for (auto [min_length, max_length] :
       {std::pair<std::size_t, std::size_t>{0, 1}, {5, 20}, {10, 40}}) {
    write_json(dir.path() / "docs.json", {{"artifact_data", documents}});
    auto expected =
        run_python("handbook_chunking.py",
                   {(dir.path() / "docs.json").string(), (dir.path() / "out.json").string(),
                    std::to_string(min_length), std::to_string(max_length)},
                   dir.path() / "out.json");
    if (!expected) GTEST_SKIP() << "python3 is needed for the reference";
    for (std::size_t i = 0; i < texts.size(); ++i) {
      std::vector<std::string> want;
      for (const auto& pair : (*expected)[std::to_string(i)])
        want.push_back(pair[0].get<std::string>());
      EXPECT_EQ(chunk_article(texts[i], min_length, max_length), want)
          << "text " << i << " min " << min_length << " max " << max_length;
    }
  }
}

TEST(ChunkArticle, EveryHandbookArticleMatchesPython) {
  testing_support::TempDir dir;
  auto expected = run_python(
      "handbook_chunking.py",
      {(kArtifacts / "cleaned_documents.json").string(), (dir.path() / "chunks.json").string()},
      dir.path() / "chunks.json");
  if (!expected) GTEST_SKIP() << "python3 is needed for the reference";
  const ordered_json cleaned = read_json(kArtifacts / "cleaned_documents.json");
  std::size_t documents = 0;
  std::size_t chunks = 0;
  for (const auto& document : cleaned["artifact_data"]) {
    const std::string id = document["id"].get<std::string>();
    const auto ours = chunk_article(document["content"].get<std::string>(), 1000, 2000);
    const auto& want = (*expected)[id];
    ASSERT_EQ(ours.size(), want.size()) << "article " << id;
    bool same = true;
    for (std::size_t i = 0; i < ours.size(); ++i) {
      EXPECT_EQ(ours[i], want[i][0].get<std::string>()) << "article " << id << " chunk " << i;
      EXPECT_EQ(chunk_id(ours[i]), want[i][1].get<std::string>())
          << "article " << id << " chunk " << i;
      same = same && ours[i] == want[i][0].get<std::string>() &&
             chunk_id(ours[i]) == want[i][1].get<std::string>();
    }
    if (same) ++documents;
    chunks += ours.size();
  }
  EXPECT_EQ(documents, 76U);
  EXPECT_GT(chunks, 76U);
  std::cout << "chunk_article: " << documents << "/76 articles, " << chunks
            << " chunks identical to Python\n";
}

TEST(ChunkId, IsTheMd5AsAVersion4Uuid) {
  // python3 -c 'import hashlib,uuid;print(uuid.UUID(hashlib.md5(b"").hexdigest(), version=4))'
  EXPECT_EQ(chunk_id(""), "d41d8cd9-8f00-4204-a980-0998ecf8427e");
  EXPECT_EQ(chunk_id("hello"), "5d41402a-bc4b-4a76-b971-9d911017c592");
}

// ---- chunk_text's character splitter (LangChain's RecursiveCharacterTextSplitter)

TEST(SplitParagraphs, MergesShortParagraphsAndStrips) {
  EXPECT_THAT(split_paragraphs("aa\n\nbb\n\ncc", 10), ElementsAre("aa\n\nbb\n\ncc"));
  EXPECT_THAT(split_paragraphs("aaaa\n\nbbbb\n\ncccc", 10), ElementsAre("aaaa\n\nbbbb", "cccc"));
  EXPECT_THAT(split_paragraphs("aaa\n\nbbb\n\nccc", 10), ElementsAre("aaa\n\nbbb", "ccc"));
  // A piece of chunk_size or more passes through as is, separator included.
  EXPECT_THAT(split_paragraphs("a\n\nbbbbbbbbbbbb\n\nc", 10),
              ElementsAre("a", "\n\nbbbbbbbbbbbb", "c"));
  EXPECT_THAT(split_paragraphs("one long text without breaks", 5),
              ElementsAre("one long text without breaks"));
  EXPECT_THAT(split_paragraphs("", 5), ElementsAre());
  EXPECT_THAT(split_paragraphs("\n\n\n\n", 5), ElementsAre());
}

// ---- chunk_text: paragraphs, then the embedder's token windows

// A GloVe embedder over a one-word table converted by scripts/glove-convert.mjs (token windows
// do not depend on the vocabulary); nullptr when node is missing.
std::unique_ptr<embeddings::Embedder> tiny_glove(const std::filesystem::path& dir) {
  std::ofstream(dir / "tiny.json")
      << R"({"dimensions": 2, "words": ["word"], "vectors": {"word": [1, 0, 1, 0]}})";
  ProcessSpec spec;
  spec.argv = {"node", TWIN_SOURCE_DIR "/scripts/glove-convert.mjs", (dir / "tiny.json").string(),
               (dir / "tiny.bin").string()};
  spec.err.mode = OutputMode::kCapture;
  auto ran = run_process(spec);
  if (!ran || !ran->ok()) return nullptr;
  SettingsOptions options;
  options.root = dir;
  options.flags = {{"TWIN_GLOVE_PATH", (dir / "tiny.bin").string()}};
  options.environment = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  auto settings = Settings::load(options);
  if (!settings) return nullptr;
  auto embedder = embeddings::Embedder::open(*settings);
  return embedder ? std::move(*embedder) : nullptr;
}

std::string words(std::size_t from, std::size_t to) {
  std::string text;
  for (std::size_t i = from; i < to; ++i) text += (i > from ? " w" : "w") + std::to_string(i);
  return text;
}

TEST(ChunkText, CutsLongSectionsIntoOverlappingTokenWindows) {
  testing_support::TempDir dir;
  auto embedder = tiny_glove(dir.path());
  if (!embedder) GTEST_SKIP() << "node is needed to build a GloVe table";
  ASSERT_EQ(embedder->max_input_length(), 256U);
  // 600 words: windows of 256 starting every 256 - 25 words.
  EXPECT_THAT(chunk_text(words(0, 600), 250, 25, *embedder),
              ElementsAre(words(0, 256), words(231, 487), words(462, 600)));
  // Short paragraphs merge below chunk_size; each section is windowed on its own.
  EXPECT_THAT(chunk_text("one two\n\nthree", 250, 25, *embedder), ElementsAre("one two three"));
  EXPECT_THAT(chunk_text(words(0, 20) + "\n\n" + words(20, 40), 100, 5, *embedder),
              ElementsAre(words(0, 20), words(20, 40)));
  EXPECT_THAT(chunk_text("", 250, 25, *embedder), ElementsAre());
}

}  // namespace
}  // namespace twin::llm_twin
