// Small string helpers shared by the HTTP core, config and logs. No HTTP, no OS.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mpmd::util {

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
}

// ASCII case-insensitive equality (header names, tokens).
bool iequals(std::string_view a, std::string_view b);

// ASCII case-insensitive: does `s` start with / contain `needle`?
bool istarts_with(std::string_view s, std::string_view prefix);

// Strips spaces and horizontal tabs at both ends (HTTP OWS).
std::string_view trim_ows(std::string_view s);

// Splits on `sep`, trimming OWS around each element; empty elements are kept.
std::vector<std::string_view> split(std::string_view s, char sep);

// Parses a non-negative decimal integer that fits in uint64_t; rejects signs,
// spaces, empty input and overflow.
std::optional<uint64_t> parse_u64(std::string_view s);

// Appends the decimal form of `v` to `out` without allocating a temporary.
void append_u64(std::string& out, uint64_t v);

std::string to_lower(std::string_view s);

}  // namespace mpmd::util
