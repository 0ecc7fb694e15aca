// A WSGI daemon process: `threads` threads each take one connection at a
// time from the group's shared socket and run its request in Python
// (api::Host::handle, the same code as embedded mode), speaking
// python/wire.hpp. The main thread watches: SIGTERM ends the process now,
// SIGUSR1 gracefully (no new requests; the running ones get
// graceful-timeout); a request running past request-timeout means the
// process hangs (the child answered 504 already), so it exits and the master
// forks a fresh one; maximum-requests and inactivity-timeout end it
// gracefully, to be replaced the same way.
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "python/daemons.hpp"
#include "python/wire.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/proctitle.hpp"

namespace mpmd::python {

namespace {

using log::LogLevel;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// api::Exchange over the connection to the child that forwarded the request.
class SocketExchange final : public api::Exchange {
 public:
  explicit SocketExchange(int fd) : fd_(fd) {}

  long read(char* into, size_t size) override {
    std::string n;
    wire::put_u32(n, uint32_t(std::min<size_t>(size, 1u << 20)));
    if (!wire::send(fd_, wire::Frame::read, n)) return -1;
    wire::Frame type;
    std::string payload;
    if (wire::receive(fd_, type, payload, -1) != wire::Got::frame) return -1;
    if (type == wire::Frame::body_end) return 0;
    if (type != wire::Frame::body || payload.size() > size) return -1;
    std::memcpy(into, payload.data(), payload.size());
    return long(payload.size());
  }
  bool respond(std::string_view status, api::Fields headers, std::string body,
               bool complete) override {
    ok_ = true;
    return wire::send(fd_, wire::Frame::head, wire::encode_head(status, headers, complete, body));
  }
  bool respond_file(std::string_view status, api::Fields headers, int fd, uint64_t offset,
                    uint64_t length) override {
    // The file's bytes go over the socket; the child streams them on.
    headers.emplace_back("Content-Length", std::to_string(length));
    bool ok = wire::send(fd_, wire::Frame::head, wire::encode_head(status, headers, false, ""));
    std::string buf(256 * 1024, '\0');
    while (ok && length > 0) {
      ssize_t n = pread(fd, buf.data(), std::min<uint64_t>(buf.size(), length), off_t(offset));
      if (n <= 0) break;
      ok = wire::send(fd_, wire::Frame::data, std::string_view(buf.data(), size_t(n)));
      offset += uint64_t(n);
      length -= uint64_t(n);
    }
    ::close(fd);
    ok_ = ok && length == 0;
    return ok;
  }
  bool write(std::string bytes) override { return wire::send(fd_, wire::Frame::data, bytes); }
  void finish(bool ok) override { ok_ = ok; }
  void fail() override {
    ok_ = true;
    wire::send(fd_, wire::Frame::fail, "");
  }
  void log(api::Level level, std::string_view text) override {
    std::string payload(1, char(level));
    payload.append(text);
    wire::send(fd_, wire::Frame::log, payload);
  }
  bool ok() const { return ok_; }

