#define PCRE2_CODE_UNIT_WIDTH 8
#include "rewrite/regex.hpp"

#include <pcre2.h>

#include <algorithm>

namespace mpmd::rewrite {

namespace {

// One match block per thread, sized for $0..$9: a pattern with more groups
// still matches (pcre2_match returns 0), its groups past 9 are not kept, as in
// Apache (AP_MAX_REG_MATCH is 10).
pcre2_match_data* thread_match_data() {
  struct Holder {
    pcre2_match_data* data = pcre2_match_data_create(Captures::kMax, nullptr);
    ~Holder() { pcre2_match_data_free(data); }
  };
  thread_local Holder holder;
  return holder.data;
}

}  // namespace

std::string_view Captures::group(int n) const {
  if (n < 0 || n >= count_) return {};
  size_t begin = spans_[size_t(2 * n)];
  size_t end = spans_[size_t(2 * n + 1)];
  if (begin == PCRE2_UNSET || end < begin || end > subject_.size()) return {};
  return std::string_view(subject_).substr(begin, end - begin);
}

void Captures::set(std::string_view subject, const size_t* ovector, int pairs) {
  subject_.assign(subject);
  count_ = std::min(pairs, kMax);
  std::copy(ovector, ovector + 2 * count_, spans_.begin());
}

util::Result<Regex> Regex::compile(std::string_view pattern, bool nocase) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  // Apache's RegexDefaultOptions default: '.' matches a newline too (a
  // decoded %0a), '$' only at the very end.
  uint32_t options = PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY | (nocase ? PCRE2_CASELESS : 0);
  pcre2_code* compiled = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                       options, &code, &offset, nullptr);
  if (compiled == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(code, message, sizeof message);
    return util::Error{"cannot compile regular expression '" + std::string(pattern) +
                       "': " + reinterpret_cast<const char*>(message) + " at offset " +
                       std::to_string(offset)};
  }
  Regex r;
  r.code_.reset(compiled, pcre2_code_free);
  r.jit_ = pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE) == 0;
  return r;
}

bool Regex::match(std::string_view subject, Captures* out) const {
  if (!code_) return false;
  pcre2_match_data* data = thread_match_data();
  int rc = pcre2_match(code_.get(), reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                       0, data, nullptr);
  if (rc < 0) return false;
  if (out != nullptr) {
    int pairs = rc == 0 ? Captures::kMax : rc;
    out->set(subject, pcre2_get_ovector_pointer(data), pairs);
  }
  return true;
}

}  // namespace mpmd::rewrite
