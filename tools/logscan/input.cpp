#include "logscan/input.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace mpmd::logscan {

void chunk_lines(const char* data, uint64_t size, uint64_t a, uint64_t b, uint64_t& begin,
                 uint64_t& end) {
  begin = 0;
  if (a > 0) {
    const void* nl = std::memchr(data + a - 1, '\n', size - (a - 1));
    begin = nl ? uint64_t(static_cast<const char*>(nl) - data) + 1 : size;
  }
  if (begin >= b) {
    end = begin = std::min(begin, size);
    return;
  }
  const void* nl = std::memchr(data + b - 1, '\n', size - (b - 1));
  end = nl ? uint64_t(static_cast<const char*>(nl) - data) + 1 : size;
}

namespace {

std::string sys_error(const std::string& path, const char* what) {
  return path + ": " + what + ": " + std::strerror(errno);
}

class MappedSource final : public Source {
 public:
  MappedSource(const char* data, uint64_t size, size_t chunk)
      : data_(data), size_(size), chunk_(chunk) {}
  ~MappedSource() override {
    if (size_ != 0) munmap(const_cast<char*>(data_), size_);
  }
  bool next(Block& block, std::vector<char>&) override {
    uint64_t k = next_.fetch_add(1);
    uint64_t a = k * chunk_;
    if (a >= size_ && !(size_ == 0 && k == 0)) return false;
    uint64_t b = std::min<uint64_t>(size_, a + chunk_);
    uint64_t begin = 0, end = 0;
    if (size_ != 0) chunk_lines(data_, size_, a, b, begin, end);
    block = {data_ + begin, data_ + end, begin, k};
    position_.store(b, std::memory_order_relaxed);
    return true;
  }
  uint64_t position() const override { return position_.load(std::memory_order_relaxed); }
  uint64_t total() const override { return size_; }
  std::string error() const override { return {}; }

 private:
  const char* data_;
  uint64_t size_;
  uint64_t chunk_;
  std::atomic<uint64_t> next_{0};
  std::atomic<uint64_t> position_{0};
};

class PreadSource final : public Source {
 public:
  PreadSource(int fd, uint64_t size, size_t chunk, std::string path)
      : fd_(fd), size_(size), chunk_(chunk), path_(std::move(path)) {}
  ~PreadSource() override { close(fd_); }
  bool next(Block& block, std::vector<char>& buffer) override {
    uint64_t k = next_.fetch_add(1);
    uint64_t a = k * chunk_;
    if (a >= size_) return false;
    uint64_t b = std::min<uint64_t>(size_, a + chunk_);
    uint64_t from = a == 0 ? 0 : a - 1;  // one byte back: is `a` a line start?
    buffer.resize(b - from);
    if (!read_at(buffer.data(), buffer.size(), from)) return false;
    size_t start = 0;
    if (a > 0) {
      const void* nl = std::memchr(buffer.data(), '\n', buffer.size());
      start = nl ? size_t(static_cast<const char*>(nl) - buffer.data()) + 1 : buffer.size();
    }
    if (start < buffer.size() && buffer.back() != '\n') {
      // The last line runs past b: read on until its newline.
      uint64_t at = b;
      while (at < size_) {
        size_t old = buffer.size();
        size_t want = size_t(std::min<uint64_t>(size_ - at, 64 * 1024));
        buffer.resize(old + want);
        if (!read_at(buffer.data() + old, want, at)) return false;
        const void* nl = std::memchr(buffer.data() + old, '\n', want);
        if (nl) {
          buffer.resize(size_t(static_cast<const char*>(nl) - buffer.data()) + 1);
          break;
        }
        at += want;
      }
    }
    if (start > buffer.size()) start = buffer.size();
    block = {buffer.data() + start, buffer.data() + buffer.size(), from + start, k};
    position_.store(b, std::memory_order_relaxed);
    return true;
  }
  uint64_t position() const override { return position_.load(std::memory_order_relaxed); }
  uint64_t total() const override { return size_; }
  std::string error() const override {
    std::lock_guard lock(mutex_);
    return error_;
  }

 private:
  bool read_at(char* p, size_t n, uint64_t at) {
    while (n > 0) {
      ssize_t r = pread(fd_, p, n, off_t(at));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        std::lock_guard lock(mutex_);
        error_ = r < 0 ? sys_error(path_, "read") : path_ + ": file shrank while reading";
        return false;
      }
      p += r;
      n -= size_t(r);
      at += uint64_t(r);
    }
    return true;
  }
  int fd_;
  uint64_t size_;
  uint64_t chunk_;
  std::string path_;
  std::atomic<uint64_t> next_{0};
  std::atomic<uint64_t> position_{0};
  mutable std::mutex mutex_;
  std::string error_;
};

