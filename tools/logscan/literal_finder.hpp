// Finds a literal in a buffer fast: compares two of the literal's rarest bytes
// (for access logs) at 32 positions at a time, and checks the whole literal only
// where both match (the "packed pair" idea of ripgrep's memchr crate).
#pragma once

#include <cstddef>
#include <string>

namespace mpmd::logscan {

class LiteralFinder {
 public:
  explicit LiteralFinder(std::string needle);
  // The first occurrence in [begin, end), or nullptr. An empty needle is found at begin.
  const char* find(const char* begin, const char* end) const;
  const std::string& needle() const { return needle_; }

 private:
  std::string needle_;
  size_t first_ = 0;  // offsets in the needle of the two rarest bytes
  size_t second_ = 0;
};

// How common a byte is in access logs (higher is more common).
int byte_frequency_rank(unsigned char c);

}  // namespace mpmd::logscan
