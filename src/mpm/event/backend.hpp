// How the event engine's loop waits for its descriptors (EventBackend): the
// loop, its timeouts, accepting and connection handling are the same for
// every backend; a backend only keeps the interest set (register, modify,
// remove) and waits. select and poll are the classic level-triggered calls,
// epoll the default, io_uring waits with multishot IORING_OP_POLL_ADD and
// submits every interest change of a loop turn with its wait in one
// io_uring_enter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace mpmd::mpm::event {

// What a registration waits for (bits).
enum Interest : uint32_t {
  kReadable = 1,
  kWritable = 2,
  // A listening socket shared by the children: wake one waiting child per
  // connection where the backend can (epoll's EPOLLEXCLUSIVE, io_uring's
  // exclusive poll). select and poll cannot: every child wakes, the ones that
  // find nothing get EAGAIN from their non-blocking accept.
  kExclusive = 4,
};

// One descriptor that is ready. `events`: kReadable | kWritable as reported
// (hang-ups and errors count as both, so the reader or writer finds them).
struct Ready {
  void* tag = nullptr;
  uint32_t events = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual std::string_view name() const = 0;

  // True: a registration for kReadable | kWritable reports each change of
  // readiness once (epoll's EPOLLET), so a connection is registered once for
  // both and never modified; the loop reads and writes until EAGAIN. False
  // (select, poll): readiness is reported while it lasts, so the loop keeps
  // the interest to what the connection waits for now.
  virtual bool edge_triggered() const = 0;

  // True where removing and adding a shared listener again moves this child
  // to the end of the listener's wait queue, so the next connection wakes
  // another idle child (epoll). io_uring's single-shot listener poll goes to
  // the end each time it is re-armed; select and poll wake every child.
  virtual bool requeues_on_readd() const { return false; }

  // Descriptors from this one up cannot be registered (select: FD_SETSIZE).
  virtual int fd_limit() const { return 1 << 30; }

  // Registers `fd` with `interest` (Interest bits); `tag` comes back in Ready.
  // Fails for a descriptor already registered or at or above fd_limit().
  virtual util::Status add(int fd, uint32_t interest, void* tag) = 0;
  // Changes the interest of a registered descriptor (level-triggered use).
  virtual util::Status modify(int fd, uint32_t interest, void* tag) = 0;
  // Forgets `fd`, which stays open (a listener the loop stops watching). No
  // later wait returns a Ready for it.
  virtual void remove(int fd) = 0;
  // `fd` is about to be closed: forgets it where closing would not (epoll
  // forgets a closed descriptor by itself; select and poll would report a
  // closed or reused number, io_uring's poll holds the socket open).
  virtual void before_close(int fd) { remove(fd); }

  // Waits up to `timeout_ms` (0 = poll, -1 = forever) and fills `out`;
  // returns how many are ready (0 on timeout or a signal), or the error.
  virtual util::Result<size_t> wait(std::span<Ready> out, int timeout_ms) = 0;
};

// The names EventBackend accepts, in the order of the talk: select, poll,
// epoll, io_uring.
std::span<const std::string_view> backend_names();
inline constexpr std::string_view kDefaultBackend = "epoll";
// Whether `name` is one of backend_names() (exact, lower case).
bool known_backend(std::string_view name);

// The named backend, ready to use, or why it cannot be made here (io_uring
// refused by the kernel or a seccomp policy, out of descriptors or memory).
util::Result<std::unique_ptr<Backend>> make_backend(std::string_view name);

// The backends themselves (backend_*.cpp).
namespace detail {
util::Result<std::unique_ptr<Backend>> make_select_backend();
util::Result<std::unique_ptr<Backend>> make_poll_backend();
util::Result<std::unique_ptr<Backend>> make_epoll_backend();
util::Result<std::unique_ptr<Backend>> make_uring_backend();
}  // namespace detail

}  // namespace mpmd::mpm::event
