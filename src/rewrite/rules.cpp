#include "rewrite/rules.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace mpmd::rewrite {

namespace {

util::Error fail(std::string message) {
  return util::Error{std::move(message)};
}

// "[A,B=x,C]" -> {"A", "B=x", "C"}; an error when not bracketed.
util::Result<std::vector<std::string>> split_flags(std::string_view text) {
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') {
    return fail("bad flag delimiters: flags are written [FLAG,FLAG=value]");
  }
  std::vector<std::string> out;
  for (std::string_view f : util::split(text.substr(1, text.size() - 2), ',')) {
    f = util::trim_ows(f);
    if (!f.empty()) out.emplace_back(f);
  }
  return out;
}

bool is_flag(std::string_view key, std::initializer_list<std::string_view> names) {
  return std::any_of(names.begin(), names.end(),
                     [&](std::string_view n) { return util::iequals(key, n); });
}

std::string cond_flags(Condition& c, std::string_view text) {
  auto flags = split_flags(text);
  if (!flags) return flags.error().message;
  for (const std::string& f : *flags) {
    if (is_flag(f, {"NC", "nocase"})) {
      c.nocase = true;
    } else if (is_flag(f, {"OR", "ornext"})) {
      c.or_next = true;
    } else if (is_flag(f, {"NV", "novary"})) {
      // Vary is not added for conditions on headers; nothing to turn off.
    } else {
      return "unknown RewriteCond flag '" + f + "'";
    }
  }
  return "";
}

// The status R=, F, G name; 0 for a bad value.
int redirect_code(std::string_view v) {
  if (v.empty()) return 302;
  if (util::iequals(v, "permanent")) return 301;
  if (util::iequals(v, "temp")) return 302;
  if (util::iequals(v, "seeother")) return 303;
  auto n = util::parse_u64(v);
  if (!n || *n < 300 || *n > 599) return 0;
  return int(*n);
}

std::string rule_flag(Rule& r, std::string_view key, std::string_view value, bool has_value) {
  auto plain = [&](bool& field) {
    field = true;
    return has_value ? "flag " + std::string(key) + " takes no value" : std::string();
  };
  if (is_flag(key, {"L", "last"})) return plain(r.last);
  if (is_flag(key, {"END"})) return plain(r.end);
  if (is_flag(key, {"NE", "noescape"})) return plain(r.noescape);
  if (is_flag(key, {"B"})) return plain(r.escape_backrefs);
  if (is_flag(key, {"QSA", "qsappend"})) return plain(r.qs_append);
  if (is_flag(key, {"QSD", "qsdiscard"})) return plain(r.qs_discard);
  if (is_flag(key, {"QSL", "qslast"})) return plain(r.qs_last);
  if (is_flag(key, {"NC", "nocase"})) return plain(r.nocase);
  if (is_flag(key, {"PT", "passthrough"})) return plain(r.passthrough);
  if (is_flag(key, {"C", "chain"})) return plain(r.chain);
  if (is_flag(key, {"NS", "nosubreq", "DPI", "discardpath"})) return "";  // no subrequests here
  if (is_flag(key, {"F", "forbidden"})) {
    r.status = 403;
    return "";
  }
  if (is_flag(key, {"G", "gone"})) {
    r.status = 410;
    return "";
  }
  if (is_flag(key, {"R", "redirect"})) {
    int code = redirect_code(value);
    if (code == 0) return "bad redirect status '" + std::string(value) + "' (300-599)";
    if (code < 400)
      r.redirect = code;
    else
      r.status = code;
    return "";
  }
  if (is_flag(key, {"N", "next"})) {
    r.next = true;
    if (has_value) {
      auto n = util::parse_u64(value);
      if (!n || *n == 0 || *n > 1000000) return "bad N= limit '" + std::string(value) + "'";
      r.next_limit = int(*n);
    }
    return "";
  }
  if (is_flag(key, {"S", "skip"})) {
    auto n = util::parse_u64(value);
    if (!n || *n > 10000) return "bad S= count '" + std::string(value) + "'";
    r.skip = int(*n);
    return "";
  }
  if (is_flag(key, {"E", "env"})) {
    size_t colon = value.find(':');
    std::string name(value.substr(0, colon));
    if (name.empty()) return "E= needs VAR[:VALUE]";
    r.env.emplace_back(name, colon == std::string_view::npos ? "" : value.substr(colon + 1));
    return "";
  }
  if (is_flag(key, {"T", "type"})) {
    if (value.empty()) return "T= needs a MIME type";
    r.type = value;
    return "";
  }
  if (is_flag(key, {"CO", "cookie"})) {
    if (std::count(value.begin(), value.end(), ':') < 2) return "CO= needs NAME:VALUE:DOMAIN";
    r.cookies.emplace_back(value);
    return "";
  }
  if (is_flag(key, {"P", "proxy"})) {
    return "flag [P] (proxy) is not supported by mpmd yet: use ProxyPass when the reverse proxy "
           "lands, or a redirect [R]";
  }
  if (is_flag(key, {"H", "handler"})) return "flag [H=handler] is not supported by mpmd";
  if (is_flag(key, {"UnsafeAllow3F"})) return plain(r.allow_3f);
  if (is_flag(key, {"BNP", "backrefnoplus", "BCTLS", "BNE", "UnsafePrefixStat"})) {
    return "flag [" + std::string(key) + "] is not supported by mpmd";
  }
  return "unknown RewriteRule flag '" + std::string(key) + "'";
}

}  // namespace

