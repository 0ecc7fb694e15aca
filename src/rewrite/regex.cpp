#include "rewrite/regex.hpp"

#include <algorithm>

namespace mpmd::rewrite {

std::string_view Captures::group(int n) const {
  if (n < 0 || n >= count_) return {};
  size_t begin = spans_[size_t(2 * n)];
  size_t end = spans_[size_t(2 * n + 1)];
  if (begin == kUnset || end < begin || end > subject_.size()) return {};
  return std::string_view(subject_).substr(begin, end - begin);
}

void Captures::set(std::string_view subject, const std::vector<std::string_view>& groups) {
  subject_.assign(subject);
  count_ = std::min(int(groups.size()), kMax);
  for (int i = 0; i < count_; ++i) {
    std::string_view g = groups[size_t(i)];
    bool inside = g.data() != nullptr && g.data() >= subject.data() &&
                  g.data() + g.size() <= subject.data() + subject.size();
    spans_[size_t(2 * i)] = inside ? size_t(g.data() - subject.data()) : kUnset;
    spans_[size_t(2 * i + 1)] = inside ? spans_[size_t(2 * i)] + g.size() : kUnset;
  }
}

util::Result<Regex> Regex::compile(std::string_view pattern, bool nocase) {
  auto compiled = util::Regex::compile(pattern, nocase);
  if (!compiled) return util::Error{"cannot compile " + compiled.error().message};
  Regex r;
  r.regex_ = std::move(*compiled);
  return r;
}

bool Regex::match(std::string_view subject, Captures* out) const {
  if (!regex_) return false;
  thread_local std::vector<std::string_view> groups;
  if (!regex_->match(subject, groups)) return false;
  if (out != nullptr) out->set(subject, groups);
  return true;
}

}  // namespace mpmd::rewrite
