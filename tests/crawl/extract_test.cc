#include "twin/crawl/extract.h"

#include <gtest/gtest.h>
#include <libxml/HTMLparser.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "crawl/status_stream.h"

namespace twin::crawl {
namespace {

constexpr const char* kBlogPage = R"(<!DOCTYPE html>
<html lang="de-AT"><head><title>Fallback title | Site</title>
<meta property="og:title" content="OpenGraph title">
<meta name="description" content="A description from meta.">
<meta property="og:site_name" content="The Site">
<script type="application/ld+json">
{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"x"},
 {"@type":"NewsArticle","headline":"The JSON-LD headline","author":[{"@type":"Person","name":"Ada Lovelace"},{"name":"Charles Babbage"}],
  "datePublished":"2024-02-03T10:00:00Z"}]}
</script></head>
<body><header><nav><a href="/">Home</a> <a href="/blog">Blog</a></nav></header>
<div id="cookie-consent">We use cookies to improve your experience on our website, please accept them all.</div>
<main><article><h1>The JSON-LD headline</h1>
<p class="byline">By Ada Lovelace</p>
<p>The analytical engine weaves algebraic patterns, just as the Jacquard loom weaves flowers and leaves.</p>
<h2>Notes</h2>
<p>It might act upon other things besides number, were objects found whose mutual relations could be expressed.</p>
<ol><li>First item of the list</li><li>Second item of the list</li></ol>
<pre><code>for i in range(3):
    print(i)</code></pre>
<blockquote><p>That brain of mine is something more than merely mortal.</p></blockquote>
<div class="share-buttons"><a href="#">Tweet</a> <a href="#">Share</a></div>
</article>
<section class="related-posts"><h3>Related</h3><p>Another long teaser paragraph about a completely different topic that should never appear.</p></section>
<div id="comments"><p>First comment, which is long enough to look like a paragraph of real content here.</p></div>
</main><footer><p>Copyright 2024 The Site. All rights reserved.</p></footer></body></html>)";

TEST(ExtractTest, ReadsMetadataFromJsonLdOpenGraphAndMeta) {
  ExtractedArticle article = extract_article(kBlogPage);
  EXPECT_EQ(article.title, "The JSON-LD headline");
  EXPECT_EQ(article.subtitle, "A description from meta.");
  EXPECT_EQ(article.author, "Ada Lovelace, Charles Babbage");
  EXPECT_EQ(article.date, "2024-02-03T10:00:00Z");
  EXPECT_EQ(article.language, "de-AT");
  EXPECT_EQ(article.site_name, "The Site");
}

TEST(ExtractTest, KeepsTheArticleAsMarkdownAndDropsBoilerplate) {
  const std::string content = extract_article(kBlogPage).content;
  EXPECT_EQ(content,
            "The analytical engine weaves algebraic patterns, just as the Jacquard loom weaves "
            "flowers and leaves.\n\n"
            "## Notes\n\n"
            "It might act upon other things besides number, were objects found whose mutual "
            "relations could be expressed.\n\n"
            "- First item of the list\n- Second item of the list\n\n"
            "```\nfor i in range(3):\n    print(i)\n```\n\n"
            "> That brain of mine is something more than merely mortal.");
}

TEST(ExtractTest, FallsBackToScoringWithoutSemanticMarkup) {
  const std::string html = R"(<html><body>
<div class="top"><a href="/">Home</a> <a href="/a">About</a> <a href="/c">Contact</a></div>
<div class="x1"><div class="x2">
<p>Paragraph one has enough words, commas, and clauses to score as real content for the reader.</p>
<p>Paragraph two continues the story, adding detail, nuance, and a conclusion worth reading.</p>
</div></div>
<div class="x3"><a href="/1">Link one</a><a href="/2">Link two</a><a href="/3">Link three</a></div>
</body></html>)";
  const std::string content = extract_article(html).content;
  EXPECT_NE(content.find("Paragraph one"), std::string::npos);
  EXPECT_NE(content.find("Paragraph two"), std::string::npos);
  EXPECT_EQ(content.find("Link one"), std::string::npos);
  EXPECT_EQ(content.find("Home"), std::string::npos);
}

TEST(ExtractTest, SurvivesBrokenAndHostileMarkup) {
  EXPECT_EQ(extract_article("").content, "");
  EXPECT_EQ(extract_article("\x00\x01\x02 not html at all").title, "");
  const std::string broken =
      "<html><body><div><p>Unclosed paragraph with plenty of words, commas, and text here<div>"
      "<p>Another one <b>bold <i>nested</b> wrong</i> order, still readable text here.</table>"
      "</span></body><p>after body";
  EXPECT_NE(extract_article(broken).content.find("Unclosed paragraph"), std::string::npos);
  std::string deep;
  for (int i = 0; i < 20000; ++i) deep += "<div>";
  deep += "<p>Deep text, with commas, that is long enough to count as content.</p>";
  extract_article(deep);  // must not crash or overflow the stack
}