 private:
  int fd_;
  bool ok_ = false;
};

struct Shared {
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> served{0};
  std::atomic<int64_t> last_activity_ms{0};
  util::UniqueFd wake{eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
  std::vector<std::atomic<int64_t>> busy_since_ms;  // 0 = idle
  std::vector<std::atomic<bool>> returned;          // thread_loop has returned
  explicit Shared(size_t threads) : busy_since_ms(threads), returned(threads) {}
};

void serve_one(int conn, api::Host& host) {
  wire::Frame type;
  std::string payload;
  api::Call call;
  if (wire::receive(conn, type, payload, 30'000) != wire::Got::frame || type != wire::Frame::call ||
      !wire::decode_call(payload, call)) {
    return;
  }
  SocketExchange ex(conn);
  api::Stats stats = host.handle(call, ex);
  std::string end(1, char(ex.ok() ? 1 : 0));
  wire::put_u64(end, stats.gil_wait_usec);
  wire::send(conn, wire::Frame::end, end);
}

void thread_loop(int listener, api::Host& host, Shared& s, size_t index, uint64_t max_requests) {
  while (!s.stopping.load()) {
    pollfd p[2] = {{listener, POLLIN, 0}, {s.wake.get(), POLLIN, 0}};
    if (::poll(p, 2, -1) < 0 && errno != EINTR) break;
    if (s.stopping.load()) break;
    if (!(p[0].revents & POLLIN)) continue;
    int conn = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (conn < 0) continue;  // another thread or process took it
    int flags = 0;
    ::ioctl(conn, FIONBIO, &flags);  // blocking from here: this thread waits on it alone
    s.busy_since_ms[index].store(now_ms());
    serve_one(conn, host);
    ::close(conn);
    s.busy_since_ms[index].store(0);
    s.last_activity_ms.store(now_ms());
    uint64_t served = s.served.fetch_add(1) + 1;
    if (max_requests > 0 && served >= max_requests && !s.stopping.exchange(true)) {
      uint64_t one = 1;
      (void)!::write(s.wake.get(), &one, sizeof one);
    }
  }
  s.returned[index].store(true);
}

}  // namespace

void run_daemon(const Daemons::Group& group, size_t index, api::Host& host,
                const config::Wsgi& wsgi, uint32_t generation) {
  const config::WsgiDaemon& c = group.config;
  std::string title = !c.display_name.empty()
                          ? c.display_name
                          : "wsgi daemon " + c.name + " [generation " + std::to_string(generation) +
                                ", process " + std::to_string(index) + "]";
  util::set_title("mpmd-wsgi", title);
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGWINCH}) sigaddset(&set, sig);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  util::UniqueFd signals(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
  auto fatal = [&](const std::string& why) {
    log::emit(LogLevel::error, log::ids::kWsgiDaemon,
              "WSGIDaemonProcess " + c.name + " (pid " + std::to_string(getpid()) + "): " + why);
    _exit(3);
  };
  if (!c.python_path.empty()) {
    if (std::string e = host.add_path(c.python_path); !e.empty()) fatal("python-path: " + e);
  }
  for (const auto& imp : wsgi.imports) {
    if (imp.process_group != c.name) continue;
    std::string g = imp.application_group == "%{GLOBAL}" ? "" : imp.application_group;
    if (std::string e = host.import_script(imp.script, g, false); !e.empty()) {
      fatal("WSGIImportScript " + imp.script + ": " + e);
    }
  }
  Shared shared(size_t(c.threads));
  shared.last_activity_ms.store(now_ms());
  std::vector<std::thread> threads;
  int listener = group.listener.get();
  for (int t = 0; t < c.threads; ++t) {
    threads.emplace_back(thread_loop, listener, std::ref(host), std::ref(shared), size_t(t),
                         c.maximum_requests);
  }
  int64_t graceful_deadline = 0;
  const int64_t hang_ms = c.request_timeout.count() > 0 ? c.request_timeout.count() + 2000 : 0;
  for (;;) {
    pollfd p{signals.get(), POLLIN, 0};
    ::poll(&p, 1, 200);
    signalfd_siginfo info;
    while (signals && ::read(signals.get(), &info, sizeof info) == sizeof info) {
      if (info.ssi_signo == SIGUSR1 || info.ssi_signo == SIGWINCH) {
        shared.stopping.store(true);
      } else {
        _exit(0);  // stop now: the master is stopping, or restarting all at once
      }
    }
    int64_t now = now_ms();
    bool busy = false;
    for (auto& since : shared.busy_since_ms) {
      int64_t s = since.load();
      busy |= s != 0;
      if (s != 0 && hang_ms > 0 && now - s > hang_ms) {
        log::emit(LogLevel::error, log::ids::kWsgiDaemon,
                  "WSGIDaemonProcess " + c.name + " (pid " + std::to_string(getpid()) +
                      "): a request has run past request-timeout (" +
                      std::to_string(c.request_timeout.count()) +
                      " ms); exiting so that the master replaces this process");
        _exit(4);
      }
    }
    if (c.inactivity_timeout.count() > 0 && !busy &&
        now - shared.last_activity_ms.load() > c.inactivity_timeout.count()) {
      shared.stopping.store(true);
    }
    if (shared.stopping.load()) {
      uint64_t one = 1;
      (void)!::write(shared.wake.get(), &one, sizeof one);
      if (graceful_deadline == 0) graceful_deadline = now + c.graceful_timeout.count();
      if (!busy || now >= graceful_deadline) break;
    }
  }
  // Threads still in a request past graceful-timeout are abandoned: _exit
  // does not wait for them (nor run Python's finalisation, which would).
  // Those that have returned are joined, the others detached: a finished
  // thread never joined is what ThreadSanitizer reports as a thread leak.
  for (size_t t = 0; t < threads.size(); ++t) {
    if (shared.returned[t].load()) {
      threads[t].join();
    } else {
      threads[t].detach();
    }
  }
  _exit(0);
}

}  // namespace mpmd::python
