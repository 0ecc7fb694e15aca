#include "offload/process_pool.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "offload/example_functions.hpp"

namespace mpmd::offload {
namespace {

using namespace std::chrono_literals;

// Generous bounds that only catch hangs; nothing here measures speed.
constexpr auto kHang = 60s;

// Running or sleeping, not gone and not a zombie waiting to be reaped.
bool alive(pid_t pid) {
  FILE* f = fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return false;
  char state = 0;
  int n = fscanf(f, "%*d (%*[^)]) %c", &state);
  fclose(f);
  return n == 1 && state != 'Z' && state != 'X';
}

void fill_table(FunctionTable& t) {
  for (const auto& e : examples::all()) t.add(e.name, e.fn);
  t.add("sleep", [](std::string_view) -> std::string {
    std::this_thread::sleep_for(30s);
    return "woke";
  });
  t.add("throw", [](std::string_view in) -> std::string {
    throw std::runtime_error("bad input: " + std::string(in));
  });
  t.add("echo", [](std::string_view in) { return std::string(in); });
}

class PoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<ProcessPool> start(PoolOptions o) {
    std::string error;
    auto pool = ProcessPool::start(o, table_, error);
    EXPECT_TRUE(pool) << error;
    return pool;
  }

  static Result run(ProcessPool& pool, std::string_view fn, std::string input) {
    auto p = std::make_shared<std::promise<Result>>();
    auto f = p->get_future();
    pool.submit(fn, std::move(input), [p](Result r) { p->set_value(std::move(r)); });
    if (f.wait_for(kHang) != std::future_status::ready) {
      ADD_FAILURE() << "no result for " << fn;
      return Result{Status::unavailable, "hung", 0};
    }
    return f.get();
  }

