// What a log loses when writing to it fails (a full disk, an I/O error),
// counted where every process sees it. The scoreboard keeps a table of these
// in shared memory, one entry per log file, and the access log of every
// serving thread of every child counts into the entry of its file: so the
// first failure is reported once for the whole server, not once per thread,
// and the line that says writing works again can say how many lines were
// lost. Plain atomics, so that log/ and scoreboard/ need not know each other.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>

namespace mpmd::util {

struct LogLoss {
  std::atomic<uint64_t> key{0};            // hash of the log's path; 0 = a free entry
  std::atomic<uint64_t> dropped{0};        // lines dropped, ever
  std::atomic<uint64_t> episode_start{0};  // `dropped` when the current failure began
  std::atomic<bool> failing{false};        // a failure was reported; writing has not recovered
};

// The entry of `path` in `table` (not empty): the one with its key, else a
// free one, claimed. When the table is full, every other path shares its last
// entry (the counts stay right in total; the reports then cover those logs
// together).
LogLoss& log_loss_entry(std::span<LogLoss> table, std::string_view path);

}  // namespace mpmd::util
