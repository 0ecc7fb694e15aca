// TLS settings (mod_ssl's directives), as the parser leaves them: one TlsSite
// for the server level and one per <VirtualHost> that uses an SSL directive.
// Rows and the merge of a vhost with the server level live in src/tls/.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mpmd::config {

// SSLOpenSSLConfCmd NAME VALUE.
struct TlsConfCmd {
  std::string name;
  std::string value;
  std::string origin;
};

enum class VerifyClient : uint8_t { none, optional, require, optional_no_ca };

// A certificate with its key (mod_ssl pairs the Nth SSLCertificateFile with
// the Nth SSLCertificateKeyFile; no key file = the key is in the cert file).
struct TlsCertificate {
  std::string cert_file;  // absolute; may hold the chain after the certificate
  std::string key_file;   // absolute; "" = in cert_file
  std::string cert_origin;
  std::string key_origin;
};

// One TLS configuration: the server level, or one <VirtualHost>. Unset
// (nullopt) fields of a vhost take the server level's (mod_ssl's merge).
struct TlsSite {
  int virtual_host = -1;                     // index in Config::virtual_hosts; -1 = server level
  std::optional<bool> engine;                // SSLEngine
  std::string engine_origin;                 // "file:line" of SSLEngine
  std::vector<TlsCertificate> certificates;  // RSA and ECDSA side by side
  std::optional<std::string> chain_file;     // SSLCertificateChainFile
  std::optional<std::string> ca_file;        // SSLCACertificateFile (client certificates)
  std::optional<std::string> ca_path;        // SSLCACertificatePath
  std::optional<std::string> protocol;       // SSLProtocol, as written (joined by spaces)
  std::optional<std::string> cipher_suite;   // SSLCipherSuite [SSL] (TLS 1.2 and below)
  std::optional<std::string> cipher_suite_tls13;  // SSLCipherSuite TLSv1.3
  std::optional<bool> honor_cipher_order;         // SSLHonorCipherOrder
  std::optional<bool> session_tickets;            // SSLSessionTickets
  std::optional<VerifyClient> verify_client;      // SSLVerifyClient
  std::optional<int> verify_depth;                // SSLVerifyDepth
  std::optional<bool> std_env_vars;               // SSLOptions +StdEnvVars
  std::optional<bool> export_cert_data;           // SSLOptions +ExportCertData
  // SSLOpenSSLConfCmd NAME VALUE, in order (server level first, then the vhost's).
  std::vector<TlsConfCmd> conf_cmds;
  std::string origin;  // "file:line" of the first SSL directive of this site
};

enum class TlsSessionCache : uint8_t { none, shmcb };

struct Tls {
  std::vector<TlsSite> sites;  // sites[0] is the server level once any SSL directive is seen
  TlsSessionCache session_cache = TlsSessionCache::none;  // SSLSessionCache (none: Apache's)
  uint64_t session_cache_bytes = 512000;                  // shmcb:PATH(BYTES)
  std::string session_cache_origin;
  std::chrono::seconds session_cache_timeout{300};  // SSLSessionCacheTimeout
  std::string ticket_key_file;  // SSLSessionTicketKeyFile ("" = made in the master)
  std::string ticket_key_origin;
  // Ours (SSLSessionTicketKeyRotation): a new ticket key this often; the
  // previous one still decrypts.
  std::chrono::seconds ticket_key_rotation{3600};
  std::string pass_phrase_dialog = "builtin";  // SSLPassPhraseDialog builtin|exec:PATH
  std::string pass_phrase_origin;
  bool self_signed = false;  // `mpmd serve --tls`: a certificate for localhost made in memory
};

}  // namespace mpmd::config
