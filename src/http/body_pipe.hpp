// A response body that a handler writes in pieces while the connection sends
// it (a BodySource). At most about kWindow bytes wait here: a writer that
// would queue more waits until the client has taken some (write_wait), or is
// told the window is full and called back when it has room (event-loop
// handlers). A slow client therefore makes the writer wait; it never makes
// memory grow.
//
// Thread-safe between one writer (the handler, on any thread, one at a time)
// and the connection. The writer ends with end() (or fail()); until then the
// connection keeps the request the handler answers (busy()).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/response.hpp"

namespace mpmd::http {

class BodyPipe final : public BodySource {
 public:
  static constexpr size_t kWindow = 64 * 1024;

  enum class Write : uint8_t {
    ok,      // queued
    full,    // queued beyond a full window, as this thread may not wait: write
             // no more until on_room()'s callback
    closed,  // not queued: the connection gave up on the body (client gone)
  };

  // `waker`: the connection's (Request::waker); `length`: the body's length
  // if known in advance (sent as Content-Length; writing more or ending
  // early breaks the connection), else chunked.
  explicit BodyPipe(std::shared_ptr<Waker> waker, std::optional<uint64_t> length = std::nullopt);

  // ---- for the writer -------------------------------------------------------

  // Queues `bytes` whatever the window holds (for writers that bound what
  // they write themselves); closed if the connection gave up.
  Write write(std::string bytes);
  // Queues `bytes` once the window has room, waiting where the engine allows
  // (another thread than the connection's waits; the connection's own thread
  // sends itself, prefork and worker); on the event loop's thread it never
  // waits: it queues and returns full.
  Write write_wait(std::string bytes);
  // Bytes the window can take now.
  size_t room() const;
  // For writers that must not wait: `callback` runs on the connection's
  // thread when a full window has room again.
  void on_room(std::function<void()> callback);
  // The body is complete. The writer must not touch the request after this.
  void end();
  // The body cannot be completed: the connection is closed after the bytes
  // already sent (the client sees a truncated response).
  void fail();

  // ---- BodySource (the connection) -----------------------------------------
  Pull pull(std::string& out, size_t max, const std::shared_ptr<Waker>& waker) override;
  std::optional<uint64_t> length() const override { return length_; }
  void cancel() override;
  bool busy() const override;

 private:
  void wake_connection(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mutex_;
  std::condition_variable room_;
  std::shared_ptr<Waker> waker_;
  std::optional<uint64_t> length_;
  std::deque<std::string> pieces_;
  size_t queued_ = 0;
  bool ended_ = false;
  bool failed_ = false;
  bool cancelled_ = false;
  bool starved_ = false;  // the connection found nothing to send: wake it on the next write
  bool full_ = false;     // a writer found the window full: call on_room_ when it frees
  std::function<void()> on_room_;
};

}  // namespace mpmd::http
