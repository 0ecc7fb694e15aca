// EventBackend io_uring: readiness from multishot IORING_OP_POLL_ADD. A
// connection is armed once for reading and writing; each wake-up of the
// socket posts a completion (edge-triggered, as epoll's EPOLLET), and every
// interest change of a loop turn (new connections, removals, re-armed polls)
// goes to the kernel with the turn's wait in one io_uring_enter. A shared
// listener is armed single-shot with EPOLLEXCLUSIVE (one child per
// connection, as epoll's) and re-armed after each completion, which checks
// readiness again: a queue left non-empty is reported again (level).
//
// A poll holds its socket open: closing the descriptor does not close the
// connection until the poll is removed, so before_close() queues the removal,
// which goes with the next wait. Each registration's completions carry the
// descriptor and a generation number, so a completion of a removed poll (or
// of an earlier user of the same descriptor number) is dropped.
#include <liburing.h>
#include <poll.h>
#include <sys/epoll.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "mpm/event/backend.hpp"

namespace mpmd::mpm::event {

namespace {

constexpr unsigned kRingEntries = 1024;
constexpr uint64_t kNoTag = ~uint64_t(0);  // removals: their completions are dropped

struct Entry {
  void* tag = nullptr;
  uint32_t interest = 0;
  uint32_t generation = 0;
  bool added = false;
  bool armed = false;  // a poll is in the kernel (or queued for it)
};

uint32_t poll_mask(uint32_t interest) {
  uint32_t m = 0;
  if (interest & kWritable) m |= POLLOUT;
  // As epoll's: an exclusive wait takes no POLLRDHUP (a listener has no peer).
  if (interest & kExclusive) return m | ((interest & kReadable) ? POLLIN : 0) | EPOLLEXCLUSIVE;
  if (interest & kReadable) m |= POLLIN | POLLRDHUP;
  return m;
}

uint64_t user_data(int fd, uint32_t generation) {
  return (uint64_t(generation) << 32) | uint32_t(fd);
}

class UringBackend final : public Backend {
 public:
  UringBackend() = default;
  ~UringBackend() override {
    if (ready_) io_uring_queue_exit(&ring_);
  }
  UringBackend(const UringBackend&) = delete;
  UringBackend& operator=(const UringBackend&) = delete;

  util::Status init() {
    // Completions are only made when the loop enters the kernel to wait
    // (DEFER_TASKRUN; one thread submits): no interrupts of the loop's work.
    io_uring_params p{};
    p.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
              IORING_SETUP_DEFER_TASKRUN;
    p.flags |= IORING_SETUP_CQSIZE;
    p.cq_entries = kRingEntries * 8;
    int rc = io_uring_queue_init_params(kRingEntries, &ring_, &p);
    if (rc == -EINVAL) {  // an older kernel: plain flags
      p = io_uring_params{};
      p.flags = IORING_SETUP_CQSIZE;
      p.cq_entries = kRingEntries * 8;
      rc = io_uring_queue_init_params(kRingEntries, &ring_, &p);
    }
    if (rc < 0) return util::Error::from_errno("io_uring_queue_init", -rc);
    ready_ = true;
    return {};
  }

  std::string_view name() const override { return "io_uring"; }
  bool edge_triggered() const override { return true; }

  util::Status add(int fd, uint32_t interest, void* tag) override {
    if (fd < 0) return util::Error{"io_uring: bad descriptor", EBADF};
    if (size_t(fd) >= entries_.size()) entries_.resize(size_t(fd) + 1);
    Entry& e = entries_[size_t(fd)];
    if (e.added) return util::Error{"io_uring: descriptor already added", EEXIST};
    e.added = true;
    e.tag = tag;
    e.interest = interest;
    ++e.generation;
    arm(fd, e);
    return {};
  }

  util::Status modify(int fd, uint32_t interest, void* tag) override {
    if (fd < 0 || size_t(fd) >= entries_.size() || !entries_[size_t(fd)].added) {
      return util::Error{"io_uring: descriptor not added", ENOENT};
    }
    remove(fd);
    return add(fd, interest, tag);
  }

