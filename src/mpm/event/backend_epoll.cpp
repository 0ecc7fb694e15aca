// EventBackend epoll (the default): connections edge-triggered (EPOLLET) for
// reading and writing at once, registered once; a shared listener with
// EPOLLEXCLUSIVE and level-triggered, so one connection wakes one child and a
// queue left non-empty is reported again.
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>

#include "mpm/event/backend.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::mpm::event {

namespace {

constexpr int kMaxEvents = 256;

uint32_t epoll_events(uint32_t interest) {
  uint32_t ev = 0;
  if (interest & kWritable) ev |= EPOLLOUT;
  // EPOLLEXCLUSIVE takes EPOLLIN, EPOLLOUT and EPOLLET only (EINVAL otherwise).
  if (interest & kExclusive)
    return ev | ((interest & kReadable) ? uint32_t(EPOLLIN) : 0u) | EPOLLEXCLUSIVE;
  if (interest & kReadable) ev |= EPOLLIN | EPOLLRDHUP;
  return ev | EPOLLET;
}

class EpollBackend final : public Backend {
 public:
  explicit EpollBackend(util::UniqueFd fd) : epfd_(std::move(fd)) {}

  std::string_view name() const override { return "epoll"; }
  bool edge_triggered() const override { return true; }
  bool requeues_on_readd() const override { return true; }

  util::Status add(int fd, uint32_t interest, void* tag) override {
    return control(EPOLL_CTL_ADD, fd, interest, tag);
  }
  util::Status modify(int fd, uint32_t interest, void* tag) override {
    return control(EPOLL_CTL_MOD, fd, interest, tag);
  }
  void remove(int fd) override { epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, fd, nullptr); }
  // Closing a descriptor nobody else holds removes it from the set: no call.
  void before_close(int) override {}

  util::Result<size_t> wait(std::span<Ready> out, int timeout_ms) override {
    epoll_event events[kMaxEvents];
    int max = int(std::min<size_t>(out.size(), kMaxEvents));
    int n = epoll_wait(epfd_.get(), events, max, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) return size_t(0);
      return util::Error::from_errno("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      uint32_t e = events[i].events;
      uint32_t r = 0;
      if (e & (EPOLLIN | EPOLLRDHUP)) r |= kReadable;
      if (e & EPOLLOUT) r |= kWritable;
      if (e & (EPOLLERR | EPOLLHUP)) r |= kReadable | kWritable;
      out[i] = Ready{events[i].data.ptr, r};
    }
    return size_t(n);
  }

 private:
  util::Status control(int op, int fd, uint32_t interest, void* tag) {
    epoll_event ev{};
    ev.events = epoll_events(interest);
    ev.data.ptr = tag;
    if (epoll_ctl(epfd_.get(), op, fd, &ev) != 0) return util::Error::from_errno("epoll_ctl");
    return {};
  }

  util::UniqueFd epfd_;
};

}  // namespace

namespace detail {
util::Result<std::unique_ptr<Backend>> make_epoll_backend() {
  util::UniqueFd fd(epoll_create1(EPOLL_CLOEXEC));
  if (!fd) return util::Error::from_errno("epoll_create1");
  return std::unique_ptr<Backend>(std::make_unique<EpollBackend>(std::move(fd)));
}
}  // namespace detail

}  // namespace mpmd::mpm::event
