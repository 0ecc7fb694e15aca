// How an application is hosted: the part of the server's application code
// (src/app/) that does not depend on the server, kept header-only here so
// that <mpmd/testing.hpp> runs exactly the same code without a server:
//
//   * LoadApplication's KEY=VALUE options (parse_options)
//   * running the registration and the hooks (register_application, run_hooks)
//   * route matching (Pattern, RouteTable: the rules are in app.hpp)
//   * judging a finished Response: what makes it a 500 (response_error), the
//     default Content-Type, the file of send_file()/send_fd()
//
// Applications do not need this header; include <mpmd/app.hpp>.
// None of these types is shared with a loaded application (the ABI check in
// app.hpp does not list them): the server and a test program each compile
// their own copy.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mpmd/app.hpp"

namespace mpmd::app {

// Splits LoadApplication's KEY=VALUE arguments ("flag" alone is flag="").
inline Registry::Options parse_options(const std::vector<std::string>& args) {
  Registry::Options out;
  for (const std::string& a : args) {
    size_t eq = a.find('=');
    if (eq == std::string::npos) {
      out.emplace_back(a, "");
    } else {
      out.emplace_back(a.substr(0, eq), a.substr(eq + 1));
    }
  }
  return out;
}

// Runs `hooks` in order; "" or what the first one that threw said.
inline std::string run_hooks(const std::vector<Hook>& hooks, const Environment& env) {
  for (const Hook& hook : hooks) {
    try {
      hook(env);
    } catch (const std::exception& e) {
      return e.what();
    } catch (...) {
      return "an exception that is not a std::exception";
    }
  }
  return "";
}

namespace detail {

inline bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

inline bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// RFC 9110 token.
inline bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char);
}

// Splits after the leading '/' on every '/'.
inline std::vector<std::string_view> raw_segments(std::string_view path) {
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

}  // namespace detail

// ---- routes --------------------------------------------------------------------

// A path (percent-encoded, starting with '/') as decoded segments:
// "/a/b%20c/" -> {"a", "b c", ""}; "/" -> {""}.
inline std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  for (std::string_view s : detail::raw_segments(path)) out.push_back(percent_decode(s));
  return out;
}

// A parsed pattern: literal segments, `{name}` and a final `{name...}`.
class Pattern {
 public:
  enum class Kind : uint8_t { literal, param, rest };
  struct Segment {
    Kind kind = Kind::literal;
    std::string text;  // literal: decoded text; param/rest: the name
  };