TEST(ExtractTest, MediumStructure) {
  const std::string html = R"(<html><body><nav>Medium</nav><article>
<h1 class="pw-post-title xy">A Medium title</h1><h2 class="pw-subtitle-paragraph ab">The subtitle</h2>
<p class="pw-post-body-paragraph">Body paragraph of the Medium post.</p></article></body></html>)";
  ExtractedArticle article = extract_with_selectors(html, medium_selectors());
  EXPECT_EQ(article.title, "A Medium title");
  EXPECT_EQ(article.subtitle, "The subtitle");
  EXPECT_EQ(article.content, "Body paragraph of the Medium post.");
}

TEST(ExtractTest, SubstackStructure) {
  const std::string html = R"(<html><body><div class="post-header">
<h1 class="post-title published">Substack title</h1><h3 class="subtitle">Sub</h3></div>
<div dir="auto" class="body markup"><p>First paragraph.</p><p>Second paragraph here.</p>
<div class="subscription-widget-wrap"><p>Subscribe now to get more.</p></div></div></body></html>)";
  ExtractedArticle article = extract_with_selectors(html, substack_selectors());
  EXPECT_EQ(article.title, "Substack title");
  EXPECT_EQ(article.subtitle, "Sub");
  EXPECT_EQ(article.content, "First paragraph.\n\nSecond paragraph here.");
}

// WordPress with Jetpack, as WordPress.com and self-hosted blogs serve it: the sharing bar, the
// likes widget and server-rendered related posts sit inside .entry-content, after the article.
constexpr const char* kJetpackPage =
    R"(<html><body><article class="post"><h1 class="entry-title">On caching</h1>
<div class="entry-content">
<p>Caches make slow things fast, until the day they serve stale data to every customer at once.</p>
<p>The fix is rarely a shorter expiry time, and usually a clear owner for every cached value.</p>
<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social sd-social-icon-text sd-sharing"><h3 class="sd-title">Share this:</h3><div class="sd-content"><ul><li class="share-twitter"><a rel="nofollow noopener noreferrer" data-shared="sharing-twitter-42" class="share-twitter sd-button share-icon" href="/?share=twitter" target="_blank" title="Click to share on Twitter"><span>Twitter</span></a></li><li class="share-facebook"><a class="share-facebook sd-button share-icon" href="/?share=facebook"><span>Facebook</span></a></li><li class="share-end"></li></ul></div></div></div>
<div class='sharedaddy sd-block sd-like jetpack-likes-widget-wrapper jetpack-likes-widget-unloaded' id='like-post-wrapper-1-42' data-src='https://widgets.wp.com/likes/#blog_id=1' data-name='like-post-frame-1-42'><h3 class="sd-title">Like this:</h3><div class='likes-widget-placeholder post-likes-widget-placeholder' style='height: 55px;'><span class='button'><span>Like</span></span> <span class="loading">Loading...</span></div></div>
<div id='jp-relatedposts' class='jp-relatedposts'><h3 class="jp-relatedposts-headline"><em>Related</em></h3>
<div class="jp-relatedposts-items jp-relatedposts-items-visual"><div class="jp-relatedposts-post jp-relatedposts-post0" data-post-id="7"><h4 class="jp-relatedposts-post-title"><a class="jp-relatedposts-post-a" href="/7">Cache invalidation, the hard parts</a></h4><p class="jp-relatedposts-post-excerpt">Why every team eventually writes its own invalidation layer, and regrets it a year later.</p><p class="jp-relatedposts-post-date">March 2, 2024</p><p class="jp-relatedposts-post-context">In "Engineering"</p></div></div></div>
</div></article></body></html>)";

TEST(ExtractTest, DropsJetpackSharingLikesAndRelatedPosts) {
  const std::string content = extract_article(kJetpackPage).content;
  EXPECT_EQ(content,
            "Caches make slow things fast, until the day they serve stale data to every customer "
            "at once.\n\nThe fix is rarely a shorter expiry time, and usually a clear owner for "
            "every cached value.");
}

