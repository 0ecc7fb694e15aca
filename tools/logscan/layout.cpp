#include "logscan/layout.hpp"

#include <cstring>

namespace mpmd::logscan {

namespace {
// memchr, without the call for the short distances most fields have.
inline const char* find_byte(const char* p, const char* end, char c) {
  const char* stop = end - p > 24 ? p + 24 : end;
  for (; p < stop; ++p)
    if (*p == c) return p;
  if (p == end) return nullptr;
  return static_cast<const char*>(std::memchr(p, c, size_t(end - p)));
}

// The first occurrence of `lit` (short, non-empty) in [p, end).
const char* find_literal(const char* p, const char* end, const std::string& lit) {
  const size_t n = lit.size();
  while (size_t(end - p) >= n) {
    const char* c = find_byte(p, end - n + 1, lit[0]);
    if (c == nullptr) return nullptr;
    size_t i = 1;
    while (i < n && c[i] == lit[i]) ++i;
    if (i == n) return c;
    p = c + 1;
  }
  return nullptr;
}
}  // namespace

Field field_of(const log::Directive& d) {
  switch (d.letter) {
    case 'h':
    case 'a':
      return Field::host;
    case 'u':
      return Field::user;
    case 't':
      return d.arg.empty() ? Field::time : Field::other;
    case 'r':
      return Field::request;
    case 's':
      return Field::status;
    case 'b':
    case 'B':
    case 'O':
      return Field::bytes;
    case 'm':
      return Field::method;
    case 'U':
      return Field::path;
    case 'q':
      return Field::query;
    case 'H':
      return Field::protocol;
    case 'v':
    case 'V':
      return Field::vhost;
    case 'i': {
      std::string lower;
      for (char c : d.arg) lower += (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
      if (lower == "referer") return Field::referer;
      if (lower == "user-agent") return Field::agent;
      return Field::other;
    }
    default:
      return Field::other;
  }
}

bool Layout::build(const std::vector<log::Item>& items, Layout& out, std::string& error) {
  out = Layout();
  std::string pending;          // literal text collected since the last field
  bool after_bracketed = true;  // the start of the line separates like a literal
  for (const log::Item& item : items) {
    if (item.literal) {
      pending += item.text;
      continue;
    }
    const log::Directive& d = item.directive;
    if (pending.empty() && !after_bracketed) {
      error = std::string("log format: %") + d.letter +
              " directly follows another field; logscan needs literal text between fields";
      return false;
    }
    Step step;
    step.before = std::move(pending);
    pending.clear();
    step.field = field_of(d);
    step.bracketed = d.letter == 't' && d.arg.empty();
    if (step.field != Field::other) {
      if (out.present_[int(step.field)])
        step.field = Field::other;  // first one wins
      else
        out.present_[int(step.field)] = true;
    }
    out.steps_.push_back(std::move(step));
    after_bracketed = out.steps_.back().bracketed;
  }
  out.tail_ = std::move(pending);
  // A field is quoted when the literal before it ends with '"' and the one after
  // it starts with '"': Apache escapes '"' inside such fields as \".
  for (size_t i = 0; i < out.steps_.size(); ++i) {
    Step& s = out.steps_[i];
    if (s.bracketed) continue;
    const std::string& next = i + 1 < out.steps_.size() ? out.steps_[i + 1].before : out.tail_;
    s.quoted = !s.before.empty() && s.before.back() == '"' && !next.empty() && next.front() == '"';
  }
  return true;
}

bool Layout::parse(std::string_view line, Fields& out) const {
  const char* p = line.data();
  const char* end = p + line.size();
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    const size_t lit = s.before.size();
    if (size_t(end - p) < lit) return false;
    for (size_t k = 0; k < lit; ++k)
      if (p[k] != s.before[k]) return false;
    p += lit;
    const char* field_begin = p;
    const char* field_end;
    const std::string& next = i + 1 < steps_.size() ? steps_[i + 1].before : tail_;
    if (s.bracketed) {
      if (p == end || *p != '[') return false;
      const char* close = find_byte(p, end, ']');
      if (close == nullptr) return false;
      field_begin = p + 1;
      field_end = close;
      p = close + 1;
    } else if (s.quoted) {
      const char* q = p;
      while (true) {
        q = static_cast<const char*>(std::memchr(q, '"', size_t(end - q)));
        if (q == nullptr) return false;
        // Count the backslashes before the quote: an odd number escapes it.
        const char* b = q;
        while (b > p && b[-1] == '\\') --b;
        if (((q - b) & 1) == 0) break;
        ++q;
      }
      field_end = q;
      p = q;
    } else if (next.empty()) {  // only the last field (build() rejects the rest)
      field_end = end;
      p = end;
    } else {
      field_end = find_literal(p, end, next);
      if (field_end == nullptr) return false;
      p = field_end;
    }
    if (s.field != Field::other)
      out[s.field] = std::string_view(field_begin, size_t(field_end - field_begin));
  }
  size_t lit = tail_.size();
  return size_t(end - p) == lit && std::memcmp(p, tail_.data(), lit) == 0;
}

std::string_view Layout::text_before(Field f) const {
  for (const Step& s : steps_)
    if (s.field == f) return s.before;
  return {};
}

std::string_view Layout::text_after(Field f) const {
  for (size_t i = 0; i < steps_.size(); ++i) {
    if (steps_[i].field != f) continue;
    return i + 1 < steps_.size() ? std::string_view(steps_[i + 1].before) : std::string_view(tail_);
  }
  return {};
}

}  // namespace mpmd::logscan
