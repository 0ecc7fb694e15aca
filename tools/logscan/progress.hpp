// A progress bar on stderr for long scans (only when stderr is a terminal).
#pragma once

#include <chrono>
#include <cstdint>

namespace mpmd::logscan {

class Progress {
 public:
  // Draws nothing unless `wanted` and stderr is a terminal.
  Progress(bool wanted, uint64_t total);
  void update(uint64_t position);  // redraws at most 5 times a second
  void finish();                   // erases the bar

 private:
  bool active_ = false;
  bool drawn_ = false;
  uint64_t total_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace mpmd::logscan