// ASP.NET WebForms wraps the whole page in one <form>; only forms without the article go.
TEST(ExtractTest, KeepsTheArticleInsideAPageWideForm) {
  const std::string html = R"(<html><body><form id="aspnetForm" method="post" action="./post.aspx">
<input type="hidden" name="__VIEWSTATE" value="abc"><div class="page"><h1>WebForms post</h1>
<div class="post"><p>The article sits inside the form that ASP.NET puts around every page, with commas.</p>
<p>A second paragraph, long enough to count, closes the post for the reader.</p></div>
<form class="search"><input name="q"><p>Search the site for anything you like today.</p></form>
</div></form></body></html>)";
  EXPECT_EQ(extract_article(html).content,
            "The article sits inside the form that ASP.NET puts around every page, with "
            "commas.\n\nA second paragraph, long enough to count, closes the post for the reader.");
}

// Scripts, styles, SVG, noscript, templates and comments are cut before parsing; the cut must
// not be fooled by "<script" in an attribute or comment, nor lose the JSON-LD.
TEST(ExtractTest, CutsUnreadElementsWithoutLosingTextAroundThem) {
  const std::string html = R"(<html><head>
<script type="application/ld+json">{"@type":"Article","headline":"From JSON-LD"}</script>
<style>p::after { content: "</p><p>not text</p>"; }</style></head><body><article>
<p data-note="<script>not a tag">First paragraph, with commas, long enough to count as text.</p>
<!-- <script> a comment --><SCRIPT>document.write("</div><p>injected</p>")</SCRIPT>
<p>Second <svg viewBox="0 0 1 1"><svg><text>nested</text></svg><text>icon</text></svg>paragraph, also long enough, and kept.</p>
<noscript><p>Enable JavaScript</p></noscript><template><p>template text</p></template>
<p>Third paragraph after everything<svg/> the cut removed, still here and long enough.</p>
</article></body></html>)";
  const ExtractedArticle article = extract_article(html);
  EXPECT_EQ(article.title, "From JSON-LD");
  EXPECT_EQ(article.content,
            "First paragraph, with commas, long enough to count as text.\n\nSecond paragraph, "
            "also long enough, and kept.\n\nThird paragraph after everything the cut removed, "
            "still here and long enough.");
}

// The attribute pass keeps what the extractor reads, whatever the spelling, and never glues a
// tag's name to its next attribute.
TEST(ExtractTest, AttributePassKeepsReadAttributesInAnySpelling) {
  const std::string html = R"(<html><body><article>
<p>Keep this paragraph, which has <a href="/x"class="ref">a link inside</a> and enough words.</p>
<DIV CLASS="Sidebar" data-x='1>2'><p>Sidebar text that must go away, even though it is long.</p></DIV>
<div hidden><p>Hidden text that must go away as well, although it is long enough.</p></div>
<div style="display: none" data-track=a><p>Invisible text that must also go away, it is long.</p></div>
<p title=unquoted>Last paragraph with an unquoted attribute before it, still kept here.</p>
</article></body></html>)";
  EXPECT_EQ(extract_article(html).content,
            "Keep this paragraph, which has a link inside and enough words.\n\n"
            "Last paragraph with an unquoted attribute before it, still kept here.");
}

// Regression: CJK paragraphs have no ASCII words and end in "。"; they were all dropped as
// "short lines" (youth.cn gave no content at all).
TEST(ExtractTest, KeepsCjkParagraphs) {
  const std::string html =
      "<html><body><div class=\"article-content\">"
      "<p>"
      "在采访中，我们了解到不少学子在出国前就每年守在电脑前观看两会直播。但是，随着年龄和阅历的增长"
      "，"
      "学子对两会的关注点在出国前后发生了很大的变化。</p>"
      "<p>在法国里昂国立应用科学院留学的卢宇表示，他还是个中学生时，就开始关注两会了。"
      "根据这些内容预测今年政治考点会有哪些变化。</p></div></body></html>";
  const ExtractedArticle article = extract_article(html);
  EXPECT_NE(article.content.find("出国前后发生了很大的变化。"), std::string::npos)
      << article.content;
  EXPECT_NE(article.content.find("卢宇表示"), std::string::npos) << article.content;
}

// Regression: lines that look like bylines or notices are dropped around the article, not
// inside it, where they are the author's sentences.
TEST(ExtractTest, KeepsBoilerplateLookingLinesInsideTheArticle) {
  const std::string html =
      "<html><body><article><p>By Ada Lovelace</p>"
      "<p>The first paragraph of the article is long enough to be running text, with commas.</p>"
      "<p>Published in 1843</p>"
      "<p>The last paragraph of the article is also long enough to be running text, surely.</p>"
      "<p>Copyright 2024 The Site</p></article></body></html>";
  EXPECT_EQ(extract_article(html).content,
            "The first paragraph of the article is long enough to be running text, with "
            "commas.\n\nPublished in 1843\n\nThe last paragraph of the article is also long "
            "enough to be running text, surely.");
}

