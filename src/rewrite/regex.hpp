// A PCRE2 pattern as mod_rewrite uses one (Apache builds against the same
// library): compiled once, in the master while the configuration is read,
// JIT-compiled when the platform allows, and shared read-only by every child
// and thread after fork.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "util/result.hpp"

struct pcre2_real_code_8;

namespace mpmd::rewrite {

// The groups of one match: $0..$9 of a RewriteRule, %0..%9 of a RewriteCond.
// Holds its own copy of the subject, as the subject may be rewritten later.
class Captures {
 public:
  static constexpr int kMax = 10;
  // Group n, or "" when it did not take part (or n is out of range).
  std::string_view group(int n) const;
  void set(std::string_view subject, const size_t* ovector, int pairs);

 private:
  std::string subject_;
  std::array<size_t, 2 * kMax> spans_{};
  int count_ = 0;
};

class Regex {
 public:
  Regex() = default;
  // An error names PCRE2's message and the offset in the pattern.
  static util::Result<Regex> compile(std::string_view pattern, bool nocase);

  bool valid() const { return code_ != nullptr; }
  // Whether `subject` matches; fills `out` when given and it does.
  bool match(std::string_view subject, Captures* out) const;
  bool jit() const { return jit_; }

 private:
  std::shared_ptr<pcre2_real_code_8> code_;
  bool jit_ = false;
};

}  // namespace mpmd::rewrite
