// The parallel scan: every thread takes blocks of whole lines from a Source,
// skips lines without the pre-filter literal, evaluates the rest, and keeps its
// own aggregates; printed lines are written in input order by the calling thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "logscan/aggregate.hpp"
#include "logscan/input.hpp"
#include "logscan/literal_finder.hpp"
#include "logscan/query.hpp"

namespace mpmd::logscan {

struct ScanOptions {
  unsigned threads = 0;  // 0: one per core
  size_t chunk_size = 8u << 20;
  IoMode io = IoMode::mmap;
  bool print = true;  // write matching lines to out_fd
  int out_fd = 1;
  bool progress = false;  // draw a bar on stderr for inputs over 1 GB
};

// What one thread found in one block.
struct BlockResult {
  std::string text;  // matching lines, each ending in '\n'
  uint64_t malformed = 0;
  std::vector<std::pair<uint64_t, std::string>> samples;  // offset, line (first few)
};

// Scans one block of whole lines (the last may lack its newline).
void scan_block(const Block& block, const LiteralFinder& finder, Evaluator& evaluator,
                Aggregates& agg, bool print, BlockResult& result);

class Scanner {
 public:
  Scanner(const Query& query, const ScanOptions& options);
  // Scans one input, adding to the results; false with `error` on a read error.
  bool scan(const std::string& path, std::string& error);
  const Aggregates& aggregates() const { return agg_; }
  const ScanStats& stats() const { return stats_; }

 private:
  const Query& query_;
  ScanOptions options_;
  Aggregates agg_;
  ScanStats stats_;
};

}  // namespace mpmd::logscan
