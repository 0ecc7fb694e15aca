// What a TLS connection tells the HTTP core and handlers: filled by the TLS
// transport (src/tls/) when its handshake completes, read through
// Peer::tls. Plain connections have none.
#pragma once

#include <string>

namespace mpmd::http {

struct TlsSession {
  // A plain HTTP request arrived on a TLS port (Apache's and nginx's case):
  // the connection answers 400 saying so, then closes.
  bool plain_http = false;
  bool handshake_done = false;
  bool resumed = false;       // SSL_SESSION_RESUMED
  bool std_env_vars = false;  // SSLOptions +StdEnvVars of the site that answered
  bool export_cert_data = false;
  std::string protocol;                // "TLSv1.3"
  std::string cipher;                  // "TLS_AES_256_GCM_SHA384"
  std::string cipher_bits;             // SSL_CIPHER_USEKEYSIZE, as text ("256")
  std::string cipher_alg_bits;         // SSL_CIPHER_ALGKEYSIZE
  std::string sni;                     // SSL_TLS_SNI ("" = the client sent none)
  std::string alpn;                    // the protocol ALPN chose ("" = none)
  std::string session_id;              // hex
  std::string client_verify = "NONE";  // NONE, SUCCESS, GENEROUS, FAILED:reason
  std::string client_s_dn, client_i_dn, client_serial, client_v_start, client_v_end;
  std::string client_cert;  // PEM, with SSLOptions +ExportCertData
  std::string server_s_dn, server_i_dn;
};

}  // namespace mpmd::http
