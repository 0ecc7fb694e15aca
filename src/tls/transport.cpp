#include "tls/transport.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "net/socket_io.hpp"
#include "tls/context.hpp"
#include "tls/server.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"

namespace mpmd::tls {

namespace {

// What one write() call moves at most, so one connection cannot hold a loop.
constexpr size_t kMaxPerCall = 256 * 1024;

std::string name_text(const X509_NAME* name) {
  if (!name) return "";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  // RFC 2253 order (CN first), as mod_ssl since 2.3.11.
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(n));
}

std::string time_text(const ASN1_TIME* t) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  ASN1_TIME_print(bio.get(), t);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(n));
}

std::string hex(const unsigned char* p, size_t n) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

std::string peer_text(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "a client";
  net::PeerAddress a = net::describe_peer(&ss);
  return std::string(a.text) + ":" + std::to_string(a.port);
}

}  // namespace

TlsTransport::TlsTransport(util::UniqueFd fd, SSL_CTX* ctx, const Server* server,
                           uint16_t local_port)
    : fd_(std::move(fd)), ssl_(SSL_new(ctx)), server_(server), port_(local_port) {
  if (ssl_) {
    SSL_set_fd(ssl_.get(), fd_.get());
    SSL_set_app_data(ssl_.get(), this);
    SSL_set_accept_state(ssl_.get());
  }
}

TlsTransport::~TlsTransport() = default;

net::IoResult TlsTransport::fail(const std::string& why) {
  ERR_clear_error();
  state_ = State::closed;
  if (log::error_log().enabled(log::LogLevel::info)) {
    log::emit(log::LogLevel::info, log::ids::kTlsHandshakeFailed,
              "TLS handshake with " + peer_text(fd_.get()) + " on port " + std::to_string(port_) +
                  " failed: " + why + "; connection closed");
  }
  return {net::Io::error, 0, 0, 0};  // logged here: the driver adds nothing
}

net::IoResult TlsTransport::detect() {
  unsigned char first = 0;
  ssize_t n;
  do {
    n = ::recv(fd_.get(), &first, 1, MSG_PEEK);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return {net::Io::want_read, 0, 0, 0};
  if (n < 0) return fail(std::strerror(errno));
  if (n == 0) {
    // Connected and closed without a byte (port scanners, health checks).
    state_ = State::closed;
    return {net::Io::error, 0, 0, 0};
  }
  if (first == 0x16) {  // a TLS handshake record
    if (!ssl_) return fail("SSL_new: " + openssl_errors());
    state_ = State::handshake;
    return handshake();
  }
  if (first >= 'A' && first <= 'Z') {
    // Plain HTTP on a TLS port: read in the clear, answered 400 by the core.
    session_.plain_http = true;
    state_ = State::plain;
    return {};
  }
  char what[64];
  std::snprintf(what, sizeof what, "not a TLS handshake (first byte 0x%02x)", first);
  return fail(what);
}

net::IoResult TlsTransport::handshake() {
  switch (state_) {
    case State::detect:
      return detect();
    case State::handshake:
      break;
    case State::closed:
      return {net::Io::error, 0, 0, 0};
    case State::open:
    case State::plain:
      return {};
  }
  ERR_clear_error();
  int r = SSL_do_handshake(ssl_.get());
  if (r == 1) {
    state_ = State::open;
    fill_session();
    return {};
  }
  int e = SSL_get_error(ssl_.get(), r);
  if (e == SSL_ERROR_WANT_READ) return {net::Io::want_read, 0, 0, 0};
  if (e == SSL_ERROR_WANT_WRITE) return {net::Io::want_write, 0, 0, 0};
  if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
    return fail(errno != 0 ? std::strerror(errno)
                           : "the client closed the connection mid-handshake");
  }
  if (e == SSL_ERROR_ZERO_RETURN) return fail("the client closed the connection mid-handshake");
  unsigned long code = ERR_peek_error();
  const char* reason = ERR_reason_error_string(code);
  return fail(reason ? reason : openssl_errors());
}

