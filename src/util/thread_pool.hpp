// A pool of at most `max_threads` threads that start on demand: a child that
// never runs a blocking handler never starts one. Tasks run in submission order.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "util/executor.hpp"

namespace mpmd::util {

class ThreadPool final : public Executor {
 public:
  explicit ThreadPool(size_t max_threads);
  ~ThreadPool() override;  // shutdown()
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void submit(std::function<void()> task) override;
  // Lets running tasks finish, drops queued ones and joins every thread.
  // Later submits are dropped.
  void shutdown();

  size_t threads() const;
  // Tasks queued, not yet started.
  size_t queued() const;

 private:
  void run();

  const size_t max_threads_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace mpmd::util
