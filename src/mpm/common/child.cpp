#include "mpm/common/child.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace mpmd::mpm {

int open_child_signalfd() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGWINCH}) sigaddset(&set, s);
  if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return -1;
  return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

void close_inherited_listeners(const ChildEnv& env) {
  // The Listener objects are the master's, copied by fork: only the numbers
  // are closed here, in this process.
  for (const auto& l : env.listeners) ::close(l.fd.get());
}

StopRequest read_stop_request(int signal_fd) {
  StopRequest req = StopRequest::none;
  struct signalfd_siginfo info;
  while (::read(signal_fd, &info, sizeof info) == ssize_t(sizeof info)) {
    int s = int(info.ssi_signo);
    if (s == SIGUSR1 || s == SIGWINCH) {
      if (req == StopRequest::none) req = StopRequest::graceful;
    } else {
      req = StopRequest::now;
    }
  }
  return req;
}

}  // namespace mpmd::mpm
