// EventBackend select: two fd_sets, level-triggered, as the talk starts. An
// fd_set holds descriptors below FD_SETSIZE (1024) only, and FD_SET past it
// writes outside the set: add() refuses such descriptors, so a connection
// that gets one is closed instead of corrupting memory, and the loop caps
// WorkerConnections below FD_SETSIZE (event_child.cpp). No EPOLLEXCLUSIVE:
// every child selects on a shared listener and wakes for each connection;
// those that find the queue empty get EAGAIN from their non-blocking accept.
#include <sys/select.h>

#include <cerrno>
#include <string>
#include <vector>

#include "mpm/event/backend.hpp"

namespace mpmd::mpm::event {

namespace {

struct Entry {
  void* tag = nullptr;
  uint32_t interest = 0;
  bool added = false;
};

class SelectBackend final : public Backend {
 public:
  SelectBackend() {
    FD_ZERO(&read_);
    FD_ZERO(&write_);
  }

  std::string_view name() const override { return "select"; }
  bool edge_triggered() const override { return false; }
  int fd_limit() const override { return FD_SETSIZE; }

  util::Status add(int fd, uint32_t interest, void* tag) override {
    if (fd < 0 || fd >= FD_SETSIZE) {
      return util::Error{"select: descriptor " + std::to_string(fd) +
                             " is at or above FD_SETSIZE (" + std::to_string(FD_SETSIZE) + ")",
                         EMFILE};
    }
    if (entries_[size_t(fd)].added) {
      return util::Error{"select: descriptor already added", EEXIST};
    }
    entries_[size_t(fd)].added = true;
    set(fd, interest, tag);
    if (fd > max_fd_) max_fd_ = fd;
    return {};
  }

  util::Status modify(int fd, uint32_t interest, void* tag) override {
    if (fd < 0 || fd >= FD_SETSIZE || !entries_[size_t(fd)].added) {
      return util::Error{"select: descriptor not added", ENOENT};
    }
    set(fd, interest, tag);
    return {};
  }

  void remove(int fd) override {
    if (fd < 0 || fd >= FD_SETSIZE || !entries_[size_t(fd)].added) return;
    set(fd, 0, nullptr);
    entries_[size_t(fd)].added = false;
    while (max_fd_ >= 0 && !entries_[size_t(max_fd_)].added) --max_fd_;
  }

  util::Result<size_t> wait(std::span<Ready> out, int timeout_ms) override {
    fd_set rd = read_;
    fd_set wr = write_;
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    int n = ::select(max_fd_ + 1, &rd, &wr, nullptr, timeout_ms < 0 ? nullptr : &tv);
    if (n < 0) {
      if (errno == EINTR) return size_t(0);
      return util::Error::from_errno("select");
    }
    // Where `out` fills up, the next wait starts after the last reported
    // descriptor, so low numbers that stay ready cannot starve high ones.
    size_t filled = 0;
    const int count = max_fd_ + 1;
    const int start = count > 0 ? cursor_ % count : 0;
    for (int k = 0; k < count && n > 0 && filled < out.size(); ++k) {
      const int fd = (start + k) % count;
      uint32_t r = 0;
      if (FD_ISSET(fd, &rd)) r |= kReadable;
      if (FD_ISSET(fd, &wr)) r |= kWritable;
      if (r == 0) continue;
      n -= (r & kReadable ? 1 : 0) + (r & kWritable ? 1 : 0);
      out[filled++] = Ready{entries_[size_t(fd)].tag, r};
      cursor_ = fd + 1;
    }
    return filled;
  }

 private:
  void set(int fd, uint32_t interest, void* tag) {
    Entry& e = entries_[size_t(fd)];
    e.tag = tag;
    e.interest = interest;
    if (interest & kReadable) {
      FD_SET(fd, &read_);
    } else {
      FD_CLR(fd, &read_);
    }
    if (interest & kWritable) {
      FD_SET(fd, &write_);
    } else {
      FD_CLR(fd, &write_);
    }
  }

  fd_set read_;
  fd_set write_;
  std::vector<Entry> entries_ = std::vector<Entry>(FD_SETSIZE);
  int max_fd_ = -1;
  int cursor_ = 0;  // where the next wait's scan starts
};

}  // namespace

namespace detail {
util::Result<std::unique_ptr<Backend>> make_select_backend() {
  return std::unique_ptr<Backend>(std::make_unique<SelectBackend>());
}
}  // namespace detail

}  // namespace mpmd::mpm::event
