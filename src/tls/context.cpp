#include "tls/context.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "tls/algorithms.hpp"
#include "tls/passphrase.hpp"
#include "tls/protocols.hpp"
#include "tls/transport.hpp"
#include "util/strings.hpp"

namespace mpmd::tls {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

int context_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

std::string where(const std::string& origin, std::string_view directive) {
  return (origin.empty() ? std::string("(server)") : origin) + ": " + std::string(directive) + ": ";
}

// A readable file, or why not ("Permission denied"): the message OpenSSL
// would give is far less clear.
std::string unreadable(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return "cannot read " + path + ": " + std::strerror(errno);
  std::fclose(f);
  return "";
}

std::vector<X509Ptr> read_certificates(const std::string& path, std::string& error) {
  std::vector<X509Ptr> out;
  if (error = unreadable(path); !error.empty()) return out;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(path.c_str(), "r"));
  while (X509* x = bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr) {
    out.emplace_back(x);
  }
  ERR_clear_error();  // the end of the file reads as an error
  if (out.empty()) error = path + " holds no PEM certificate";
  return out;
}

// Days from now until `t` (negative once past).
int days_until(const ASN1_TIME* t) {
  int days = 0, seconds = 0;
  if (!ASN1_TIME_diff(&days, &seconds, nullptr, t)) return 0;
  return days;
}

std::string time_text(const ASN1_TIME* t) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  ASN1_TIME_print(bio.get(), t);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(n));
}

std::string sid_context(const Site& site) {
  // Stable across restarts (sessions resume after a graceful restart) and
  // distinct per site (a session never resumes on another vhost).
  return "mpmd:" + std::to_string(std::hash<std::string>{}(site.origin));
}

int ticket_callback(SSL* ssl, unsigned char name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher,
                    EVP_MAC_CTX* mac, int enc) {
  const Context* c = Context::of(SSL_get_SSL_CTX(ssl));
  if (!c || !c->deps().ticket_keys) return -1;
  TicketKey k;
  bool current = true;
  if (enc) {
    k = c->deps().ticket_keys->current();
    std::memcpy(name, k.name.data(), 16);
    if (RAND_bytes(iv, 16) != 1) return -1;
  } else if (!c->deps().ticket_keys->find(name, k, current)) {
    return 0;  // unknown (older than the previous key): a full handshake
  }
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, k.hmac.data(), k.hmac_bytes),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_end()};
  if (!EVP_MAC_CTX_set_params(mac, params)) return -1;
  const EVP_CIPHER* aes = ticket_cipher(k.aes_bytes);
  if (!EVP_CipherInit_ex(cipher, aes, nullptr, k.aes.data(), iv, enc)) return -1;
  // 2: decrypted with the previous key, so the client gets a new ticket.
  return enc || current ? 1 : 2;
}

