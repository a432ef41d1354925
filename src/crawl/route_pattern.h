// The compiled form of a [[crawl.routes]] regex, private to crawl/ so that the public headers do
// not need RE2's. RE2 matches in time linear in the URL's length, whatever the regex: a route
// written by a user cannot make the crawler overflow its stack or hang on a long URL, as a
// backtracking engine (std::regex) can.
#pragma once

#include <re2/re2.h>

#include <string>

#include "twin/crawl/config.h"

namespace twin::crawl {

class RoutePattern {
 public:
  explicit RoutePattern(const std::string& match) : regex(match, RE2::Quiet) {}
  re2::RE2 regex;
};

}  // namespace twin::crawl