  // "" on success, else why `pattern` is invalid.
  std::string parse(std::string_view pattern) {
    segments_.clear();
    if (pattern.empty() || pattern.front() != '/') return "a pattern starts with '/'";
    if (pattern.find_first_of("?#") != std::string_view::npos) {
      return "a pattern is a path: no '?' or '#'";
    }
    std::vector<std::string_view> raw = detail::raw_segments(pattern);
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
        if (name.empty() || !std::all_of(name.begin(), name.end(), detail::is_name_char)) {
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

  // Matches the decoded segments of a path; appends the parameters.
  bool match(const std::vector<std::string>& path, std::vector<Param>& params) const {
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

  // Lower sorts first: literal segments beat {name}, which beats {name...}.
  bool more_specific_than(const Pattern& other) const {
    size_t n = std::min(segments_.size(), other.segments_.size());
    for (size_t i = 0; i < n; ++i) {
      if (segments_[i].kind != other.segments_[i].kind) {
        return segments_[i].kind < other.segments_[i].kind;
      }
    }
    return false;
  }

  // Same shape: the same literal text and parameter kinds at each position.
  bool same_shape(const Pattern& other) const {
    const auto& x = segments_;
    const auto& y = other.segments_;
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (x[i].kind != y[i].kind) return false;
      if (x[i].kind == Kind::literal && x[i].text != y[i].text) return false;
    }
    return true;
  }

  const std::vector<Segment>& segments() const { return segments_; }

 private:
  std::vector<Segment> segments_;
};

// Method + path pattern with parameters ("/users/{id}", "/files/{path...}"):
// 404 when no pattern matches, 405 with the allowed methods when only other
// methods' patterns do.
class RouteTable {
 public:
  // Adds route number `index` (the caller's numbering). "" on success, else
  // an error for the configuration (bad pattern or method, duplicate route).
  std::string add(std::string_view method, std::string_view pattern, size_t index) {
    auto what = [&] { return "route '" + std::string(method) + " " + std::string(pattern) + "'"; };
    if (method != "*" && !detail::is_token(method)) {
      return what() + ": the method must be an HTTP token (GET, POST, ...) or *";
    }
    Route route{std::string(method), {}, index};
    std::string error = route.pattern.parse(pattern);
    if (!error.empty()) return what() + ": " + error;
    for (const Route& r : routes_) {
      if (r.method == route.method && r.pattern.same_shape(route.pattern)) {
        return what() + " is registered twice";
      }
    }
    routes_.push_back(std::move(route));
    return "";
  }

  struct Match {
    enum class Result : uint8_t { found, not_found, method_not_allowed, options };
    Result result = Result::not_found;
    size_t index = 0;           // found: the route
    std::vector<Param> params;  // found: its parameters (names point into the table)
    std::string allow;          // method_not_allowed, options: "GET, HEAD, OPTIONS"
  };

  // `path` is relative to the application's mount point, percent-encoded.
  Match match(std::string_view method, std::string_view path) const {
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

  size_t size() const { return routes_.size(); }

 private:
  struct Route {
    std::string method;  // "*" = any
    Pattern pattern;
    size_t index;
  };
  std::vector<Route> routes_;
};

// Runs `registration` on `registry` (what LoadApplication does at every
// configuration load) and compiles its routes into `routes`. "" or the
// configuration error.
inline std::string register_application(const std::function<void(Registry&)>& registration,
                                        Registry& registry, RouteTable& routes) {
  try {
    registration(registry);
  } catch (const std::exception& e) {
    registry.fail(e.what());
  } catch (...) {
    registry.fail("registration threw");
  }
  if (!registry.error().empty()) return "registration failed: " + registry.error();
  const auto& all = registry.routes();
  if (all.empty()) return "registration declared no route";
  for (size_t i = 0; i < all.size(); ++i) {
    if (!all[i].handler) {
      return "route '" + all[i].method + " " + all[i].pattern + "' has no handler";
    }
    std::string error = routes.add(all[i].method, all[i].pattern, i);
    if (!error.empty()) return error;
  }
  return "";
}

// ---- a finished Response ----------------------------------------------------------

namespace detail {

// "" if the app's header field may go on the wire, else why not.
inline std::string header_field_error(const std::string& name, const std::string& value) {
  if (name.empty()) return "an empty header name";
  for (char c : name) {
    if (!is_token_char(c)) return "header name '" + name + "' is not a token";
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') {
      return "header " + name + " has CR, LF or NUL in its value";
    }
  }
  return "";
}

}  // namespace detail

// Why `out` cannot be sent as the handler built it (the request is answered
// 500 and the reason logged, MPMD0028), or "".
inline std::string response_error(const Response& out) {
  if (out.failed()) return "failed: " + out.failure();
  if (const auto& d = out.deferral(); d && d->abandoned) {
    return "deferred its response and dropped every Deferred without complete()";
  }
  if (out.status < 200 || out.status > 599) {
    return "status " + std::to_string(out.status) + " is not 200..599";
  }
  for (const auto& [name, value] : out.headers) {
    if (std::string why = detail::header_field_error(name, value); !why.empty()) return why;
  }
  return "";
}

// The Content-Type the server adds when the handler set none (null: none);
// `file`: the body includes a file.
inline const char* default_content_type(Response& out, bool file) {
  for (const auto& h : out.headers) {
    if (ascii_iequals(h.first, "content-type")) return nullptr;
  }
  if (!out.body.empty() || !out.pieces().empty() || out.started() || out.generator()) {
    return "text/plain; charset=utf-8";
  }
  return file ? "application/octet-stream" : nullptr;
}

// The open file a Response asked for (send_file, send_fd): on success `fd`
// (the caller closes it) and the range clamped to the file's size; on
// failure fd -1, the status to answer instead (404, 403, 500) and why.
struct ResponseFile {
  int fd = -1;
  uint64_t offset = 0;
  uint64_t length = 0;
  int status = 0;
  std::string why;
};

inline ResponseFile open_response_file(Response& out) {
  ResponseFile r;
  int fd = out.take_fd();
  if (fd < 0) {
    fd = ::open(out.file_path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      r.status = e == ENOENT || e == ENOTDIR ? 404 : e == EACCES ? 403 : 500;
      r.why = "send_file " + out.file_path() + ": " + std::strerror(e);
      return r;
    }
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    r.status = 500;
    r.why = "send_file: not a regular file: " +
            (out.file_path().empty() ? "fd " + std::to_string(fd) : out.file_path());
    ::close(fd);
    return r;
  }
  uint64_t size = uint64_t(st.st_size);
  r.fd = fd;
  r.offset = std::min<uint64_t>(out.file_offset(), size);
  r.length = std::min<uint64_t>(out.file_length(), size - r.offset);
  return r;
}

}  // namespace mpmd::app