void TlsTransport::fill_session() {
  SSL* ssl = ssl_.get();
  http::TlsSession& s = session_;
  s.handshake_done = true;
  s.protocol = SSL_get_version(ssl);
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  if (cipher) {
    s.cipher = SSL_CIPHER_get_name(cipher);
    int alg_bits = 0;
    s.cipher_bits = std::to_string(SSL_CIPHER_get_bits(cipher, &alg_bits));
    s.cipher_alg_bits = std::to_string(alg_bits);
  }
  if (const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) s.sni = sni;
  const unsigned char* alpn = nullptr;
  unsigned alpn_length = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_length);
  if (alpn) s.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_length);
  s.resumed = SSL_session_reused(ssl) == 1;
  if (const SSL_SESSION* session = SSL_get0_session(ssl)) {
    unsigned n = 0;
    const unsigned char* id = SSL_SESSION_get_id(session, &n);
    s.session_id = hex(id, n);
  }
  if (const Context* c = Context::of(SSL_get_SSL_CTX(ssl))) {
    s.std_env_vars = c->site().settings.std_env_vars.value_or(false);
    s.export_cert_data = c->site().settings.export_cert_data.value_or(false);
  }
  if (X509* own = SSL_get_certificate(ssl)) {
    s.server_s_dn = name_text(X509_get_subject_name(own));
    s.server_i_dn = name_text(X509_get_issuer_name(own));
  }
  if (X509* peer = SSL_get0_peer_certificate(ssl)) {
    long verify = SSL_get_verify_result(ssl);
    s.client_verify = verify == X509_V_OK ? "SUCCESS"
                      : SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER &&
                              SSL_CTX_get_verify_callback(SSL_get_SSL_CTX(ssl)) != nullptr
                          ? "GENEROUS"
                          : std::string("FAILED:") + X509_verify_cert_error_string(verify);
    s.client_s_dn = name_text(X509_get_subject_name(peer));
    s.client_i_dn = name_text(X509_get_issuer_name(peer));
    if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(peer), nullptr)) {
      if (char* h = BN_bn2hex(bn)) {
        s.client_serial = h;
        OPENSSL_free(h);
      }
      BN_free(bn);
    }
    s.client_v_start = time_text(X509_get0_notBefore(peer));
    s.client_v_end = time_text(X509_get0_notAfter(peer));
    if (s.export_cert_data) {
      std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
      PEM_write_bio_X509(bio.get(), peer);
      char* data = nullptr;
      long n = BIO_get_mem_data(bio.get(), &data);
      s.client_cert.assign(data, size_t(n));
    }
  }
  // Kernel TLS, where the kernel has it (CONFIG_TLS): files go out with
  // SSL_sendfile, encrypted by the kernel without a copy through here.
  ktls_send_ = BIO_get_ktls_send(SSL_get_wbio(ssl)) == 1;
}

int TlsTransport::on_servername(SSL* ssl, int*, void*) {
  auto* t = static_cast<TlsTransport*>(SSL_get_app_data(ssl));
  if (!t || !t->server_) return SSL_TLSEXT_ERR_OK;
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  const Context* chosen = t->server_->select(name ? name : "", t->port_);
  if (!chosen || chosen->get() == SSL_get_SSL_CTX(ssl)) return SSL_TLSEXT_ERR_OK;
  // The SSL was made from the port's default context: take the chosen
  // site's certificates, verification, protocols and ciphers (mod_ssl's
  // switch of vhost on SNI does the same).
  SSL_CTX* ctx = chosen->get();
  SSL_set_SSL_CTX(ssl, ctx);
  SSL_clear_options(ssl, SSL_get_options(ssl) ^ SSL_CTX_get_options(ctx));
  SSL_set_options(ssl, SSL_CTX_get_options(ctx));
  SSL_set_verify(ssl, SSL_CTX_get_verify_mode(ctx), SSL_CTX_get_verify_callback(ctx));
  SSL_set_verify_depth(ssl, SSL_CTX_get_verify_depth(ctx));
  SSL_set_min_proto_version(ssl, SSL_CTX_get_min_proto_version(ctx));
  SSL_set_max_proto_version(ssl, SSL_CTX_get_max_proto_version(ctx));
  const config::TlsSite& site = chosen->site().settings;
  if (site.cipher_suite) SSL_set_cipher_list(ssl, site.cipher_suite->c_str());
  if (site.cipher_suite_tls13) SSL_set_ciphersuites(ssl, site.cipher_suite_tls13->c_str());
  return SSL_TLSEXT_ERR_OK;
}

net::IoResult TlsTransport::io_error(int ret, const char* what) {
  int e = SSL_get_error(ssl_.get(), ret);
  switch (e) {
    case SSL_ERROR_WANT_READ:
      return {net::Io::want_read, 0, 0, 0};
    case SSL_ERROR_WANT_WRITE:
      return {net::Io::want_write, 0, 0, 0};
    case SSL_ERROR_ZERO_RETURN:
      return {net::Io::eof, 0, 0, 0};
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0 && errno == 0) return {net::Io::eof, 0, 0, 0};
      if (ERR_peek_error() == 0) return {net::Io::error, 0, 0, errno};
      break;
    default:
      break;
  }
  if (log::error_log().enabled(log::LogLevel::debug)) {
    log::emit(log::LogLevel::debug, log::ids::kTlsHandshakeFailed,
              std::string("TLS ") + what + ": " + openssl_errors());
  }
  ERR_clear_error();
  return {net::Io::error, 0, 0, EPROTO};
}

