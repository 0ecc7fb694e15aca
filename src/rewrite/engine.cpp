#include "rewrite/engine.hpp"

#include <cstdlib>
#include <cstring>

#include "rewrite/expand.hpp"
#include "util/strings.hpp"

namespace mpmd::rewrite {

namespace {

using detail::State;

constexpr int kDefaultMaxRounds = 10000;  // N without a limit (Apache's REWRITE_MAX_ROUNDS)
// The longest URL or variable value a rule may build: [N] rounds that double
// it would otherwise exhaust memory (Apache has no such bound).
constexpr size_t kMaxValue = 64 * 1024;

enum class Action {
  none,       // the rule did not match
  matched,    // matched, no substitution ("-")
  rewritten,  // the value changed
  status,     // F, G, R=4xx: stop with a status
};

struct Scheme {
  std::string_view prefix;
  bool query;  // whether a query string makes sense (Apache's supportsqs)
};
constexpr Scheme kSchemes[] = {
    {"http://", true}, {"https://", true},  {"ftp://", true},  {"ws://", true},    {"wss://", true},
    {"ldap://", true}, {"gopher://", true}, {"nntp://", true}, {"mailto:", false}, {"news:", false},
};

const Scheme* scheme_of(std::string_view s) {
  for (const Scheme& sc : kSchemes) {
    if (util::istarts_with(s, sc.prefix)) return &sc;
  }
  return nullptr;
}

bool is_absolute_url(std::string_view s) {
  return scheme_of(s) != nullptr;
}

long to_int(std::string_view s) {
  return std::strtol(std::string(s).c_str(), nullptr, 10);
}

// Apache's compare_lexicography: the longer string is the greater, strings
// of one length compare byte by byte.
int lexicography(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() > b.size() ? 1 : -1;
  return a.compare(b) < 0 ? -1 : a == b ? 0 : 1;
}

bool compare(const Condition& c, const std::string& input, const std::string& operand) {
  if (c.op == CondOp::equal) {
    return c.nocase ? strcasecmp(input.c_str(), operand.c_str()) == 0 : input == operand;
  }
  int cmp = lexicography(input, operand);
  switch (c.op) {
    case CondOp::less:
      return cmp < 0;
    case CondOp::greater:
      return cmp > 0;
    case CondOp::less_equal:
      return cmp <= 0;
    case CondOp::greater_equal:
      return cmp >= 0;
    default:
      return false;
  }
}

bool test_condition(const Condition& c, State& s) {
  std::string input = detail::expand(c.test, s, false);
  bool rc = false;
  switch (c.op) {
    case CondOp::regex: {
      Captures refs;
      rc = c.regex.match(input, &refs);
      if (rc && !c.negate) s.cond_refs = std::move(refs);
      break;
    }
    case CondOp::equal:
    case CondOp::less:
    case CondOp::greater:
    case CondOp::less_equal:
    case CondOp::greater_equal:
      rc = compare(c, input, detail::expand(c.operand, s, false));
      break;
    case CondOp::int_eq:
      rc = to_int(input) == to_int(c.operand);
      break;
    case CondOp::int_lt:
      rc = to_int(input) < to_int(c.operand);
      break;
    case CondOp::int_le:
      rc = to_int(input) <= to_int(c.operand);
      break;
    case CondOp::int_gt:
      rc = to_int(input) > to_int(c.operand);
      break;
    case CondOp::int_ge:
      rc = to_int(input) >= to_int(c.operand);
      break;
    default: {
      FileInfo fi = s.files ? s.files(input) : FileInfo{};
      switch (c.op) {
        case CondOp::is_file:
        case CondOp::file_access:
        case CondOp::url_access:
          rc = fi.regular;
          break;
        case CondOp::is_dir:
          rc = fi.directory;
          break;
        case CondOp::is_nonempty:
          rc = fi.regular && fi.size > 0;
          break;
        case CondOp::is_link:
          rc = fi.link;
          break;
        case CondOp::is_executable:
          rc = fi.exists && fi.executable;
          break;
        default:
          break;
      }
    }
  }
  return c.negate ? !rc : rc;
}

// All conditions of `rule`, with [OR] chains, as Apache evaluates them.
bool conditions_hold(const Rule& rule, State& s) {
  const auto& conds = rule.conditions;
  for (size_t i = 0; i < conds.size(); ++i) {
    bool rc = test_condition(conds[i], s);
    if (conds[i].or_next) {
      if (!rc) continue;
      // True: the rest of this OR chain (up to its last member) is skipped.
      while (i < conds.size() && conds[i].or_next) ++i;
    } else if (!rc) {
      return false;
    }
  }
  return true;
}

// The query string a substitution's '?' sets (Apache's splitout_queryargs).
void split_query(const Rule& rule, std::string& uri, State& s) {
  const Scheme* scheme = scheme_of(uri);
  if (scheme != nullptr && !scheme->query) {
    s.args.reset();
    return;
  }
  if (rule.qs_discard) s.args.reset();
  size_t q = rule.qs_last ? uri.rfind('?') : uri.find('?');
  if (q == std::string::npos) return;
  std::string added = uri.substr(q + 1);
  uri.resize(q);
  if (rule.qs_append && !added.empty()) {
    s.args = added + "&" + s.args.value_or("");
  } else {
    s.args = added;
  }
  if (s.args->empty()) {
    s.args.reset();
  } else if (s.args->back() == '&') {
    s.args->pop_back();
  }
}

std::string host_for_url(const Facts& f) {
  std::string host(f.server_name);
  if (host.find(':') != std::string::npos && !host.starts_with('[')) host = "[" + host + "]";
  return host;
}

bool default_port(const Facts& f) {
  return f.server_port == (f.https ? 443 : 80);
}

// R: a URL-path made into a URL of this server (fully_qualify_uri).
void fully_qualify(std::string& uri, const Facts& f) {
  if (is_absolute_url(uri)) return;
  std::string out = f.https ? "https://" : "http://";
  out += host_for_url(f);
  if (!default_port(f)) out += ":" + std::to_string(f.server_port);
  if (!uri.starts_with('/')) out += '/';
  uri = out + uri;
}

// A URL of this very server becomes its path (Apache's reduce_uri).
void reduce(std::string& uri, const Facts& f) {
  const Scheme* sc = scheme_of(uri);
  if (sc == nullptr || !sc->query || sc->prefix.size() < 7) return;
  bool https = util::istarts_with(uri, "https://");
  if (!https && !util::istarts_with(uri, "http://")) return;
  size_t host_begin = sc->prefix.size();
  size_t path = uri.find('/', host_begin);
  std::string_view authority = std::string_view(uri).substr(host_begin, path - host_begin);
  uint16_t port = https ? 443 : 80;
  std::string_view host = authority;
  if (size_t colon = authority.rfind(':');
      colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    host = authority.substr(0, colon);
    auto p = util::parse_u64(authority.substr(colon + 1));
    port = p && *p < 65536 ? uint16_t(*p) : 0;
  }
  if (!util::iequals(host, f.server_name) || port != f.local_port) return;
  uri = path == std::string::npos ? "/" : uri.substr(path);
}

bool yes(std::string_view v, std::string_view word) {
  return util::iequals(v, word) || util::iequals(v, "true") || v == "1";
}

// CO=NAME:VALUE:DOMAIN[:lifetime[:path[:secure[:httponly]]]] as the Set-Cookie
// value Apache writes (lifetime in minutes, as an expires date).
std::string cookie_value(const std::string& spec, std::time_t now) {
  auto parts = util::split(spec, ':');
  auto part = [&](size_t i) { return i < parts.size() ? parts[i] : std::string_view(); };
  std::string out = std::string(part(0)) + "=" + std::string(part(1));
  out += "; path=" + std::string(part(4).empty() ? "/" : part(4));
  out += "; domain=" + std::string(part(2));
  if (long minutes = to_int(part(3)); minutes > 0) {
    std::time_t when = now + minutes * 60;
    std::tm tm{};
    gmtime_r(&when, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d-%b-%Y %H:%M:%S GMT", &tm);
    out += "; expires=";
    out += buf;
  }
  if (yes(part(5), "secure")) out += "; secure";
  if (yes(part(6), "HttpOnly")) out += "; HttpOnly";
  return out;
}

bool contains_3f(std::string_view s) {
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    if (s[i] == '%' && s[i + 1] == '3' && (s[i + 2] == 'f' || s[i + 2] == 'F')) return true;
  }
  return false;
}

Action too_long(const Rule& rule, Outcome& out) {
  out.status = 500;
  out.error = "RewriteRule at " + rule.origin + ": its result is longer than 64 KiB";
  return Action::status;
}

Action apply_rule(const Rule& rule, State& s, Outcome& out, const PerDir* dir) {
  std::string_view subject = s.value;
  if (dir != nullptr && subject.starts_with(dir->prefix)) subject.remove_prefix(dir->prefix.size());
  Captures refs;
  bool matched = rule.regex.match(subject, rule.negate ? nullptr : &refs);
  if (matched == rule.negate) return Action::none;
  Captures saved_rule = std::move(s.rule_refs);
  Captures saved_cond = std::move(s.cond_refs);
  s.rule_refs = rule.negate ? Captures{} : std::move(refs);
  s.cond_refs = Captures{};
  if (!conditions_hold(rule, s)) {
    s.rule_refs = std::move(saved_rule);
    s.cond_refs = std::move(saved_cond);
    return Action::none;
  }
  for (const auto& [name, value] : rule.env) {
    if (name.starts_with('!')) {
      s.env[name.substr(1)] = std::string(1, '\0');
      out.env.emplace_back(name.substr(1), std::string(1, '\0'));
    } else {
      std::string v = detail::expand(value, s, false);
      if (v.size() > kMaxValue) return too_long(rule, out);
      s.env[name] = v;
      out.env.emplace_back(name, std::move(v));
    }
  }
  for (const auto& c : rule.cookies)
    out.set_cookies.push_back(cookie_value(detail::expand(c, s, false), s.facts.now));
  if (rule.status != 0) {
    out.status = rule.status;
    return Action::status;
  }
  if (!rule.type.empty()) out.type = detail::expand(rule.type, s, false);
  if (rule.substitution == "-") return Action::matched;
  std::string uri = detail::expand(rule.substitution, s, rule.escape_backrefs);
  if (uri.size() > kMaxValue) return too_long(rule, out);
  // CVE-2023-25690: an encoded '?' of the request never becomes a query
  // string unless the rule says UnsafeAllow3F (Apache answers 403 then).
  if (!rule.allow_3f && uri.find('?') != std::string::npos && contains_3f(s.facts.target)) {
    out.status = 403;
    return Action::status;
  }
  split_query(rule, uri, s);
  if (dir != nullptr && !uri.starts_with('/') && !is_absolute_url(uri)) uri = dir->prefix + uri;
  if (rule.redirect != 0) {
    fully_qualify(uri, s.facts);
    out.status = rule.redirect;
  } else {
    reduce(uri, s.facts);
    if (is_absolute_url(uri)) out.status = 302;
  }
  s.value = std::move(uri);
  out.noescape = rule.noescape;
  return Action::rewritten;
}

// The Location of a redirect to `url`: escaped unless NE, its query appended.
std::string location(const std::string& url, const State& s, bool noescape, const Facts& f) {
  std::string out;
  if (noescape) {
    out = url;
  } else {
    size_t scheme = scheme_of(url) ? scheme_of(url)->prefix.size() : 0;
    size_t path = url.find('/', scheme);
    out = path == std::string::npos ? url : url.substr(0, path) + escape_uri(url.substr(path));
  }
  if (s.args) {
    bool same = *s.args == f.query;
    out += '?';
    out += noescape || same ? *s.args : escape_uri(*s.args);
  }
  return out;
}

}  // namespace

std::string escape_uri(std::string_view s) {
  static constexpr std::string_view kKeep = "$-_.+!*'(),:;@&=/~";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || kKeep.find(char(c)) != std::string_view::npos) {
      out += char(c);
    } else {
      out += '%';
      out += "0123456789abcdef"[c >> 4];
      out += "0123456789abcdef"[c & 15];
    }
  }
  return out;
}

