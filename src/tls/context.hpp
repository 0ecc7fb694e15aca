// One SSL_CTX per TLS site, built in the master before it forks (so the
// private keys are read there, before children drop privileges) and shared
// by every thread of every child: OpenSSL's documentation recommends one
// context shared by all connections, and with OpenSSL 3 each context made
// per thread or per connection repeats algorithm fetches under global locks.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "config/tls.hpp"
#include "tls/directives.hpp"
#include "tls/shared_state.hpp"
#include "util/result.hpp"

namespace mpmd::tls {

class Server;

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// What building a context needs besides its site.
struct ContextDeps {
  const config::Tls* tls = nullptr;           // while building only: SSLPassPhraseDialog
  std::chrono::seconds session_timeout{300};  // SSLSessionCacheTimeout
  TicketKeys* ticket_keys = nullptr;          // null: OpenSSL's own per-process keys
  SessionCache* session_cache = nullptr;      // null: no cache shared across children
  const Server* server = nullptr;             // SNI switches contexts through it
  std::string server_name;                    // for SSLPassPhraseDialog exec: ("NAME:PORT")
};

class Context {
 public:
  // Reads the certificates and keys and applies every setting. Errors name
  // the directive's file:line. `warnings`: certificates that expire within
  // 30 days, or already have.
  static util::Result<std::unique_ptr<Context>> build(const Site& site, const ContextDeps& deps,
                                                      std::vector<std::string>& warnings);
  // `mpmd serve --tls`: an ECDSA P-256 certificate for localhost, 127.0.0.1
  // and ::1, valid 30 days, made in memory.
  static util::Result<std::unique_ptr<Context>> self_signed(const Site& site,
                                                            const ContextDeps& deps);

  SSL_CTX* get() const { return ctx_.get(); }
  const Site& site() const { return site_; }
  const ContextDeps& deps() const { return deps_; }
  // The Context whose SSL_CTX this is (app data), or null.
  static const Context* of(const SSL_CTX* ctx);

 private:
  Context(const Site& site, const ContextDeps& deps) : site_(site), deps_(deps) {}
  util::Status configure(std::vector<std::string>& warnings);
  util::Status load_certificates(std::vector<std::string>& warnings);
  void install_callbacks();

  Site site_;
  ContextDeps deps_;
  SslCtxPtr ctx_;
};

// OpenSSL's error queue as text (emptied).
std::string openssl_errors();

// The ALPN protocols offered, in order of preference ("h2" joins here).
inline constexpr const char* kAlpnProtocols[] = {"http/1.1"};

}  // namespace mpmd::tls
