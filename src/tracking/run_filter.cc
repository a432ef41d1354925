#include "twin/tracking/run_filter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace twin::tracking {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<FilterEntity> entity_named(std::string_view word) {
  const std::string name = upper(word);
  if (name == "PARAMS" || name == "PARAM" || name == "PARAMETER" || name == "PARAMETERS") {
    return FilterEntity::kParam;
  }
  if (name == "METRICS" || name == "METRIC") return FilterEntity::kMetric;
  if (name == "TAGS" || name == "TAG") return FilterEntity::kTag;
  if (name == "ATTRIBUTES" || name == "ATTRIBUTE" || name == "ATTR" || name == "RUN") {
    return FilterEntity::kAttribute;
  }
  return std::nullopt;
}

// Attribute names as MLflow spells them, with their aliases folded.
std::string canonical_attribute(std::string_view key) {
  if (key == "run_name" || key == "mlflow.runName") return "run_name";
  if (key == "run_id" || key == "run_uuid" || key == "id") return "run_id";
  if (key == "created" || key == "Created" || key == "start_time") return "start_time";
  return std::string(key);
}

bool numeric_attribute(std::string_view key) { return key == "start_time" || key == "end_time"; }

// A cursor over the filter text with the small lexer the grammar needs.
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool at_end() {
    skip_space();
    return pos_ >= text_.size();
  }
  size_t column() const { return pos_ + 1; }
  char peek() {
    skip_space();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }

  Status error(std::string_view what) const {
    return Status::invalid_argument(fmt::format("filter: column {}: {}", column(), what));
  }

  // A bare word of letters, digits, '_' and '.'; or a quoted string when `quoted_ok`.
  std::string word() {
    skip_space();
    const size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' ||
            text_[pos_] == '.' || text_[pos_] == '-')) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  // 'single', "double" or `back` quoted text; nullopt when the next character is no quote.
  Result<std::optional<std::string>> quoted() {
    skip_space();
    if (pos_ >= text_.size()) return std::nullopt;
    const char quote = text_[pos_];
    if (quote != '\'' && quote != '"' && quote != '`') return std::nullopt;
    std::string out;
    for (size_t i = pos_ + 1; i < text_.size(); ++i) {
      if (text_[i] == quote) {
        if (i + 1 < text_.size() && text_[i + 1] == quote) {  // doubled quote escapes itself
          out += quote;
          ++i;
          continue;
        }
        pos_ = i + 1;
        return std::optional<std::string>(std::move(out));
      }
      if (text_[i] == '\\' && i + 1 < text_.size()) {
        out += text_[++i];
        continue;
      }
      out += text_[i];
    }
    return fail(error("unterminated quoted string"));
  }

  std::string comparison_operator() {
    skip_space();
    for (std::string_view op : {"<=", ">=", "!=", "<>", "=", "<", ">"}) {
      if (text_.substr(pos_).starts_with(op)) {
        pos_ += op.size();
        return op == "<>" ? "!=" : std::string(op);
      }
    }
    const size_t saved = pos_;
    std::string w = upper(word());
    if (w == "LIKE" || w == "ILIKE" || w == "IN") return w;
    if (w == "NOT") {
      if (upper(word()) == "IN") return "NOT IN";
    }
    pos_ = saved;
    return "";
  }

  bool consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

Result<std::pair<FilterEntity, std::string>> parse_identifier(Lexer& lexer) {
  TWIN_ASSIGN_OR_RETURN(std::optional<std::string> quoted_whole, lexer.quoted());
  if (quoted_whole) return std::pair{FilterEntity::kAttribute, canonical_attribute(*quoted_whole)};
  const size_t column = lexer.column();
  std::string first = lexer.word();
  if (first.empty()) return fail(lexer.error("expected a key such as params.lr or metrics.loss"));
  // "params.lr" lexes as one word; "params.`my key`" as "params." then a quoted key.
  const size_t dot = first.find('.');
  if (dot == std::string::npos) {
    return std::pair{FilterEntity::kAttribute, canonical_attribute(first)};
  }
  const auto entity = entity_named(first.substr(0, dot));
  if (!entity) {
    return fail(Status::invalid_argument(
        fmt::format("filter: column {}: '{}' is not params, metrics, tags or attributes", column,
                    first.substr(0, dot))));
  }
  std::string key = first.substr(dot + 1);
  if (key.empty()) {
    TWIN_ASSIGN_OR_RETURN(std::optional<std::string> quoted_key, lexer.quoted());
    if (!quoted_key) return fail(lexer.error(fmt::format("expected a key after '{}'", first)));
    key = std::move(*quoted_key);
  }
  if (*entity == FilterEntity::kAttribute) key = canonical_attribute(key);
  return std::pair{*entity, std::move(key)};
}