util::Result<Condition> parse_condition(const std::vector<std::string>& args) {
  if (args.size() < 2 || args.size() > 3) return fail("takes TestString CondPattern [flags]");
  Condition c;
  c.test = args[0];
  if (args.size() == 3) {
    if (std::string e = cond_flags(c, args[2]); !e.empty()) return fail(e);
  }
  std::string_view p = args[1];
  if (!p.empty() && p[0] == '!') {
    c.negate = true;
    p.remove_prefix(1);
  }
  static constexpr std::pair<std::string_view, CondOp> kTests[] = {
      {"-f", CondOp::is_file},       {"-d", CondOp::is_dir},      {"-s", CondOp::is_nonempty},
      {"-l", CondOp::is_link},       {"-L", CondOp::is_link},     {"-h", CondOp::is_link},
      {"-x", CondOp::is_executable}, {"-F", CondOp::file_access}, {"-U", CondOp::url_access},
      {"-eq", CondOp::int_eq},       {"-lt", CondOp::int_lt},     {"-le", CondOp::int_le},
      {"-gt", CondOp::int_gt},       {"-ge", CondOp::int_ge},
  };
  for (const auto& [word, op] : kTests) {
    if (p.substr(0, word.size()) != word) continue;
    if (op < CondOp::int_eq && p.size() != word.size()) continue;
    c.op = op;
    c.operand = p.substr(word.size());
    return c;
  }
  if (p == "-ne" || p.starts_with("-ne")) {  // -ne N: not -eq N
    c.op = CondOp::int_eq;
    c.operand = p.substr(3);
    c.negate = !c.negate;
    return c;
  }
  if (p.starts_with("<=") || p.starts_with(">=")) {
    c.op = p[0] == '<' ? CondOp::less_equal : CondOp::greater_equal;
    c.operand = p.substr(2);
  } else if (p.starts_with("<") || p.starts_with(">") || p.starts_with("=")) {
    c.op = p[0] == '<' ? CondOp::less : p[0] == '>' ? CondOp::greater : CondOp::equal;
    c.operand = p.substr(1);
    if (c.op == CondOp::equal && c.operand == "\"\"") c.operand.clear();
  } else {
    auto re = Regex::compile(p, c.nocase);
    if (!re) return fail("RewriteCond: " + re.error().message);
    c.regex = std::move(*re);
  }
  return c;
}

util::Result<Rule> parse_rule(const std::vector<std::string>& args) {
  if (args.size() < 2 || args.size() > 3) return fail("takes Pattern Substitution [flags]");
  Rule r;
  std::string_view p = args[0];
  if (!p.empty() && p[0] == '!') {
    r.negate = true;
    p.remove_prefix(1);
  }
  r.pattern = p;
  r.substitution = args[1];
  if (args.size() == 3) {
    auto flags = split_flags(args[2]);
    if (!flags) return flags.error();
    for (const std::string& f : *flags) {
      size_t eq = f.find('=');
      std::string_view key = std::string_view(f).substr(0, eq);
      std::string_view value = eq == std::string::npos ? "" : std::string_view(f).substr(eq + 1);
      if (std::string e = rule_flag(r, key, value, eq != std::string::npos); !e.empty()) {
        return fail(e);
      }
    }
  }
  if (r.substitution.starts_with("proxy:")) return fail("proxy: substitutions are not supported");
  auto re = Regex::compile(p, r.nocase);
  if (!re) return fail(re.error().message);
  r.regex = std::move(*re);
  return r;
}

