#include "util/regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace mpmd::util {

struct Regex::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

namespace {

// One match block per thread, grown to the largest pattern seen.
pcre2_match_data* thread_match_data(const pcre2_code* code) {
  struct Holder {
    pcre2_match_data* data = nullptr;
    uint32_t pairs = 0;
    ~Holder() { pcre2_match_data_free(data); }
  };
  thread_local Holder h;
  uint32_t need = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &need);
  ++need;
  if (h.data == nullptr || h.pairs < need) {
    pcre2_match_data_free(h.data);
    h.data = pcre2_match_data_create(need, nullptr);
    h.pairs = need;
  }
  return h.data;
}

}  // namespace

Result<Regex> Regex::compile(std::string_view pattern, bool caseless) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   caseless ? PCRE2_CASELESS : 0u, &err, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(err, message, sizeof message);
    return Error{"regular expression '" + std::string(pattern) + "': " +
                 reinterpret_cast<const char*>(message) + " at offset " + std::to_string(offset)};
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // where it fails, the interpreter serves
  Regex r;
  auto c = std::make_shared<Code>();
  c->code = code;
  r.code_ = std::move(c);
  r.pattern_ = pattern;
  return r;
}

bool Regex::search(std::string_view subject) const {
  if (!code_) return false;
  pcre2_match_data* md = thread_match_data(code_->code);
  int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                       0, md, nullptr);
  return rc >= 0;
}

}  // namespace mpmd::util
