#include "http/parser.hpp"

#include <array>
#include <cstring>
#include <optional>

#include "http/authority.hpp"
#include "util/strings.hpp"

namespace mpmd::http::detail {

namespace {

enum : uint8_t { kTchar = 1, kField = 2, kTarget = 4 };

constexpr std::array<uint8_t, 256> make_table() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t v = 0;
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alnum) v |= kTchar;
    for (char s : std::string_view("!#$%&'*+-.^_`|~")) {
      if (c == s) v |= kTchar;
    }
    if (c == '\t' || (c >= 0x20 && c != 0x7f)) v |= kField;
    if (c > 0x20 && c != 0x7f) v |= kTarget;
    t[size_t(c)] = v;
  }
  return t;
}

constexpr std::array<uint8_t, 256> kTable = make_table();

inline bool has(char c, uint8_t cls) {
  return (kTable[uint8_t(c)] & cls) != 0;
}

inline const char* find_lf(const char* p, const char* end) {
  return static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
}

bool parse_method(std::string_view m, Method& out) {
  switch (m.size()) {
    case 3:
      if (m == "GET") return out = Method::get, true;
      if (m == "PUT") return out = Method::put, true;
      return false;
    case 4:
      if (m == "HEAD") return out = Method::head, true;
      if (m == "POST") return out = Method::post, true;
      return false;
    case 5:
      if (m == "PATCH") return out = Method::patch, true;
      if (m == "TRACE") return out = Method::trace, true;
      return false;
    case 6:
      if (m == "DELETE") return out = Method::delete_, true;
      return false;
    case 7:
      if (m == "OPTIONS") return out = Method::options, true;
      if (m == "CONNECT") return out = Method::connect, true;
      return false;
    default:
      return false;
  }
}

// Splits an origin-form path (from its '/') into path and query.
void split_path(std::string_view s, Request& r) {
  size_t q = s.find('?');
  if (q == std::string_view::npos) {
    r.path = s;
    r.query = {};
  } else {
    r.path = s.substr(0, q);
    r.query = s.substr(q + 1);
  }
}

// Returns 0 or 400.
int parse_target(Request& r) {
  std::string_view t = r.target;
  if (t[0] == '/') {
    split_path(t, r);
    return 0;
  }
  if (t == "*") {
    if (r.method_text != "OPTIONS") return 400;
    r.path = t;
    return 0;
  }
  if (r.method_text == "CONNECT") {
    // authority-form: "host:port" (RFC 9112 3.2.3). The path is the
    // authority (not a '/' path).
    const std::optional<Authority> a = parse_authority(t);
    if (!a || !a->port) return 400;
    r.host = t;
    r.path = t;
    return 0;
  }
  size_t skip = 0;
  if (util::istarts_with(t, "http://")) {
    skip = 7;
  } else if (util::istarts_with(t, "https://")) {
    skip = 8;
  } else {
    return 400;
  }
  std::string_view rest = t.substr(skip);
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  if (!parse_authority(authority)) return 400;  // also userinfo ('@') and an empty host
  r.host = authority;
  if (slash == std::string_view::npos) {
    r.path = "/";
    r.query = {};
  } else if (rest[slash] == '?') {
    r.path = "/";
    r.query = rest.substr(slash + 1);
  } else {
    split_path(rest.substr(slash), r);
  }
  return 0;
}

// Parses one field line [p, line_end) into name/value. Returns 0 or 400.
inline int parse_field_line(const char* p, const char* line_end, Header& out) {
  if (*p == ' ' || *p == '\t') return 400;  // obs-fold
  const char* q = p;
  while (q < line_end && has(*q, kTchar)) ++q;
  if (q == p || q == line_end || *q != ':') return 400;  // also: whitespace before ':'
  out.name = std::string_view(p, size_t(q - p));
  ++q;
  while (q < line_end && (*q == ' ' || *q == '\t')) ++q;
  const char* v = q;
  for (; q < line_end; ++q) {
    if (!has(*q, kField)) return 400;  // NUL, CR, other controls
  }
  const char* ve = line_end;
  while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) --ve;
  out.value = std::string_view(v, size_t(ve - v));
  return 0;
}