std::string add_condition(Ruleset& r, const std::vector<std::string>& args, std::string origin) {
  auto cond = parse_condition(args);
  if (!cond) return cond.error().message;
  cond->origin = std::move(origin);
  r.pending.push_back(std::move(*cond));
  return "";
}

std::string add_rule(Ruleset& r, const std::vector<std::string>& args, std::string origin) {
  auto rule = parse_rule(args);
  if (!rule) return rule.error().message;
  rule->origin = std::move(origin);
  rule->conditions = std::move(r.pending);
  r.pending.clear();
  r.rules.push_back(std::move(*rule));
  return "";
}

Ruleset ruleset_from_text(std::string_view text, std::vector<std::string>* errors) {
  Ruleset r;
  r.engine = 1;
  int line_number = 0;
  for (std::string_view line : util::split(text, '\n')) {
    ++line_number;
    std::vector<std::string> words;
    for (std::string_view w : util::split(line, ' ')) {
      if (!w.empty()) words.emplace_back(w);
    }
    if (words.empty()) continue;
    std::vector<std::string> args(words.begin() + 1, words.end());
    std::string origin = "text:" + std::to_string(line_number);
    std::string error = words[0] == "RewriteCond"   ? add_condition(r, args, origin)
                        : words[0] == "RewriteRule" ? add_rule(r, args, origin)
                                                    : "unknown directive " + words[0];
    if (!error.empty() && errors != nullptr) errors->push_back(origin + ": " + error);
  }
  return r;
}

Ruleset& Settings::context(int vhost, const std::string& directory) {
  if (directory.empty()) return vhost < 0 ? server : vhosts[vhost];
  for (auto& d : directories) {
    if (d.host == vhost && d.dir == directory) return d.rules;
  }
  directories.push_back(DirectoryRuleset{vhost, directory, {}});
  return directories.back().rules;
}

namespace {

// `child` with `parent`'s rules after its own when it inherits; RewriteEngine
// and RewriteBase as the parent's when the child does not say (Apache's merge).
Ruleset merged(const Ruleset& child, const Ruleset& parent) {
  Ruleset out = child;
  if (out.engine == -1) out.engine = parent.engine;
  if (child.inherit) out.rules.insert(out.rules.end(), parent.rules.begin(), parent.rules.end());
  return out;
}

bool is_under(const std::string& dir, const std::string& path) {
  if (dir == "/") return true;
  return path.compare(0, dir.size(), dir) == 0 &&
         (path.size() == dir.size() || path[dir.size()] == '/');
}

}  // namespace

Ruleset Settings::for_host(int vhost) const {
  if (vhost < 0) return server;
  auto it = vhosts.find(vhost);
  return merged(it == vhosts.end() ? Ruleset{} : it->second, server);
}

std::vector<DirectoryRuleset> Settings::directories_of(int vhost) const {
  std::vector<DirectoryRuleset> out;
  // The server's <Directory> sections reach every host; a vhost's own win
  // (they come later, and Apache merges vhost sections after the server's).
  for (const auto& d : directories) {
    if (d.host == -1 || d.host == vhost) out.push_back(d);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::count(a.dir.begin(), a.dir.end(), '/') + (a.dir == "/" ? -1 : 0) <
           std::count(b.dir.begin(), b.dir.end(), '/') + (b.dir == "/" ? -1 : 0);
  });
  for (size_t i = 0; i < out.size(); ++i) {
    for (size_t j = i; j-- > 0;) {
      if (is_under(out[j].dir, out[i].dir) && out[j].dir != out[i].dir) {
        out[i].rules = merged(out[i].rules, out[j].rules);
        break;
      }
    }
  }
  return out;
}

}  // namespace mpmd::rewrite