Result<std::variant<std::string, double, std::vector<std::string>>> parse_value(
    Lexer& lexer, const FilterClause& c) {
  if (c.op == "IN" || c.op == "NOT IN") {
    if (!lexer.consume('(')) return fail(lexer.error("expected '(' after IN"));
    std::vector<std::string> values;
    while (true) {
      TWIN_ASSIGN_OR_RETURN(std::optional<std::string> item, lexer.quoted());
      if (!item) return fail(lexer.error("expected a quoted string in the IN list"));
      values.push_back(std::move(*item));
      if (lexer.consume(')')) break;
      if (!lexer.consume(',')) return fail(lexer.error("expected ',' or ')' in the IN list"));
    }
    return values;
  }
  TWIN_ASSIGN_OR_RETURN(std::optional<std::string> text, lexer.quoted());
  const bool numeric = c.entity == FilterEntity::kMetric ||
                       (c.entity == FilterEntity::kAttribute && numeric_attribute(c.key));
  if (!text) {
    const std::string word = lexer.word();
    if (word.empty()) return fail(lexer.error("expected a value"));
    text = word;
  }
  if (!numeric) return *text;
  double number = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, number);
  if (ec != std::errc() || ptr != end) {
    return fail(lexer.error(fmt::format("'{}' is not a number", *text)));
  }
  return number;
}

Status check_operator(const Lexer& lexer, const FilterClause& clause) {
  const bool numeric = clause.entity == FilterEntity::kMetric ||
                       (clause.entity == FilterEntity::kAttribute && numeric_attribute(clause.key));
  const bool list = clause.op == "IN" || clause.op == "NOT IN";
  const bool like = clause.op == "LIKE" || clause.op == "ILIKE";
  if (numeric && (list || like)) {
    return lexer.error(fmt::format("{} cannot be compared with {}", clause.key, clause.op));
  }
  if (list && clause.entity != FilterEntity::kAttribute) {
    return lexer.error("IN and NOT IN apply to attributes only");
  }
  if (!numeric && !list && !like && clause.op != "=" && clause.op != "!=") {
    return lexer.error(fmt::format("'{}' compares strings with =, !=, LIKE or ILIKE, not {}",
                                   clause.key, clause.op));
  }
  return Status::ok();
}

template <typename T>
bool compare(const T& left, std::string_view op, const T& right) {
  if (op == "=") return left == right;
  if (op == "!=") return left != right;
  if (op == "<") return left < right;
  if (op == "<=") return left <= right;
  if (op == ">") return left > right;
  if (op == ">=") return left >= right;
  return false;
}

std::optional<std::string> string_attribute(const Run& run, std::string_view key) {
  if (key == "run_name") return run.info.run_name;
  if (key == "run_id") return run.info.run_id;
  if (key == "status") return std::string(to_string(run.info.status));
  if (key == "user_id") return run.info.user_id;
  if (key == "artifact_uri") return run.info.artifact_uri;
  if (key == "experiment_id") return run.info.experiment_id;
  if (key == "lifecycle_stage") return std::string(to_string(run.info.lifecycle_stage));
  return std::nullopt;
}

std::optional<double> numeric_value(const Run& run, FilterEntity entity, std::string_view key) {
  if (entity == FilterEntity::kMetric) {
    const Metric* metric = run.find_metric(key);
    return metric ? std::optional(metric->value) : std::nullopt;
  }
  if (key == "start_time") return static_cast<double>(run.info.start_time_ms);
  if (key == "end_time" && run.info.end_time_ms) return static_cast<double>(*run.info.end_time_ms);
  return std::nullopt;
}

std::optional<std::string> string_value(const Run& run, FilterEntity entity, std::string_view key) {
  switch (entity) {
    case FilterEntity::kParam: {
      const Param* p = run.find_param(key);
      return p ? std::optional(p->value) : std::nullopt;
    }
    case FilterEntity::kTag: {
      if (key == "mlflow.runName") return run.info.run_name;
      const Tag* t = run.find_tag(key);
      return t ? std::optional(t->value) : std::nullopt;
    }
    case FilterEntity::kAttribute:
      return string_attribute(run, key);
    case FilterEntity::kMetric:
      return std::nullopt;
  }
  return std::nullopt;
}

bool clause_matches(const Run& run, const FilterClause& clause) {
  if (const auto* number = std::get_if<double>(&clause.value)) {
    const auto actual = numeric_value(run, clause.entity, clause.key);
    return actual && compare(*actual, clause.op, *number);
  }
  const auto actual = string_value(run, clause.entity, clause.key);
  if (!actual) return false;
  if (const auto* list = std::get_if<std::vector<std::string>>(&clause.value)) {
    const bool found = std::ranges::find(*list, *actual) != list->end();
    return clause.op == "IN" ? found : !found;
  }
  const auto& expected = std::get<std::string>(clause.value);
  if (clause.op == "LIKE") return like_match(*actual, expected, false);
  if (clause.op == "ILIKE") return like_match(*actual, expected, true);
  return compare(*actual, clause.op, expected);
}

