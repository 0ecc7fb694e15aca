// Shared by the status and metrics handler tests: a hand-filled scoreboard,
// requests, and python3 run on a handler's output.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "handlers/status/status_facts.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "scoreboard/scoreboard.hpp"
#include "util/clock.hpp"

namespace mpmd::handlers::status::testing {

inline constexpr util::Usec kNow = 1'700'000'000'000'000;  // 2023-11-14
inline constexpr uint64_t kUptime = 3725;                  // 1 hour 2 minutes 5 seconds

// event, ServerLimit 3, ThreadsPerChild 4, MaxRequestWorkers 8 (2 active processes).
// Slot 0 (pid 1000, current generation): "_WKR"; slot 1 (pid 1001, old generation,
// quiescing): "G_.."; slot 2: empty.
struct Board {
  std::unique_ptr<scoreboard::Scoreboard> board;
  util::ManualClock clock{kNow};
  StatusFacts facts;

  Board() {
    std::string error;
    board = scoreboard::Scoreboard::create(3, 4, error);
    facts.server_name = "www.example.org";
    facts.mpm = "event";
    facts.server_limit = 3;
    facts.threads_per_child = 4;
    facts.max_request_workers = 8;
    facts.async = true;
    facts.clock = &clock;
    auto& g = board->global();
    g.running_generation = 2;
    g.restart_usec = kNow - int64_t(kUptime) * 1'000'000;
    g.accesses_dead = 100;
    g.bytes_dead = 1024 * 1024;
    g.max_workers_reached = 7;
    g.keepalive_closed_early = 3;
    g.listen_queue = 5;
    g.children_spawned = 4;
    auto& p0 = board->process(0);
    p0.pid = 1000;
    p0.generation = 2;
    p0.connections = 6;
    p0.keep_alive = 2;
    p0.write_completion = 1;
    auto& p1 = board->process(1);
    p1.pid = 1001;
    p1.generation = 1;
    p1.quiescing = true;
    p1.connections = 1;
    p1.lingering_close = 1;
    const char* letters[] = {"_WKR", "G_..", "...."};
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 4; ++j) board->worker(i, j).state = letters[i][j];
    }
    auto& w = board->worker(0, 1);
    w.pid = 1000;
    w.generation = 2;
    w.access_count = 20;
    w.my_access_count = 20;
    w.conn_count = 2;
    w.bytes_served = 1024 * 1024;
    w.duration_usec = 2'000'000;
    w.start_usec = kNow - 1'500'000;
    w.client.set("192.0.2.7");
    w.protocol.set("http/1.1");
    w.vhost.set("www.example.org:80");
    w.request.set("GET /<script>alert(\"x\")</script>&\x01\xff HTTP/1.1");
  }
  // 120 accesses, 2 MiB, 2 s of request time in all.
};

struct Exchange {
  http::Peer peer;
  http::Request request;
  http::Response response;

  explicit Exchange(std::string_view query, http::Method method = http::Method::get) {
    peer.address = "127.0.0.1";
    peer.local_address = "127.0.0.1";
    peer.local_port = 80;
    request.method = method;
    request.method_text = http::method_name(method);
    request.path = "/server-status";
    request.query = query;
    request.host = "www.example.org:8080";
    request.peer = &peer;
  }

  std::string body() const {
    std::string out;
    for (const auto& seg : response.body.segments()) out.append(seg.bytes());
    return out;
  }
};

// Debian's interpreter first: python3-prometheus-client installs for it, and a
// python3 earlier in PATH (pyenv, a venv) may not see Debian's modules.
inline std::string python3() {
  return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

inline bool have_python3() {
  return std::system((python3() + " -c '' >/dev/null 2>&1").c_str()) == 0;
}

struct PythonResult {
  int status = -1;
  std::string output;
};

// Writes `input` and `script` to files and runs `python3 SCRIPT INPUT`, capturing stdout.
inline PythonResult run_python(const std::string& script, const std::string& input) {
  char path[] = "/tmp/mpmd-status-test-XXXXXX";
  const int fd = mkstemp(path);
  PythonResult result;
  if (fd < 0) return result;
  {
    std::ofstream f(path, std::ios::binary);
    f << input;
  }
  close(fd);
  char script_path[] = "/tmp/mpmd-status-script-XXXXXX";
  const int sfd = mkstemp(script_path);
  if (sfd < 0) return unlink(path), result;
  {
    std::ofstream f(script_path, std::ios::binary);
    f << script;
  }
  close(sfd);
  const std::string command = python3() + " " + script_path + " " + path + " 2>&1";
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) result.output.append(buf, n);
    const int status = pclose(p);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  unlink(path);
  unlink(script_path);
  return result;
}

}  // namespace mpmd::handlers::status::testing
