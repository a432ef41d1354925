// The crawlers of each kind of site and the Dispatcher that routes links to them.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <filesystem>
#include <map>
#include <thread>

#include "twin/crawl/browser.h"
#include "twin/crawl/crawler.h"
#include "twin/crawl/extract.h"
#include "twin/crawl/repository.h"

namespace twin::crawl {
namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::string_view to_string(CrawlStatus status) {
  switch (status) {
    case CrawlStatus::kOk:
      return "ok";
    case CrawlStatus::kFailed:
      return "failed";
    case CrawlStatus::kSkipped:
      return "skipped";
  }
  return "failed";
}

namespace {

bool is_local_link(const std::string& link) {
  if (link.starts_with("file://") || link.starts_with("/") || link.starts_with("./") ||
      link.starts_with("../") || link == "." || link == "..") {
    return true;
  }
  std::error_code ignored;
  return link.find("://") == std::string::npos && fs::exists(link, ignored);
}

// file:// URL for a local path; other links unchanged.
std::string fetchable_url(const std::string& link) {
  if (link.starts_with("file://") || !is_local_link(link)) return link;
  return "file://" + fs::absolute(link).lexically_normal().string();
}

bool host_is(const std::string& host, std::string_view domain) {
  return host == domain || host.ends_with("." + std::string(domain));
}

std::string host_of(const std::string& link) {
  auto parts = parse_url(link);
  return parts ? parts->host : "";
}

ArticleResult to_article(ExtractedArticle extracted, const std::string& link,
                         std::string platform) {
  ArticleResult article;
  article.title = std::move(extracted.title);
  article.subtitle = std::move(extracted.subtitle);
  article.content = std::move(extracted.content);
  article.language = std::move(extracted.language);
  article.author = std::move(extracted.author);
  article.date = std::move(extracted.date);
  article.link = link;
  article.platform = std::move(platform);
  article.extraction = std::string(to_string(extracted.path));
  return article;
}

// A page whose content is a few words ("Loading...", "Please enable JavaScript") has no article.
Result<CrawlDocument> require_content(ArticleResult article) {
  size_t letters = 0;
  // Bytes of multi-byte UTF-8 count as letters: a Chinese article has no ASCII ones.
  for (char c : article.content) {
    const auto byte = static_cast<unsigned char>(c);
    letters += std::isalnum(byte) != 0 || byte >= 0x80 ? 1 : 0;
  }
  if (letters < 20) {
    return fail(Status::not_found(fmt::format("{}: no article content found", article.link)));
  }
  return article;
}

class ArticleCrawler final : public PageCrawler {
 public:
  CrawlerKind kind() const override { return CrawlerKind::kArticle; }
  Result<CrawlDocument> extract(const std::string& link, const std::string& html) const override {
    const std::string host = host_of(fetchable_url(link));
    return require_content(to_article(extract_article(html), link, host.empty() ? "file" : host));
  }
};

// Medium and Substack: the site's own structure first, the generic extractor as fallback.
class SiteCrawler final : public PageCrawler {
 public:
  SiteCrawler(CrawlerKind kind, const SiteSelectors& selectors, std::string platform)
      : kind_(kind), selectors_(selectors), platform_(std::move(platform)) {}
  CrawlerKind kind() const override { return kind_; }
  Result<CrawlDocument> extract(const std::string& link, const std::string& html) const override {
    ExtractedArticle extracted = extract_with_selectors(html, selectors_);
    if (extracted.title.empty() || extracted.content.empty()) {
      spdlog::debug("{}: no {} structure, using the generic extractor", link, platform_);
      extracted = extract_article(html);
    }
    return require_content(to_article(std::move(extracted), link, platform_));
  }

