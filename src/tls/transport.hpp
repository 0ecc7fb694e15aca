// TLS as a net::Transport: OpenSSL over a non-blocking socket. The handshake
// is a step like any read (want_read / want_write), so the event loop runs
// it without blocking and the blocking engines bound it with Timeout.
//
// Before the handshake the first byte is peeked: a TLS record starts with
// 0x16; a letter means a plain HTTP request on a TLS port, which is then read
// in the clear and answered 400 by the HTTP core ("speaking plain HTTP to an
// SSL-enabled server port", as Apache); anything else is a garbage handshake,
// closed and logged at info level.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>

#include "http/tls_session.hpp"
#include "net/transport.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::tls {

class Server;

struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

class TlsTransport final : public net::Transport {
 public:
  // `ctx`: the default context of the port (SNI may switch it through `server`).
  TlsTransport(util::UniqueFd fd, SSL_CTX* ctx, const Server* server, uint16_t local_port);
  ~TlsTransport() override;

  int fd() const override { return fd_.get(); }
  net::IoResult handshake() override;
  net::IoResult read(std::span<char> into) override;
  net::IoResult write(std::span<const http::OutputSlice> slices) override;
  bool has_buffered_input() const override;
  net::IoResult shutdown_write() override;
  void close() override;
  bool handshake_pending() const override { return state_ < State::open; }
  const http::TlsSession* tls_session() const override { return &session_; }

  // SSL_CTX_set_tlsext_servername_callback: switches to the site the name
  // selects (Server::select, the hook vhost-based SNI plugs into).
  static int on_servername(SSL* ssl, int* alert, void* arg);

  // The largest plaintext written per SSL_write: one TLS record.
  static constexpr size_t kRecord = 16 * 1024;

 private:
  enum class State : uint8_t { detect, handshake, open, plain, closed };
  net::IoResult detect();
  net::IoResult fail(const std::string& why);
  net::IoResult io_error(int ret, const char* what);
  void fill_session();
  net::IoResult write_file(const http::OutputSlice& slice);

  util::UniqueFd fd_;
  std::unique_ptr<SSL, SslFree> ssl_;
  const Server* server_;
  uint16_t port_;
  State state_ = State::detect;
  bool ktls_send_ = false;
  bool end_seen_ = false;  // a read met the end (or an error) after data
  http::TlsSession session_;
};

}  // namespace mpmd::tls