// Calls f(element) for each non-empty, OWS-trimmed element of a comma list.
template <typename F>
void for_each_element(std::string_view list, F&& f) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view el = util::trim_ows(list.substr(start, comma - start));
    if (!el.empty()) f(el);
    start = comma + 1;
  }
}

struct FieldFacts {
  uint32_t hosts = 0;
  std::string_view host;
  bool close = false;
  bool keep_alive = false;
  bool has_length = false;
  bool length_bad = false;
  uint64_t length = 0;
  bool has_te = false;
  bool te_chunked_final = false;  // "chunked" seen and nothing after it
  bool te_bad = false;            // chunked not last, twice, or empty list
  bool te_other = false;          // a coding other than chunked
  bool expect_continue = false;
  bool expect_other = false;
};

void note_field(const Header& h, FieldFacts& f) {
  std::string_view n = h.name;
  switch (n.size()) {
    case 4:
      if (util::iequals(n, "host")) {
        ++f.hosts;
        f.host = h.value;
      }
      break;
    case 6:
      if (util::iequals(n, "expect")) {
        if (util::iequals(h.value, "100-continue")) {
          f.expect_continue = true;
        } else {
          f.expect_other = true;
        }
      }
      break;
    case 10:
      if (util::iequals(n, "connection")) {
        for_each_element(h.value, [&](std::string_view el) {
          if (util::iequals(el, "close")) f.close = true;
          if (util::iequals(el, "keep-alive")) f.keep_alive = true;
        });
      }
      break;
    case 14:
      if (util::iequals(n, "content-length")) {
        bool any = false;
        for_each_element(h.value, [&](std::string_view el) {
          any = true;
          auto v = util::parse_u64(el);
          if (!v || (f.has_length && *v != f.length)) {
            f.length_bad = true;
            return;
          }
          f.has_length = true;
          f.length = *v;
        });
        if (!any) f.length_bad = true;
      }
      break;
    case 17:
      if (util::iequals(n, "transfer-encoding")) {
        bool any = false;
        f.has_te = true;
        for_each_element(h.value, [&](std::string_view el) {
          any = true;
          if (f.te_chunked_final) f.te_bad = true;  // something after chunked
          if (util::iequals(el, "chunked")) {
            f.te_chunked_final = true;
          } else {
            f.te_other = true;
          }
        });
        if (!any) f.te_bad = true;
      }
      break;
    default:
      break;
  }
}

}  // namespace

bool is_tchar(char c) {
  return has(c, kTchar);
}
bool is_field_char(char c) {
  return has(c, kField);
}
bool is_target_char(char c) {
  return has(c, kTarget);
}

ScanResult HeadScanner::scan(std::string_view data, const Limits& limits) {
  const char* base = data.data();
  const char* end = base + data.size();
  while (pos_ < data.size()) {
    const char* lf = find_lf(base + pos_, end);
    if (!lf) {
      pos_ = data.size();
      size_t partial = data.size() - line_start_;
      if (lines_ == 0 && partial > limits.request_line + 1) {
        status_ = 414;
        return ScanResult::error;
      }
      if (lines_ > 0 && partial > limits.request_field_size + 1) {
        status_ = 431;
        return ScanResult::error;
      }
      return ScanResult::incomplete;
    }
    size_t eol = size_t(lf - base);
    size_t len = eol - line_start_;
    if (len > 0 && base[eol - 1] == '\r') --len;
    pos_ = eol + 1;
    if (lines_ == 0) {
      if (len == 0) {  // empty line before the request line: skip it
        skip_ = line_start_ = pos_;
        if (skip_ > limits.request_line) {
          status_ = 400;
          return ScanResult::error;
        }
        continue;
      }
      if (len > limits.request_line) {
        status_ = 414;
        return ScanResult::error;
      }
    } else if (len == 0) {
      head_end_ = pos_;
      return ScanResult::complete;
    } else if (len > limits.request_field_size ||
               (limits.request_fields != 0 && lines_ > limits.request_fields)) {
      status_ = 431;
      return ScanResult::error;
    }
    ++lines_;
    line_start_ = pos_;
  }
  return ScanResult::incomplete;
}