size_t absolute_url_prefix(std::string_view s) {
  const Scheme* sc = scheme_of(s);
  return sc == nullptr ? 0 : sc->prefix.size();
}

Outcome apply(const Ruleset& rules, const Facts& facts, const FileTest& files, const PerDir* dir,
              std::string_view filename) {
  Outcome out;
  State s{facts, files, std::string(dir != nullptr ? filename : facts.uri), std::nullopt, {},
          {},    {}};
  if (!facts.query.empty()) s.args = std::string(facts.query);
  bool changed = false;
  int rounds = 0;
  const auto& list = rules.rules;
  for (size_t i = 0; i < list.size(); ++i) {
    const Rule& rule = list[i];
    Action rc = apply_rule(rule, s, out, dir);
    if (rc == Action::none) {
      // A chain fails as a whole: skip the rest of it.
      while (i < list.size() && list[i].chain) ++i;
      continue;
    }
    if (rc == Action::status) {
      out.kind = Outcome::Kind::status;
      return out;
    }
    if (rc == Action::rewritten) changed = true;
    if (rule.passthrough) {
      out.passthrough = true;
      break;
    }
    if (rule.end) {
      out.end = true;
      break;
    }
    if (rule.last) break;
    if (rule.next) {
      int limit = rule.next_limit > 0 ? rule.next_limit : kDefaultMaxRounds;
      if (++rounds >= limit) {
        out.kind = Outcome::Kind::status;
        out.status = 500;
        out.error = "RewriteRule at " + rule.origin + ": the [N] flag looped " +
                    std::to_string(rounds) + " times";
        return out;
      }
      i = size_t(-1);
      continue;
    }
    for (int skip = rule.skip; skip > 0 && i < list.size(); --skip) ++i;
  }
  if (!changed) return out;
  if (is_absolute_url(s.value)) {
    out.kind = Outcome::Kind::redirect;
    if (out.status == 0) out.status = 302;
    out.value = location(s.value, s, out.noescape, facts);
    return out;
  }
  out.kind = Outcome::Kind::rewritten;
  out.status = 0;
  out.value = std::move(s.value);
  out.query = std::move(s.args);
  return out;
}

}  // namespace mpmd::rewrite
