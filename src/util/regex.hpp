// Regular expressions as Apache's: PCRE2 (Debian's libpcre2-8), compiled
// once when the configuration is read and shared read-only by every thread
// and, after fork, every child.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace mpmd::util {

class Regex {
 public:
  // Compiles `pattern` (JIT where the platform has it) with Apache's default
  // options (DOTALL, DOLLAR_ENDONLY); the error says what is wrong and at
  // which offset.
  static Result<Regex> compile(std::string_view pattern, bool caseless = false);

  // Whether `subject` matches anywhere (thread-safe).
  bool search(std::string_view subject) const;
  // The same, with the whole match and each group (empty when a group did
  // not take part) in `groups`, views into `subject`.
  bool match(std::string_view subject, std::vector<std::string_view>& groups) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Code;
  std::shared_ptr<const Code> code_;
  std::string pattern_;
};

// Apache's ap_pregsub: `$0`..`$9` and `&` (= `$0`) in `pattern` replaced by
// the groups of a match, `\$` and `\&` by the characters themselves.
std::string substitute(std::string_view pattern, const std::vector<std::string_view>& groups);

}  // namespace mpmd::util
