// Where log bytes come from: a regular file (mmap or pread, split into chunks
// that any thread can take) or a stream (stdin, a pipe, a .gz file), read in
// order. Every block handed out holds whole lines: the lines that start in it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mpmd::logscan {

struct Block {
  const char* begin = nullptr;
  const char* end = nullptr;
  uint64_t offset = 0;  // of `begin` in the (uncompressed) input
  uint64_t index = 0;   // blocks are numbered in input order from 0
};

enum class IoMode { mmap, pread };

class Source {
 public:
  virtual ~Source() = default;
  // Thread-safe. Fills `block` with the next lines; `buffer` is the calling thread's
  // storage when bytes are copied (it must stay untouched while the block is used).
  // Returns false at the end of the input or on a read error (see error()).
  virtual bool next(Block& block, std::vector<char>& buffer) = 0;
  // Input bytes consumed so far and in total (compressed bytes for .gz; 0 total if unknown).
  virtual uint64_t position() const = 0;
  virtual uint64_t total() const = 0;
  virtual std::string error() const = 0;
};

// Opens `path` ("-" is stdin). Regular uncompressed files are split into chunks of
// `chunk_size` bytes read with `mode`; gzip files (by their magic bytes) and
// non-regular files are streamed through zlib.
std::unique_ptr<Source> open_source(const std::string& path, IoMode mode, size_t chunk_size,
                                    std::string& error);

// Where the lines of nominal chunk [a, b) of `data` (`size` bytes) start and end:
// a line belongs to the chunk its first byte is in. Sets begin == end when none does.
void chunk_lines(const char* data, uint64_t size, uint64_t a, uint64_t b, uint64_t& begin,
                 uint64_t& end);

}  // namespace mpmd::logscan
