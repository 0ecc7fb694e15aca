#include "util/thread_pool.hpp"

#include <utility>

namespace mpmd::util {

ThreadPool::ThreadPool(size_t max_threads) : max_threads_(max_threads ? max_threads : 1) {}

ThreadPool::~ThreadPool() {
  shutdown();
}

void ThreadPool::submit(std::function<void()> task) {
  std::unique_lock lock(mutex_);
  if (stopping_) return;
  tasks_.push_back(std::move(task));
  // A new thread only when every started one is busy.
  if (idle_ < tasks_.size() && threads_.size() < max_threads_) {
    threads_.emplace_back([this] { run(); });
  }
  lock.unlock();
  ready_.notify_one();
}

void ThreadPool::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    ++idle_;
    ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    --idle_;
    if (stopping_) return;
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // destroy what it captured outside the lock
    lock.lock();
  }
}

void ThreadPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    tasks_.clear();
    threads.swap(threads_);
  }
  ready_.notify_all();
  for (std::thread& t : threads) t.join();
}

size_t ThreadPool::threads() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

size_t ThreadPool::queued() const {
  std::lock_guard lock(mutex_);
  return tasks_.size();
}

}  // namespace mpmd::util
