#include "site/headers.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace mpmd::site {

namespace {

using config::HeaderRule;
using Action = HeaderRule::Action;

bool parse_action(std::string_view word, Action& out) {
  static const std::pair<std::string_view, Action> kActions[] = {
      {"set", Action::set},     {"append", Action::append}, {"add", Action::add},
      {"unset", Action::unset}, {"merge", Action::merge},   {"setifempty", Action::setifempty},
  };
  for (const auto& [name, action] : kActions) {
    if (util::iequals(word, name)) {
      out = action;
      return true;
    }
  }
  return false;
}

// Header [always|onsuccess] ACTION NAME [VALUE] [env=[!]VAR]
std::string set_header(config::Config& cfg, const config::DirectiveCall& c) {
  HeaderRule rule;
  size_t i = 0;
  if (util::iequals(c.args[0], "always") || util::iequals(c.args[0], "onsuccess")) {
    rule.always = util::iequals(c.args[0], "always");
    ++i;
  }
  if (i >= c.args.size() || !parse_action(c.args[i], rule.action)) {
    std::string what = i < c.args.size() ? c.args[i] : "";
    return "action '" + what +
           "' is not supported (set, append, add, unset, merge, setifempty; edit, echo and note "
           "are not)";
  }
  ++i;
  if (i >= c.args.size()) return "a header name is needed";
  rule.name = c.args[i++];
  if (rule.action != Action::unset) {
    if (i >= c.args.size()) return "a value is needed";
    rule.value = c.args[i++];
  }
  if (i < c.args.size()) {
    const std::string& cond = c.args[i++];
    if (!cond.starts_with("env=") || cond.size() == 4 || cond == "env=!") {
      return "'" + cond + "' is not supported (env=VAR or env=!VAR; expr= is not)";
    }
    rule.env = cond.substr(4);
    rule.env_negated = rule.env.starts_with('!');
    if (rule.env_negated) rule.env.erase(0, 1);
  }
  if (i < c.args.size()) return "too many arguments";
  cfg.headers.push_back(std::move(rule));
  return "";
}

// The value with %{VAR}e replaced by the request's variable ("" if unset)
// and %% by %.
std::string expand(const std::string& value, const http::Response& response) {
  if (value.find('%') == std::string::npos) return value;
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%' || i + 1 >= value.size()) {
      out += value[i];
    } else if (value[i + 1] == '%') {
      out += '%';
      ++i;
    } else if (value[i + 1] == '{') {
      size_t close = value.find("}e", i + 2);
      if (close == std::string::npos) {
        out += value[i];
        continue;
      }
      if (const std::string* v =
              response.env(std::string_view(value).substr(i + 2, close - i - 2))) {
        out += *v;
      }
      i = close + 1;
    } else {
      out += value[i];
    }
  }
  return out;
}

bool has_token(std::string_view list, std::string_view token) {
  for (std::string_view t : util::split(list, ',')) {
    if (t == token) return true;
  }
  return false;
}

void remove_all(http::Response& r, std::string_view name) {
  std::erase_if(r.headers,
                [&](const http::ResponseHeader& h) { return util::iequals(h.name, name); });
}

http::ResponseHeader* first(http::Response& r, std::string_view name) {
  for (http::ResponseHeader& h : r.headers) {
    if (util::iequals(h.name, name)) return &h;
  }
  return nullptr;
}

// RequestHeader: accepted, so that configurations with the stock httpd.conf's
// "RequestHeader unset Proxy early" load, with a warning that it does nothing.
std::string request_header(config::Config&, const config::DirectiveCall& c) {
  c.warn("not applied: mpmd passes request header fields to handlers as received");
  return "";
}

const std::vector<config::Directive> kDirectives = {
    {"Header", 2, 5, config::kServer | config::kVirtualHost | config::kDirectory, set_header,
     "Header [always] set|append|add|unset|merge|setifempty NAME [VALUE] [env=[!]VAR] - change a "
     "response header field (VALUE may use %{VAR}e); without always, 2xx and 304 answers only"},
    {"RequestHeader", 2, 5, config::kServer | config::kVirtualHost | config::kDirectory,
     request_header, "RequestHeader ... - accepted with a warning; request fields are not changed"},
};

}  // namespace

config::DirectiveTable header_directives() {
  return kDirectives;
}

void apply_headers(const std::vector<HeaderRule>& rules, http::Response& response) {
  bool success = (response.status >= 200 && response.status < 300) || response.status == 304;
  for (const HeaderRule& rule : rules) {
    if (!rule.always && !success) continue;
    if (!rule.env.empty() && (response.env(rule.env) != nullptr) == rule.env_negated) continue;
    std::string value = rule.action == Action::unset ? "" : expand(rule.value, response);
    http::ResponseHeader* existing = first(response, rule.name);
    switch (rule.action) {
      case Action::set:
        remove_all(response, rule.name);
        response.add_header(rule.name, std::move(value));
        break;
      case Action::setifempty:
        if (!existing) response.add_header(rule.name, std::move(value));
        break;
      case Action::add:
        response.add_header(rule.name, std::move(value));
        break;
      case Action::unset:
        remove_all(response, rule.name);
        break;
      case Action::merge:
        if (existing && has_token(existing->value, value)) break;
        [[fallthrough]];
      case Action::append:
        if (existing) {
          existing->value += ", " + value;
        } else {
          response.add_header(rule.name, std::move(value));
        }
        break;
    }
  }
}

}  // namespace mpmd::site
