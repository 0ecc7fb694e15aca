// Apache LogFormat strings, compiled once into a list of items.
// The server renders items from a finished exchange; mpmd-logscan parses log
// lines back into fields with the same items.
//
// Supported directives (Apache mod_log_config / mod_logio meaning):
//   %a %{c}a %A %b %B %{Name}C %D %h %H %{Name}i %I %k %l %m %{Name}o %O
//   %p %{canonical|local|remote}p %P %{pid|tid|hextid}P %q %r %s %>s %S
//   %t %{format}t (strftime, begin:/end: prefixes, sec msec usec msec_frac
//   usec_frac) %T %{s|ms|us}T %u %U %v %V %X %%
//   Accepted and rendered as "-" (no equivalent in mpmd): %e %f %L %n %R.
//   %l and %u are always "-" (no identd, no authentication module).
//   %U is the path as received (still percent-encoded), escaped like %r.
// Status conditions (%400,501{User-Agent}i, %!200,304{Referer}i) are parsed
// and applied: when the condition fails the field is "-".
// Empty or absent values render as "-" (except %q, which is "" as in Apache);
// %b renders "-" for zero bytes. Request-derived text and response headers
// are escaped as Apache's ap_escape_logitem: \" \\ \n \t \r \b \v, other
// control and non-ASCII bytes as \xhh.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/handler.hpp"

namespace mpmd::log {

// One %-directive: %h, %>s, %{User-Agent}i, %{%d/%b/%Y}t, ...
struct Directive {
  char letter = 0;            // 'h', 's', 'i', 't', ...
  std::string arg;            // text inside %{...}, if any
  bool final_status = false;  // '>' modifier (%>s); '<' is recorded as original
  bool original = false;      // '<' modifier
};

struct Item {
  bool literal = false;
  std::string text;  // literal text (escapes like \t \n resolved) when literal
  Directive directive;
};

// %400,501{...}x logs the field only for those statuses; %!400,501{...}x for all others.
struct StatusCondition {
  bool negate = false;
  std::vector<int> statuses;  // empty: no condition
  bool passes(int status) const;
};

namespace detail {
// How to render one item, decided at compile time (parallel to items()).
struct Op {
  uint8_t kind = 0;        // detail::OpKind in log_format.cpp
  uint8_t sub = 0;         // variant of the kind (unit of %T, form of %t, ...)
  bool end_time = false;   // %{end:...}t
  uint8_t arg_offset = 0;  // %{begin:...}t: where the strftime format starts in the arg
  StatusCondition condition;
};
}  // namespace detail

class CompiledFormat {
 public:
  // Compiles `format`; on failure returns false and sets `error`
  // ("unknown directive %Z at 5", the position is the 1-based column of the '%').
  static bool compile(std::string_view format, CompiledFormat& out, std::string& error);
  const std::vector<Item>& items() const { return items_; }
  const std::string& source() const { return source_; }
  // The status condition of items()[i] (no statuses: unconditional).
  const StatusCondition& condition(size_t i) const { return ops_[i].condition; }

  // ServerName for %v (and %V when the request has no host). Default: "-".
  void set_server_name(std::string name) { server_name_ = std::move(name); }
  const std::string& server_name() const { return server_name_; }

  // Appends one log line (with trailing '\n') for a finished exchange.
  // Allocates only when `out` has to grow; safe to call from several threads.
  void render(const http::Request& request, const http::Response& response,
              const http::Exchange& exchange, std::string& out) const;

 private:
  std::vector<Item> items_;
  std::vector<detail::Op> ops_;
  std::string source_;
  std::string server_name_;
};

// Predefined nicknames: "common", "combined", "vhost_combined", "referer", "agent".
// Returns "" for other names.
std::string_view predefined_format(std::string_view nickname);

// Appends `s` escaped as Apache's ap_escape_logitem does.
void append_escaped(std::string& out, std::string_view s);

}  // namespace mpmd::log
