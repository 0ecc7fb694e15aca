#include "offload/spawner.hpp"

#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <set>
#include <vector>

#include "offload/frame.hpp"
#include "util/proctitle.hpp"
#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::offload {

namespace {

enum class Op : uint32_t { spawn = 1, kill = 2, spawned = 3, spawn_failed = 4, exited = 5 };

struct Message {
  Op op;
  int32_t pid;
  int32_t status;
};

// Closes every descriptor above 2 except those in `keep`.
void close_all_except(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned from = 3;
  for (int fd : keep) {
    if (fd < int(from)) continue;
    if (unsigned(fd) > from) syscall(SYS_close_range, from, unsigned(fd) - 1, 0);
    from = unsigned(fd) + 1;
  }
  syscall(SYS_close_range, from, ~0u, 0);
}

// Signals as a spawner or helper should see them: none blocked; the ones the
// master uses to stop or restart children ignored (the child ends us).
void reset_signals() {
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGWINCH, SIGPIPE}) signal(sig, SIG_IGN);
  for (int sig : {SIGCHLD, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

bool send_message(int fd, const Message& m, int pass_fd = -1) {
  iovec iov{const_cast<Message*>(&m), sizeof m};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (pass_fd >= 0) {
    std::memset(control, 0, sizeof control);
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
  }
  ssize_t n;
  do {
    n = sendmsg(fd, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == ssize_t(sizeof m);
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(size_t(n));
  }
  return true;
}

// Both ends of a socketpair: ours stays, theirs goes to the forked process.
struct SocketPair {
  util::UniqueFd ours;
  util::UniqueFd theirs;
};

util::Result<SocketPair> socket_pair(int type) {
  int sv[2];
  if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) != 0) {
    return util::Error::from_errno("socketpair");
  }
  return SocketPair{util::UniqueFd(sv[0]), util::UniqueFd(sv[1])};
}

[[noreturn]] void spawner_main(int control, const FunctionTable& table, size_t max_payload) {
  const pid_t child = getppid();  // the serving child whose pool this is
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, nullptr);
  int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0) _exit(1);
  close_all_except({control, sigfd});
  std::set<pid_t> helpers;
  while (true) {
    pollfd fds[2] = {{control, POLLIN, 0}, {sigfd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      _exit(1);
    }
    if (fds[1].revents) {
      signalfd_siginfo info;
      while (read(sigfd, &info, sizeof info) > 0) {
      }
      int status = 0;
      pid_t pid;
      while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        helpers.erase(pid);
        send_message(control, Message{Op::exited, pid, status});
      }
    }
    if (!fds[0].revents) continue;
    Message m{};
    ssize_t n = recv(control, &m, sizeof m, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n != ssize_t(sizeof m)) _exit(0);  // the child closed its end: our helpers die with us
    if (m.op == Op::kill) {
      if (helpers.count(m.pid)) kill(m.pid, SIGKILL);
      continue;
    }
    if (m.op != Op::spawn) continue;
    util::Result<SocketPair> pair = socket_pair(SOCK_STREAM);
    if (!pair) {
      send_message(control, Message{Op::spawn_failed, 0, pair.error().code});
      continue;
    }
    pid_t spawner = getpid();
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != spawner) _exit(0);
      close_all_except({pair->theirs.get()});
      reset_signals();
      util::set_title("mpmd-helper", "offload helper [child " + std::to_string(child) + "]");
      run_helper(pair->theirs.get(), table, max_payload);
      _exit(0);
    }
    int err = errno;
    pair->theirs.reset();
    if (pid < 0) {
      send_message(control, Message{Op::spawn_failed, 0, err});
      continue;
    }
    helpers.insert(pid);
    send_message(control, Message{Op::spawned, pid, 0}, pair->ours.get());
  }
}

}  // namespace

void run_helper(int fd, const FunctionTable& table, size_t max_payload) {
  FrameReader reader(max_payload + 1 + kMaxFunctionName);
  std::string buf(65536, '\0');
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    reader.feed(std::string_view(buf.data(), size_t(n)));
    FrameType type;
    std::string_view payload;
    FrameReader::State state;
    while ((state = reader.next(type, payload)) == FrameReader::State::frame) {
      std::string_view name;
      std::string_view input;
      std::string reply;
      if (type != FrameType::task || !decode_task(payload, name, input)) {
        reply = encode_frame(FrameType::error, "malformed task frame");
      } else if (auto fn = table.find(name); !fn) {
        reply =
            encode_frame(FrameType::error, "no function '" + std::string(name) + "' is registered");
      } else {
        try {
          std::string out = (*fn)(input);
          reply = out.size() > max_payload
                      ? encode_frame(FrameType::error, "result of " + std::to_string(out.size()) +
                                                           " bytes exceeds OffloadMaxSize")
                      : encode_frame(FrameType::result, out);
        } catch (const std::exception& e) {
          reply = encode_frame(FrameType::error, e.what());
        } catch (...) {
          reply = encode_frame(FrameType::error, "the function threw a non-standard exception");
        }
      }
      if (!write_all(fd, reply)) return;
    }
    if (state == FrameReader::State::error) return;
  }
}

std::unique_ptr<Spawner> Spawner::start(const FunctionTable& table, size_t max_payload,
                                        std::string& error) {
  util::Result<SocketPair> pair = socket_pair(SOCK_SEQPACKET);
  if (!pair) {
    error = pair.error().message;
    return nullptr;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    return nullptr;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    pair->ours.reset();
    reset_signals();
    util::set_title("mpmd-offload", "offload spawner [child " + std::to_string(parent) + "]");
    spawner_main(pair->theirs.get(), table, max_payload);
  }
  pair->theirs.reset();
  auto s = std::unique_ptr<Spawner>(new Spawner);
  s->pid_ = pid;
  s->control_ = std::move(pair->ours);
  return s;
}

Spawner::~Spawner() {
  control_.reset();
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

bool Spawner::request_spawn() {
  return send_message(control_.get(), Message{Op::spawn, 0, 0});
}

bool Spawner::request_kill(pid_t helper) {
  return send_message(control_.get(), Message{Op::kill, helper, 0});
}

int Spawner::read_event(Event& event) {
  Message m{};
  iovec iov{&m, sizeof m};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = recvmsg(control_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  if (n != ssize_t(sizeof m)) return -1;
  event = Event{};
  event.pid = m.pid;
  event.status = m.status;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
      event.fd.reset(fd);
    }
  }
  switch (m.op) {
    case Op::spawned:
      event.kind = Event::Kind::spawned;
      return event.fd ? 1 : -1;
    case Op::spawn_failed:
      event.kind = Event::Kind::spawn_failed;
      return 1;
    case Op::exited:
      event.kind = Event::Kind::exited;
      return 1;
    default:
      return -1;
  }
}

}  // namespace mpmd::offload
