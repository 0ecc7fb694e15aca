// Input buffers shared by the connections of one engine thread. A connection
// takes one when bytes arrive and gives it back when it goes idle, so idle
// keep-alive connections hold no buffer and no request allocates in steady
// state. Not thread-safe: one pool per serving thread.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace mpmd::http {

class BufferPool {
 public:
  static constexpr size_t kBufferSize = 2 * 1024;  // most request heads fit

  explicit BufferPool(size_t max_kept = 256) : max_kept_(max_kept) {}

  std::unique_ptr<char[]> acquire() {
    if (free_.empty()) return std::unique_ptr<char[]>(new char[kBufferSize]);
    std::unique_ptr<char[]> b = std::move(free_.back());
    free_.pop_back();
    return b;
  }

  // `b` must be a kBufferSize buffer.
  void release(std::unique_ptr<char[]> b) {
    if (free_.size() < max_kept_) free_.push_back(std::move(b));
  }

  size_t kept() const { return free_.size(); }

 private:
  size_t max_kept_;
  std::vector<std::unique_ptr<char[]>> free_;
};

}  // namespace mpmd::http
