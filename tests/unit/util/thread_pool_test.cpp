#include "util/thread_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace mpmd::util {
namespace {

// A gate the test opens: tasks block on it so the test controls concurrency.
struct Gate {
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  int waiting = 0;
  void wait() {
    std::unique_lock lock(m);
    ++waiting;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  void wait_for_waiters(int n) {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return waiting >= n; });
  }
  void wait_open() {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return open; });
  }
  void release() {
    std::lock_guard lock(m);
    open = true;
    cv.notify_all();
  }
};

TEST(ThreadPool, StartsNoThreadUntilTheFirstTask) {
  ThreadPool pool(4);
  EXPECT_EQ(pool.threads(), 0u);
}

TEST(ThreadPool, RunsTasksOnOtherThreads) {
  // Declared before the pool, so they outlive its threads.
  std::atomic<int> done{0};
  std::atomic<bool> other_thread{true};
  const auto self = std::this_thread::get_id();
  Gate finished;
  ThreadPool pool(2);
  for (int i = 0; i < 10; ++i) {
    pool.submit([&] {
      if (std::this_thread::get_id() == self) other_thread = false;
      if (++done == 10) finished.release();
    });
  }
  finished.wait_open();
  EXPECT_EQ(done.load(), 10);
  EXPECT_TRUE(other_thread.load());
  EXPECT_LE(pool.threads(), 2u);
}

TEST(ThreadPool, BlockedTasksUseUpToMaxThreadsAndQueueTheRest) {
  Gate gate;  // outlives the pool's threads
  ThreadPool pool(3);
  for (int i = 0; i < 5; ++i) pool.submit([&] { gate.wait(); });
  gate.wait_for_waiters(3);  // three run at once, on three threads
  EXPECT_EQ(pool.threads(), 3u);
  EXPECT_EQ(pool.queued(), 2u);
  gate.release();
}

TEST(ThreadPool, ShutdownLetsTheRunningTaskFinishAndDropsQueuedOnes) {
  std::atomic<int> ran{0};
  Gate gate;
  ThreadPool pool(1);
  pool.submit([&] {
    gate.wait();
    ++ran;
  });
  gate.wait_for_waiters(1);
  pool.submit([&] { ++ran; });  // queued behind the blocked one
  std::thread stopper([&] { pool.shutdown(); });
  // The only thread is blocked, so the queue empties only by shutdown().
  while (pool.queued() != 0) std::this_thread::yield();
  gate.release();
  stopper.join();
  EXPECT_EQ(ran.load(), 1);
  pool.submit([&] { ++ran; });  // dropped after shutdown
  EXPECT_EQ(ran.load(), 1);
  EXPECT_EQ(pool.threads(), 0u);
}

}  // namespace
}  // namespace mpmd::util
