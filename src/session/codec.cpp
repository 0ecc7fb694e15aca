#include "session/codec.hpp"

#include <cstdint>

namespace mpmd::session {

namespace {

constexpr std::string_view kMagic = "S1:";

void put(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

// Reads "<len>:<bytes>" from the front of `in`.
bool take(std::string_view& in, std::string_view& out) {
  size_t i = 0;
  uint64_t len = 0;
  while (i < in.size() && in[i] >= '0' && in[i] <= '9' && i < 10) {
    len = len * 10 + uint64_t(in[i] - '0');
    ++i;
  }
  if (i == 0 || i >= in.size() || in[i] != ':') return false;
  in.remove_prefix(i + 1);
  if (len > in.size()) return false;
  out = in.substr(0, len);
  in.remove_prefix(len);
  return true;
}

}  // namespace

std::string encode(const SessionData& data) {
  std::string out(kMagic);
  for (const auto& [key, value] : data) {
    put(out, key);
    put(out, value);
  }
  return out;
}

bool decode(std::string_view bytes, SessionData& out) {
  out.clear();
  if (!bytes.starts_with(kMagic)) return false;
  bytes.remove_prefix(kMagic.size());
  while (!bytes.empty()) {
    std::string_view key;
    std::string_view value;
    if (!take(bytes, key) || !take(bytes, value)) {
      out.clear();
      return false;
    }
    out.insert_or_assign(std::string(key), std::string(value));
  }
  return true;
}

}  // namespace mpmd::session
