#include "rewrite/expand.hpp"

#include <cstdlib>
#include <cstring>

#include "util/strings.hpp"

namespace mpmd::rewrite::detail {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_escaped_byte(std::string& out, unsigned char c) {
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

// The B flag: everything but alphanumerics and '_' percent-encoded, a space
// as '+' (Apache's escape_backref).
void append_backref(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_') {
      out += char(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      append_escaped_byte(out, c);
    }
  }
}

std::string two_digits(int v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

std::string time_variable(std::string_view name, std::time_t now) {
  std::tm tm{};
  localtime_r(&now, &tm);
  if (name == "TIME_YEAR") return std::to_string(tm.tm_year + 1900);
  if (name == "TIME_MON") return two_digits(tm.tm_mon + 1);
  if (name == "TIME_DAY") return two_digits(tm.tm_mday);
  if (name == "TIME_HOUR") return two_digits(tm.tm_hour);
  if (name == "TIME_MIN") return two_digits(tm.tm_min);
  if (name == "TIME_SEC") return two_digits(tm.tm_sec);
  if (name == "TIME_WDAY") return std::to_string(tm.tm_wday);
  if (name == "TIME") {
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
    return buf;
  }
  return "";
}

// The request headers mod_rewrite knows as HTTP_* variables.
std::string_view header_variable(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kHeaders[] = {
      {"HTTP_HOST", "Host"},
      {"HTTP_USER_AGENT", "User-Agent"},
      {"HTTP_REFERER", "Referer"},
      {"HTTP_COOKIE", "Cookie"},
      {"HTTP_FORWARDED", "Forwarded"},
      {"HTTP_ACCEPT", "Accept"},
      {"HTTP_PROXY_CONNECTION", "Proxy-Connection"},
  };
  for (const auto& [var, header] : kHeaders) {
    if (var == name) return header;
  }
  return {};
}

std::string lookup_env(std::string_view name, const State& s) {
  std::string key(name);
  if (auto it = s.env.find(key); it != s.env.end()) {
    return it->second == std::string_view("\0", 1) ? "" : it->second;
  }
  if (s.facts.env != nullptr) {
    if (auto it = s.facts.env->find(key); it != s.facts.env->end()) return it->second;
  }
  const char* v = std::getenv(key.c_str());
  return v != nullptr ? v : "";
}

// The '}' closing the '{' before `from`, nesting counted; npos if none.
size_t closing_brace(std::string_view s, size_t from) {
  int depth = 1;
  for (size_t i = from; i < s.size(); ++i) {
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return i;
  }
  return std::string_view::npos;
}

}  // namespace

std::string variable(std::string_view name, const State& s) {
  const Facts& f = s.facts;
  if (size_t colon = name.find(':'); colon != std::string_view::npos) {
    std::string_view kind = name.substr(0, colon);
    std::string_view key = name.substr(colon + 1);
    if (util::iequals(kind, "HTTP")) return f.header ? std::string(f.header(key)) : "";
    if (util::iequals(kind, "ENV")) return lookup_env(key, s);
    if (util::iequals(kind, "LA-U") || util::iequals(kind, "LA-F")) return variable(key, s);
    return "";  // SSL:, and anything else: empty, as without mod_ssl
  }
  if (std::string_view h = header_variable(name); !h.empty()) {
    return f.header ? std::string(f.header(h)) : "";
  }
  if (name.starts_with("TIME")) return time_variable(name, f.now);
  if (name == "REQUEST_URI") return std::string(f.uri);
  if (name == "REQUEST_FILENAME" || name == "SCRIPT_FILENAME") return s.value;
  if (name == "QUERY_STRING") return s.args.value_or("");
  if (name == "REQUEST_METHOD") return std::string(f.method);
  if (name == "SERVER_NAME") return std::string(f.server_name);
  if (name == "SERVER_PORT") return std::to_string(f.server_port);
  if (name == "SERVER_ADDR") return std::string(f.server_addr);
  if (name == "SERVER_PROTOCOL") return std::string(f.protocol);
  if (name == "SERVER_ADMIN") return std::string(f.server_admin);
  if (name == "SERVER_SOFTWARE") return "mpmd";
  if (name == "HTTPS") return f.https ? "on" : "off";
  if (name == "REQUEST_SCHEME") return f.https ? "https" : "http";
  if (name == "REMOTE_ADDR" || name == "REMOTE_HOST") return std::string(f.remote_addr);
  if (name == "REMOTE_PORT") return std::to_string(f.remote_port);
  if (name == "THE_REQUEST") return std::string(f.the_request);
  if (name == "DOCUMENT_ROOT" || name == "CONTEXT_DOCUMENT_ROOT") {
    return std::string(f.document_root);
  }
  if (name == "IS_SUBREQ") return "false";
  return "";  // PATH_INFO, AUTH_TYPE, REMOTE_USER, REMOTE_IDENT, unknown names
}

std::string expand(std::string_view text, const State& s, bool escape_refs) {
  std::string out;
  out.reserve(text.size() + 32);
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '\\') {
      if (i + 1 < text.size()) {
        out += text[i + 1];
        i += 2;
      } else {
        out += c;
        ++i;
      }
      continue;
    }
    if ((c != '$' && c != '%') || i + 1 >= text.size()) {
      out += c;
      ++i;
      continue;
    }
    char next = text[i + 1];
    if (next == '{') {
      size_t end = closing_brace(text, i + 2);
      if (end == std::string_view::npos || c == '$') {  // ${map:...}: RewriteMap is refused
        out += c;
        ++i;
        continue;
      }
      out += variable(text.substr(i + 2, end - i - 2), s);
      i = end + 1;
      continue;
    }
    if (next >= '0' && next <= '9') {
      std::string_view ref = (c == '$' ? s.rule_refs : s.cond_refs).group(next - '0');
      if (escape_refs) {
        append_backref(out, ref);
      } else {
        out += ref;
      }
      i += 2;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace mpmd::rewrite::detail
