// Counts occurrences of short strings (the --top tables): open addressing over
// one byte arena, so counting a value that is already known never allocates.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mpmd::logscan {

class CountTable {
 public:
  CountTable();

  void add(std::string_view key, uint64_t n = 1);
  // Like add(n = 1), but batched: the key is counted by the next flush() (or
  // once 16 are pending), after its slot, entry and bytes were prefetched, so the
  // cache misses of a large table overlap. `key`'s bytes must stay valid until then.
  void add_later(std::string_view key);
  void flush();
  void merge(const CountTable& other);
  size_t size() const { return entries_.size(); }  // call flush() first

  // The `n` largest counts, ties broken by the smaller key (deterministic).
  std::vector<std::pair<std::string, uint64_t>> top(size_t n) const;

 private:
  // Slots hold (hash high bits << 32 | entry number + 1): 8 bytes each, so the
  // probed array stays in cache; entries and keys are in first-seen order,
  // which keeps the frequent ones together.
  struct Entry {
    uint64_t offset = 0;
    uint64_t count = 0;
    uint32_t length = 0;
  };
  std::string_view key_of(const Entry& e) const { return {arena_.data() + e.offset, e.length}; }
  void insert_slot(uint64_t hash, uint32_t entry);
  void add_hashed(std::string_view key, uint64_t hash, uint64_t n);
  void grow();

  static constexpr size_t kBatch = 16;
  std::string_view pending_[kBatch];
  uint64_t pending_hash_[kBatch] = {};
  size_t pending_count_ = 0;

  std::vector<uint64_t> slots_;
  std::vector<Entry> entries_;
  std::string arena_;
};

}  // namespace mpmd::logscan