 private:
  CrawlerKind kind_;
  const SiteSelectors& selectors_;
  std::string platform_;
};

class RepositoryCrawler final : public Crawler {
 public:
  CrawlerKind kind() const override { return CrawlerKind::kRepository; }
  Result<CrawlDocument> crawl(const std::string& link, Render /*render*/,
                              CrawlContext& context) const override {
    TWIN_ASSIGN_OR_RETURN(
        RepositoryResult repository,
        crawl_repository(link, {.max_file_size = context.config().max_file_size}));
    return repository;
  }
};

// LinkedIn (or a LinkedIn-like site): log in with LINKEDIN_USERNAME / LINKEDIN_PASSWORD when the
// page asks for it, scroll the feed up to scroll_limit times, and read the posts' text and image.
class LinkedInCrawler final : public Crawler {
 public:
  CrawlerKind kind() const override { return CrawlerKind::kLinkedIn; }
  Result<CrawlDocument> crawl(const std::string& link, Render /*render*/,
                              CrawlContext& context) const override {
    TWIN_ASSIGN_OR_RETURN(BrowserSession * browser, context.browser());
    TWIN_RETURN_IF_ERROR(browser->navigate(link));
    TWIN_ASSIGN_OR_RETURN(nlohmann::json needs_login, browser->execute(kNeedsLogin));
    if (needs_login.is_boolean() && needs_login.get<bool>()) {
      TWIN_RETURN_IF_ERROR(log_in(link, *browser, context.config()));
      TWIN_RETURN_IF_ERROR(browser->navigate(link));
      TWIN_ASSIGN_OR_RETURN(nlohmann::json still, browser->execute(kNeedsLogin));
      if (still.is_boolean() && still.get<bool>()) {
        return fail(Status::failed_precondition(fmt::format(
            "{}: still asked to log in after logging in as LINKEDIN_USERNAME; check the "
            "credentials",
            link)));
      }
    }
    TWIN_RETURN_IF_ERROR(scroll(*browser, context.config().scroll_limit));
    TWIN_ASSIGN_OR_RETURN(nlohmann::json posts, browser->execute(kReadPosts));
    PostsResult result;
    result.link = link;
    result.platform = "linkedin";
    for (const auto& post : posts) {
      PostResult one{post.value("text", ""), post.value("image", "")};
      if (!one.text.empty()) result.posts.push_back(std::move(one));
    }
    if (result.posts.empty()) {
      return fail(Status::not_found(fmt::format("{}: no posts found", link)));
    }
    return result;
  }

 private:
  static constexpr const char* kNeedsLogin =
      "return document.querySelector('input[type=password]') !== null || "
      "/\\/(login|authwall|uas\\/login)/.test(location.pathname);";
  static constexpr const char* kPostCount =
      "return document.querySelectorAll('.update-components-text').length;";
  static constexpr const char* kReadPosts = R"js(
    return Array.from(document.querySelectorAll('.update-components-text')).map(e => {
      const post = e.closest('.feed-shared-update-v2') || e.parentElement;
      const image = post ? post.querySelector('img') : null;
      return {text: e.innerText.trim(), image: image ? image.src : ''};
    });)js";