net::IoResult TlsTransport::read(std::span<char> into) {
  if (state_ == State::plain) {
    while (true) {
      ssize_t n = ::recv(fd_.get(), into.data(), into.size(), 0);
      if (n > 0) return {net::Io::done, size_t(n), 0, 0};
      if (n == 0) return {net::Io::eof, 0, 0, 0};
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {net::Io::want_read, 0, 0, 0};
      return {net::Io::error, 0, 0, errno};
    }
  }
  if (state_ != State::open) return {net::Io::error, 0, 0, ENOTCONN};
  // SSL_read gives one record at a time and leaves the rest in the kernel:
  // read until the buffer is full or the socket is drained, so that a short
  // read means drained (edge-triggered epoll announces only new data).
  size_t total = 0;
  while (total < into.size()) {
    ERR_clear_error();
    errno = 0;
    int n = SSL_read(ssl_.get(), into.data() + total,
                     int(std::min<size_t>(into.size() - total, INT32_MAX)));
    if (n > 0) {
      total += size_t(n);
      continue;
    }
    net::IoResult r = io_error(n, "read");
    if (total == 0) return r;
    // Deliver what was read; an end or error shows again at the next read,
    // which has_buffered_input() asks for (no readiness event will).
    end_seen_ = r.status != net::Io::want_read && r.status != net::Io::want_write;
    break;
  }
  return {net::Io::done, total, 0, 0};
}

bool TlsTransport::has_buffered_input() const {
  return state_ == State::open && (end_seen_ || SSL_has_pending(ssl_.get()) == 1);
}

net::IoResult TlsTransport::write_file(const http::OutputSlice& slice) {
  ERR_clear_error();
  size_t len = size_t(std::min<uint64_t>(slice.length, kMaxPerCall));
  ossl_ssize_t n = SSL_sendfile(ssl_.get(), slice.fd, off_t(slice.offset), len, 0);
  if (n > 0) return {net::Io::done, size_t(n), len, 0};
  return io_error(int(n), "sendfile");
}

net::IoResult TlsTransport::write(std::span<const http::OutputSlice> slices) {
  if (state_ == State::plain) {
    while (true) {
      net::WriteResult w = net::write_slices(fd_.get(), slices);
      if (w.written >= 0) return {net::Io::done, size_t(w.written), w.attempted, 0};
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {net::Io::want_write, 0, 0, 0};
      return {net::Io::error, 0, 0, errno};
    }
  }
  if (state_ != State::open) return {net::Io::error, 0, 0, ENOTCONN};
  if (slices.empty()) return {};
  if (slices[0].fd >= 0 && ktls_send_) return write_file(slices[0]);
  // One record's worth per SSL_write: small slices are gathered (a head and
  // a small body become one record), file ranges read in record-sized
  // pieces. A retry after want_write starts from the same bytes, at least
  // as many (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER allows the new address).
  thread_local std::array<char, kRecord> scratch;
  size_t total = 0;
  size_t index = 0;
  uint64_t skip = 0;  // bytes of slices[index] already written in this call
  while (total < kMaxPerCall && index < slices.size()) {
    const http::OutputSlice& s = slices[index];
    const char* data = nullptr;
    size_t len = 0;
    if (s.fd >= 0) {
      size_t want = size_t(std::min<uint64_t>(s.length - skip, kRecord));
      ssize_t n = ::pread(s.fd, scratch.data(), want, off_t(s.offset + skip));
      if (n <= 0) {
        if (total > 0) break;
        return {net::Io::error, 0, 0, n == 0 ? EIO : errno};  // the file shrank or failed
      }
      data = scratch.data();
      len = size_t(n);
    } else if (s.bytes.size() - skip >= kRecord) {
      data = s.bytes.data() + skip;
      len = std::min<size_t>(s.bytes.size() - skip, kMaxPerCall);
    } else {
      // Gather memory slices (up to a file slice) into one record.
      size_t i = index;
      uint64_t from = skip;
      while (i < slices.size() && slices[i].fd < 0 && len < kRecord) {
        size_t take = std::min<size_t>(slices[i].bytes.size() - from, kRecord - len);
        std::memcpy(scratch.data() + len, slices[i].bytes.data() + from, take);
        len += take;
        from = 0;
        ++i;
      }
      data = scratch.data();
    }
    ERR_clear_error();
    errno = 0;
    int n = SSL_write(ssl_.get(), data, int(len));
    if (n <= 0) {
      net::IoResult r = io_error(n, "write");
      if (r.status == net::Io::eof) r = {net::Io::error, 0, 0, EPIPE};
      if (total > 0 && (r.status == net::Io::want_write || r.status == net::Io::want_read)) {
        return {net::Io::done, total, total + len, 0};
      }
      return r;
    }
    total += size_t(n);
    // Advance through the slices by what was written.
    uint64_t left = uint64_t(n);
    while (left > 0 && index < slices.size()) {
      uint64_t rest = slices[index].size() - skip;
      if (left < rest) {
        skip += left;
        left = 0;
      } else {
        left -= rest;
        skip = 0;
        ++index;
      }
    }
    // A partial write is one record of several written: not a full socket
    // (only want_write says that), so go on.
  }
  return {net::Io::done, total, total, 0};
}

net::IoResult TlsTransport::shutdown_write() {
  if (state_ == State::open) {
    ERR_clear_error();
    // close_notify, best effort: the socket's end follows anyway.
    SSL_shutdown(ssl_.get());
    ERR_clear_error();
  }
  if (::shutdown(fd_.get(), SHUT_WR) != 0) return {net::Io::error, 0, 0, errno};
  return {};
}

void TlsTransport::close() {
  state_ = State::closed;
  ssl_.reset();
  fd_.reset();
}

}  // namespace mpmd::tls
