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
  void merge(const CountTable& other);
  size_t size() const { return used_; }

  // The `n` largest counts, ties broken by the smaller key (deterministic).
  std::vector<std::pair<std::string, uint64_t>> top(size_t n) const;

 private:
  struct Slot {
    uint64_t hash = 0;
    uint64_t offset = 0;
    uint32_t length = 0;
    bool used = false;
    uint64_t count = 0;
  };
  std::string_view key_of(const Slot& s) const { return {arena_.data() + s.offset, s.length}; }
  void grow();

  std::vector<Slot> slots_;
  std::string arena_;
  size_t used_ = 0;
};

}  // namespace mpmd::logscan