constexpr size_t kMaxClauses = 100;

}  // namespace

Result<RunFilter> RunFilter::parse(std::string_view text) {
  RunFilter filter;
  Lexer lexer(text);
  while (!lexer.at_end()) {
    FilterClause clause;
    TWIN_ASSIGN_OR_RETURN(auto identifier, parse_identifier(lexer));
    std::tie(clause.entity, clause.key) = std::move(identifier);
    clause.op = lexer.comparison_operator();
    if (clause.op.empty()) {
      return fail(
          lexer.error(fmt::format("expected a comparison operator after '{}'", clause.key)));
    }
    TWIN_RETURN_IF_ERROR(check_operator(lexer, clause));
    TWIN_ASSIGN_OR_RETURN(clause.value, parse_value(lexer, clause));
    filter.clauses_.push_back(std::move(clause));
    // Each clause is an EXISTS in SQL; engines bound how deep a WHERE may nest (SQLite: 1000).
    if (filter.clauses_.size() > kMaxClauses) {
      return fail(Status::invalid_argument(
          fmt::format("filter: at most {} comparisons joined by AND", kMaxClauses)));
    }
    if (lexer.at_end()) break;
    if (upper(lexer.word()) != "AND") return fail(lexer.error("expected AND between comparisons"));
  }
  return filter;
}

bool RunFilter::matches(const Run& run) const {
  return std::ranges::all_of(clauses_,
                             [&](const FilterClause& c) { return clause_matches(run, c); });
}

Result<RunOrder> RunOrder::parse(std::string_view text) {
  Lexer lexer(text);
  RunOrder order;
  TWIN_ASSIGN_OR_RETURN(auto identifier, parse_identifier(lexer));
  std::tie(order.entity, order.key) = std::move(identifier);
  if (!lexer.at_end()) {
    const std::string direction = upper(lexer.word());
    if (direction == "DESC") {
      order.ascending = false;
    } else if (direction != "ASC") {
      return fail(Status::invalid_argument(
          fmt::format("order_by '{}': expected ASC or DESC after the key", text)));
    }
  }
  if (!lexer.at_end()) {
    return fail(Status::invalid_argument(fmt::format("order_by '{}': unexpected text", text)));
  }
  return order;
}

void sort_runs(std::vector<Run>& runs, const std::vector<RunOrder>& orders) {
  // -1, 0, 1 comparing a and b by one order; missing values sort last either way.
  const auto compare_by = [](const Run& a, const Run& b, const RunOrder& order) -> int {
    const bool numeric = order.entity == FilterEntity::kMetric ||
                         (order.entity == FilterEntity::kAttribute && numeric_attribute(order.key));
    int result = 0;
    if (numeric) {
      const auto x = numeric_value(a, order.entity, order.key);
      const auto y = numeric_value(b, order.entity, order.key);
      if (!x || !y) return x ? -1 : (y ? 1 : 0);
      result = *x < *y ? -1 : (*x > *y ? 1 : 0);
    } else {
      const auto x = string_value(a, order.entity, order.key);
      const auto y = string_value(b, order.entity, order.key);
      if (!x || !y) return x ? -1 : (y ? 1 : 0);
      result = x->compare(*y) < 0 ? -1 : (x->compare(*y) > 0 ? 1 : 0);
    }
    return order.ascending ? result : -result;
  };
  std::ranges::stable_sort(runs, [&](const Run& a, const Run& b) {
    for (const RunOrder& order : orders) {
      if (const int c = compare_by(a, b, order); c != 0) return c < 0;
    }
    if (a.info.start_time_ms != b.info.start_time_ms) {
      return a.info.start_time_ms > b.info.start_time_ms;
    }
    return a.info.run_id < b.info.run_id;
  });
}

bool like_match(std::string_view text, std::string_view pattern, bool ignore_case) {
  const auto same = [ignore_case](char a, char b) {
    if (!ignore_case) return a == b;
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  };
  // Iterative wildcard matching with backtracking to the last '%'.
  size_t t = 0;
  size_t p = 0;
  size_t star = std::string_view::npos;
  size_t mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() &&
        (pattern[p] == '_' || (pattern[p] != '%' && same(pattern[p], text[t])))) {
      ++t;
      ++p;
    } else if (p < pattern.size() && pattern[p] == '%') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

}  // namespace twin::tracking
