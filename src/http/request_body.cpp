#include "http/request_body.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "http/parser.hpp"
#include "http/waker.hpp"

namespace mpmd::http {

namespace {
constexpr size_t kKeptCapacity = 16 * 1024;  // larger windows are freed between requests
}

RequestBody::Read RequestBody::take(std::span<char> into, std::unique_lock<std::mutex>& lock) {
  const size_t unread = buf_.size() - read_;
  if (unread > 0 && !into.empty()) {
    size_t n = std::min(unread, into.size());
    std::memcpy(into.data(), buf_.data() + read_, n);
    read_ += n;
    consumed_ += n;
    bool wake = was_full_;
    if (wake) {
      was_full_ = false;
      room_freed_ = true;
    }
    if (wake && waker_) {
      std::shared_ptr<Waker> w = waker_;
      lock.unlock();
      w->wake();  // the Connection reads from the socket again
      lock.lock();
    }
    return Read{Status::data, n, 0};
  }
  if (unread == 0 && finished_) return Read{Status::end, 0, 0};
  if (failure_ >= 0) return Read{Status::error, 0, failure_};
  return Read{Status::again, 0, 0};
}

void RequestBody::want(std::unique_lock<std::mutex>& lock) {
  if (wanted_) return;
  wanted_ = true;
  if (continue_pending_ && waker_) {
    std::shared_ptr<Waker> w = waker_;
    lock.unlock();
    w->wake();  // the Connection sends 100 Continue
    lock.lock();
  }
}

RequestBody::Read RequestBody::read(std::span<char> into) {
  std::unique_lock lock(mutex_);
  Read r = take(into, lock);
  if (r.status == Status::again) want(lock);
  return r;
}

RequestBody::Read RequestBody::read_wait(std::span<char> into) {
  std::unique_lock lock(mutex_);
  while (true) {
    Read r = take(into, lock);
    if (r.status != Status::again) return r;
    want(lock);
    std::shared_ptr<Waker> w = waker_;
    if (!w) return r;
    lock.unlock();
    const bool own_thread = w->on_connection_thread();
    if (own_thread) {
      // Nobody else will fill the window: move bytes from the socket here
      // (blocking engines), or give up at once (the event loop).
      bool progressed = w->pump_nested();
      lock.lock();
      if (!progressed) return take(into, lock);
      continue;
    }
    lock.lock();
    ready_.wait(lock, [&] { return buf_.size() > read_ || finished_ || failure_ >= 0; });
  }
}

RequestBody::Read RequestBody::read_all(std::string& out, uint64_t limit) {
  char chunk[16 * 1024];
  uint64_t taken = 0;
  while (true) {
    Read r = read_wait(chunk);
    if (r.status != Status::data) return r;
    taken += r.size;
    if (limit != 0 && taken > limit) {
      std::shared_ptr<Waker> w;
      {
        std::lock_guard lock(mutex_);
        if (failure_ < 0) failure_ = 413;  // even if the rest is here already
        w = waker_;
      }
      if (w) w->wake();  // the Connection stops reading and answers 413
      return Read{Status::error, 0, 413};
    }
    out.append(chunk, r.size);
  }
}

void RequestBody::on_ready(std::function<void()> callback) {
  {
    std::unique_lock lock(mutex_);
    on_ready_ = std::move(callback);
    if (buf_.size() > read_ || finished_ || failure_ >= 0) {
      readable_ = true;
    } else {
      want(lock);
    }
  }
  notify_reader();
}

uint64_t RequestBody::consumed() const {
  std::lock_guard lock(mutex_);
  return consumed_;
}

void RequestBody::start(std::optional<uint64_t> length, bool continue_pending,
                        std::shared_ptr<Waker> waker) {
  std::lock_guard lock(mutex_);
  length_ = length;
  continue_pending_ = continue_pending;
  waker_ = std::move(waker);
}

size_t RequestBody::room() const {
  std::lock_guard lock(mutex_);
  size_t unread = buf_.size() - read_;
  return kWindow > unread ? kWindow - unread : 0;
}

void RequestBody::compact() {
  if (read_ == buf_.size()) {
    buf_.clear();
    read_ = 0;
  } else if (read_ >= buf_.size() / 2) {
    buf_.erase(0, read_);
    read_ = 0;
  }
}

int RequestBody::finish_status(std::string trailer_block) {
  int status = 0;
  {
    std::lock_guard lock(mutex_);
    trailer_block_ = std::move(trailer_block);
    trailers_.clear();
    status = detail::parse_fields(trailer_block_, trailers_);
    if (status == 0) {
      finished_ = true;
    } else if (failure_ < 0) {
      failure_ = status;
    }
    readable_ = true;
  }
  ready_.notify_all();
  return status;
}

void RequestBody::fail(int status) {
  {
    std::lock_guard lock(mutex_);
    if (finished_ || failure_ >= 0) return;
    failure_ = status;
    readable_ = true;
  }
  ready_.notify_all();
}

bool RequestBody::continue_wanted() const {
  std::lock_guard lock(mutex_);
  return continue_pending_ && wanted_;
}

void RequestBody::continue_sent() {
  std::lock_guard lock(mutex_);
  continue_pending_ = false;
}

bool RequestBody::take_room_freed() {
  std::lock_guard lock(mutex_);
  return std::exchange(room_freed_, false);
}

void RequestBody::notify_reader() {
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    if (!readable_ || !on_ready_) return;
    readable_ = false;
    callback = on_ready_;
  }
  callback();
}

void RequestBody::forget_reader() {
  std::function<void()> dropped;
  std::lock_guard lock(mutex_);
  dropped.swap(on_ready_);  // destroyed after the lock is released
}

bool RequestBody::complete() const {
  std::lock_guard lock(mutex_);
  return finished_ || failure_ >= 0;
}

int RequestBody::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

void RequestBody::reset() {
  std::lock_guard lock(mutex_);
  buf_.clear();
  if (buf_.capacity() > kKeptCapacity) std::string().swap(buf_);
  read_ = 0;
  length_.reset();
  consumed_ = 0;
  finished_ = false;
  failure_ = -1;
  continue_pending_ = wanted_ = room_freed_ = was_full_ = readable_ = false;
  on_ready_ = nullptr;
  waker_.reset();
  trailer_block_.clear();
  trailers_.clear();
}

void RequestBody::release_memory() {
  std::lock_guard lock(mutex_);
  std::string().swap(buf_);
  read_ = 0;
  std::string().swap(trailer_block_);
}

}  // namespace mpmd::http