  // Waits until the pool reports `n` helpers; returns their pids.
  static std::vector<pid_t> wait_helpers(ProcessPool& pool, size_t n) {
    auto until = std::chrono::steady_clock::now() + kHang;
    while (std::chrono::steady_clock::now() < until) {
      auto pids = pool.helpers();
      if (pids.size() == n) return pids;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "pool never had " << n << " helpers";
    return {};
  }

  void SetUp() override { fill_table(table_); }

  FunctionTable table_;
};

TEST_F(PoolTest, RunsRegisteredFunctionsInHelperProcesses) {
  auto pool = start(PoolOptions{2});
  ASSERT_TRUE(pool);
  Result r = run(*pool, "factorial", "25");
  EXPECT_EQ(r.status, Status::ok) << r.data;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.data, "15511210043330985984000000");
  EXPECT_EQ(run(*pool, "sha256", "abc").data,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Not this process: a helper, one of the pool's.
  auto pids = wait_helpers(*pool, 2);
  Result who = run(*pool, "whoami", "");
  EXPECT_NE(who.data, "pid=" + std::to_string(getpid()));
  bool known = false;
  for (pid_t p : pids) known = known || who.data == "pid=" + std::to_string(p);
  EXPECT_TRUE(known) << who.data;
}

TEST_F(PoolTest, BinaryAndLargePayloadsRoundTrip) {
  auto pool = start(PoolOptions{1});
  ASSERT_TRUE(pool);
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = char(i * 131 + 7);
  Result r = run(*pool, "echo", big);
  ASSERT_EQ(r.status, Status::ok);
  EXPECT_TRUE(r.data == big);
}

TEST_F(PoolTest, ManyConcurrentTasksAllGetTheirOwnResult) {
  auto pool = start(PoolOptions{3});
  ASSERT_TRUE(pool);
  std::vector<std::future<Result>> futures;
  for (int i = 0; i < 60; ++i) {
    auto p = std::make_shared<std::promise<Result>>();
    futures.push_back(p->get_future());
    pool->submit("echo", "task " + std::to_string(i), [p](Result r) { p->set_value(r); });
  }
  for (int i = 0; i < 60; ++i) {
    ASSERT_EQ(futures[i].wait_for(kHang), std::future_status::ready);
    EXPECT_EQ(futures[i].get().data, "task " + std::to_string(i));
  }
}

TEST_F(PoolTest, FunctionErrorsAreResultsNotCrashes) {
  auto pool = start(PoolOptions{1});
  ASSERT_TRUE(pool);
  Result r = run(*pool, "throw", "xyz");
  EXPECT_EQ(r.status, Status::error);
  EXPECT_EQ(r.http_status, 500);
  EXPECT_EQ(r.data, "bad input: xyz");
  r = run(*pool, "nope", "");
  EXPECT_EQ(r.status, Status::error);
  EXPECT_NE(r.data.find("no function 'nope'"), std::string::npos);
  r = run(*pool, "bad name", "");
  EXPECT_EQ(r.status, Status::error);
  EXPECT_EQ(pool->replaced(), 0u);
}

TEST_F(PoolTest, ACrashFailsItsTaskAndTheHelperIsReplaced) {
  auto pool = start(PoolOptions{1});
  ASSERT_TRUE(pool);
  auto before = wait_helpers(*pool, 1);
  Result r = run(*pool, "crash", "");
  EXPECT_EQ(r.status, Status::crashed);
  EXPECT_EQ(r.http_status, 500);
  EXPECT_EQ(pool->replaced(), 1u);
  // The replacement serves the next task.
  Result next = run(*pool, "factorial", "5");
  EXPECT_EQ(next.data, "120");
  auto after = wait_helpers(*pool, 1);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(after[0], before[0]);
}

TEST_F(PoolTest, AHelperKilledFromOutsideIsReplaced) {
  auto pool = start(PoolOptions{2});
  ASSERT_TRUE(pool);
  auto pids = wait_helpers(*pool, 2);
  ASSERT_EQ(pids.size(), 2u);
  kill(pids[0], SIGKILL);
  auto until = std::chrono::steady_clock::now() + kHang;
  while (pool->replaced() == 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(10ms);
  }
  auto now = wait_helpers(*pool, 2);
  EXPECT_EQ(std::count(now.begin(), now.end(), pids[0]), 0);
  EXPECT_EQ(run(*pool, "echo", "still").data, "still");
}

TEST_F(PoolTest, ATaskPastTheTimeoutFailsAndItsHelperIsKilled) {
  PoolOptions o{1};
  o.timeout = 300'000;  // 0.3 s; "sleep" takes 30 s
  auto pool = start(o);
  ASSERT_TRUE(pool);
  auto before = wait_helpers(*pool, 1);
  Result r = run(*pool, "sleep", "");
  EXPECT_EQ(r.status, Status::timeout);
  EXPECT_EQ(r.http_status, 504);
  // The helper is gone (killed, reaped by the spawner) and replaced.
  auto until = std::chrono::steady_clock::now() + kHang;
  while (alive(before[0]) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_FALSE(alive(before[0]));
  EXPECT_EQ(run(*pool, "echo", "ok").data, "ok");
}

TEST_F(PoolTest, QueuedTasksTimeOutToo) {
  PoolOptions o{1};
  o.timeout = 300'000;
  auto pool = start(o);
  ASSERT_TRUE(pool);
  // Two sleepers ahead of it: when the first is killed at its deadline, the
  // second (not the echo, whose deadline is as close) goes to the replacement
  // helper, so the echo expires while still queued.
  std::vector<std::future<Result>> sleepers;
  for (int i = 0; i < 2; ++i) {
    auto p = std::make_shared<std::promise<Result>>();
    sleepers.push_back(p->get_future());
    pool->submit("sleep", "", [p](Result r) { p->set_value(r); });
  }
  Result queued = run(*pool, "echo", "queued behind sleepers");
  EXPECT_EQ(queued.status, Status::timeout);
  for (auto& f : sleepers) {
    ASSERT_EQ(f.wait_for(kHang), std::future_status::ready);
    EXPECT_EQ(f.get().status, Status::timeout);
  }
}

TEST_F(PoolTest, AFullQueueRefusesAtOnce) {
  PoolOptions o{1};
  o.queue_limit = 1;
  o.timeout = 2'000'000;
  auto pool = start(o);
  ASSERT_TRUE(pool);
  std::vector<std::future<Result>> futures;
  for (int i = 0; i < 2; ++i) {  // one runs, one waits
    auto p = std::make_shared<std::promise<Result>>();
    futures.push_back(p->get_future());
    pool->submit("sleep", "", [p](Result r) { p->set_value(r); });
  }
  bool called = false;
  Result refused;
  pool->submit("echo", "x", [&](Result r) {
    called = true;
    refused = r;
  });
  EXPECT_TRUE(called);  // on this thread, before submit returned
  EXPECT_EQ(refused.status, Status::unavailable);
  EXPECT_EQ(refused.http_status, 503);
  pool->shutdown();
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(kHang), std::future_status::ready);
    EXPECT_EQ(f.get().status, Status::unavailable);
  }
}

TEST_F(PoolTest, InputLargerThanTheLimitIsRefused) {
  PoolOptions o{1};
  o.max_payload = 1024;
  auto pool = start(o);
  ASSERT_TRUE(pool);
  EXPECT_EQ(run(*pool, "echo", std::string(1025, 'x')).status, Status::error);
  EXPECT_EQ(run(*pool, "echo", std::string(1000, 'x')).status, Status::ok);
}

TEST_F(PoolTest, HelpersHaveTheFunctionsRegisteredBeforeTheyWereForked) {
  auto pool = start(PoolOptions{1});
  ASSERT_TRUE(pool);
  table_.add("late", [](std::string_view) { return std::string("late"); });
  Result r = run(*pool, "late", "");
  EXPECT_EQ(r.status, Status::error);
}

TEST_F(PoolTest, ShutdownEndsSpawnerAndHelpers) {
  auto pool = start(PoolOptions{2});
  ASSERT_TRUE(pool);
  auto pids = wait_helpers(*pool, 2);
  pid_t spawner = pool->spawner_pid();
  pool->shutdown();
  EXPECT_FALSE(alive(spawner));  // reaped by shutdown
  auto until = std::chrono::steady_clock::now() + kHang;
  for (pid_t p : pids) {
    while (alive(p) && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(10ms);
    }
    EXPECT_FALSE(alive(p)) << "helper " << p << " outlived its pool";
  }
  Result r = run(*pool, "echo", "x");
  EXPECT_EQ(r.status, Status::unavailable);
}

}  // namespace
}  // namespace mpmd::offload
