#include "handlers/static_files/path.hpp"

#include <algorithm>

namespace mpmd::static_files {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one segment (no literal '/') and appends it to `out`.
PathError decode_segment(std::string_view seg, std::string& out) {
  for (size_t i = 0; i < seg.size(); ++i) {
    char c = seg[i];
    if (c == '%') {
      if (i + 2 >= seg.size()) return PathError::bad_request;
      int hi = hex_value(seg[i + 1]);
      int lo = hex_value(seg[i + 2]);
      if (hi < 0 || lo < 0) return PathError::bad_request;
      c = char(hi * 16 + lo);
      i += 2;
      if (c == '/' || c == '\0') return PathError::not_found;
    } else if (c == '\0') {
      return PathError::not_found;
    }
    out.push_back(c);
  }
  return PathError::none;
}

}  // namespace

PathError clean_path(std::string_view raw, std::string& out) {
  out.clear();
  if (raw.empty() || raw.front() != '/') return PathError::bad_request;
  out.push_back('/');
  size_t pos = 1;
  bool trailing = true;  // "/" alone is a directory request
  while (pos <= raw.size()) {
    size_t end = raw.find('/', pos);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view seg = raw.substr(pos, end - pos);
    bool last = end == raw.size();
    pos = end + 1;
    if (seg.empty()) {
      trailing = true;
      if (last) break;
      continue;
    }
    size_t mark = out.size();
    if (PathError e = decode_segment(seg, out); e != PathError::none) return e;
    std::string_view decoded = std::string_view(out).substr(mark);
    if (decoded == "." || decoded == "..") {
      bool up = decoded == "..";
      out.resize(mark);  // drop the segment itself; `out` ends with '/'
      if (up) {
        if (out.size() == 1) return PathError::bad_request;  // above the root
        out.pop_back();
        out.resize(out.rfind('/') + 1);
      }
      trailing = true;
    } else {
      out.push_back('/');
      trailing = false;
    }
    if (last) break;
  }
  if (!trailing && out.size() > 1) out.pop_back();
  return PathError::none;
}

PathError section_path(std::string_view raw, std::string& storage, std::string_view& out) {
  if (raw == "*") {  // OPTIONS *: no path to clean, no section matches it
    out = raw;
    return PathError::none;
  }
  bool clean = !raw.empty() && raw.front() == '/' && raw.find('%') == std::string_view::npos &&
               raw.find('\0') == std::string_view::npos;
  for (size_t i = 0; clean && i < raw.size(); ++i) {
    if (raw[i] != '/') continue;
    std::string_view next = raw.substr(i + 1, std::min<size_t>(3, raw.size() - i - 1));
    clean = !next.starts_with('/') && next != "." && next != ".." && !next.starts_with("./") &&
            !next.starts_with("../");
  }
  if (clean) {
    out = raw;
    return PathError::none;
  }
  PathError e = clean_path(raw, storage);
  out = storage;
  return e;
}

std::string encode_path(std::string_view decoded) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(decoded.size());
  for (char ch : decoded) {
    unsigned char c = static_cast<unsigned char>(ch);
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!keep) {
      switch (c) {
        case '-':
        case '.':
        case '_':
        case '~':
        case '!':
        case '$':
        case '&':
        case '\'':
        case '(':
        case ')':
        case '*':
        case '+':
        case ',':
        case ';':
        case '=':
        case ':':
        case '@':
        case '/':
          keep = true;
          break;
        default:
          break;
      }
    }
    if (keep) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace mpmd::static_files
