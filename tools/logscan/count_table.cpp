#include "logscan/count_table.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

namespace mpmd::logscan {

namespace {
uint64_t load64(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// Short keys (IPs, statuses, methods) are hashed and compared without a call.
uint64_t hash_of(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull);
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 < n; i += 8) h = (h ^ load64(p + i)) * 0x100000001b3ull ^ (h >> 29);
    h = (h ^ load64(p + n - 8)) * 0x100000001b3ull;  // the last 8, overlapping
  } else {
    uint64_t w = 0;
    for (size_t i = 0; i < n; ++i) w |= uint64_t((unsigned char)p[i]) << (8 * i);
    h = (h ^ w) * 0x100000001b3ull;
  }
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return h;
}

bool same_bytes(const char* a, const char* b, size_t n) {
  if (n >= 8 && n <= 16) return load64(a) == load64(b) && load64(a + n - 8) == load64(b + n - 8);
  return std::memcmp(a, b, n) == 0;
}
}  // namespace

CountTable::CountTable() : slots_(1024, 0) {}

void CountTable::add_later(std::string_view key) {
  const uint64_t h = hash_of(key);
  __builtin_prefetch(&slots_[h & (slots_.size() - 1)]);
  pending_[pending_count_] = key;
  pending_hash_[pending_count_] = h;
  if (++pending_count_ == kBatch) flush();
}

void CountTable::flush() {
  const size_t mask = slots_.size() - 1;
  for (size_t k = 0; k < pending_count_; ++k) {
    uint64_t s = slots_[pending_hash_[k] & mask];
    if (s != 0) __builtin_prefetch(&entries_[uint32_t(s) - 1]);
  }
  for (size_t k = 0; k < pending_count_; ++k) {
    uint64_t s = slots_[pending_hash_[k] & mask];
    if (s != 0) __builtin_prefetch(arena_.data() + entries_[uint32_t(s) - 1].offset);
  }
  size_t count = pending_count_;
  pending_count_ = 0;
  for (size_t k = 0; k < count; ++k) add_hashed(pending_[k], pending_hash_[k], 1);
}

void CountTable::add(std::string_view key, uint64_t n) {
  add_hashed(key, hash_of(key), n);
}

void CountTable::add_hashed(std::string_view key, uint64_t h, uint64_t n) {
  const uint64_t tag = h >> 32;
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (true) {
    uint64_t s = slots_[i];
    if (s == 0) break;
    if ((s >> 32) == tag) {
      Entry& e = entries_[uint32_t(s) - 1];
      if (e.length == key.size() && same_bytes(arena_.data() + e.offset, key.data(), key.size())) {
        e.count += n;
        return;
      }
    }
    i = (i + 1) & mask;
  }
  Entry e;
  e.offset = arena_.size();
  e.length = uint32_t(key.size());
  e.count = n;
  arena_.append(key);
  entries_.push_back(e);
  slots_[i] = (tag << 32) | entries_.size();
  if (entries_.size() * 4 > slots_.size() * 3) grow();
}

void CountTable::insert_slot(uint64_t hash, uint32_t entry) {
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i] != 0) i = (i + 1) & mask;
  slots_[i] = ((hash >> 32) << 32) | (uint64_t(entry) + 1);
}

void CountTable::grow() {
  std::vector<uint64_t> bigger(slots_.size() * 2, 0);
  bigger.swap(slots_);
  for (uint32_t k = 0; k < entries_.size(); ++k) {
    uint64_t h = hash_of(key_of(entries_[k]));
    insert_slot(h, k);
  }
}

void CountTable::merge(const CountTable& other) {
  for (const Entry& e : other.entries_) add(other.key_of(e), e.count);
}

std::vector<std::pair<std::string, uint64_t>> CountTable::top(size_t n) const {
  std::vector<const Entry*> all;
  all.reserve(entries_.size());
  for (const Entry& e : entries_) all.push_back(&e);
  auto better = [this](const Entry* a, const Entry* b) {
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
