#include "handlers/static_files/file_cache.hpp"

#include <charconv>

namespace mpmd::static_files {

namespace {

uint64_t entry_bytes(const FileEntry& e) {
  return e.in_memory ? e.content.size() : 0;
}

void append_hex(std::string& out, uint64_t v) {
  char buf[20];
  auto res = std::to_chars(buf, buf + sizeof buf, v, 16);
  out.append(buf, res.ptr);
}

}  // namespace

FileIdentity FileIdentity::of(const struct stat& st) {
  FileIdentity id;
  id.dev = uint64_t(st.st_dev);
  id.ino = uint64_t(st.st_ino);
  id.size = uint64_t(st.st_size);
  id.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  id.ctime_ns = int64_t(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  return id;
}

std::string make_etag(uint64_t size, int64_t mtime_ns) {
  std::string tag;
  tag.reserve(32);
  tag.push_back('"');
  append_hex(tag, size);
  tag.push_back('-');
  append_hex(tag, uint64_t(mtime_ns < 0 ? 0 : mtime_ns / 1000));
  tag.push_back('"');
  return tag;
}

FileCache::FileCache(CacheLimits limits)
    : shard_count_(limits.max_entries < kShards ? (limits.max_entries ? limits.max_entries : 1)
                                                : kShards),
      max_entries_per_shard_(limits.max_entries / shard_count_),
      max_bytes_per_shard_(limits.max_bytes / shard_count_) {}

FileCache::Shard& FileCache::shard_for(std::string_view key) const {
  size_t h = Hash{}(key);
  return shards_[(h >> 7) % shard_count_];
}

std::shared_ptr<const FileEntry> FileCache::find(std::string_view key) const {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.map.find(key);
  if (it == shard.map.end()) return nullptr;
  return it->second;
}

void FileCache::put(std::string_view key, std::shared_ptr<const FileEntry> entry) {
  if (max_entries_per_shard_ == 0) return;
  uint64_t size = entry_bytes(*entry);
  if (size > max_bytes_per_shard_) return;
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.map.find(key);
  if (it != shard.map.end()) {
    shard.bytes -= entry_bytes(*it->second);
    shard.bytes += size;
    it->second = std::move(entry);
    return;
  }
  evict_locked(shard, size);
  shard.bytes += size;
  shard.map.emplace(std::string(key), std::move(entry));
}

// Second chance: entries hit since the last sweep lose their bit and stay;
// the others go. A second sweep evicts regardless, so this always makes room.
void FileCache::evict_locked(Shard& shard, uint64_t incoming) {
  auto over = [&] {
    return shard.map.size() + 1 > max_entries_per_shard_ ||
           shard.bytes + incoming > max_bytes_per_shard_;
  };
  for (int pass = 0; pass < 2 && over(); ++pass) {
    for (auto it = shard.map.begin(); it != shard.map.end() && over();) {
      if (pass == 0 && it->second->referenced.exchange(false, std::memory_order_relaxed)) {
        ++it;
        continue;
      }
      shard.bytes -= entry_bytes(*it->second);
      it = shard.map.erase(it);
    }
  }
}

void FileCache::erase(std::string_view key) {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.map.find(key);
  if (it == shard.map.end()) return;
  shard.bytes -= entry_bytes(*it->second);
  shard.map.erase(it);
}

size_t FileCache::entries() const {
  size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.map.size();
  }
  return n;
}

uint64_t FileCache::bytes() const {
  uint64_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.bytes;
  }
  return n;
}

}  // namespace mpmd::static_files