int new_session(SSL* ssl, SSL_SESSION* session) {
  const Context* c = Context::of(SSL_get_SSL_CTX(ssl));
  if (!c || !c->deps().session_cache) return 0;
  int length = i2d_SSL_SESSION(session, nullptr);
  if (length <= 0 || size_t(length) > SessionCache::kValueBytes) return 0;
  std::string der(size_t(length), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_SSL_SESSION(session, &p);
  unsigned id_length = 0;
  const unsigned char* id = SSL_SESSION_get_id(session, &id_length);
  c->deps().session_cache->put(id, id_length, der, c->deps().session_timeout);
  return 0;  // we keep no reference
}

SSL_SESSION* get_session(SSL* ssl, const unsigned char* id, int length, int* copy) {
  *copy = 0;
  const Context* c = Context::of(SSL_get_SSL_CTX(ssl));
  if (!c || !c->deps().session_cache || length <= 0) return nullptr;
  std::string der;
  if (!c->deps().session_cache->get(id, unsigned(length), der)) return nullptr;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return d2i_SSL_SESSION(nullptr, &p, long(der.size()));
}

void remove_session(SSL_CTX* ctx, SSL_SESSION* session) {
  const Context* c = Context::of(ctx);
  if (!c || !c->deps().session_cache) return;
  unsigned id_length = 0;
  const unsigned char* id = SSL_SESSION_get_id(session, &id_length);
  c->deps().session_cache->remove(id, id_length);
}

int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                unsigned in_length, void*) {
  for (const char* proto : kAlpnProtocols) {
    size_t n = std::strlen(proto);
    for (unsigned i = 0; i < in_length;) {
      unsigned len = in[i];
      if (len == n && i + 1 + len <= in_length && std::memcmp(in + i + 1, proto, n) == 0) {
        *out = in + i + 1;
        *out_length = static_cast<unsigned char>(len);
        return SSL_TLSEXT_ERR_OK;
      }
      i += 1 + len;
    }
  }
  // RFC 7301: the client asked for protocols we do not speak.
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

// SSLVerifyClient optional_no_ca: any certificate is accepted, its
// verification result is only reported (SSL_CLIENT_VERIFY).
int accept_any_certificate(int, X509_STORE_CTX*) {
  return 1;
}

}  // namespace

std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

const Context* Context::of(const SSL_CTX* ctx) {
  return ctx ? static_cast<const Context*>(SSL_CTX_get_ex_data(ctx, context_index())) : nullptr;
}

util::Result<std::unique_ptr<Context>> Context::build(const Site& site, const ContextDeps& deps,
                                                      std::vector<std::string>& warnings) {
  std::unique_ptr<Context> c(new Context(site, deps));
  c->ctx_.reset(SSL_CTX_new_ex(nullptr, nullptr, TLS_server_method()));
  if (!c->ctx_) return util::Error{"SSL_CTX_new: " + openssl_errors()};
  if (util::Status s = c->configure(warnings); !s) return s.error();
  if (util::Status s = c->load_certificates(warnings); !s) return s.error();
  c->deps_.tls = nullptr;  // the configuration it pointed into may go
  return c;
}