// Regression: id="read-more" held the second half of a story (herald-sun); weak boilerplate
// names keep an element that holds running text, and the lead equal to the description stays.
TEST(ExtractTest, KeepsTheReadMoreRemainderAndTheLead) {
  const std::string lead =
      "A HIGH-powered federal government team has been doing the rounds of media organisations "
      "in the past few days in an attempt to allay concerns about new surveillance legislation.";
  const std::string html =
      "<html><head><meta name=\"description\" content=\"" + lead +
      "\"></head><body><div class=\"story-body\"><div class=\"story-intro\"><p>" + lead +
      "</p></div><p>The roadshow featured the adviser, the commissioner, and staffers from the "
      "office of the minister, who also took part in the meetings.</p>"
      "<div id=\"read-more\"><div id=\"read-more-link\"><a href=\"\">Read more</a></div>"
      "<div id=\"read-more-content\"><p>The Bill would require telecommunications service "
      "providers to store so-called metadata, the who, where, when and how of a communication, "
      "for two years so security agencies can access it, which journalists fear. Media "
      "organisations say the safeguards for sources are not enough, and they will keep saying "
      "so.</p></div>"
      "</div></div></body></html>";
  const std::string content = extract_article(html).content;
  EXPECT_NE(content.find("A HIGH-powered"), std::string::npos) << content;
  EXPECT_NE(content.find("The Bill would require"), std::string::npos) << content;
  EXPECT_EQ(content.find("Read more"), std::string::npos) << content;
}

TEST(ExtractTest, ReadsTheTitleFromTheDocumentTitleWithoutTheSiteName) {
  EXPECT_EQ(extract_article("<html><head><title>Angry media won't buckle over new laws | Herald "
                            "Sun</title></head><body><p>Text.</p></body></html>")
                .title,
            "Angry media won't buckle over new laws");
  // Four words or fewer: the whole title, as Readability keeps it.
  EXPECT_EQ(extract_article("<html><head><title>Mozilla - Wikipedia</title></head><body><p>Text."
                            "</p></body></html>")
                .title,
            "Mozilla - Wikipedia");
  // dc:title outranks og:title; keys may be space-separated.
  EXPECT_EQ(extract_article("<html><head><meta property=\"og:title\" content=\"OG\">"
                            "<meta property=\"x dc:title\" content=\"Dublin Core\"></head>"
                            "<body><p>Text.</p></body></html>")
                .title,
            "Dublin Core");
}

TEST(ExtractTest, ReadsJsonLdInCdataAndABylineOfThePage) {
  const ExtractedArticle article = extract_article(
      "<html><head><title>New Zealand - Wikipedia</title><script type=\"application/ld+json\">"
      "<![CDATA[{\"@type\":\"Article\",\"name\":\"New Zealand\",\"headline\":\"island country\","
      "\"author\":{\"@type\":\"Organization\",\"name\":\"Contributors\"}}]]></script></head>"
      "<body><p>Text.</p></body></html>");
  EXPECT_EQ(article.title, "New Zealand");
  EXPECT_EQ(article.author, "Contributors");
  EXPECT_EQ(extract_article("<html><body><span class=\"byline\">By Jane Doe</span><p>Text.</p>"
                            "</body></html>")
                .author,
            "By Jane Doe");
}

// Regression: pages whose whole text sits in boilerplate-named containers gave "no article
// content found"; the fallback chain finds it and says which path did.
TEST(ExtractTest, FallsBackStepByStepAndRecordsThePath) {
  std::string paragraphs;
  for (int i = 0; i < 6; ++i) {
    paragraphs +=
        "<p>This paragraph of the only text on the page is long enough, with commas, "
        "to be an article.</p>";
  }
  const ExtractedArticle relaxed = extract_article("<html><body><div class=\"sidebar-widget\">" +
                                                   paragraphs + "</div></body></html>");
  EXPECT_NE(relaxed.content.find("This paragraph"), std::string::npos);
  EXPECT_EQ(relaxed.path, ExtractionPath::kRelaxed);
  const ExtractedArticle plain =
      extract_article("<html><body><article>" + paragraphs + "</article></body></html>");
  EXPECT_EQ(plain.path, ExtractionPath::kContainer);
  EXPECT_EQ(extract_article("<html><body>Test</body></html>").content, "Test");
  EXPECT_EQ(extract_article("").path, ExtractionPath::kNone);
  EXPECT_EQ(to_string(ExtractionPath::kBaseline), "baseline");
}

