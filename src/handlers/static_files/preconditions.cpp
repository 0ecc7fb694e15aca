#include "handlers/static_files/preconditions.hpp"

#include "util/strings.hpp"

namespace mpmd::static_files {

namespace {

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

bool is_etagc(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u != 0x7f);
}

}  // namespace

bool etag_matches(std::string_view field, std::string_view etag, bool weak) {
  std::string_view rest = util::trim_ows(field);
  if (rest == "*") return true;
  while (!rest.empty()) {
    char c = rest.front();
    if (c == ',' || is_ows(c)) {
      rest.remove_prefix(1);
      continue;
    }
    bool is_weak = false;
    if (rest.size() >= 2 && rest[0] == 'W' && rest[1] == '/') {
      is_weak = true;
      rest.remove_prefix(2);
    }
    if (rest.empty() || rest.front() != '"') return false;
    size_t end = 1;
    while (end < rest.size() && is_etagc(rest[end])) ++end;
    if (end >= rest.size() || rest[end] != '"') return false;
    std::string_view tag = rest.substr(0, end + 1);  // with quotes
    rest.remove_prefix(end + 1);
    if (!etag.empty() && tag == etag && (weak || !is_weak)) return true;
  }
  return false;
}

RangeResult parse_range(std::string_view field, uint64_t size, std::vector<ByteRange>& out) {
  out.clear();
  field = util::trim_ows(field);
  if (!util::istarts_with(field, "bytes=")) return RangeResult::ignore;
  field.remove_prefix(6);
  if (size == 0) return RangeResult::ignore;  // nothing to slice: send the empty 200
  size_t specs = 0;
  bool any_valid = false;
  while (true) {
    size_t comma = field.find(',');
    std::string_view spec = util::trim_ows(field.substr(0, comma));
    if (!spec.empty()) {
      if (++specs > kMaxRanges) {
        out.clear();
        return RangeResult::ignore;
      }
      size_t dash = spec.find('-');
      if (dash == std::string_view::npos) return out.clear(), RangeResult::ignore;
      std::string_view a = spec.substr(0, dash);
      std::string_view b = spec.substr(dash + 1);
      ByteRange r;
      bool ok = false;
      if (a.empty()) {  // suffix: "-N" = the last N bytes
        auto n = util::parse_u64(b);
        if (!n) return out.clear(), RangeResult::ignore;
        any_valid = true;
        if (*n > 0) {
          r.first = *n >= size ? 0 : size - *n;
          r.last = size - 1;
          ok = true;
        }
      } else {
        auto first = util::parse_u64(a);
        if (!first) return out.clear(), RangeResult::ignore;
        uint64_t last = size - 1;
        if (!b.empty()) {
          auto l = util::parse_u64(b);
          if (!l || *l < *first) return out.clear(), RangeResult::ignore;
          last = *l < size - 1 ? *l : size - 1;
        }
        any_valid = true;
        if (*first < size) {
          r.first = *first;
          r.last = last;
          ok = true;
        }
      }
      if (ok) {
        if (!out.empty() && r.first <= out.back().last + 1 && r.last + 1 >= out.back().first) {
          ByteRange& prev = out.back();
          if (r.first < prev.first) prev.first = r.first;
          if (r.last > prev.last) prev.last = r.last;
        } else {
          out.push_back(r);
        }
      }
    }
    if (comma == std::string_view::npos) break;
    field.remove_prefix(comma + 1);
  }
  if (!any_valid) return RangeResult::ignore;  // "bytes=" with no range-spec at all
  return out.empty() ? RangeResult::unsatisfiable : RangeResult::satisfiable;
}

}  // namespace mpmd::static_files
