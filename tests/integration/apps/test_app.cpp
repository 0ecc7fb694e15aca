// The application the integration suite (test_applications.py) loads: one
// route per behaviour the suite checks. Built twice, as test_app.so and
// test_app_v2.so (TEST_APP_VERSION 2), to check that a graceful restart picks
// up a replaced shared object.
#include <unistd.h>
#include <mpmd/app.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#ifndef TEST_APP_VERSION
#define TEST_APP_VERSION 1
#endif

namespace {

using mpmd::app::Environment;
using mpmd::app::Request;
using mpmd::app::Response;

struct State {
  pid_t preload_pid = 0;
  pid_t child_init_pid = 0;
  uint32_t generation = 0;
  std::string greeting;
};

}  // namespace

MPMD_APPLICATION(app) {
  auto state = std::make_shared<State>();
  state->greeting = app.option("greeting", "hello");
  bool fail_preload = app.option("fail_preload") == "1";
  bool fail_child_init = app.option("fail_child_init") == "1";

  app.on_preload([state, fail_preload](const Environment& env) {
    if (fail_preload) throw std::runtime_error("preload refused (fail_preload=1)");
    state->preload_pid = getpid();
    state->generation = env.generation;
  });
  app.on_child_init([state, fail_child_init](const Environment&) {
    if (fail_child_init) throw std::runtime_error("child_init refused (fail_child_init=1)");
    state->child_init_pid = getpid();
  });

  app.get(
      "/hello", [state](const Request&, Response& res) { res.send(state->greeting + "\n"); },
      mpmd::app::non_blocking);
  // The connection's variables (HTTPS, SSL_*) and the serving process, one per line.
  app.get(
      "/env",
      [](const Request& req, Response& res) {
        std::string out = "pid=" + std::to_string(getpid()) + "\n";
        for (const auto& v : req.env) {
          out += std::string(v.name) + "=" + std::string(v.value) + "\n";
        }
        res.send(out);
      },
      mpmd::app::non_blocking);
  app.get("/users/{id}", [](const Request& req, Response& res) {
    res.send("user " + std::string(req.param("id")) + " q=" + req.query_param("q").value_or("-") +
             "\n");
  });
  app.get("/users/{id}/files/{rest...}", [](const Request& req, Response& res) {
    res.send("file " + std::string(req.param("rest")) + " of " + std::string(req.param("id")) +
             "\n");
  });
  app.post("/echo", [](const Request& req, Response& res) {
    std::optional<std::string> body = req.body();
    if (!body) return;  // the server answers 413 (or 400/408)
    res.status = 201;
    res.send(std::move(*body), std::string(req.header("content-type")));
  });
  // Streaming bodies (the tests check the child's memory while they run).
  // Counts the body as it arrives, waiting for each piece (blocking).
  app.post("/count", [](const Request& req, Response& res) {
    char buf[16384];
    uint64_t total = 0;
    while (size_t n = req.read(buf, sizeof buf)) total += n;
    res.send(std::to_string(total) + " bytes in " + std::to_string(getpid()) + "\n");
  });
  // The same without waiting: pieces are handed over as they arrive.
  app.post(
      "/count-async",
      [](const Request& req, Response& res) {
        auto total = std::make_shared<uint64_t>(0);
        req.read_async([total](std::string_view piece) { *total += piece.size(); },
                       [total, later = res.defer()](int error) {
                         later->send(std::to_string(*total) + " bytes, error " +
                                     std::to_string(error) + " in " + std::to_string(getpid()) +
                                     "\n");
                         later.complete();
                       });
      },
      mpmd::app::non_blocking);
  // ?bytes=N produced by a generator the server pulls as the client reads.
  app.get(
      "/generate",
      [](const Request& req, Response& res) {
        uint64_t left = std::stoull(req.query_param("bytes").value_or("1000"));
        res.set_header("X-Pid", std::to_string(getpid()));
        res.generate(
            [left](std::string& out, size_t max) mutable {
              size_t n = size_t(std::min<uint64_t>(left, max));
              out.append(n, 'g');
              left -= n;
              return left > 0;
            },
            req.query_param("length") ? std::optional<uint64_t>(left) : std::nullopt);
      },
      mpmd::app::non_blocking);
  // ?bytes=N written piece by piece by the handler itself, flushed as it goes
  // (it waits while the client is slow).
  app.get("/write", [](const Request& req, Response& res) {
    uint64_t left = std::stoull(req.query_param("bytes").value_or("1000"));
    res.set_header("X-Pid", std::to_string(getpid()));
    res.flush();
    std::string piece(32 * 1024, 'w');
    while (left > 0 && !res.client_gone()) {
      size_t n = size_t(std::min<uint64_t>(left, piece.size()));
      res.write(piece.substr(0, n));
      left -= n;
    }
  });
  app.get("/throw", [](const Request&, Response&) -> void {
    throw std::runtime_error("test handler exploded");
  });
  app.get("/fail", [](const Request&, Response& res) { res.fail("test handler gave up"); });
  // Blocking: sleeps ?ms= milliseconds (default 1000).
  app.get("/sleep", [](const Request& req, Response& res) {
    int ms = std::stoi(req.query_param("ms").value_or("1000"));
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    res.send("slept " + std::to_string(ms) + " ms in " + std::to_string(getpid()) + "\n");
  });
  // Blocking until the test creates DIR/release (at most 20 s). While it
  // waits, a file DIR/inflight.PID.N says so: the test counts them, in any
  // engine, across processes.
  app.get("/wait", [](const Request& req, Response& res) {
    static std::atomic<int> serial{0};
    std::string dir = req.query_param("dir").value_or("/nonexistent");
    std::string marker =
        dir + "/inflight." + std::to_string(getpid()) + "." + std::to_string(++serial);
    if (FILE* f = std::fopen(marker.c_str(), "w")) std::fclose(f);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    bool released = false;
    while (!released && std::chrono::steady_clock::now() < deadline) {
      released = access((dir + "/release").c_str(), F_OK) == 0;
      if (!released) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::remove(marker.c_str());
    res.send(released ? "released\n" : "timed out\n");
  });
  app.get(
      "/fast", [](const Request&, Response& res) { res.send("fast\n"); }, mpmd::app::non_blocking);
  // Non-blocking, yet sleeps ?ms= milliseconds (default 500): holds its event
  // child's loop as a CPU-bound handler run inline would, so that new
  // connections go to the other children meanwhile (test_sessions.py).
  app.get(
      "/stall",
      [](const Request& req, Response& res) {
        int ms = std::stoi(req.query_param("ms").value_or("500"));
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        res.send("stalled " + std::to_string(ms) + " ms in " + std::to_string(getpid()) + "\n");
      },
      mpmd::app::non_blocking);
  app.get(
      "/state",
      [state](const Request&, Response& res) {
        res.send("version " + std::to_string(TEST_APP_VERSION) + "\ngeneration " +
                 std::to_string(state->generation) + "\npreload_pid " +
                 std::to_string(state->preload_pid) + "\nchild_init_pid " +
                 std::to_string(state->child_init_pid) + "\npid " + std::to_string(getpid()) +
                 "\nppid " + std::to_string(getppid()) + "\n");
      },
      mpmd::app::non_blocking);
  app.get("/file", [](const Request& req, Response& res) {
    res.set_header("Content-Type", "text/plain");
    res.send_file(req.query_param("path").value_or(""));
  });
  // Deferred, completed by a thread of its own after ?ms= milliseconds.
  app.get(
      "/later",
      [](const Request& req, Response& res) {
        int ms = std::stoi(req.query_param("ms").value_or("200"));
        std::thread([later = res.defer(), ms] {
          std::this_thread::sleep_for(std::chrono::milliseconds(ms));
          later->send("completed after " + std::to_string(ms) + " ms\n");
          later.complete();
        }).detach();
      },
      mpmd::app::non_blocking);
  // Deferred and never completed: the handle is kept for ever. Creates
  // ?dir=DIR/deferred once it has.
  app.get(
      "/never",
      [](const Request& req, Response& res) {
        static std::vector<mpmd::app::Deferred> kept;
        static std::mutex mutex;
        std::lock_guard lock(mutex);
        kept.push_back(res.defer());
        std::string marker = req.query_param("dir").value_or("/nonexistent") + "/deferred";
        if (FILE* f = std::fopen(marker.c_str(), "w")) std::fclose(f);
      },
      mpmd::app::non_blocking);
  app.get("/stream", [](const Request& req, Response& res) {
    int n = std::stoi(req.query_param("n").value_or("3"));
    for (int i = 0; i < n; ++i) res.write("piece " + std::to_string(i) + "\n");
  });
}
