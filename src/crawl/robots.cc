#include "twin/crawl/robots.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace twin::crawl {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// Matches a robots.txt pattern ("*" any run of characters, "$" at the end anchors) at the
// start of `path`. A pattern without "$" is one that ends in "*"; the match is then the classic
// wildcard walk that only ever backtracks to the last star seen, so it takes at most
// |pattern| x |path| steps (trying every split at every star took exponential time on a pattern
// with many stars, which fuzz/robots_txt.cc found).
bool pattern_matches(std::string_view pattern, std::string_view path) {
  const bool anchored = pattern.ends_with('$');
  if (anchored) pattern.remove_suffix(1);
  size_t p = 0;
  size_t s = 0;
  size_t star = std::string_view::npos;  // the last '*' seen in the pattern
  size_t resume = 0;                     // where in the path that star's run would end next
  while (s < path.size()) {
    if (p == pattern.size() && !anchored) return true;  // the implied final "*"
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = s;
    } else if (p < pattern.size() && pattern[p] == path[s]) {
      ++p;
      ++s;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace

RobotsRules RobotsRules::disallow_all() {
  RobotsRules rules;
  rules.rules_.push_back({.allow = false, .pattern = "/"});
  return rules;
}

RobotsRules RobotsRules::parse(std::string_view robots_txt, std::string_view user_agent) {
  const std::string token = lower(user_agent.substr(0, user_agent.find('/')));
  struct Group {
    std::vector<std::string> agents;
    std::vector<Rule> rules;
    std::optional<std::chrono::milliseconds> delay;
  };
  std::vector<Group> groups;
  bool in_agent_lines = false;
  size_t start = 0;
  while (start <= robots_txt.size()) {
    size_t end = robots_txt.find('\n', start);
    if (end == std::string_view::npos) end = robots_txt.size();
    std::string_view line = robots_txt.substr(start, end - start);
    start = end + 1;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string key = lower(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    if (key == "user-agent") {
      if (!in_agent_lines) groups.emplace_back();
      groups.back().agents.push_back(lower(value));
      in_agent_lines = true;
      continue;
    }
    in_agent_lines = false;
    if (groups.empty()) continue;
    if (key == "allow" || key == "disallow") {
      if (value.empty()) continue;  // "Disallow:" allows everything
      groups.back().rules.push_back({key == "allow", std::string(value)});
    } else if (key == "crawl-delay") {
      double seconds = 0;
      // `seconds >= 0` is false for NaN; the clamp keeps the conversion in range (1e85 seconds
      // was undefined behaviour: found by fuzz/robots_txt.cc).
      if (std::from_chars(value.data(), value.data() + value.size(), seconds).ec == std::errc() &&
          seconds >= 0) {
        const double capped = std::min(seconds, static_cast<double>(kMaxCrawlDelay.count()));
        groups.back().delay = std::chrono::milliseconds(static_cast<std::int64_t>(capped * 1000));
      }
    }
  }
  RobotsRules rules;
  auto take = [&rules](const Group& group) {
    rules.rules_.insert(rules.rules_.end(), group.rules.begin(), group.rules.end());
    if (group.delay) rules.crawl_delay_ = group.delay;
  };
  bool found = false;
  for (const Group& group : groups) {
    if (std::ranges::find(group.agents, token) != group.agents.end()) {
      take(group);
      found = true;
    }
  }
  if (!found) {
    for (const Group& group : groups) {
      if (std::ranges::find(group.agents, "*") != group.agents.end()) {
        take(group);
      }
    }
  }
  return rules;
}

bool RobotsRules::allowed(std::string_view path) const {
  if (path.empty()) path = "/";
  if (path == "/robots.txt") return true;
  const Rule* best = nullptr;
  for (const Rule& rule : rules_) {
    if (!pattern_matches(rule.pattern, path)) continue;
    if (best == nullptr || rule.pattern.size() > best->pattern.size() ||
        (rule.pattern.size() == best->pattern.size() && rule.allow)) {
      best = &rule;
    }
  }
  return best == nullptr || best->allow;
}

}  // namespace twin::crawl