// libxml2's allocator hooks are process-wide: extractions on several threads at once, and plain
// libxml2 use outside any extraction, must not disturb each other.
// Found by fuzz/html_extract.cc: a page that looks like UTF-16 ("<\0...") made libxml2 open an
// ICU converter that was never closed, a leak per such page. The extractor reads UTF-8 (the
// fetcher converts pages first, charset.h), so such text gives what it gives; the check is
// LeakSanitizer's, in the asan preset, which fails this test if the converter leaks again.
TEST(ExtractTest, AnEncodingSwitchLeaksNothing) {
  std::string utf16le;
  for (const char c : std::string("<html><body><article><p>Twin writes like you do.</p>"
                                  "</article></body></html>")) {
    utf16le += c;
    utf16le += '\0';
  }
  const ExtractedArticle first = extract_article(utf16le);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(extract_article(utf16le).content, first.content);
}

TEST(ExtractTest, ConcurrentExtractionsAndPlainLibxml2UseAgree) {
  const std::filesystem::path dir = TWIN_SOURCE_DIR "/bench/extraction/pages";
  std::vector<std::string> pages;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    pages.push_back(text.str());
  }
  ASSERT_GE(pages.size(), 20u);
  std::vector<std::string> expected;
  for (const auto& page : pages) expected.push_back(extract_article(page).content);

  std::atomic<int> mismatches = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (size_t i = 0; i < pages.size(); ++i) {
          const size_t k = (i + static_cast<size_t>(t) * 7) % pages.size();
          if (extract_article(pages[k]).content != expected[k]) ++mismatches;
        }
      }
    });
  }
  threads.emplace_back([&] {  // libxml2 outside any extraction: malloc and free as usual
    for (int round = 0; round < 3; ++round) {
      for (const auto& page : pages) {
        xmlDoc* doc = htmlReadMemory(
            page.data(), static_cast<int>(page.size()), nullptr, "UTF-8",
            HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
        if (doc == nullptr || xmlDocGetRootElement(doc) == nullptr) ++mismatches;
        xmlFreeDoc(doc);
      }
    }
  });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// The team's metric (shared/tools/extract_f1.py): 4-token shingles of \w+ tokens, TP/FP/FN
// normalised per page, precision and recall averaged over pages.
std::map<std::vector<std::string>, int> shingles(const std::string& text) {
  static const std::regex token(R"(\w+)");
  std::vector<std::string> tokens;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), token);
       it != std::sregex_iterator(); ++it) {
    tokens.push_back(it->str());
  }
  std::map<std::vector<std::string>, int> counts;
  for (size_t i = 0; i + 4 <= tokens.size(); ++i) {
    ++counts[std::vector<std::string>(tokens.begin() + static_cast<long>(i),
                                      tokens.begin() + static_cast<long>(i) + 4)];
  }
  return counts;
}

TEST(ExtractTest, PageSetF1StaysAboveTrafilaturasReference) {
  const std::filesystem::path dir = TWIN_SOURCE_DIR "/bench/extraction";
  std::ifstream truth_file(dir / "GROUND_TRUTH.json");
  ASSERT_TRUE(truth_file) << "missing " << (dir / "GROUND_TRUTH.json");
  const nlohmann::json truth = nlohmann::json::parse(truth_file);
  ASSERT_GE(truth.size(), 25u);
  double precision_sum = 0;
  double recall_sum = 0;
  for (const auto& [id, expected] : truth.items()) {
    std::ifstream page(dir / "pages" / (id + ".html"));
    std::ostringstream html;
    html << page.rdbuf();
    auto want = shingles(expected["articleBody"].get<std::string>());
    auto got = shingles(extract_article(html.str()).content);
    double tp = 0;
    double fp = 0;
    double fn = 0;
    for (const auto& [key, n] : want) {
      const int m = got.contains(key) ? got[key] : 0;
      tp += std::min(n, m);
      fn += std::max(0, n - m);
    }
    for (const auto& [key, m] : got) {
      const int n = want.contains(key) ? want[key] : 0;
      fp += std::max(0, m - n);
    }
    const double p = tp + fp > 0 ? tp / (tp + fp) : 0;
    const double r = tp + fn > 0 ? tp / (tp + fn) : 0;
    EXPECT_GT(p * r, 0.6) << id << ": precision " << p << " recall " << r;
    precision_sum += p;
    recall_sum += r;
  }
  const double precision = precision_sum / static_cast<double>(truth.size());
  const double recall = recall_sum / static_cast<double>(truth.size());
  const double f1 = 2 * precision * recall / (precision + recall);
  EXPECT_GT(f1, 0.96) << "precision " << precision << " recall " << recall;
}

}  // namespace
}  // namespace twin::crawl
