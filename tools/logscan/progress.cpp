#include "logscan/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace mpmd::logscan {

Progress::Progress(bool wanted, uint64_t total)
    : active_(wanted && total > 0 && isatty(2) == 1),
      total_(total),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void Progress::update(uint64_t position) {
  if (!active_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  double fraction = std::min(1.0, double(position) / double(total_));
  double seconds = std::chrono::duration<double>(now - start_).count();
  constexpr int kWidth = 30;
  int filled = int(fraction * kWidth);
  std::string bar(size_t(filled), '#');
  bar.append(size_t(kWidth - filled), ' ');
  char line[160];
  std::snprintf(line, sizeof line, "\r[%s] %3.0f%%  %.1f / %.1f GB  %.2f GB/s ", bar.c_str(),
                fraction * 100, double(position) / 1e9, double(total_) / 1e9,
                seconds > 0 ? double(position) / 1e9 / seconds : 0.0);
  std::fputs(line, stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace mpmd::logscan