std::string_view HeadScanner::partial_line(std::string_view data) const {
  std::string_view rest = data.substr(std::min(skip_, data.size()));
  size_t lf = rest.find('\n');
  if (lf != std::string_view::npos) rest = rest.substr(0, lf);
  if (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);
  return rest;
}

int parse_fields(std::string_view block, Headers& out) {
  const char* p = block.data();
  const char* end = p + block.size();
  while (p < end) {
    const char* lf = find_lf(p, end);
    const char* next = lf ? lf + 1 : end;
    const char* line_end = lf ? lf : end;
    if (line_end > p && line_end[-1] == '\r') --line_end;
    if (line_end == p) break;
    Header h;
    if (parse_field_line(p, line_end, h) != 0) return 400;
    out.add(h.name, h.value);
    p = next;
  }
  return 0;
}

int parse_head(std::string_view head, Request& r, HeadInfo& info) {
  // Every view into the head is made again: a head parsed a second time (its
  // buffer moved) keeps nothing of the first parse.
  info = HeadInfo();
  r.host = {};
  r.headers.clear();
  const char* p = head.data();
  const char* end = p + head.size();
  const char* lf = find_lf(p, end);
  if (!lf) return 400;
  const char* line_end = lf;
  if (line_end > p && line_end[-1] == '\r') --line_end;
  r.request_line = std::string_view(p, size_t(line_end - p));

  // method SP request-target SP HTTP-version
  const char* q = p;
  while (q < line_end && has(*q, kTchar)) ++q;
  r.method_text = std::string_view(p, size_t(q - p));
  if (q == p || q == line_end || *q != ' ') return 400;
  const char* t = ++q;
  while (q < line_end && has(*q, kTarget)) ++q;
  r.target = std::string_view(t, size_t(q - t));
  if (q == t) return 400;
  if (q == line_end) return 505;  // HTTP/0.9 simple request
  if (*q != ' ') return 400;
  std::string_view version(q + 1, size_t(line_end - q - 1));
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[5] < '0' ||
      version[5] > '9' || version[6] != '.' || version[7] < '0' || version[7] > '9') {
    return 400;
  }
  if (version[5] != '1') {
    return 505;  // HTTP/0.9, 2.0 (the h2 preface "PRI * HTTP/2.0"), 3.0 ...
  }
  // RFC 9110 2.5: a higher minor version of HTTP/1 is served as the highest
  // we implement, HTTP/1.1 (and answered as HTTP/1.1).
  r.version = version[7] == '0' ? Version::http10 : Version::http11;
  const bool known_method = parse_method(r.method_text, r.method);

  // Fields, noting the ones that frame the message.
  FieldFacts f;
  p = lf + 1;
  while (p < end) {
    lf = find_lf(p, end);
    if (!lf) return 400;
    line_end = lf;
    if (line_end > p && line_end[-1] == '\r') --line_end;
    if (line_end == p) break;
    Header h;
    if (parse_field_line(p, line_end, h) != 0) return 400;
    r.headers.add(h.name, h.value);
    note_field(h, f);
    p = lf + 1;
  }

  if (parse_target(r) != 0) return 400;
  if (r.version == Version::http11) {
    if (f.hosts != 1) return 400;
    r.keep_alive = !f.close;
  } else {
    if (f.hosts > 1) return 400;
    r.keep_alive = f.keep_alive && !f.close;
  }
  if (f.hosts == 1) {
    // RFC 9112 3.2: an invalid Host is 400, even when an absolute-form target
    // names the authority. An empty one is allowed (a target without one).
    if (!f.host.empty() && !parse_authority(f.host)) return 400;
    if (r.host.empty()) r.host = f.host;  // absolute-form wins over Host
  }
  if (f.length_bad) return 400;
  if (f.has_te) {
    if (f.has_length || f.te_bad || !f.te_chunked_final) return 400;
    if (f.te_other) return 501;  // e.g. "gzip, chunked": a coding we do not decode
    info.chunked = true;
    if (r.version == Version::http10) info.must_close = true;  // RFC 9112 6.1
  } else {
    info.content_length = f.length;
  }
  if (!known_method) return 501;
  if (r.version == Version::http11) {
    if (f.expect_other) return 417;
    info.expect_continue = f.expect_continue;
  }
  return 0;
}

}  // namespace mpmd::http::detail
