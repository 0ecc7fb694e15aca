#include "logscan/count_table.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

namespace mpmd::logscan {

namespace {
uint64_t hash_of(std::string_view s) {
  // FNV-1a over 8-byte words, finished with a 64-bit mixer: fast for short keys.
  uint64_t h = 1469598103934665603ull ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 1099511628211ull;
    h ^= h >> 29;
  }
  uint64_t w = 0;
  std::memcpy(&w, s.data() + i, s.size() - i);
  h = (h ^ w) * 1099511628211ull;
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return h;
}
}  // namespace

CountTable::CountTable() : slots_(1024) {}

void CountTable::add(std::string_view key, uint64_t n) {
  uint64_t h = hash_of(key);
  size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (true) {
    Slot& s = slots_[i];
    if (!s.used) break;
    if (s.hash == h && s.length == key.size() &&
        std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0) {
      s.count += n;
      return;
    }
    i = (i + 1) & mask;
  }
  Slot& s = slots_[i];
  s.used = true;
  s.hash = h;
  s.offset = arena_.size();
  s.length = uint32_t(key.size());
  s.count = n;
  arena_.append(key);
  if (++used_ * 4 > slots_.size() * 3) grow();
}

void CountTable::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.used) continue;
    size_t i = s.hash & mask;
    while (slots_[i].used) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void CountTable::merge(const CountTable& other) {
  for (const Slot& s : other.slots_)
    if (s.used) add(other.key_of(s), s.count);
}

std::vector<std::pair<std::string, uint64_t>> CountTable::top(size_t n) const {
  std::vector<const Slot*> all;
  all.reserve(used_);
  for (const Slot& s : slots_)
    if (s.used) all.push_back(&s);
  auto better = [this](const Slot* a, const Slot* b) {
    if (a->count != b->count) return a->count > b->count;
    return key_of(*a) < key_of(*b);
  };
  n = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + long(n), all.end(), better);
  std::vector<std::pair<std::string, uint64_t>> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.emplace_back(std::string(key_of(*all[i])), all[i]->count);
  return out;
}

}  // namespace mpmd::logscan
