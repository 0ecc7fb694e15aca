// Apache LogFormat strings, compiled once into a list of items.
// The server renders items from a finished exchange; mpmd-logscan parses log
// lines back into fields with the same items.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http/handler.hpp"

namespace mpmd::log {

// One %-directive: %h, %>s, %{User-Agent}i, %{%d/%b/%Y}t, ...
struct Directive {
  char letter = 0;           // 'h', 's', 'i', 't', ...
  std::string arg;           // text inside %{...}, if any
  bool final_status = false; // '>' modifier (%>s); '<' is recorded as original
  bool original = false;     // '<' modifier
};

struct Item {
  bool literal = false;
  std::string text;  // literal text (escapes like \t \n resolved) when literal
  Directive directive;
};

class CompiledFormat {
 public:
  // Compiles `format`; on failure returns false and sets `error` ("unknown directive %Z at 5").
  static bool compile(std::string_view format, CompiledFormat& out, std::string& error);
  const std::vector<Item>& items() const { return items_; }
  const std::string& source() const { return source_; }

  // Appends one log line (with trailing '\n') for a finished exchange.
  void render(const http::Request& request, const http::Response& response,
              const http::Exchange& exchange, std::string& out) const;

 private:
  std::vector<Item> items_;
  std::string source_;
};

// Predefined nicknames: "common", "combined", "vhost_combined", "referer", "agent".
std::string_view predefined_format(std::string_view nickname);

}  // namespace mpmd::log
