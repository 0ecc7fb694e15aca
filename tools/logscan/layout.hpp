// A log line layout: the compiled LogFormat items turned into a parser that
// splits one line into the fields mpmd-logscan knows (lazily converted later).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "log/log_format.hpp"

namespace mpmd::logscan {

// The fields a query can filter or aggregate on.
enum class Field : uint8_t {
  host,      // %h %a
  user,      // %u
  time,      // %t (the text inside the brackets)
  request,   // %r
  status,    // %s %>s
  bytes,     // %b %B %O
  referer,   // %{Referer}i
  agent,     // %{User-Agent}i
  method,    // %m
  path,      // %U
  query,     // %q
  protocol,  // %H
  vhost,     // %v %V
  other,     // anything else: parsed over, never used
};
inline constexpr int kFieldCount = int(Field::other) + 1;

// Raw field text as it appears in the line (still escaped for quoted fields).
struct Fields {
  std::string_view value[kFieldCount];
  std::string_view& operator[](Field f) { return value[int(f)]; }
  std::string_view operator[](Field f) const { return value[int(f)]; }
};

class Layout {
 public:
  // Builds a layout from compiled items; fails when two fields are not separated
  // by literal text (the line could not be split back).
  static bool build(const std::vector<log::Item>& items, Layout& out, std::string& error);

  bool has(Field f) const { return present_[int(f)]; }

  // Splits `line` (without its newline or trailing CR) into fields. Returns false
  // when the line does not have the format's shape (a malformed line).
  bool parse(std::string_view line, Fields& out) const;

  // The literal text that always surrounds field `f` in a well-formed line
  // (for the pre-filter: " alice [" is rarer than "alice"). Empty when unknown.
  std::string_view text_before(Field f) const;
  std::string_view text_after(Field f) const;

 private:
  struct Step {
    std::string before;  // literal text that precedes the field
    Field field = Field::other;
    bool bracketed = false;  // %t: "[...]"
    bool quoted = false;     // between '"' literals: ends at an unescaped '"'
  };
  std::vector<Step> steps_;
  std::string tail_;  // literal text after the last field
  bool present_[kFieldCount] = {};
};

// Which of our fields a directive is; Field::other when we don't use it.
Field field_of(const log::Directive& d);

}  // namespace mpmd::logscan
