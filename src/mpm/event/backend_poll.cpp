// EventBackend poll: one pollfd array, level-triggered. The loop keeps each
// connection's interest to what it waits for now (edge_triggered() false); a
// descriptor waiting for neither stays in the array with a negative number,
// which poll() skips (it would otherwise report hang-ups of a connection a
// handler holds, again and again). No EPOLLEXCLUSIVE: every child polls a
// shared listener and wakes for each connection; those that find the queue
// empty get EAGAIN from their non-blocking accept and go back to waiting.
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "mpm/event/backend.hpp"

namespace mpmd::mpm::event {

namespace {

short poll_events(uint32_t interest) {
  short ev = 0;
  if (interest & kReadable) ev |= POLLIN | POLLRDHUP;
  if (interest & kWritable) ev |= POLLOUT;
  return ev;
}

class PollBackend final : public Backend {
 public:
  std::string_view name() const override { return "poll"; }
  bool edge_triggered() const override { return false; }

  util::Status add(int fd, uint32_t interest, void* tag) override {
    if (fd < 0) return util::Error{"poll: bad descriptor", EBADF};
    if (size_t(fd) >= slot_.size()) slot_.resize(size_t(fd) + 1, -1);
    if (slot_[size_t(fd)] >= 0) return util::Error{"poll: descriptor already added", EEXIST};
    slot_[size_t(fd)] = int(fds_.size());
    fds_.push_back(pollfd{fd, 0, 0});
    tags_.push_back(tag);
    set(fds_.size() - 1, fd, interest);
    return {};
  }

  util::Status modify(int fd, uint32_t interest, void* tag) override {
    int i = index(fd);
    if (i < 0) return util::Error{"poll: descriptor not added", ENOENT};
    tags_[size_t(i)] = tag;
    set(size_t(i), fd, interest);
    return {};
  }

  void remove(int fd) override {
    int i = index(fd);
    if (i < 0) return;
    size_t last = fds_.size() - 1;
    if (size_t(i) != last) {
      fds_[size_t(i)] = fds_[last];
      tags_[size_t(i)] = tags_[last];
      slot_[size_t(real_fd(fds_[size_t(i)].fd))] = i;
    }
    fds_.pop_back();
    tags_.pop_back();
    slot_[size_t(fd)] = -1;
  }

  util::Result<size_t> wait(std::span<Ready> out, int timeout_ms) override {
    int n = ::poll(fds_.data(), nfds_t(fds_.size()), timeout_ms);
    if (n < 0) {
      if (errno == EINTR) return size_t(0);
      return util::Error::from_errno("poll");
    }
    // Where `out` fills up, the next wait starts after the last reported
    // entry, so entries that stay ready cannot starve the others.
    size_t filled = 0;
    const size_t count = fds_.size();
    const size_t start = count ? cursor_ % count : 0;
    for (size_t k = 0; k < count && n > 0 && filled < out.size(); ++k) {
      const size_t i = (start + k) % count;
      short re = fds_[i].revents;
      if (re == 0) continue;
      --n;
      uint32_t r = 0;
      if (re & (POLLIN | POLLRDHUP)) r |= kReadable;
      if (re & POLLOUT) r |= kWritable;
      if (re & (POLLERR | POLLHUP | POLLNVAL)) r |= kReadable | kWritable;
      out[filled++] = Ready{tags_[i], r};
      cursor_ = i + 1;
    }
    return filled;
  }

 private:
  static int real_fd(int stored) { return stored < 0 ? ~stored : stored; }

  int index(int fd) const { return fd >= 0 && size_t(fd) < slot_.size() ? slot_[size_t(fd)] : -1; }

  void set(size_t i, int fd, uint32_t interest) {
    short ev = poll_events(interest);
    fds_[i].fd = ev ? fd : ~fd;  // negative: skipped by poll()
    fds_[i].events = ev;
    fds_[i].revents = 0;
  }

  std::vector<pollfd> fds_;
  std::vector<void*> tags_;  // parallel to fds_
  std::vector<int> slot_;    // by descriptor: position in fds_, -1 = not added
  size_t cursor_ = 0;        // where the next wait's scan starts
};

}  // namespace

namespace detail {
util::Result<std::unique_ptr<Backend>> make_poll_backend() {
  return std::unique_ptr<Backend>(std::make_unique<PollBackend>());
}
}  // namespace detail

}  // namespace mpmd::mpm::event
