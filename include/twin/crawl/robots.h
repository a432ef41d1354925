// robots.txt rules for one user agent (RFC 9309, plus the common Crawl-delay extension).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace twin::crawl {

class RobotsRules {
 public:
  // Everything allowed, no delay.
  RobotsRules() = default;

  // Rules of the group that names `user_agent`'s product token ("twin" of "twin/0.1"), else of
  // the "*" group, else none. Never fails: unknown lines are ignored.
  static RobotsRules parse(std::string_view robots_txt, std::string_view user_agent);

  // What a robots.txt that answered with a server error (5xx) means (RFC 9309 2.3.1.4).
  static RobotsRules disallow_all();

  // Whether a path (with its query, e.g. "/a?b=1") may be fetched: the longest matching rule
  // wins, Allow wins ties; "*" and a trailing "$" in rules are honoured.
  bool allowed(std::string_view path) const;

  // Crawl-delay, at most kMaxCrawlDelay (a larger value, usually a typo, would stall a crawl).
  std::optional<std::chrono::milliseconds> crawl_delay() const { return crawl_delay_; }
  static constexpr std::chrono::seconds kMaxCrawlDelay{60};

 private:
  struct Rule {
    bool allow = false;
    std::string pattern;
  };
  std::vector<Rule> rules_;
  std::optional<std::chrono::milliseconds> crawl_delay_;
};

}  // namespace twin::crawl
