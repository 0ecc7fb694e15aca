#include "http/body_pipe.hpp"

#include <algorithm>
#include <utility>

#include "http/waker.hpp"

namespace mpmd::http {

BodyPipe::BodyPipe(std::shared_ptr<Waker> waker, std::optional<uint64_t> length)
    : waker_(std::move(waker)), length_(length) {}

void BodyPipe::wake_connection(std::unique_lock<std::mutex>& lock) {
  std::shared_ptr<Waker> w = waker_;
  lock.unlock();
  if (w) w->wake();
  lock.lock();
}

BodyPipe::Write BodyPipe::write(std::string bytes) {
  std::unique_lock lock(mutex_);
  if (cancelled_ || ended_ || failed_) return Write::closed;
  if (bytes.empty()) return Write::ok;
  queued_ += bytes.size();
  pieces_.push_back(std::move(bytes));
  if (std::exchange(starved_, false)) wake_connection(lock);
  return Write::ok;
}

BodyPipe::Write BodyPipe::write_wait(std::string bytes) {
  std::unique_lock lock(mutex_);
  while (!cancelled_ && queued_ >= kWindow) {
    full_ = true;
    std::shared_ptr<Waker> w = waker_;
    lock.unlock();
    if (w && w->on_connection_thread()) {
      // Nobody else sends: move bytes to the socket from here (blocking
      // engines), or give up at once (the event loop).
      bool progressed = w->pump_nested();
      lock.lock();
      if (!progressed && !cancelled_ && queued_ >= kWindow) {
        lock.unlock();
        Write w2 = write(std::move(bytes));
        return w2 == Write::ok ? Write::full : w2;
      }
      continue;
    }
    lock.lock();
    if (!w) break;
    room_.wait(lock, [&] { return cancelled_ || queued_ < kWindow; });
  }
  lock.unlock();
  return write(std::move(bytes));
}

size_t BodyPipe::room() const {
  std::lock_guard lock(mutex_);
  return queued_ < kWindow ? kWindow - queued_ : 0;
}

void BodyPipe::on_room(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  on_room_ = std::move(callback);
  if (queued_ >= kWindow) full_ = true;
}

void BodyPipe::end() {
  std::unique_lock lock(mutex_);
  if (ended_ || failed_) return;
  ended_ = true;
  on_room_ = nullptr;
  wake_connection(lock);
}

void BodyPipe::fail() {
  std::unique_lock lock(mutex_);
  if (ended_ || failed_) return;
  failed_ = true;
  on_room_ = nullptr;
  wake_connection(lock);
}

BodySource::Pull BodyPipe::pull(std::string& out, size_t max, const std::shared_ptr<Waker>&) {
  std::function<void()> room_callback;
  Pull result;
  {
    std::lock_guard lock(mutex_);
    size_t taken = 0;
    while (!pieces_.empty() && taken < max) {
      std::string& front = pieces_.front();
      size_t n = std::min(front.size(), max - taken);
      if (n == front.size() && out.empty()) {
        out.swap(front);  // the common case: one piece, no copy
      } else {
        out.append(front, 0, n);
        front.erase(0, n);
      }
      taken += n;
      if (front.empty()) pieces_.pop_front();
    }
    queued_ -= taken;
    if (taken > 0 && queued_ < kWindow) {
      room_.notify_all();
      if (std::exchange(full_, false)) room_callback = on_room_;
    }
    if (failed_) {
      result = Pull::error;
    } else if (pieces_.empty() && ended_) {
      result = Pull::end;
    } else if (taken > 0) {
      result = Pull::data;
    } else {
      starved_ = true;
      result = Pull::again;
    }
  }
  if (room_callback) room_callback();
  return result;
}

void BodyPipe::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    pieces_.clear();
    queued_ = 0;
    on_room_ = nullptr;
  }
  room_.notify_all();
}

bool BodyPipe::busy() const {
  std::lock_guard lock(mutex_);
  return !ended_ && !failed_;
}

}  // namespace mpmd::http
