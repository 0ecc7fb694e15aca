// mpmd-baseline: the speed-of-light line of the benchmark.
//
// A minimal epoll server that answers every request with one fixed response
// and never parses it: it only counts request ends ("\r\n\r\n") so that a
// request split across reads, or several in one read, get one answer each.
// What a real server costs beyond this is the cost of being a web server.
//
//   mpmd-baseline --port N [--host 127.0.0.1] [--body-size BYTES]
//                 [--procs N] [--close]
//
// --procs forks N processes sharing the port through SO_REUSEPORT; --close
// answers with "Connection: close" and closes after each response (the
// no-keep-alive workload). SIGTERM or SIGINT stops all processes.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  size_t body_size = 13;
  int procs = 1;
  bool close_after = false;
};

struct Client {
  int matched = 0;     // how many bytes of "\r\n\r\n" the last read ended with
  size_t pending = 0;  // responses owed (requests seen, not yet fully written)
  size_t offset = 0;   // bytes of the current response already written
};

volatile sig_atomic_t g_stop = 0;

void on_signal(int) {
  g_stop = 1;
}

bool parse_options(int argc, char** argv, Options& opt) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--close") {
      opt.close_after = true;
    } else if (a == "--port" || a == "--host" || a == "--body-size" || a == "--procs") {
      const char* v = value();
      if (v == nullptr) return false;
      if (a == "--port") opt.port = std::atoi(v);
      if (a == "--host") opt.host = v;
      if (a == "--body-size") opt.body_size = std::strtoull(v, nullptr, 10);
      if (a == "--procs") opt.procs = std::atoi(v);
    } else {
      return false;
    }
  }
  return opt.port > 0 && opt.port < 65536 && opt.procs >= 1;
}

std::string make_response(const Options& opt) {
  std::string r = "HTTP/1.1 200 OK\r\nServer: mpmd-baseline\r\nContent-Type: text/plain\r\n";
  r += "Content-Length: " + std::to_string(opt.body_size) + "\r\n";
  r += opt.close_after ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n";
  r.append(opt.body_size, 'x');
  return r;
}

int open_listener(const Options& opt) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(opt.port));
  if (inet_pton(AF_INET, opt.host.c_str(), &addr.sin_addr) != 1 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 4096) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Counts "\r\n\r\n" in data, continuing a match carried over from the last read.
size_t count_request_ends(std::string_view data, int& matched) {
  static constexpr std::string_view kEnd = "\r\n\r\n";
  size_t ends = 0;
  for (char c : data) {
    if (c == kEnd[static_cast<size_t>(matched)]) {
      if (++matched == 4) {
        ++ends;
        matched = 0;
      }
    } else {
      matched = (c == '\r') ? 1 : 0;
    }
  }
  return ends;
}

// Writes owed responses; returns false when the connection must be closed.
bool flush(int fd, Client& c, const std::string& response, bool close_after, bool& want_out) {
  want_out = false;
  while (c.pending > 0) {
    ssize_t n = send(fd, response.data() + c.offset, response.size() - c.offset, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN) {
        want_out = true;
        return true;
      }
      if (errno == EINTR) continue;
      return false;
    }
    c.offset += static_cast<size_t>(n);
    if (c.offset == response.size()) {
      c.offset = 0;
      --c.pending;
      if (close_after) return false;
    }
  }
  return true;
}

int serve(const Options& opt, int listen_fd) {
  const std::string response = make_response(opt);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return 1;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev);
  std::unordered_map<int, Client> clients;
  std::vector<epoll_event> events(512);
  std::vector<char> buf(64 * 1024);
  auto drop = [&](int fd) {
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    clients.erase(fd);
  };
  while (!g_stop) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 500);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listen_fd) {
        for (;;) {
          int c = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          int one = 1;
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLRDHUP;
          cev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          clients[c] = Client{};
        }
        continue;
      }
      auto it = clients.find(fd);
      if (it == clients.end()) continue;
      Client& c = it->second;
      bool alive = true;
      if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        for (;;) {
          ssize_t r = recv(fd, buf.data(), buf.size(), 0);
          if (r > 0) {
            c.pending += count_request_ends({buf.data(), static_cast<size_t>(r)}, c.matched);
            if (static_cast<size_t>(r) < buf.size()) break;
          } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
            alive = c.pending > 0 && r == 0 ? true : false;
            break;
          } else {
            break;
          }
        }
      }
      bool want_out = false;
      if (alive) alive = flush(fd, c, response, opt.close_after, want_out);
      if (!alive) {
        drop(fd);
        continue;
      }
      epoll_event mev{};
      mev.events = EPOLLIN | EPOLLRDHUP | (want_out ? EPOLLOUT : 0u);
      mev.data.fd = fd;
      epoll_ctl(ep, EPOLL_CTL_MOD, fd, &mev);
    }
  }
  for (auto& [fd, c] : clients) close(fd);
  close(ep);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!parse_options(argc, argv, opt)) {
    std::fprintf(stderr,
                 "usage: mpmd-baseline --port N [--host ADDR] [--body-size BYTES] [--procs N] "
                 "[--close]\n");
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  std::vector<pid_t> children;
  for (int p = 1; p < opt.procs; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      int fd = open_listener(opt);
      return fd < 0 ? 1 : serve(opt, fd);
    }
    if (pid > 0) children.push_back(pid);
  }
  int fd = open_listener(opt);
  if (fd < 0) {
    std::fprintf(stderr, "mpmd-baseline: cannot listen on %s:%d: %s\n", opt.host.c_str(), opt.port,
                 std::strerror(errno));
    for (pid_t c : children) kill(c, SIGTERM);
    return 1;
  }
  int rc = serve(opt, fd);
  for (pid_t c : children) kill(c, SIGTERM);
  for (pid_t c : children) waitpid(c, nullptr, 0);
  return rc;
}