// Reads in order under a lock: while one thread inflates the next block, the
// others parse theirs.
class StreamSource final : public Source {
 public:
  StreamSource(gzFile gz, uint64_t total, size_t chunk, std::string path)
      : gz_(gz), total_(total), chunk_(chunk), path_(std::move(path)) {}
  ~StreamSource() override { gzclose(gz_); }
  bool next(Block& block, std::vector<char>& buffer) override {
    std::lock_guard lock(mutex_);
    if (!error_.empty() || (eof_ && carry_.empty())) return false;
    buffer.swap(carry_);
    carry_.clear();
    size_t scan_from = 0;
    size_t target = chunk_;
    while (true) {
      while (!eof_ && buffer.size() < target) {
        size_t old = buffer.size();
        size_t want = std::max<size_t>(target - old, 1 << 16);
        buffer.resize(old + want);
        int r = gzread(gz_, buffer.data() + old, unsigned(want));
        if (r < 0) {
          int code = 0;
          const char* msg = gzerror(gz_, &code);
          error_ = path_ + ": " + (code == Z_ERRNO ? std::strerror(errno) : msg);
          return false;
        }
        buffer.resize(old + size_t(r));
        if (r == 0) eof_ = true;
      }
      position_.store(uint64_t(gzoffset(gz_)), std::memory_order_relaxed);
      if (eof_) break;
      // Keep the partial last line for the next block.
      const char* base = buffer.data();
      size_t n = buffer.size() - scan_from;
      const void* nl = memrchr(base + scan_from, '\n', n);
      if (nl) {
        size_t cut = size_t(static_cast<const char*>(nl) - base) + 1;
        carry_.assign(buffer.begin() + long(cut), buffer.end());
        buffer.resize(cut);
        break;
      }
      scan_from = buffer.size();  // a line longer than a chunk: read more
      target = buffer.size() + chunk_;
    }
    block = {buffer.data(), buffer.data() + buffer.size(), offset_, index_++};
    offset_ += buffer.size();
    return true;
  }
  uint64_t position() const override { return position_.load(std::memory_order_relaxed); }
  uint64_t total() const override { return total_; }
  std::string error() const override {
    std::lock_guard lock(mutex_);
    return error_;
  }

 private:
  gzFile gz_;
  uint64_t total_;
  size_t chunk_;
  std::string path_;
  mutable std::mutex mutex_;
  std::vector<char> carry_;
  bool eof_ = false;
  uint64_t offset_ = 0;
  uint64_t index_ = 0;
  std::atomic<uint64_t> position_{0};
  std::string error_;
};

}  // namespace

std::unique_ptr<Source> open_source(const std::string& path, IoMode mode, size_t chunk_size,
                                    std::string& error) {
  int fd = path == "-" ? dup(0) : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = sys_error(path, "open");
    return nullptr;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    error = sys_error(path, "stat");
    close(fd);
    return nullptr;
  }
  bool regular = S_ISREG(st.st_mode);
  bool gzip = false;
  if (regular && st.st_size >= 2) {
    unsigned char magic[2] = {};
    gzip = pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  }
  if (regular && !gzip && path != "-") {
    uint64_t size = uint64_t(st.st_size);
    if (mode == IoMode::pread && size != 0) {
      posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
      return std::make_unique<PreadSource>(fd, size, chunk_size, path);
    }
    const char* data = nullptr;
    if (size != 0) {
      void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        error = sys_error(path, "mmap");
        close(fd);
        return nullptr;
      }
      madvise(p, size, MADV_SEQUENTIAL);
      data = static_cast<const char*>(p);
    }
    close(fd);
    return std::make_unique<MappedSource>(data, size, chunk_size);
  }
  gzFile gz = gzdopen(fd, "rb");
  if (gz == nullptr) {
    error = path + ": cannot open the stream";
    close(fd);
    return nullptr;
  }
  gzbuffer(gz, 1 << 18);
  return std::make_unique<StreamSource>(gz, regular ? uint64_t(st.st_size) : 0, chunk_size,
                                        path == "-" ? std::string("(stdin)") : path);
}

}  // namespace mpmd::logscan
