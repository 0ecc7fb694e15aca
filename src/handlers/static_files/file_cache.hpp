// What every response for one file needs, computed once, and a bounded,
// sharded cache of it keyed by the raw request path.
//
// An entry is immutable except for its validation time: once it is older than
// kRevalidateAfter of the handler's clock the handler re-resolves the path and
// compares identity (device, inode, size, mtime, ctime in ns); a changed file
// gets a fresh entry, so nothing is served stale for more than one second.
#pragma once

#include <sys/stat.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/response.hpp"
#include "util/clock.hpp"

namespace mpmd::static_files {

constexpr util::Usec kRevalidateAfter = 1'000'000;

struct FileIdentity {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;

  static FileIdentity of(const struct stat& st);
  bool operator==(const FileIdentity&) const = default;
};

struct FileEntry {
  FileIdentity id;
  std::time_t mtime = 0;      // seconds, for If-Modified-Since / If-Range dates
  std::string content_type;   // with any parameters, ready to send
  std::string etag;           // "\"<size hex>-<mtime usec hex>\"", or "" (FileETag None)
  std::string last_modified;  // IMF-fixdate
  // Exactly one of the two is used: the bytes in memory (small files) or the open file.
  bool in_memory = false;
  std::string content;
  std::shared_ptr<const http::OpenFile> file;
  std::string rel_path;  // the file opened, relative to the root (for FILE.gz sidecars)

  mutable std::atomic<util::Usec> validated_at{0};
  mutable std::atomic<bool> referenced{false};  // second-chance bit for eviction
};

// The ETag for a file: Apache's default (FileETag MTime Size),
// "<size in hex>-<mtime in microseconds, hex>" in double quotes.
std::string make_etag(uint64_t size, int64_t mtime_ns);

struct CacheLimits {
  size_t max_entries = 4096;
  uint64_t max_bytes = 64ull << 20;  // sum of cached file contents
};

class FileCache {
 public:
  explicit FileCache(CacheLimits limits);

  // The entry for `key`, or null. Thread-safe.
  std::shared_ptr<const FileEntry> find(std::string_view key) const;
  // Inserts or replaces; may evict other entries to stay within the limits
  // (never more than max_entries entries or max_bytes bytes in total).
  // Entries larger than a shard's byte budget are not stored.
  void put(std::string_view key, std::shared_ptr<const FileEntry> entry);
  void erase(std::string_view key);
  size_t entries() const;
  uint64_t bytes() const;

 private:
  static constexpr size_t kShards = 16;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map =
      std::unordered_map<std::string, std::shared_ptr<const FileEntry>, Hash, std::equal_to<>>;
  struct Shard {
    mutable std::mutex mu;
    Map map;
    uint64_t bytes = 0;
  };
  Shard& shard_for(std::string_view key) const;
  void evict_locked(Shard& shard, uint64_t incoming_bytes);

  size_t shard_count_;  // <= kShards; fewer for tiny limits so the totals hold exactly
  size_t max_entries_per_shard_;
  uint64_t max_bytes_per_shard_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace mpmd::static_files
