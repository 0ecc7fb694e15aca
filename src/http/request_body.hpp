// A request body as its handler reads it. Bytes stream from the socket
// through a bounded window (kWindow): the Connection decodes the body
// (Content-Length or chunked) into it and stops reading from the socket while
// it is full, so an upload of any size holds at most kWindow bytes here plus
// the Connection's input buffer. LimitRequestBody is enforced as bytes
// arrive.
//
// Thread-safe between one reader (the handler, on any thread) and the
// Connection (the producer, on the connection's thread).
//
//   char buf[16384];
//   for (;;) {
//     auto r = body.read_wait(buf);
//     if (r.status == RequestBody::Status::data) { use(buf, r.size); continue; }
//     if (r.status == RequestBody::Status::end) break;
//     return;  // error: the exchange ends with r.error (413, 400, 408) or the client is gone
//   }
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "http/request.hpp"

namespace mpmd::http {

class Waker;  // http/waker.hpp

class RequestBody {
 public:
  static constexpr size_t kWindow = 64 * 1024;

  enum class Status : uint8_t {
    data,   // `size` bytes were copied
    again,  // nothing buffered yet: read again after on_ready()'s callback
    end,    // the body is complete (trailers() are final)
    error,  // the body cannot be completed (see `error`)
  };
  struct Read {
    Status status = Status::again;
    size_t size = 0;
    // With error: the status the exchange is answered with (400 bad framing,
    // 408 too slow, 413 over LimitRequestBody or the reader's limit), or 0 when
    // the connection was lost.
    int error = 0;
  };

  RequestBody() = default;
  RequestBody(const RequestBody&) = delete;
  RequestBody& operator=(const RequestBody&) = delete;

  // ---- for handlers --------------------------------------------------------

  // Copies up to into.size() buffered bytes; `again` when none are buffered.
  Read read(std::span<char> into);
  // The same, but waits for bytes when none are buffered, where the engine
  // allows a wait: another thread than the connection's waits for the
  // connection; the connection's own thread moves bytes itself (prefork,
  // worker); the event loop's thread never waits and gets `again`.
  Read read_wait(std::span<char> into);
  // Appends the rest of the body to `out`, waiting as read_wait(). Beyond
  // `limit` bytes in all (0 = LimitRequestBody only) it stops with error 413,
  // and the exchange is answered 413.
  Read read_all(std::string& out, uint64_t limit);
  // For readers that must not wait (the event loop): `callback` runs on the
  // connection's thread whenever read() has something new to say (data, end
  // or error), and once at once if it already has. Replaces an earlier one.
  void on_ready(std::function<void()> callback);

  // Content-Length; nullopt when chunked.
  std::optional<uint64_t> length() const { return length_; }
  // Bytes handed to the reader so far.
  uint64_t consumed() const;
  // Chunked trailer fields; complete once read() returned end.
  const Headers& trailers() const { return trailers_; }

  // ---- for the Connection (on its thread) -----------------------------------

  // A new body of `length` (nullopt: chunked); `continue_pending`: the client
  // waits for 100 Continue before it sends the body.
  void start(std::optional<uint64_t> length, bool continue_pending, std::shared_ptr<Waker> waker);
  // Window space left.
  size_t room() const;
  // Appends bytes through `fill(buffer, room)`, which appends at most `room`
  // bytes to `buffer` and returns anything; returns what fill returned.
  template <class Fill>
  auto produce(Fill&& fill) {
    std::unique_lock lock(mutex_);
    compact();
    const size_t before = buf_.size();
    auto result = fill(buf_, kWindow - (buf_.size() - read_));
    if (buf_.size() - read_ >= kWindow) was_full_ = true;
    if (buf_.size() > before) {
      readable_ = true;
      ready_.notify_all();
    }
    return result;
  }
  // The body is complete; `trailer_block` holds chunked trailer lines
  // (LF-ended). Returns 0, or 400 (bad trailers: the body failed).
  int finish_status(std::string trailer_block = {});
  // The body failed (status as Read::error).
  void fail(int status);
  // Whether the reader waits for bytes and the client for 100 Continue.
  bool continue_wanted() const;
  void continue_sent();
  // The reader freed space since the Connection last found the window full.
  bool take_room_freed();
  // Runs the on_ready callback if something happened since it last ran.
  void notify_reader();
  // The handler is done with the request: its callback is dropped (it may
  // refer to what the handler has freed).
  void forget_reader();
  bool complete() const;  // finished or failed
  int failure() const;    // fail()'s status; -1 if it did not fail
  // Between requests: drop the buffer (kept if small) and the callback.
  void reset();
  void release_memory();

 private:
  Read take(std::span<char> into, std::unique_lock<std::mutex>& lock);
  void want(std::unique_lock<std::mutex>& lock);
  void compact();

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::string buf_;
  size_t read_ = 0;  // buf_[read_, size) is unread
  std::optional<uint64_t> length_;
  uint64_t consumed_ = 0;
  bool finished_ = false;
  int failure_ = -1;
  bool continue_pending_ = false;
  bool wanted_ = false;      // a reader found the window empty
  bool room_freed_ = false;  // a reader took bytes after the window was full
  bool was_full_ = false;    // the window filled up: wake the Connection when it frees
  bool readable_ = false;    // something new for the on_ready callback
  std::function<void()> on_ready_;
  std::shared_ptr<Waker> waker_;
  std::string trailer_block_;
  Headers trailers_;
};

}  // namespace mpmd::http
