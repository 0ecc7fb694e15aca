#include "app/routes.hpp"

#include <algorithm>

namespace mpmd::app {

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// RFC 9110 token characters.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// Splits after the leading '/' on every '/'.
std::vector<std::string_view> raw_segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// Same shape: the same literal text and parameter kinds at each position.
bool same_shape(const Pattern& a, const Pattern& b) {
  const auto& x = a.segments();
  const auto& y = b.segments();
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i].kind != y[i].kind) return false;
    if (x[i].kind == Pattern::Kind::literal && x[i].text != y[i].text) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  for (std::string_view s : raw_segments(path)) out.push_back(percent_decode(s));
  return out;
}

std::string Pattern::parse(std::string_view pattern) {
  segments_.clear();
  if (pattern.empty() || pattern.front() != '/') return "a pattern starts with '/'";
  if (pattern.find_first_of("?#") != std::string_view::npos) {
    return "a pattern is a path: no '?' or '#'";
  }
  std::vector<std::string_view> raw = raw_segments(pattern);
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string_view s = raw[i];
    Segment seg;
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}') {
      std::string_view name = s.substr(1, s.size() - 2);
      seg.kind = Kind::param;
      if (name.size() > 3 && name.ends_with("...")) {
        name.remove_suffix(3);
        seg.kind = Kind::rest;
        if (i + 1 != raw.size()) return "{" + std::string(name) + "...} must be the last segment";
      }
      if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) {
        return "parameter names are letters, digits and '_': '" + std::string(s) + "'";
      }
      for (const Segment& other : segments_) {
        if (other.kind != Kind::literal && other.text == name) {
          return "parameter {" + std::string(name) + "} appears twice";
        }
      }
      seg.text = std::string(name);
    } else {
      if (s.find_first_of("{}") != std::string_view::npos) {
        return "a parameter is a whole segment, like /users/{id}: '" + std::string(s) + "'";
      }
      seg.text = percent_decode(s);
    }
    segments_.push_back(std::move(seg));
  }
  return "";
}

bool Pattern::match(const std::vector<std::string>& path, std::vector<Param>& params) const {
  const size_t before = params.size();
  for (size_t i = 0; i < segments_.size(); ++i) {
    const Segment& seg = segments_[i];
    if (i >= path.size()) break;
    switch (seg.kind) {
      case Kind::literal:
        if (path[i] != seg.text) {
          params.resize(before);
          return false;
        }
        break;
      case Kind::param:
        if (path[i].empty()) {
          params.resize(before);
          return false;
        }
        params.push_back({seg.text, path[i]});
        break;
      case Kind::rest: {
        std::string value = path[i];
        for (size_t j = i + 1; j < path.size(); ++j) value += "/" + path[j];
        params.push_back({seg.text, std::move(value)});
        return true;
      }
    }
  }
  if (path.size() != segments_.size()) {
    params.resize(before);
    return false;
  }
  return true;
}

bool Pattern::more_specific_than(const Pattern& other) const {
  size_t n = std::min(segments_.size(), other.segments_.size());
  for (size_t i = 0; i < n; ++i) {
    if (segments_[i].kind != other.segments_[i].kind) {
      return segments_[i].kind < other.segments_[i].kind;
    }
  }
  return false;
}

std::string RouteTable::add(std::string_view method, std::string_view pattern, size_t index) {
  if (method != "*" && !is_token(method)) {
    return "route '" + std::string(method) + " " + std::string(pattern) +
           "': the method must be an HTTP token (GET, POST, ...) or *";
  }
  Route route{std::string(method), {}, index};
  std::string error = route.pattern.parse(pattern);
  if (!error.empty()) {
    return "route '" + std::string(method) + " " + std::string(pattern) + "': " + error;
  }
  for (const Route& r : routes_) {
    if (r.method == route.method && same_shape(r.pattern, route.pattern)) {
      return "route '" + std::string(method) + " " + std::string(pattern) + "' is registered twice";
    }
  }
  routes_.push_back(std::move(route));
  return "";
}

RouteTable::Match RouteTable::match(std::string_view method, std::string_view path) const {
  Match m;
  const std::vector<std::string> segments = split_path(path);
  const Route* best = nullptr;
  int best_method_rank = 0;               // 3 = same method, 2 = GET answering HEAD, 1 = "*"
  std::vector<std::string_view> methods;  // of every route whose pattern matches
  std::vector<Param> params;
  for (const Route& r : routes_) {
    params.clear();
    if (!r.pattern.match(segments, params)) continue;
    if (r.method != "*" && std::find(methods.begin(), methods.end(), r.method) == methods.end()) {
      methods.push_back(r.method);
    }
    int rank = r.method == method                        ? 3
               : (method == "HEAD" && r.method == "GET") ? 2
               : r.method == "*"                         ? 1
                                                         : 0;
    if (rank == 0) continue;
    bool better = !best || r.pattern.more_specific_than(best->pattern) ||
                  (!best->pattern.more_specific_than(r.pattern) && rank > best_method_rank);
    if (better) {
      best = &r;
      best_method_rank = rank;
      m.params = params;
    }
  }
  if (best) {
    m.result = Match::Result::found;
    m.index = best->index;
    return m;
  }
  m.params.clear();
  if (methods.empty()) return m;  // not_found
  auto has = [&](std::string_view x) {
    return std::find(methods.begin(), methods.end(), x) != methods.end();
  };
  for (std::string_view x : methods) {
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += x;
    if (x == "GET" && !has("HEAD")) m.allow += ", HEAD";
  }
  if (!has("OPTIONS")) m.allow += ", OPTIONS";
  m.result = method == "OPTIONS" ? Match::Result::options : Match::Result::method_not_allowed;
  return m;
}

}  // namespace mpmd::app
