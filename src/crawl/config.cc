#include "twin/crawl/config.h"

#include <fmt/format.h>

#include <charconv>

#include "route_pattern.h"
#include "twin/core/toml.h"

namespace twin::crawl {

std::string_view to_string(CrawlerKind kind) {
  switch (kind) {
    case CrawlerKind::kArticle:
      return "article";
    case CrawlerKind::kMedium:
      return "medium";
    case CrawlerKind::kSubstack:
      return "substack";
    case CrawlerKind::kLinkedIn:
      return "linkedin";
    case CrawlerKind::kRepository:
      return "repository";
  }
  return "article";
}

Result<Route> make_route(std::string match, CrawlerKind crawler, Render render) {
  auto pattern = std::make_shared<RoutePattern>(match);
  if (!pattern->regex.ok()) {
    return fail(Status::invalid_argument(
        fmt::format("match '{}' is not a valid regex (RE2 syntax: no backreferences or "
                    "lookaround): {}",
                    match, pattern->regex.error())));
  }
  return Route{std::move(match), std::move(pattern), crawler, render};
}

bool route_matches(const Route& route, std::string_view link) {
  return route.pattern && RE2::PartialMatch(link, route.pattern->regex);
}

Result<CrawlerKind> parse_crawler_kind(std::string_view name) {
  for (CrawlerKind kind : {CrawlerKind::kArticle, CrawlerKind::kMedium, CrawlerKind::kSubstack,
                           CrawlerKind::kLinkedIn, CrawlerKind::kRepository}) {
    if (to_string(kind) == name) return kind;
  }
  return fail(Status::invalid_argument(fmt::format(
      "unknown crawler '{}' (expected article, medium, substack, linkedin or repository)", name)));
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  double value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [rest, error] = std::from_chars(begin, end, value);
  if (error != std::errc() || value < 0) {
    return fail(Status::invalid_argument(
        fmt::format("'{}' is not a duration (expected e.g. \"1s\", \"250ms\", \"2m\")", text)));
  }
  const std::string_view unit(rest, static_cast<size_t>(end - rest));
  double factor = 0;
  if (unit.empty() || unit == "s") {
    factor = 1000;
  } else if (unit == "ms") {
    factor = 1;
  } else if (unit == "m") {
    factor = 60'000;
  } else if (unit == "h") {
    factor = 3'600'000;
  } else {
    return fail(Status::invalid_argument(
        fmt::format("'{}' has an unknown duration unit '{}' (ms, s, m, h)", text, unit)));
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(value * factor));
}

namespace {

Status wrong_type(const toml::node& node, std::string_view key, std::string_view expected) {
  return Status::invalid_argument(
      fmt::format("{}: crawl.{} must be {}", toml_location(node), key, expected));
}

Status read_int(const toml::table& table, std::string_view key, std::int64_t& out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return Status::ok();
  auto value = node->value<std::int64_t>();
  if (!value || *value < 0) return wrong_type(*node, key, "a non-negative integer");
  out = *value;
  return Status::ok();
}

Status read_int(const toml::table& table, std::string_view key, int& out) {
  std::int64_t wide = out;
  TWIN_RETURN_IF_ERROR(read_int(table, key, wide));
  out = static_cast<int>(wide);
  return Status::ok();
}

Status read_duration(const toml::table& table, std::string_view key,
                     std::chrono::milliseconds& out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return Status::ok();
  if (auto number = node->value<double>(); number && !node->is_string()) {
    out = std::chrono::milliseconds(static_cast<std::int64_t>(*number * 1000));
    return Status::ok();
  }
  auto text = node->value<std::string>();
  if (!text) return wrong_type(*node, key, "a duration such as \"1s\"");
  auto parsed = parse_duration(*text);
  if (!parsed) {
    return Status::invalid_argument(
        fmt::format("{}: crawl.{}: {}", toml_location(*node), key, parsed.error().message()));
  }
  out = *parsed;
  return Status::ok();
}

Status read_string(const toml::table& table, std::string_view key, std::string& out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return Status::ok();
  auto value = node->value<std::string>();
  if (!value) return wrong_type(*node, key, "a string");
  out = *value;
  return Status::ok();
}

Result<Route> read_route(const toml::table& table) {
  Route route;
  const toml::node* match = table.get("match");
  if (match == nullptr || !match->is_string()) {
    return fail(Status::invalid_argument(
        fmt::format("{}: a [[crawl.routes]] entry needs match = '<regex>'", toml_location(table))));
  }
  auto made = make_route(match->as_string()->get(), CrawlerKind::kArticle);
  if (!made) {
    return fail(Status::invalid_argument(
        fmt::format("{}: crawl.routes {}", toml_location(*match), made.error().message())));
  }
  route = std::move(*made);
  std::string crawler = "article";
  TWIN_RETURN_IF_ERROR(read_string(table, "crawler", crawler));
  auto kind = parse_crawler_kind(crawler);
  if (!kind) {
    return fail(Status::invalid_argument(fmt::format(
        "{}: crawl.routes: {}", toml_location(*table.get("crawler")), kind.error().message())));
  }
  route.crawler = *kind;
  std::string render = "http";
  TWIN_RETURN_IF_ERROR(read_string(table, "render", render));
  if (render == "browser") {
    route.render = Render::kBrowser;
  } else if (render != "http" && !render.empty()) {
    return fail(Status::invalid_argument(
        fmt::format("{}: crawl.routes render must be \"browser\" or \"http\", not '{}'",
                    toml_location(*table.get("render")), render)));
  }
  return route;
}

}  // namespace

Result<CrawlConfig> crawl_config_from_toml(const toml::table& root) {
  CrawlConfig config;
  const toml::node* crawl_node = root.get("crawl");
  if (crawl_node == nullptr) return config;
  const toml::table* crawl = crawl_node->as_table();
  if (crawl == nullptr) {
    return fail(Status::invalid_argument(
        fmt::format("{}: [crawl] must be a table", toml_location(*crawl_node))));
  }
  FetchOptions& fetch = config.fetch;
  TWIN_RETURN_IF_ERROR(read_int(*crawl, "concurrency", fetch.concurrency));
  if (fetch.concurrency < 1) fetch.concurrency = 1;
  TWIN_RETURN_IF_ERROR(read_duration(*crawl, "per_host_delay", fetch.per_host_delay));
  if (const toml::node* node = crawl->get("obey_robots")) {
    auto value = node->value<bool>();
    if (!value) return fail(wrong_type(*node, "obey_robots", "true or false"));
    fetch.obey_robots = *value;
  }
  TWIN_RETURN_IF_ERROR(read_string(*crawl, "user_agent", fetch.user_agent));
  TWIN_RETURN_IF_ERROR(read_duration(*crawl, "connect_timeout", fetch.connect_timeout));
  TWIN_RETURN_IF_ERROR(read_duration(*crawl, "timeout", fetch.timeout));
  TWIN_RETURN_IF_ERROR(read_int(*crawl, "max_body_size", fetch.max_body_size));
  TWIN_RETURN_IF_ERROR(read_int(*crawl, "max_retries", fetch.max_retries));
  TWIN_RETURN_IF_ERROR(read_duration(*crawl, "retry_backoff", fetch.retry_backoff));
  TWIN_RETURN_IF_ERROR(read_duration(*crawl, "max_retry_wait", fetch.max_retry_wait));
  TWIN_RETURN_IF_ERROR(read_int(*crawl, "max_redirects", fetch.max_redirects));
  TWIN_RETURN_IF_ERROR(read_int(*crawl, "max_file_size", config.max_file_size));
  TWIN_RETURN_IF_ERROR(read_int(*crawl, "scroll_limit", config.scroll_limit));
  std::string path;
  TWIN_RETURN_IF_ERROR(read_string(*crawl, "chromedriver", path));
  if (!path.empty()) config.browser.chromedriver = path;
  path.clear();
  TWIN_RETURN_IF_ERROR(read_string(*crawl, "chromium", path));
  if (!path.empty()) config.browser.chromium = path;

  if (const toml::node* routes_node = crawl->get("routes")) {
    const toml::array* routes = routes_node->as_array();
    if (routes == nullptr) return fail(wrong_type(*routes_node, "routes", "an array of tables"));
    for (const toml::node& entry : *routes) {
      const toml::table* table = entry.as_table();
      if (table == nullptr) return fail(wrong_type(entry, "routes", "an array of tables"));
      TWIN_ASSIGN_OR_RETURN(Route route, read_route(*table));
      config.routes.push_back(std::move(route));
    }
  }
  return config;
}

Result<CrawlConfig> load_crawl_config(const std::filesystem::path& twin_toml) {
  auto table = read_toml_file(twin_toml);
  if (!table) {
    if (table.error().code() == StatusCode::kNotFound) return CrawlConfig{};
    return fail(table.error());
  }
  return crawl_config_from_toml(*table);
}

}  // namespace twin::crawl
