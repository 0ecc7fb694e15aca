// The layer between an engine's socket and the http::Connection: every engine
// reads, writes, sends files, shuts down and closes a connection through it.
// A plain socket now (PlainTransport); TLS next, which is why a call may ask
// to wait for the other direction (SSL_write needing a read during a
// renegotiation, SSL_read needing a write), why a handshake step exists (done
// at once when plain), and why a transport may hold input that the socket's
// readiness does not announce (decrypted records, under edge-triggered epoll).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "http/connection.hpp"
#include "http/tls_session.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::net {

enum class Io {
  done,        // bytes moved (`bytes` > 0), or the step completed
  want_read,   // nothing moved: call again once the socket is readable
  want_write,  // nothing moved: call again once the socket is writable
  eof,         // read: the peer finished sending
  error,       // failed (reset, EPIPE, truncated file): `err` is the errno
};

struct IoResult {
  Io status = Io::done;
  size_t bytes = 0;        // moved, when done
  uint64_t attempted = 0;  // write: bytes offered; bytes < attempted = the socket is full
  int err = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // The socket, for the engine to wait on (epoll, poll); -1 once closed.
  virtual int fd() const = 0;

  // What must happen before data moves (a TLS handshake). Call until done;
  // a plain socket is done at once.
  virtual IoResult handshake() = 0;

  // Reads into `into` (not empty).
  virtual IoResult read(std::span<char> into) = 0;

  // Writes a prefix of `slices`: memory slices gathered, file ranges sent
  // from the file. Only transports choose how (writev, sendfile, SSL_write).
  virtual IoResult write(std::span<const http::OutputSlice> slices) = 0;

  // Input already read from the socket and held here, which the socket's
  // readiness will not announce again: read it before waiting.
  virtual bool has_buffered_input() const = 0;

  // Ends the sending side (a lingering close starts): the peer sees the end
  // of the stream; reading goes on.
  virtual IoResult shutdown_write() = 0;

  // Closes the connection (also done on destruction).
  virtual void close() = 0;

  // Until handshake() is done: RequestReadTimeout's handshake stage applies.
  virtual bool handshake_pending() const { return false; }

  // What a TLS transport learned (protocol, cipher, SNI, client certificate);
  // stable for the transport's life, filled when the handshake completes.
  // Null for plain sockets. Engines hand it to the connection's http::Peer.
  virtual const http::TlsSession* tls_session() const { return nullptr; }
};

// Makes the transport of an accepted connection: TLS or plain, by the
// listening socket it arrived on. Engines call it from any serving thread.
class TransportFactory {
 public:
  virtual ~TransportFactory() = default;
  // `listener`: the index of the listening socket in the child's listeners.
  virtual std::unique_ptr<Transport> wrap(util::UniqueFd fd, size_t listener) const = 0;
};

// A TCP (or Unix) socket as it is. Small: it is embedded in every connection.
class PlainTransport final : public Transport {
 public:
  PlainTransport() = default;
  explicit PlainTransport(util::UniqueFd fd) : fd_(std::move(fd)) {}

  int fd() const override { return fd_.get(); }
  IoResult handshake() override { return {}; }
  IoResult read(std::span<char> into) override;
  IoResult write(std::span<const http::OutputSlice> slices) override;
  bool has_buffered_input() const override { return false; }
  IoResult shutdown_write() override;
  void close() override { fd_.reset(); }

 private:
  util::UniqueFd fd_;
};

}  // namespace mpmd::net
