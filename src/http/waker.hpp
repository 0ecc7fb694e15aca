// How the HTTP core reaches the engine that drives a connection, from work
// that happens off the connection's normal flow: a handler answering later or
// on another thread, and bodies streaming between a handler and the socket.
//
// The engine implements Port, once per connection. The Connection wraps it
// in a Waker, a small shared object that handlers, request bodies and body
// sources hold: it outlives the Connection safely (after detach() its calls
// do nothing), so a producer on another thread never reaches a freed engine
// connection.
#pragma once

#include <memory>
#include <mutex>

namespace mpmd::http {

class Port {
 public:
  virtual ~Port() = default;
  // Any thread: something changed for this connection (a deferred response
  // was given, a stream has data or room). The engine calls
  // Connection::on_wake() on the connection's thread soon. Calls may be
  // coalesced; one wake may cover several changes.
  virtual void wake() = 0;
  // Whether the calling thread is the one that drives the connection.
  virtual bool on_connection_thread() const = 0;
  // On the connection's thread, from inside a handler that waits for the
  // connection (a blocking body read, a full response stream): calls
  // Connection::on_wake(), then moves bytes once, waiting at most the
  // engine's Timeout for the socket. Engines whose thread must never block
  // (the event loop) return false at once, as does any engine when no
  // progress is possible (timeout, socket error, stop now).
  virtual bool pump_nested() = 0;
};

class Waker {
 public:
  explicit Waker(Port* port) : port_(port) {}
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;

  // Any thread: Port::wake(), unless the connection is gone.
  void wake() {
    std::lock_guard lock(mutex_);
    if (port_) port_->wake();
  }
  // False once the connection is gone.
  bool on_connection_thread() const {
    std::lock_guard lock(mutex_);
    return port_ && port_->on_connection_thread();
  }
  // Port::pump_nested(); only on the connection's own thread, where the
  // connection cannot go away meanwhile (so no lock is held while it runs:
  // the nested pump may call wake()).
  bool pump_nested() { return port_ && port_->pump_nested(); }

  // The connection is going: later calls do nothing.
  void detach() {
    std::lock_guard lock(mutex_);
    port_ = nullptr;
  }

 private:
  mutable std::mutex mutex_;
  Port* port_;
};

}  // namespace mpmd::http