util::Status Context::configure(std::vector<std::string>& warnings) {
  (void)warnings;
  SSL_CTX* ctx = ctx_.get();
  const config::TlsSite& s = site_.settings;
  SSL_CTX_set_ex_data(ctx, context_index(), this);
  uint64_t options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                     SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_ENABLE_KTLS;
  if (s.honor_cipher_order.value_or(false)) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  if (!s.session_tickets.value_or(true)) options |= SSL_OP_NO_TICKET;
  if (s.protocol) {
    unsigned mask = 0;
    parse_protocols(*s.protocol, mask);  // checked by the directive
    const int versions[] = {TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION};
    const uint64_t off[] = {SSL_OP_NO_TLSv1, SSL_OP_NO_TLSv1_1, SSL_OP_NO_TLSv1_2,
                            SSL_OP_NO_TLSv1_3};
    int lowest = 0, highest = 0;
    for (int i = 0; i < 4; ++i) {
      if (mask & (1u << i)) {
        if (!lowest) lowest = versions[i];
        highest = versions[i];
      } else {
        options |= off[i];
      }
    }
    SSL_CTX_set_min_proto_version(ctx, lowest);
    SSL_CTX_set_max_proto_version(ctx, highest);
  }
  SSL_CTX_set_options(ctx, options);
  // Idle connections give their 2 x ~17 KB record buffers back; writes may
  // be partial and retried from a buffer that moved (our output queue).
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (s.cipher_suite && !SSL_CTX_set_cipher_list(ctx, s.cipher_suite->c_str())) {
    return util::Error{where(s.origin, "SSLCipherSuite") + "no usable cipher in '" +
                       *s.cipher_suite + "': " + openssl_errors()};
  }
  if (s.cipher_suite_tls13 && !SSL_CTX_set_ciphersuites(ctx, s.cipher_suite_tls13->c_str())) {
    return util::Error{where(s.origin, "SSLCipherSuite") + "no usable TLS 1.3 suite in '" +
                       *s.cipher_suite_tls13 + "': " + openssl_errors()};
  }
  std::string sid = sid_context(site_);
  SSL_CTX_set_session_id_context(ctx, reinterpret_cast<const unsigned char*>(sid.data()),
                                 unsigned(sid.size()));
  SSL_CTX_set_timeout(ctx, long(deps_.session_timeout.count()));
  if (deps_.session_cache) {
    // Only the shared cache: no per-process copy (and no lock on the
    // context's own cache, which every thread would take for each session).
    SSL_CTX_set_session_cache_mode(
        ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL | SSL_SESS_CACHE_NO_AUTO_CLEAR);
    SSL_CTX_sess_set_new_cb(ctx, new_session);
    SSL_CTX_sess_set_get_cb(ctx, get_session);
    SSL_CTX_sess_set_remove_cb(ctx, remove_session);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
  if (deps_.ticket_keys) SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_callback);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  SSL_CTX_set_tlsext_servername_callback(ctx, TlsTransport::on_servername);
  // Client certificates.
  if (s.ca_file || s.ca_path) {
    const char* file = s.ca_file ? s.ca_file->c_str() : nullptr;
    const char* dir = s.ca_path ? s.ca_path->c_str() : nullptr;
    if (file) {
      if (std::string why = unreadable(*s.ca_file); !why.empty()) {
        return util::Error{where(s.origin, "SSLCACertificateFile") + why};
      }
    }
    if (!SSL_CTX_load_verify_locations(ctx, file, dir)) {
      return util::Error{where(s.origin, "SSLCACertificateFile") + openssl_errors()};
    }
    if (file) SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(file));
  }
  using config::VerifyClient;
  VerifyClient verify = s.verify_client.value_or(VerifyClient::none);
  if ((verify == VerifyClient::optional || verify == VerifyClient::require) && !s.ca_file &&
      !s.ca_path) {
    return util::Error{where(s.origin, "SSLVerifyClient") +
                       "needs SSLCACertificateFile (or SSLCACertificatePath) to verify against"};
  }
  int mode = verify == VerifyClient::none      ? SSL_VERIFY_NONE
             : verify == VerifyClient::require ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                               : SSL_VERIFY_PEER;
  SSL_CTX_set_verify(ctx, mode,
                     verify == VerifyClient::optional_no_ca ? accept_any_certificate : nullptr);
  SSL_CTX_set_verify_depth(ctx, s.verify_depth.value_or(1));
  // SSLOpenSSLConfCmd, last: it may override anything above, as in mod_ssl.
  if (!s.conf_cmds.empty()) {
    SSL_CONF_CTX* cctx = SSL_CONF_CTX_new();
    SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER |
                                     SSL_CONF_FLAG_CERTIFICATE | SSL_CONF_FLAG_SHOW_ERRORS);
    SSL_CONF_CTX_set_ssl_ctx(cctx, ctx);
    for (const auto& cmd : s.conf_cmds) {
      if (SSL_CONF_cmd(cctx, cmd.name.c_str(), cmd.value.c_str()) <= 0) {
        SSL_CONF_CTX_free(cctx);
        return util::Error{where(cmd.origin, "SSLOpenSSLConfCmd") + "'" + cmd.name + " " +
                           cmd.value + "' refused by OpenSSL: " + openssl_errors()};
      }
    }
    SSL_CONF_CTX_finish(cctx);
    SSL_CONF_CTX_free(cctx);
  }
  return {};
}

