// examples/offload through <mpmd/testing.hpp>. The server's process pool and
// Gearman need a running server; this test stands in for the offload service
// with one behind the public mpmd::offload::Service interface, found by
// mpmd::offload::service() as the server's is (the exported C function
// mpmd_offload_service; the test program is linked with -rdynamic). Its
// "pool" runs each task on a thread of this process, so the deferred routes
// complete from another thread as they do in the server; Gearman is
// unavailable (503), as in a server without GearmanServers. Not tested here:
// helper processes, their crash and replacement (integration suite offload).
#include <gtest/gtest.h>
#include <mpmd/offload.hpp>
#include <mpmd/testing.hpp>

#include <atomic>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using mpmd::offload::Result;
using mpmd::offload::Status;
using mpmd::testing::Client;
using mpmd::testing::Response;

class FakeOffload final : public mpmd::offload::Service {
 public:
  ~FakeOffload() override {
    for (std::thread& t : threads_) t.join();
  }

  std::string add_function(std::string_view name, mpmd::offload::Function fn) override {
    std::lock_guard lock(mutex_);
    functions_[std::string(name)] = std::move(fn);
    return "";
  }
  void submit(std::string_view function, std::string input, mpmd::offload::Callback done) override {
    mpmd::offload::Function fn;
    {
      std::lock_guard lock(mutex_);
      auto it = functions_.find(std::string(function));
      if (it != functions_.end()) fn = it->second;
    }
    ++submitted_;
    std::lock_guard lock(mutex_);
    threads_.emplace_back([fn, input = std::move(input), done = std::move(done)] {
      if (!fn) return done(Result{Status::error, "no such function", 500});
      try {
        done(Result{Status::ok, fn(input), 200});
      } catch (const std::exception& e) {
        done(Result{Status::error, e.what(), 500});
      }
    });
  }
  void gearman(std::string_view, std::string, mpmd::offload::Callback done) override {
    done(mpmd::offload::unavailable_result("no GearmanServers"));
  }
  void gearman_background(std::string_view, std::string, mpmd::offload::Callback done) override {
    done(mpmd::offload::unavailable_result("no GearmanServers"));
  }

  int submitted() const { return submitted_; }

 private:
  std::mutex mutex_;
  std::map<std::string, mpmd::offload::Function> functions_;
  std::atomic<int> submitted_{0};
  std::vector<std::thread> threads_;
};

FakeOffload& offload() {
  static FakeOffload service;
  return service;
}

}  // namespace

// What mpmd::offload::service() looks up in the process (as mpmd exports it).
extern "C" __attribute__((visibility("default"))) mpmd::offload::Service* mpmd_offload_service(
    uint32_t api_version) {
  return api_version == mpmd::offload::kApiVersion ? &offload() : nullptr;
}

namespace {

const std::string k10 = "3628800";  // 10!
const std::string kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// inline and thread run the function in the handler; pool sends it to the
// pool and answers when the result comes back on a pool thread (a deferred
// response); pool-wait waits for it in a blocking handler.
TEST(Offload, EveryWayRunsTheFunction) {
  Client client;
  struct Case {
    const char* method;
    const char* target;
    std::optional<std::string> body;  // the input, else ?in=
    const std::string& result;
    int pool_tasks;
  };
  for (const Case& c : {Case{"GET", "/factorial/inline?in=10", {}, k10, 0},
                        Case{"POST", "/sha256/thread", "abc", kAbc, 0},
                        Case{"GET", "/factorial/pool?in=10", {}, k10, 1},
                        Case{"PUT", "/sha256/pool", "abc", kAbc, 1},
                        Case{"POST", "/factorial/pool-wait", "10", k10, 1}}) {
    int before = offload().submitted();
    Response r = client.request(c.method, c.target, {}, c.body);
    EXPECT_EQ(r.status, 200) << c.target;
    EXPECT_EQ(r.body, c.result) << c.target;
    EXPECT_EQ(r.header("X-Offload-Status"), "ok") << c.target;
    EXPECT_EQ(offload().submitted(), before + c.pool_tasks) << c.target;
  }
}

TEST(Offload, FailuresAnswerWithTheirStatus) {
  Client client;
  // Bad input: the function throws; the route answers 500 with the reason.
  Response r = client.get("/factorial/inline?in=minus");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.header("X-Offload-Status"), "error");
  r = client.get("/factorial/pool?in=minus");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.header("X-Offload-Status"), "error");
  EXPECT_EQ(client.get("/nothing/inline").status, 404);
  EXPECT_EQ(client.get("/crash/thread").status, 404);  // never in the serving process
}

TEST(Offload, GearmanWithoutServersIs503) {
  Client client;
  for (const char* target : {"/sha256/gearman?in=abc", "/whoami/background"}) {
    Response r = client.get(target);
    EXPECT_EQ(r.status, 503) << target;
    EXPECT_EQ(r.header("X-Offload-Status"), "unavailable") << target;
    EXPECT_EQ(r.body, "no GearmanServers\n") << target;
  }
}

}  // namespace
