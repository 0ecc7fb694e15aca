// A pattern as mod_rewrite uses one: util::Regex (PCRE2 with Apache's
// defaults, compiled once in the master, JIT, shared read-only by every child
// and thread after fork) with captures that outlive the subject.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <vector>

#include "util/regex.hpp"
#include "util/result.hpp"

namespace mpmd::rewrite {

// The groups of one match: $0..$9 of a RewriteRule, %0..%9 of a RewriteCond.
// Holds its own copy of the subject, as the subject may be rewritten later.
class Captures {
 public:
  static constexpr int kMax = 10;
  // Group n, or "" when it did not take part (or n is out of range).
  std::string_view group(int n) const;
  // Copies `subject` and keeps the first kMax of `groups` (views into it).
  void set(std::string_view subject, const std::vector<std::string_view>& groups);

 private:
  static constexpr size_t kUnset = size_t(-1);
  std::string subject_;
  std::array<size_t, 2 * kMax> spans_{};
  int count_ = 0;
};

class Regex {
 public:
  Regex() = default;
  // An error names PCRE2's message and the offset in the pattern.
  static util::Result<Regex> compile(std::string_view pattern, bool nocase);

  // Whether `subject` matches; fills `out` when given and it does.
  bool match(std::string_view subject, Captures* out) const;

 private:
  std::optional<util::Regex> regex_;
};

}  // namespace mpmd::rewrite
