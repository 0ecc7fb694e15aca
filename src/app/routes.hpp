// Route matching for applications: method + path pattern with parameters
// ("/users/{id}", "/files/{path...}"), 404 when no pattern matches, 405 with
// the allowed methods when only other methods' patterns do. The rules users
// rely on are documented in include/mpmd/app.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mpmd/app_http.hpp"

namespace mpmd::app {

// A parsed pattern: literal segments, `{name}` and a final `{name...}`.
class Pattern {
 public:
  enum class Kind : uint8_t { literal, param, rest };
  struct Segment {
    Kind kind = Kind::literal;
    std::string text;  // literal: decoded text; param/rest: the name
  };

  // "" on success, else why `pattern` is invalid.
  std::string parse(std::string_view pattern);

  // Matches the decoded segments of a path; appends the parameters.
  bool match(const std::vector<std::string>& segments, std::vector<Param>& params) const;
  // Lower sorts first: literal segments beat {name}, which beats {name...}.
  bool more_specific_than(const Pattern& other) const;
  const std::vector<Segment>& segments() const { return segments_; }

 private:
  std::vector<Segment> segments_;
};

// A path (percent-encoded, starting with '/') as decoded segments:
// "/a/b%20c/" -> {"a", "b c", ""}; "/" -> {""}.
std::vector<std::string> split_path(std::string_view path);

class RouteTable {
 public:
  // Adds route number `index` (the caller's numbering). "" on success, else
  // an error for the configuration (bad pattern or method, duplicate route).
  std::string add(std::string_view method, std::string_view pattern, size_t index);

  struct Match {
    enum class Result : uint8_t { found, not_found, method_not_allowed, options };
    Result result = Result::not_found;
    size_t index = 0;           // found: the route
    std::vector<Param> params;  // found: its parameters (names point into the table)
    std::string allow;          // method_not_allowed, options: "GET, HEAD, OPTIONS"
  };
  // `path` is relative to the application's mount point, percent-encoded.
  Match match(std::string_view method, std::string_view path) const;

  size_t size() const { return routes_.size(); }

 private:
  struct Route {
    std::string method;  // "*" = any
    Pattern pattern;
    size_t index;
  };
  std::vector<Route> routes_;
};

}  // namespace mpmd::app
