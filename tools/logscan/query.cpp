#include "logscan/query.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>

#include "logscan/timeparse.hpp"

namespace mpmd::logscan {

namespace {

bool parse_int(std::string_view s, int& out) {
  if (s.empty() || s.size() > 9) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool parse_bytes(std::string_view s, uint64_t& out) {
  if (s == "-") {
    out = 0;
    return true;
  }
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  out = v;
  return true;
}

bool needs_escape(std::string_view s) {
  for (unsigned char c : s)
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) return true;
  return false;
}

bool in_cidr(const IpFilter& f, std::string_view text) {
  char buf[64];
  if (text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = 0;
  unsigned char addr[16];
  if (inet_pton(f.family, buf, addr) != 1) return false;
  int full = f.prefix / 8, rest = f.prefix % 8;
  if (std::memcmp(addr, f.addr, size_t(full)) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (addr[full] & mask) == (f.addr[full] & mask);
}

}  // namespace

std::string parse_status_list(std::string_view text, std::vector<StatusRange>& out) {
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    int v = 0;
    if (item.size() == 3 && item[0] >= '1' && item[0] <= '5' &&
        (item.substr(1) == "xx" || item.substr(1) == "XX")) {
      out.push_back({(item[0] - '0') * 100, (item[0] - '0') * 100 + 99});
    } else if (item.size() == 3 && parse_int(item, v) && v >= 100) {
      out.push_back({v, v});
    } else {
      return "--status: '" + std::string(item) + "' is not a status code (404) or class (5xx)";
    }
  }
  return "";
}

std::string parse_ip_filter(std::string_view text, IpFilter& out) {
  out = IpFilter();
  out.text = std::string(text);
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return text.empty() ? "--ip: empty address" : "";
  std::string addr(text.substr(0, slash));
  int prefix = 0;
  if (!parse_int(text.substr(slash + 1), prefix)) return "--ip: bad prefix in " + out.text;
  out.family = addr.find(':') == std::string::npos ? AF_INET : AF_INET6;
  int max = out.family == AF_INET ? 32 : 128;
  if (prefix > max || inet_pton(out.family, addr.c_str(), out.addr) != 1)
    return "--ip: '" + out.text + "' is not an address or CIDR block";
  out.prefix = prefix;
  return "";
}

std::string parse_top_spec(std::string_view text, TopSpec& out) {
  static constexpr std::pair<std::string_view, TopKey> kKeys[] = {
      {"ip", TopKey::ip},         {"host", TopKey::ip},           {"user", TopKey::user},
      {"status", TopKey::status}, {"method", TopKey::method},     {"path", TopKey::path},
      {"url", TopKey::url},       {"protocol", TopKey::protocol}, {"referer", TopKey::referer},
      {"agent", TopKey::agent},   {"vhost", TopKey::vhost}};
  size_t colon = text.find(':');
  std::string_view name = text.substr(0, colon);
  out = TopSpec();
  bool found = false;
  for (const auto& [n, k] : kKeys)
    if (n == name) {
      out.key = k;
      found = true;
    }
  if (!found)
    return "--top: unknown field '" + std::string(name) +
           "' (ip, user, status, method, path, url, protocol, referer, agent, vhost)";
  out.name = std::string(name);
  if (colon != std::string_view::npos) {
    int n = 0;
    if (!parse_int(text.substr(colon + 1), n) || n <= 0)
      return "--top: '" + std::string(text.substr(colon + 1)) + "' is not a positive count";
    out.limit = size_t(n);
  }
  return "";
}

std::string_view Record::value(TopKey key) const {
  switch (key) {
    case TopKey::ip:
      return raw[Field::host];
    case TopKey::user:
      return raw[Field::user];
    case TopKey::status:
      return raw[Field::status];
    case TopKey::method:
      return method;
    case TopKey::path:
      return path;
    case TopKey::url:
      return url;
    case TopKey::protocol:
      return protocol;
    case TopKey::referer:
      return raw[Field::referer];
    case TopKey::agent:
      return raw[Field::agent];
    case TopKey::vhost:
      return raw[Field::vhost];
  }
  return {};
}

std::string regex_required_literal(std::string_view re) {
  if (re.find('|') != std::string_view::npos || re.find('(') != std::string_view::npos) return "";
  std::string best, run;
  auto flush = [&] {
    if (run.size() > best.size()) best = run;
    run.clear();
  };
  for (size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    char next = i + 1 < re.size() ? re[i + 1] : 0;
    bool optional = next == '?' || next == '*' || next == '{';
    if (c == '\\' && i + 1 < re.size()) {
      char e = re[i + 1];
      bool punct = !((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'));
      char after = i + 2 < re.size() ? re[i + 2] : 0;
      ++i;
      if (!punct || after == '?' || after == '*' || after == '{') {
        flush();
        continue;
      }
      run += e;
      if (after == '+') flush();
      continue;
    }
    if (c == '[') {
      flush();
      size_t close = re.find(']', i + 2);
      if (close == std::string_view::npos) return "";
      i = close;
      continue;
    }
    if (std::strchr(".*+?{}^$)", c) != nullptr) {
      flush();
      if (c == '{') {
        size_t close = re.find('}', i);
        if (close == std::string_view::npos) return "";
        i = close;
      }
      continue;
    }
    if (optional) {
      flush();
      continue;
    }
    run += c;
    if (next == '+') flush();
  }
  flush();
  return best;
}

bool Query::compile(const QuerySpec& spec, const Layout& layout, Query& out, std::string& error) {
  out = Query();
  out.spec_ = spec;
  out.layout_ = layout;
  auto require = [&](bool ok, const char* what, const char* directive) {
    if (!ok && error.empty())
      error = std::string(what) + " needs " + directive + " in the log format";
    return ok;
  };
  bool has_request = layout.has(Field::request);
  bool method_needed = !spec.methods.empty();
  bool path_needed = !spec.path_regex.empty();
  bool url_needed = false, protocol_needed = false;
  bool status_needed = !spec.statuses.empty();
  for (const TopSpec& t : spec.tops) {
    switch (t.key) {
      case TopKey::ip:
        require(layout.has(Field::host), "--top ip", "%h");
        break;
      case TopKey::user:
        require(layout.has(Field::user), "--top user", "%u");
        break;
      case TopKey::status:
        status_needed = true;
        break;
      case TopKey::method:
        method_needed = true;
        break;
      case TopKey::path:
        path_needed = true;
        break;
      case TopKey::url:
        url_needed = true;
        break;
      case TopKey::protocol:
        protocol_needed = true;
        break;
      case TopKey::referer:
        require(layout.has(Field::referer), "--top referer", "%{Referer}i");
        break;
      case TopKey::agent:
        require(layout.has(Field::agent), "--top agent", "%{User-Agent}i");
        break;
      case TopKey::vhost:
        require(layout.has(Field::vhost), "--top vhost", "%v");
        break;
    }
  }
  if (!spec.users.empty()) require(layout.has(Field::user), "--user", "%u");
  if (!spec.ips.empty()) require(layout.has(Field::host), "--ip", "%h");
  if (status_needed) require(layout.has(Field::status), "the status", "%s or %>s");
  if (spec.sum_bytes) require(layout.has(Field::bytes), "--sum-bytes", "%b, %B or %O");
  bool time_needed = spec.since || spec.until || spec.per_seconds != 0;
  if (time_needed) require(layout.has(Field::time), "--since/--until/--per", "%t");
  if (method_needed) require(layout.has(Field::method) || has_request, "the method", "%m or %r");
  if (path_needed) require(layout.has(Field::path) || has_request, "the path", "%U or %r");
  if (url_needed) require(layout.has(Field::path) || has_request, "the url", "%U or %r");
  if (protocol_needed)
    require(layout.has(Field::protocol) || has_request, "the protocol", "%H or %r");
  if (!error.empty()) return false;
  out.need_request_ = has_request && ((method_needed && !layout.has(Field::method)) ||
                                      ((path_needed || url_needed) && !layout.has(Field::path)) ||
                                      (protocol_needed && !layout.has(Field::protocol)));
  out.need_status_ = status_needed;
  out.need_bytes_ = spec.sum_bytes;
  out.need_time_ = time_needed;
  if (!spec.path_regex.empty()) {
    regex_t probe;
    int rc = regcomp(&probe, spec.path_regex.c_str(), REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
      char msg[256];
      regerror(rc, &probe, msg, sizeof msg);
      error = "--path: " + std::string(msg);
      return false;
    }
    regfree(&probe);
  }

  // The pre-filter: one literal every matching line must contain, most selective first.
  auto around = [&](Field f, const std::string& v) {
    return std::string(layout.text_before(f)) + v + std::string(layout.text_after(f));
  };
  if (spec.users.size() == 1 && !needs_escape(spec.users[0])) {
    out.literal_ = around(Field::user, spec.users[0]);
  } else if (spec.ips.size() == 1 && spec.ips[0].prefix < 0) {
    out.literal_ = around(Field::host, spec.ips[0].text);
  } else if (std::string lit = regex_required_literal(spec.path_regex); lit.size() >= 3) {
    out.literal_ = lit;
  } else if (spec.statuses.size() == 1 && spec.statuses[0].lo == spec.statuses[0].hi) {
    out.literal_ = around(Field::status, std::to_string(spec.statuses[0].lo));
  } else if (spec.methods.size() == 1 && !needs_escape(spec.methods[0])) {
    out.literal_ = layout.has(Field::method)
                       ? around(Field::method, spec.methods[0])
                       : std::string(layout.text_before(Field::request)) + spec.methods[0] + " ";
  }
  return true;
}

Evaluator::Evaluator(const Query& query) : query_(query) {
  if (!query.spec_.path_regex.empty())
    has_regex_ = regcomp(&regex_, query.spec_.path_regex.c_str(), REG_EXTENDED | REG_NOSUB) == 0;
}

Evaluator::~Evaluator() {
  if (has_regex_) regfree(&regex_);
}

Evaluator::Outcome Evaluator::evaluate(std::string_view line, Record& rec) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!query_.layout_.parse(line, rec.raw)) return Outcome::malformed;
  const Layout& layout = query_.layout_;
  if (query_.need_request_) {
    std::string_view r = rec.raw[Field::request];
    size_t first = r.find(' ');
    if (first == std::string_view::npos) {
      rec.method = r;
      rec.url = rec.protocol = {};
    } else {
      rec.method = r.substr(0, first);
      size_t last = r.rfind(' ');
      if (last == first) {
        rec.url = r.substr(first + 1);
        rec.protocol = {};
      } else {
        rec.url = r.substr(first + 1, last - first - 1);
        rec.protocol = r.substr(last + 1);
      }
    }
    rec.path = rec.url.substr(0, rec.url.find('?'));
  }
  if (layout.has(Field::method)) rec.method = rec.raw[Field::method];
  if (layout.has(Field::path)) rec.path = rec.url = rec.raw[Field::path];
  if (layout.has(Field::protocol)) rec.protocol = rec.raw[Field::protocol];
  if (query_.need_status_ && !parse_int(rec.raw[Field::status], rec.status))
    return Outcome::malformed;
  if (query_.need_bytes_ && !parse_bytes(rec.raw[Field::bytes], rec.bytes))
    return Outcome::malformed;
  if (query_.need_time_) {
    auto t = parse_clf_time(rec.raw[Field::time]);
    if (!t) return Outcome::malformed;
    rec.time = *t;
  }
  return filters_pass(rec) ? Outcome::matched : Outcome::rejected;
}

bool Evaluator::filters_pass(const Record& rec) {
  const QuerySpec& s = query_.spec_;
  auto any_equal = [](const std::vector<std::string>& values, std::string_view v) {
    for (const std::string& x : values)
      if (x == v) return true;
    return false;
  };
  if (!s.users.empty() && !any_equal(s.users, rec.raw[Field::user])) return false;
  if (!s.methods.empty() && !any_equal(s.methods, rec.method)) return false;
  if (!s.statuses.empty()) {
    bool ok = false;
    for (const StatusRange& r : s.statuses) ok = ok || (rec.status >= r.lo && rec.status <= r.hi);
    if (!ok) return false;
  }
  if (!s.ips.empty()) {
    std::string_view host = rec.raw[Field::host];
    bool ok = false;
    for (const IpFilter& f : s.ips) ok = ok || (f.prefix < 0 ? f.text == host : in_cidr(f, host));
    if (!ok) return false;
  }
  if (s.since && rec.time < *s.since) return false;
  if (s.until && rec.time >= *s.until) return false;
  if (has_regex_) {
    scratch_.assign(rec.path);
    if (regexec(&regex_, scratch_.c_str(), 0, nullptr, 0) != 0) return false;
  }
  return true;
}

}  // namespace mpmd::logscan