  void remove(int fd) override {
    if (fd < 0 || size_t(fd) >= entries_.size()) return;
    Entry& e = entries_[size_t(fd)];
    if (!e.added) return;
    if (e.armed) {
      io_uring_sqe* sqe = next_sqe();
      io_uring_prep_poll_remove(sqe, user_data(fd, e.generation));
      io_uring_sqe_set_data64(sqe, kNoTag);
      io_uring_sqe_set_flags(sqe, IOSQE_CQE_SKIP_SUCCESS);
    }
    e = Entry{nullptr, 0, e.generation + 1, false, false};
  }

  util::Result<size_t> wait(std::span<Ready> out, int timeout_ms) override {
    for (int fd : rearm_) {
      Entry& e = entries_[size_t(fd)];
      if (e.added && !e.armed) arm(fd, e);
    }
    rearm_.clear();
    int rc;
    if (timeout_ms == 0) {
      rc = io_uring_submit_and_get_events(&ring_);
    } else if (timeout_ms < 0) {
      rc = io_uring_submit_and_wait(&ring_, 1);
    } else {
      __kernel_timespec ts{timeout_ms / 1000, (timeout_ms % 1000) * 1'000'000LL};
      io_uring_cqe* cqe = nullptr;
      rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    }
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
      return util::Error::from_errno("io_uring_enter", -rc);
    }
    size_t filled = 0;
    unsigned seen = 0;
    unsigned head;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      if (filled == out.size()) break;  // the rest stays for the next wait
      ++seen;
      if (std::optional<Ready> r = complete(*cqe)) out[filled++] = *r;
    }
    io_uring_cq_advance(&ring_, seen);
    return filled;
  }

 private:
  io_uring_sqe* next_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    while (!sqe) {  // the submission queue is full: hand it to the kernel now
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }

  void arm(int fd, Entry& e) {
    io_uring_sqe* sqe = next_sqe();
    if (e.interest & kExclusive) {
      io_uring_prep_poll_add(sqe, fd, poll_mask(e.interest));
    } else {
      io_uring_prep_poll_multishot(sqe, fd, poll_mask(e.interest));
    }
    io_uring_sqe_set_data64(sqe, user_data(fd, e.generation));
    e.armed = true;
  }

  // One completion: the Ready it reports, if its registration still stands.
  std::optional<Ready> complete(const io_uring_cqe& cqe) {
    if (cqe.user_data == kNoTag) return std::nullopt;
    int fd = int(uint32_t(cqe.user_data));
    uint32_t generation = uint32_t(cqe.user_data >> 32);
    if (fd < 0 || size_t(fd) >= entries_.size()) return std::nullopt;
    Entry& e = entries_[size_t(fd)];
    if (!e.added || e.generation != generation) return std::nullopt;
    if (!(cqe.flags & IORING_CQE_F_MORE)) {
      // Single-shot (a listener), or a multishot poll the kernel ended (its
      // completion queue overflowed): armed again with the next wait.
      e.armed = false;
      rearm_.push_back(fd);
    }
    if (cqe.res == -ECANCELED) return std::nullopt;
    uint32_t r = 0;
    if (cqe.res < 0) {
      r = kReadable | kWritable;  // the reader or writer finds the error
    } else {
      uint32_t m = uint32_t(cqe.res);
      if (m & (POLLIN | POLLRDHUP)) r |= kReadable;
      if (m & POLLOUT) r |= kWritable;
      if (m & (POLLERR | POLLHUP)) r |= kReadable | kWritable;
    }
    return Ready{e.tag, r};
  }

  io_uring ring_{};
  bool ready_ = false;
  std::vector<Entry> entries_;  // by descriptor
  std::vector<int> rearm_;      // descriptors whose poll ended: armed with the next wait
};

}  // namespace

namespace detail {
util::Result<std::unique_ptr<Backend>> make_uring_backend() {
  auto b = std::make_unique<UringBackend>();
  if (util::Status s = b->init(); !s) return s.error();
  return std::unique_ptr<Backend>(std::move(b));
}
}  // namespace detail

}  // namespace mpmd::mpm::event
