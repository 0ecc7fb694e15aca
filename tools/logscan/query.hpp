// What to look for (filters) and what to compute (aggregates), compiled against
// a Layout; an Evaluator applies them to one line at a time (one per thread).
#pragma once

#include <regex.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "logscan/layout.hpp"

namespace mpmd::logscan {

struct StatusRange {
  int lo = 0;
  int hi = 0;  // inclusive
};

// An IP filter: an exact address or a CIDR block (v4 or v6).
struct IpFilter {
  std::string text;  // as given (exact match when prefix < 0)
  int family = 0;    // AF_INET / AF_INET6 for CIDR
  unsigned char addr[16] = {};
  int prefix = -1;
};

// The values a --top table can be grouped by.
enum class TopKey : uint8_t {
  ip,
  user,
  status,
  method,
  path,
  url,
  protocol,
  referer,
  agent,
  vhost
};

struct TopSpec {
  TopKey key = TopKey::ip;
  std::string name;  // as the user wrote it ("ip")
  size_t limit = 10;
};

struct QuerySpec {
  // Filters: values of one option are alternatives (OR); options combine with AND.
  std::vector<std::string> users;
  std::vector<IpFilter> ips;
  std::vector<StatusRange> statuses;
  std::vector<std::string> methods;
  std::string path_regex;        // POSIX extended, matched against the path (no query)
  std::optional<int64_t> since;  // inclusive, epoch seconds
  std::optional<int64_t> until;  // exclusive
  // Aggregates.
  bool count = false;
  bool sum_bytes = false;
  std::vector<TopSpec> tops;
  int per_seconds = 0;  // 0, 60 or 3600

  bool aggregates() const { return count || sum_bytes || !tops.empty() || per_seconds != 0; }
};

// Parsers for option values; return an error message or "".
std::string parse_status_list(std::string_view text, std::vector<StatusRange>& out);
std::string parse_ip_filter(std::string_view text, IpFilter& out);
std::string parse_top_spec(std::string_view text, TopSpec& out);

// One parsed, matching line: the values the aggregates need.
struct Record {
  Fields raw;
  std::string_view method, url, path, protocol;  // from %r, %m, %U, %H
  int status = 0;
  uint64_t bytes = 0;
  int64_t time = 0;
  std::string_view value(TopKey key) const;
};

// A query checked against a layout (every field it needs is in the format).
class Query {
 public:
  static bool compile(const QuerySpec& spec, const Layout& layout, Query& out, std::string& error);
  const QuerySpec& spec() const { return spec_; }
  const Layout& layout() const { return layout_; }
  // A string every matching line contains (the pre-filter), or "" when there is none.
  const std::string& literal() const { return literal_; }

 private:
  friend class Evaluator;
  QuerySpec spec_;
  Layout layout_;
  std::string literal_;
  bool need_request_ = false, need_status_ = false, need_bytes_ = false, need_time_ = false;
};

class Evaluator {
 public:
  enum class Outcome { malformed, rejected, matched };
  explicit Evaluator(const Query& query);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // `line` excludes the newline; a trailing CR is ignored.
  Outcome evaluate(std::string_view line, Record& rec);

 private:
  bool filters_pass(const Record& rec);
  const Query& query_;
  regex_t regex_{};
  bool has_regex_ = false;
  std::string scratch_;
};

// The longest run of plain characters every match of `regex` must contain
// ("" when it can't tell, e.g. with alternation or groups).
std::string regex_required_literal(std::string_view regex);

}  // namespace mpmd::logscan
