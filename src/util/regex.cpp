#include "util/regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace mpmd::util {

struct Regex::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

namespace {

// Apache's default (AP_REG_DEFAULT): '.' matches a line break too, and '$'
// only at the very end.
constexpr uint32_t kApacheOptions = PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY;

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
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                    kApacheOptions | (caseless ? PCRE2_CASELESS : 0u), &err, &offset, nullptr);
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

bool Regex::match(std::string_view subject, std::vector<std::string_view>& groups) const {
  groups.clear();
  if (!code_) return false;
  pcre2_match_data* md = thread_match_data(code_->code);
  int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                       0, md, nullptr);
  if (rc < 0) return false;
  uint32_t count = pcre2_get_ovector_count(md);
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
  for (uint32_t i = 0; i < count && i < uint32_t(rc); ++i) {
    if (ov[2 * i] == PCRE2_UNSET) {
      groups.emplace_back();
    } else {
      groups.push_back(subject.substr(ov[2 * i], ov[2 * i + 1] - ov[2 * i]));
    }
  }
  return true;
}

std::string substitute(std::string_view pattern, const std::vector<std::string_view>& groups) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    int group = -1;
    if (c == '&') {
      group = 0;
    } else if (c == '$' && i + 1 < pattern.size() && pattern[i + 1] >= '0' &&
               pattern[i + 1] <= '9') {
      group = pattern[++i] - '0';
    } else if (c == '\\' && i + 1 < pattern.size() &&
               (pattern[i + 1] == '$' || pattern[i + 1] == '&')) {
      out += pattern[++i];
      continue;
    }
    if (group < 0) {
      out += c;
    } else if (size_t(group) < groups.size()) {
      out += groups[size_t(group)];
    }
  }
  return out;
}

}  // namespace mpmd::util
