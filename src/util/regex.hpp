// Regular expressions as Apache's: PCRE2 (Debian's libpcre2-8), compiled
// once when the configuration is read and shared read-only by every thread
// and, after fork, every child.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace mpmd::util {

class Regex {
 public:
  // Compiles `pattern` (JIT where the platform has it); the error says what
  // is wrong and at which offset.
  static Result<Regex> compile(std::string_view pattern, bool caseless = false);

  // Whether `subject` matches anywhere (thread-safe).
  bool search(std::string_view subject) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Code;
  std::shared_ptr<const Code> code_;
  std::string pattern_;
};

}  // namespace mpmd::util