  static Status log_in(const std::string& link, BrowserSession& browser,
                       const CrawlConfig& config) {
    if (config.linkedin_username.empty() || config.linkedin_password.empty()) {
      return Status::failed_precondition(fmt::format(
          "{}: the page asks to log in; set LINKEDIN_USERNAME and LINKEDIN_PASSWORD", link));
    }
    auto parts = parse_url(link);
    if (!parts) return parts.error();
    const std::string login_url = fmt::format("{}://{}{}/login", parts->scheme, parts->host,
                                              parts->port.empty() ? "" : ":" + parts->port);
    TWIN_RETURN_IF_ERROR(browser.navigate(login_url));
    TWIN_ASSIGN_OR_RETURN(nlohmann::json submitted,
                          browser.execute(R"js(
          const user = document.querySelector('#username, input[name=session_key]');
          const password = document.querySelector('#password, input[name=session_password]');
          if (!user || !password) return false;
          user.value = arguments[0];
          password.value = arguments[1];
          window.__twinLoginSubmitted = true;  // gone once the next page has loaded
          const button = password.form && password.form.querySelector('[type=submit]');
          if (button) { button.click(); } else if (password.form) { password.form.submit(); }
          return true;)js",
                                          nlohmann::json::array({config.linkedin_username,
                                                                 config.linkedin_password})));
    if (!submitted.is_boolean() || !submitted.get<bool>()) {
      return Status::failed_precondition(
          fmt::format("{}: no username and password fields on the login page", login_url));
    }
    TWIN_RETURN_IF_ERROR(browser.wait_until(
        "return window.__twinLoginSubmitted === undefined && document.readyState === 'complete';",
        milliseconds(15'000), "the page after logging in"));
    TWIN_ASSIGN_OR_RETURN(nlohmann::json refused, browser.execute(kNeedsLogin));
    if (refused.is_boolean() && refused.get<bool>()) {
      return Status::failed_precondition(fmt::format(
          "{}: logging in as LINKEDIN_USERNAME failed (the login page came back); check "
          "LINKEDIN_USERNAME and LINKEDIN_PASSWORD",
          login_url));
    }
    return Status::ok();
  }

  static Status scroll(BrowserSession& browser, int limit) {
    for (int i = 0; i < limit; ++i) {
      TWIN_ASSIGN_OR_RETURN(nlohmann::json before, browser.execute(kPostCount));
      TWIN_ASSIGN_OR_RETURN(
          nlohmann::json ignored,
          browser.execute("window.scrollTo(0, document.body.scrollHeight); return true;"));
      const std::string grown =
          fmt::format("return document.querySelectorAll('.update-components-text').length > {};",
                      before.is_number() ? before.get<int>() : 0);
      if (!browser.wait_until(grown, milliseconds(3000), "more posts")) break;  // end of feed
    }
    return Status::ok();
  }
};

// A fetched body that is no web page (an image, an archive, random bytes served as text/html) is
// refused before extraction, which would otherwise store the bytes it can read as an article.
// Binary: a NUL byte, or more than one character in ten that is a control character or a byte
// the charset could not decode (U+FFFD), in the first 64 KiB.
Status check_web_page(const std::string& link, const FetchResponse& response) {
  constexpr std::size_t kLooked = 64 * 1024;
  const std::string_view head = std::string_view(response.body).substr(0, kLooked);
  std::size_t characters = 0;
  std::size_t unreadable = 0;
  for (std::size_t i = 0; i < head.size(); ++i) {
    const auto byte = static_cast<unsigned char>(head[i]);
    if ((byte & 0xC0) == 0x80) continue;  // a UTF-8 continuation byte
    ++characters;
    if (byte == 0) {
      unreadable = characters;
      break;
    }
    const bool control =
        byte < 0x20 && byte != '\n' && byte != '\r' && byte != '\t' && byte != '\f';
    const bool replacement = head.substr(i, 3) == "\xEF\xBF\xBD";
    if (control || replacement) ++unreadable;
  }
  if (response.charset.empty() || unreadable * 10 > characters) {
    return Status::invalid_argument(
        fmt::format("{}: not a web page: binary content ({}, {} bytes)", link,
                    response.content_type.empty() ? "no Content-Type" : response.content_type,
                    response.body.size()));
  }
  return Status::ok();
}

}  // namespace

Result<CrawlDocument> PageCrawler::crawl(const std::string& link, Render render,
                                         CrawlContext& context) const {
  if (render == Render::kBrowser) {
    TWIN_ASSIGN_OR_RETURN(BrowserSession * browser, context.browser());
    TWIN_RETURN_IF_ERROR(browser->navigate(fetchable_url(link)));
    TWIN_ASSIGN_OR_RETURN(std::string html, browser->page_html());
    return extract(link, html);
  }
  FetchResult fetched = context.fetcher().fetch(fetchable_url(link));
  if (!fetched.response) return fail(fetched.response.error());
  TWIN_RETURN_IF_ERROR(check_web_page(link, *fetched.response));
  return extract(link, fetched.response->body);
}

std::unique_ptr<Crawler> make_crawler(CrawlerKind kind) {
  switch (kind) {
    case CrawlerKind::kArticle:
      return std::make_unique<ArticleCrawler>();
    case CrawlerKind::kMedium:
      return std::make_unique<SiteCrawler>(kind, medium_selectors(), "medium");
    case CrawlerKind::kSubstack:
      return std::make_unique<SiteCrawler>(kind, substack_selectors(), "substack");
    case CrawlerKind::kLinkedIn:
      return std::make_unique<LinkedInCrawler>();
    case CrawlerKind::kRepository:
      return std::make_unique<RepositoryCrawler>();
  }
  return std::make_unique<ArticleCrawler>();
}

std::string link_domain(const std::string& link) {
  if (is_local_link(link)) return "file";
  const std::string host = host_of(link);
  return host.empty() ? "unknown" : host;
}

CrawlContext::CrawlContext(const CrawlConfig& config) : config_(config), fetcher_(config.fetch) {}
CrawlContext::~CrawlContext() = default;

Result<BrowserSession*> CrawlContext::browser() {
  if (browser_) return browser_.get();
  if (!browser_error_.is_ok()) return fail(browser_error_);
  auto started = BrowserSession::start(config_.browser);
  if (!started) {
    browser_error_ = started.error();
    return fail(browser_error_);
  }
  browser_ = std::move(*started);
  return browser_.get();
}

Dispatcher::Dispatcher(CrawlConfig config)
    : config_(std::move(config)), context_(std::make_unique<CrawlContext>(config_)) {}
Dispatcher::~Dispatcher() = default;

RouteDecision Dispatcher::route(const std::string& link) const {
  for (const Route& route : config_.routes) {
    if (route_matches(route, link)) return {route.crawler, route.render};
  }
  if (is_local_link(link)) {
    return {is_local_git_repository(link) ? CrawlerKind::kRepository : CrawlerKind::kArticle,
            Render::kHttp};
  }
  std::string trimmed = link;
  while (trimmed.ends_with("/")) trimmed.pop_back();
  if (trimmed.ends_with(".git")) return {CrawlerKind::kRepository, Render::kHttp};
  const std::string host = host_of(link);
  if (host_is(host, "github.com")) return {CrawlerKind::kRepository, Render::kHttp};
  if (host_is(host, "medium.com")) return {CrawlerKind::kMedium, Render::kHttp};
  if (host_is(host, "linkedin.com")) return {CrawlerKind::kLinkedIn, Render::kBrowser};
  if (host_is(host, "substack.com")) return {CrawlerKind::kSubstack, Render::kHttp};
  return {CrawlerKind::kArticle, Render::kHttp};
}

std::vector<CrawlOutcome> Dispatcher::crawl(const std::vector<std::string>& links,
                                            const Progress& progress) {
  std::vector<CrawlOutcome> outcomes(links.size());
  size_t done = 0;
  auto settle = [&](size_t i, Result<CrawlDocument> document, bool skipped = false) {
    CrawlOutcome& outcome = outcomes[i];
    if (document) {
      outcome.status = CrawlStatus::kOk;
      outcome.document = std::move(*document);
    } else {
      outcome.status = skipped ? CrawlStatus::kSkipped : CrawlStatus::kFailed;
      outcome.reason = document.error().message();
    }
    ++done;
    if (progress) progress(outcome, done, links.size());
  };

  std::vector<std::unique_ptr<Crawler>> crawlers;
  for (CrawlerKind kind : {CrawlerKind::kArticle, CrawlerKind::kMedium, CrawlerKind::kSubstack,
                           CrawlerKind::kLinkedIn, CrawlerKind::kRepository}) {
    crawlers.push_back(make_crawler(kind));
  }
  std::vector<size_t> fetched_together;  // pages fetched over HTTP, many at once
  std::vector<size_t> one_by_one;        // browser, LinkedIn, repositories
  std::vector<RouteDecision> decisions(links.size());
  for (size_t i = 0; i < links.size(); ++i) {
    decisions[i] = route(links[i]);
    outcomes[i].link = links[i];
    outcomes[i].domain = link_domain(links[i]);
    outcomes[i].crawler = std::string(to_string(decisions[i].crawler));
    const bool page = decisions[i].crawler == CrawlerKind::kArticle ||
                      decisions[i].crawler == CrawlerKind::kMedium ||
                      decisions[i].crawler == CrawlerKind::kSubstack;
    (page && decisions[i].render == Render::kHttp ? fetched_together : one_by_one).push_back(i);
  }

  if (!fetched_together.empty()) {
    std::vector<std::string> urls;                       // each URL once
    std::map<std::string, std::vector<size_t>> waiting;  // URL -> the links asking for it
    for (size_t i : fetched_together) {
      std::vector<size_t>& indices = waiting[fetchable_url(links[i])];
      if (indices.empty()) urls.push_back(fetchable_url(links[i]));
      indices.push_back(i);
    }
    context_->fetcher().fetch_all(urls, [&](const FetchResult& result) {
      for (size_t i : waiting[result.url]) {
        if (!result.response) {
          settle(i, fail(result.response.error()), result.disallowed);
          continue;
        }
        const auto& crawler =
            static_cast<const PageCrawler&>(*crawlers[static_cast<size_t>(decisions[i].crawler)]);
        if (Status page = check_web_page(links[i], *result.response); !page.is_ok()) {
          settle(i, fail(std::move(page)));
          continue;
        }
        try {
          settle(i, crawler.extract(links[i], result.response->body));
        } catch (const std::exception& error) {
          settle(i, fail(Status::internal(fmt::format("{}: {}", links[i], error.what()))));
        }
      }
    });
  }
  for (size_t i : one_by_one) {
    const Crawler& crawler = *crawlers[static_cast<size_t>(decisions[i].crawler)];
    // Pages rendered by Chromium honour robots.txt too. LinkedIn's forbids every crawler, and
    // the LinkedIn crawler reads the user's own feed with the user's login, as the Handbook's did.
    const bool page = decisions[i].crawler == CrawlerKind::kArticle ||
                      decisions[i].crawler == CrawlerKind::kMedium ||
                      decisions[i].crawler == CrawlerKind::kSubstack;
    if (page && !context_->fetcher().allowed_by_robots(links[i])) {
      settle(i,
             fail(Status::failed_precondition(
                 fmt::format("{}: disallowed by robots.txt of its host", links[i]))),
             /*skipped=*/true);
      continue;
    }
    try {
      settle(i, crawler.crawl(links[i], decisions[i].render, *context_));
    } catch (const std::exception& error) {
      settle(i, fail(Status::internal(fmt::format("{}: {}", links[i], error.what()))));
    }
  }
  return outcomes;
}

}  // namespace twin::crawl