util::Status Context::load_certificates(std::vector<std::string>& warnings) {
  SSL_CTX* ctx = ctx_.get();
  const config::TlsSite& s = site_.settings;
  int index = 0;
  for (const auto& cert : s.certificates) {
    std::string error;
    std::vector<X509Ptr> chain = read_certificates(cert.cert_file, error);
    if (!error.empty()) return util::Error{where(cert.cert_origin, "SSLCertificateFile") + error};
    X509* leaf = chain[0].get();
    int days = days_until(X509_get0_notAfter(leaf));
    if (days < 0) {
      warnings.push_back(where(cert.cert_origin, "SSLCertificateFile") + cert.cert_file +
                         ": the certificate expired on " + time_text(X509_get0_notAfter(leaf)) +
                         "; clients will refuse it");
    } else if (days < 30) {
      warnings.push_back(where(cert.cert_origin, "SSLCertificateFile") + cert.cert_file +
                         ": the certificate expires in " + std::to_string(days) + " days (" +
                         time_text(X509_get0_notAfter(leaf)) + ")");
    }
    const std::string& key_file = cert.key_file.empty() ? cert.cert_file : cert.key_file;
    const std::string& key_origin = cert.key_file.empty() ? cert.cert_origin : cert.key_origin;
    if (std::string why = unreadable(key_file); !why.empty()) {
      return util::Error{where(key_origin, "SSLCertificateKeyFile") + why};
    }
    PassPhrase pass(*deps_.tls, deps_.server_name, index++);
    std::unique_ptr<BIO, BioFree> bio(BIO_new_file(key_file.c_str(), "r"));
    PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, PassPhrase::callback, &pass)
                    : nullptr);
    if (!key) {
      std::string why = !pass.error().empty() ? pass.error()
                                              : "no usable private key in " + key_file + " (" +
                                                    openssl_errors() + ")";
      ERR_clear_error();
      return util::Error{where(key_origin, "SSLCertificateKeyFile") + why};
    }
    if (!X509_check_private_key(leaf, key.get())) {
      ERR_clear_error();
      return util::Error{where(key_origin, "SSLCertificateKeyFile") + key_file +
                         " does not match the certificate in " + cert.cert_file};
    }
    // Each key type has its own slot: an RSA and an ECDSA pair side by side,
    // each with its own chain; OpenSSL picks by what the client supports.
    if (!SSL_CTX_use_certificate(ctx, leaf) || !SSL_CTX_use_PrivateKey(ctx, key.get())) {
      return util::Error{where(cert.cert_origin, "SSLCertificateFile") + openssl_errors()};
    }
    SSL_CTX_clear_chain_certs(ctx);
    for (size_t i = 1; i < chain.size(); ++i) SSL_CTX_add1_chain_cert(ctx, chain[i].get());
  }
  if (s.chain_file) {
    std::string error;
    std::vector<X509Ptr> extra = read_certificates(*s.chain_file, error);
    if (!error.empty()) return util::Error{where(s.origin, "SSLCertificateChainFile") + error};
    for (auto& x : extra) SSL_CTX_add_extra_chain_cert(ctx, x.release());
  }
  return {};
}

util::Result<std::unique_ptr<Context>> Context::self_signed(const Site& site,
                                                            const ContextDeps& deps) {
  std::unique_ptr<Context> c(new Context(site, deps));
  c->ctx_.reset(SSL_CTX_new_ex(nullptr, nullptr, TLS_server_method()));
  std::vector<std::string> ignored;
  if (!c->ctx_) return util::Error{"SSL_CTX_new: " + openssl_errors()};
  if (util::Status s = c->configure(ignored); !s) return s.error();
  PkeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr x(X509_new());
  if (!key || !x) return util::Error{"self-signed certificate: " + openssl_errors()};
  X509_set_version(x.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 30L * 86400);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, x.get(), x.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  if (san) {
    X509_add_ext(x.get(), san, -1);
    X509_EXTENSION_free(san);
  }
  if (!X509_sign(x.get(), key.get(), EVP_sha256()) || !SSL_CTX_use_certificate(c->get(), x.get()) ||
      !SSL_CTX_use_PrivateKey(c->get(), key.get())) {
    return util::Error{"self-signed certificate: " + openssl_errors()};
  }
  return c;
}

}  // namespace mpmd::tls
