// A private redis-server for a test: started on a free loopback port (and a
// Unix socket) with persistence off, stopped by the destructor, also when the
// test fails; it dies with the test process if that crashes (PDEATHSIG).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"

namespace mpmd::test {

// A loopback TCP port that was free a moment ago.
inline uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

inline bool have_redis_server() {
  return std::system("command -v redis-server >/dev/null 2>&1") == 0;
}

class RedisServer {
 public:
  // Writing to a connection redis has closed must be an error, not a death
  // (mpmd ignores SIGPIPE in main() for the same reason).
  RedisServer() { ::signal(SIGPIPE, SIG_IGN); }
  ~RedisServer() { stop(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts redis-server on `port` (0 = a free one); true once it answers PING.
  bool start(uint16_t port = 0) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = port ? port : free_port();
      socket_ = dir_.file("redis.sock");
      if (launch() && wait_ready()) return true;
      stop();
      if (port) {
        // The same port again (a restart test): wait for it to be released.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
    return false;
  }

  // SIGTERM, then SIGKILL if it lingers; waits for the process.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  uint16_t port() const { return port_; }
  const std::string& socket_path() const { return socket_; }
  std::string log() const { return slurp(dir_.file("redis.log")); }

  // Runs a command on a fresh connection; returns the reply as text
  // ("(nil)", integers in decimal, errors prefixed "ERR: ").
  std::string command(const std::vector<std::string>& argv) const {
    struct timeval tv = {5, 0};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
    if (!c || c->err) {
      std::string e = c ? c->errstr : "no memory";
      if (c) redisFree(c);
      return "CONNECT: " + e;
    }
    redisSetTimeout(c, tv);
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (const auto& a : argv) {
      args.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r =
        static_cast<redisReply*>(redisCommandArgv(c, int(args.size()), args.data(), lens.data()));
    std::string out;
    if (!r) {
      out = std::string("IO: ") + c->errstr;
    } else {
      if (r->type == REDIS_REPLY_NIL)
        out = "(nil)";
      else if (r->type == REDIS_REPLY_INTEGER)
        out = std::to_string(r->integer);
      else if (r->type == REDIS_REPLY_ERROR)
        out = "ERR: " + std::string(r->str, r->len);
      else if (r->str)
        out = std::string(r->str, r->len);
      freeReplyObject(r);
    }
    redisFree(c);
    return out;
  }

 private:
  bool launch() {
    std::string port = std::to_string(port_);
    std::string log = dir_.file("redis.log");
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) _exit(127);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
               "--unixsocket", socket_.c_str(), "--save", "", "--appendonly", "no", "--dir",
               dir_.path().c_str(), "--daemonize", "no", static_cast<char*>(nullptr));
      _exit(127);
    }
    return true;
  }

  bool wait_ready() {
    // Up to 20 s: a loaded 2-core machine can be slow to start anything.
    for (int i = 0; i < 400; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;  // exited: port taken, or a bad option (see log())
        return false;
      }
      if (command({"PING"}) == "PONG") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  TempDir dir_;
  uint16_t port_ = 0;
  std::string socket_;
  pid_t pid_ = -1;
};

}  // namespace mpmd::test
