#include "util/log_loss.hpp"

namespace mpmd::util {

namespace {

// FNV-1a; never 0, which marks a free entry.
uint64_t path_key(std::string_view path) {
  uint64_t h = 14695981039346656037ull;
  for (char c : path) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h == 0 ? 1 : h;
}

}  // namespace

LogLoss& log_loss_entry(std::span<LogLoss> table, std::string_view path) {
  const uint64_t key = path_key(path);
  for (size_t i = 0; i + 1 < table.size(); ++i) {
    uint64_t seen = table[i].key.load(std::memory_order_relaxed);
    if (seen == 0 && table[i].key.compare_exchange_strong(seen, key)) return table[i];
    if (seen == key) return table[i];  // ours, or claimed for the same path just now
  }
  return table.back();
}

}  // namespace mpmd::util
