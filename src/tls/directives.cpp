#include "tls/directives.hpp"

#include <algorithm>

#include "tls/protocols.hpp"
#include "util/strings.hpp"

namespace mpmd::tls {

namespace {

using config::Config;
using config::DirectiveCall;
using config::TlsSite;

std::string origin_of(const DirectiveCall& c) {
  return c.file + ":" + std::to_string(c.line);
}

// The site a directive configures: the server level or its <VirtualHost>.
TlsSite& site_of(Config& cfg, const DirectiveCall& c) {
  auto& sites = cfg.tls.sites;
  for (TlsSite& s : sites) {
    if (s.virtual_host == c.virtual_host) return s;
  }
  sites.push_back(TlsSite{.virtual_host = c.virtual_host, .origin = origin_of(c)});
  return sites.back();
}

config::Setter flag(std::optional<bool> TlsSite::*field) {
  return [field](Config& cfg, const DirectiveCall& c) {
    bool v = false;
    std::string err = config::parse_flag(c.args[0], v);
    if (err.empty()) site_of(cfg, c).*field = v;
    return err;
  };
}

config::Setter path(std::optional<std::string> TlsSite::*field) {
  return [field](Config& cfg, const DirectiveCall& c) {
    site_of(cfg, c).*field = c.resolve(c.args[0]);
    return std::string();
  };
}

std::string set_engine(Config& cfg, const DirectiveCall& c) {
  const std::string& a = c.args[0];
  if (util::iequals(a, "optional") || util::iequals(a, "addr")) {
    return "'" + a + "' is not supported (TLS upgrade and per-address engines); use On or Off";
  }
  bool on = false;
  if (std::string err = config::parse_flag(a, on); !err.empty()) return err;
  TlsSite& s = site_of(cfg, c);
  s.engine = on;
  s.engine_origin = origin_of(c);
  return "";
}

// mod_ssl pairs the Nth SSLCertificateFile with the Nth SSLCertificateKeyFile.
std::string set_certificate(Config& cfg, const DirectiveCall& c) {
  TlsSite& s = site_of(cfg, c);
  size_t with_cert = 0;
  for (const auto& cert : s.certificates) with_cert += cert.cert_file.empty() ? 0 : 1;
  if (with_cert < s.certificates.size()) {
    s.certificates[with_cert].cert_file = c.resolve(c.args[0]);
    s.certificates[with_cert].cert_origin = origin_of(c);
  } else {
    s.certificates.push_back({c.resolve(c.args[0]), "", origin_of(c), ""});
  }
  return "";
}

std::string set_certificate_key(Config& cfg, const DirectiveCall& c) {
  TlsSite& s = site_of(cfg, c);
  for (auto& cert : s.certificates) {
    if (cert.key_file.empty()) {
      cert.key_file = c.resolve(c.args[0]);
      cert.key_origin = origin_of(c);
      return "";
    }
  }
  s.certificates.push_back({"", c.resolve(c.args[0]), "", origin_of(c)});
  return "";
}

std::string set_protocol(Config& cfg, const DirectiveCall& c) {
  std::string joined;
  for (const auto& a : c.args) joined += (joined.empty() ? "" : " ") + a;
  unsigned mask = 0;
  if (std::string err = parse_protocols(joined, mask); !err.empty()) return err;
  if (mask == 0) return "no protocol left enabled";
  site_of(cfg, c).protocol = joined;
  return "";
}

std::string set_cipher_suite(Config& cfg, const DirectiveCall& c) {
  TlsSite& s = site_of(cfg, c);
  if (c.args.size() == 1) {
    s.cipher_suite = c.args[0];
    return "";
  }
  if (util::iequals(c.args[0], "TLSv1.3")) {
    s.cipher_suite_tls13 = c.args[1];
  } else if (util::iequals(c.args[0], "SSL")) {
    s.cipher_suite = c.args[1];
  } else {
    return "protocol must be SSL or TLSv1.3, not '" + c.args[0] + "'";
  }
  return "";
}

std::string set_compression(Config&, const DirectiveCall& c) {
  bool on = false;
  if (std::string err = config::parse_flag(c.args[0], on); !err.empty()) return err;
  if (on) return "On is not supported: TLS compression leaks secrets (CRIME); only Off";
  return "";
}

std::string set_session_cache(Config& cfg, const DirectiveCall& c) {
  const std::string& a = c.args[0];
  auto& tls = cfg.tls;
  tls.session_cache_origin = origin_of(c);
  if (util::iequals(a, "none") || util::iequals(a, "nonenotnull")) {
    tls.session_cache = config::TlsSessionCache::none;
    return "";
  }
  if (!util::istarts_with(a, "shmcb:")) {
    return "only none and shmcb:PATH(BYTES) are supported, not '" + a + "'";
  }
  // The path only names the segment in Apache; mpmd's is anonymous shared
  // memory made by the master, so only the size matters.
  uint64_t bytes = 512000;
  size_t open = a.find('(');
  if (open != std::string::npos) {
    if (a.back() != ')') return "expected shmcb:PATH(BYTES), not '" + a + "'";
    auto v = util::parse_u64(std::string_view(a).substr(open + 1, a.size() - open - 2));
    if (!v || *v < 8192 || *v > (uint64_t(1) << 32)) {
      return "size must be from 8192 to 4294967296 bytes in '" + a + "'";
    }
    bytes = *v;
  }
  tls.session_cache = config::TlsSessionCache::shmcb;
  tls.session_cache_bytes = bytes;
  return "";
}

std::string set_session_cache_timeout(Config& cfg, const DirectiveCall& c) {
  auto v = util::parse_u64(c.args[0]);
  if (!v || *v > 86400 * 7) return "must be seconds from 0 to 604800, not '" + c.args[0] + "'";
  cfg.tls.session_cache_timeout = std::chrono::seconds(*v);
  return "";
}

std::string set_ticket_rotation(Config& cfg, const DirectiveCall& c) {
  config::Millis ms{};
  if (std::string err = config::parse_seconds(c.args[0], ms); !err.empty()) return err;
  if (ms.count() < 1000) return "must be at least 1 second";
  cfg.tls.ticket_key_rotation = std::chrono::duration_cast<std::chrono::seconds>(ms);
  return "";
}

std::string set_options(Config& cfg, const DirectiveCall& c) {
  TlsSite& s = site_of(cfg, c);
  for (const auto& arg : c.args) {
    std::string_view a = arg;
    bool on = true;
    if (!a.empty() && (a[0] == '+' || a[0] == '-')) {
      on = a[0] == '+';
      a.remove_prefix(1);
    }
    if (util::iequals(a, "StdEnvVars")) {
      s.std_env_vars = on;
    } else if (util::iequals(a, "ExportCertData")) {
      s.export_cert_data = on;
    } else if (util::iequals(a, "StrictRequire") || util::iequals(a, "OptRenegotiate") ||
               util::iequals(a, "FakeBasicAuth") || util::iequals(a, "LegacyDNStringFormat")) {
      if (on) c.warn("option " + std::string(a) + " is accepted and has no effect in mpmd");
    } else {
      return "unknown option '" + arg + "' (StdEnvVars, ExportCertData, StrictRequire, ...)";
    }
  }
  return "";
}

std::string set_verify_client(Config& cfg, const DirectiveCall& c) {
  using config::VerifyClient;
  const std::string& a = c.args[0];
  VerifyClient v;
  if (util::iequals(a, "none")) {
    v = VerifyClient::none;
  } else if (util::iequals(a, "optional")) {
    v = VerifyClient::optional;
  } else if (util::iequals(a, "require")) {
    v = VerifyClient::require;
  } else if (util::iequals(a, "optional_no_ca")) {
    v = VerifyClient::optional_no_ca;
  } else {
    return "must be none, optional, require or optional_no_ca, not '" + a + "'";
  }
  if (c.location != nullptr) {
    return "only at server or <VirtualHost> level (per-directory renegotiation is not supported)";
  }
  site_of(cfg, c).verify_client = v;
  return "";
}

std::string set_verify_depth(Config& cfg, const DirectiveCall& c) {
  int depth = 0;
  std::string err = config::parse_int(c.args[0], 0, 100, depth);
  if (err.empty()) site_of(cfg, c).verify_depth = depth;
  return err;
}

std::string set_conf_cmd(Config& cfg, const DirectiveCall& c) {
  site_of(cfg, c).conf_cmds.push_back({c.args[0], c.args[1], origin_of(c)});
  return "";
}

std::string set_pass_phrase_dialog(Config& cfg, const DirectiveCall& c) {
  const std::string& a = c.args[0];
  if (!util::iequals(a, "builtin") && !util::istarts_with(a, "exec:")) {
    return "must be builtin or exec:/path/to/program (the master has no terminal to ask on), "
           "not '" +
           a + "'";
  }
  cfg.tls.pass_phrase_dialog =
      util::istarts_with(a, "exec:") ? "exec:" + c.resolve(a.substr(5)) : std::string("builtin");
  cfg.tls.pass_phrase_origin = origin_of(c);
  return "";
}

std::string warn_stapling(Config&, const DirectiveCall& c) {
  bool on = false;
  if (std::string err = config::parse_flag(c.args[0], on); !err.empty()) return err;
  if (on) c.warn("OCSP stapling is not implemented; clients fetch OCSP status themselves");
  return "";
}

std::string accepted(Config&, const DirectiveCall&) {
  return "";
}

}  // namespace

std::vector<config::Directive> directives() {
  using config::kDirectory;
  using config::kLocation;
  using config::kServer;
  return {
      {"SSLEngine", 1, 1, kServer | config::kVhostAware, set_engine,
       "SSLEngine On|Off - TLS on the ports of this server or <VirtualHost> (default Off)"},
      {"SSLCertificateFile", 1, 1, kServer | config::kVhostAware, set_certificate,
       "SSLCertificateFile FILE - PEM certificate, optionally followed by its chain; repeat "
       "with an SSLCertificateKeyFile each for RSA and ECDSA side by side"},
      {"SSLCertificateKeyFile", 1, 1, kServer | config::kVhostAware, set_certificate_key,
       "SSLCertificateKeyFile FILE - PEM private key of the matching SSLCertificateFile; read "
       "by the master before children start"},
      {"SSLCertificateChainFile", 1, 1, kServer | config::kVhostAware, path(&TlsSite::chain_file),
       "SSLCertificateChainFile FILE - intermediate certificates sent after the certificate"},
      {"SSLCACertificateFile", 1, 1, kServer | config::kVhostAware, path(&TlsSite::ca_file),
       "SSLCACertificateFile FILE - CAs that client certificates are verified against"},
      {"SSLCACertificatePath", 1, 1, kServer | config::kVhostAware, path(&TlsSite::ca_path),
       "SSLCACertificatePath DIR - directory of hashed CA certificates (c_rehash) for client "
       "certificates"},
      {"SSLProtocol", 1, -1, kServer | config::kVhostAware, set_protocol,
       "SSLProtocol [+-]all|TLSv1|TLSv1.1|TLSv1.2|TLSv1.3... - protocols offered (default all "
       "-SSLv3: TLS 1.0 to 1.3, as far as OpenSSL's security level allows)"},
      {"SSLCipherSuite", 1, 2, kServer | config::kVhostAware, set_cipher_suite,
       "SSLCipherSuite [SSL|TLSv1.3] SPEC - OpenSSL cipher list for TLS 1.2 and below, or with "
       "TLSv1.3 the TLS 1.3 suites"},
      {"SSLHonorCipherOrder", 1, 1, kServer | config::kVhostAware,
       flag(&TlsSite::honor_cipher_order),
       "SSLHonorCipherOrder On|Off - the server's cipher order wins (default Off)"},
      {"SSLCompression", 1, 1, kServer | config::kVhostAware, set_compression,
       "SSLCompression Off - TLS compression is never enabled (On is refused: CRIME)"},
      {"SSLSessionCache", 1, 1, kServer | config::kVhostAware, set_session_cache,
       "SSLSessionCache none|shmcb:PATH(BYTES) - session cache shared by all children "
       "(resumption by session ID on any child; default none); PATH is ignored"},
      {"SSLSessionCacheTimeout", 1, 1, kServer | config::kVhostAware, set_session_cache_timeout,
       "SSLSessionCacheTimeout SECONDS - lifetime of cached sessions and tickets (default 300)"},
      {"SSLSessionTickets", 1, 1, kServer | config::kVhostAware, flag(&TlsSite::session_tickets),
       "SSLSessionTickets On|Off - resumption by session tickets (default On)"},
      {"SSLSessionTicketKeyFile", 1, 1, kServer | config::kVhostAware,
       [](Config& cfg, const DirectiveCall& c) {
         cfg.tls.ticket_key_file = c.resolve(c.args[0]);
         cfg.tls.ticket_key_origin = origin_of(c);
         return std::string();
       },
       "SSLSessionTicketKeyFile FILE - 48 random bytes (name, HMAC and AES keys, as mod_ssl) "
       "shared by every child; default: keys made by the master and rotated"},
      {"SSLSessionTicketKeyRotation", 1, 1, kServer | config::kVhostAware, set_ticket_rotation,
       "SSLSessionTicketKeyRotation DURATION - ours: a new master-made ticket key this often, "
       "the previous one still accepted (default 1h)"},
      {"SSLOpenSSLConfCmd", 2, 2, kServer | config::kVhostAware, set_conf_cmd,
       "SSLOpenSSLConfCmd NAME VALUE - an OpenSSL SSL_CONF command (Curves, SignatureAlgorithms, "
       "MinProtocol, Options, ...)"},
      {"SSLOptions", 1, -1, kServer | kLocation | kDirectory | config::kVhostAware, set_options,
       "SSLOptions [+-]StdEnvVars|ExportCertData|... - HTTPS and SSL_* variables for "
       "applications (per site: inside <Location> or <Directory> it applies to the enclosing "
       "server or <VirtualHost>)"},
      {"SSLVerifyClient", 1, 1, kServer | kLocation | kDirectory | config::kVhostAware,
       set_verify_client,
       "SSLVerifyClient none|optional|require|optional_no_ca - ask for a client certificate, "
       "verified against SSLCACertificateFile"},
      {"SSLVerifyDepth", 1, 1, kServer | config::kVhostAware, set_verify_depth,
       "SSLVerifyDepth N - longest client certificate chain (default 1)"},
      {"SSLPassPhraseDialog", 1, 1, kServer | config::kVhostAware, set_pass_phrase_dialog,
       "SSLPassPhraseDialog builtin|exec:PROGRAM - encrypted keys are refused unless a program "
       "prints their passphrase (called with SERVER:PORT and the key type)"},
      {"SSLUseStapling", 1, 1, kServer | config::kVhostAware, warn_stapling,
       "SSLUseStapling On|Off - accepted; On warns (OCSP stapling is not implemented)"},
      {"SSLStaplingCache", 1, 1, kServer | config::kVhostAware, accepted,
       "SSLStaplingCache SPEC - accepted and ignored (no OCSP stapling)"},
      {"SSLRandomSeed", 2, 3, kServer | config::kVhostAware, accepted,
       "SSLRandomSeed CONTEXT SOURCE [BYTES] - accepted and ignored (OpenSSL seeds itself "
       "from the kernel)"},
      {"SSLStrictSNIVHostCheck", 1, 1, kServer | config::kVhostAware, accepted,
       "SSLStrictSNIVHostCheck On|Off - accepted and ignored"},
  };
}

bool Plan::tls_port(uint16_t port) const {
  return !sites_for(port).empty();
}

std::vector<const Site*> Plan::sites_for(uint16_t port) const {
  std::vector<const Site*> out;
  const Site* server = nullptr;
  for (const Site& s : sites) {
    if (s.settings.virtual_host < 0) {
      server = &s;
    } else if (s.any_port || std::find(s.ports.begin(), s.ports.end(), port) != s.ports.end()) {
      out.push_back(&s);
    }
  }
  // Apache: a port with virtual hosts is theirs; the main server takes the rest.
  if (out.empty() && server) out.push_back(server);
  return out;
}

namespace {

template <typename T>
void inherit(std::optional<T>& own, const std::optional<T>& server) {
  if (!own && server) own = server;
}

TlsSite merge(const TlsSite* server, const TlsSite& own) {
  TlsSite m = own;
  if (!server || server == &own) return m;
  inherit(m.engine, server->engine);
  if (m.engine_origin.empty()) m.engine_origin = server->engine_origin;
  if (m.certificates.empty()) m.certificates = server->certificates;
  inherit(m.chain_file, server->chain_file);
  inherit(m.ca_file, server->ca_file);
  inherit(m.ca_path, server->ca_path);
  inherit(m.protocol, server->protocol);
  inherit(m.cipher_suite, server->cipher_suite);
  inherit(m.cipher_suite_tls13, server->cipher_suite_tls13);
  inherit(m.honor_cipher_order, server->honor_cipher_order);
  inherit(m.session_tickets, server->session_tickets);
  inherit(m.verify_client, server->verify_client);
  inherit(m.verify_depth, server->verify_depth);
  inherit(m.std_env_vars, server->std_env_vars);
  inherit(m.export_cert_data, server->export_cert_data);
  auto cmds = server->conf_cmds;
  cmds.insert(cmds.end(), own.conf_cmds.begin(), own.conf_cmds.end());
  m.conf_cmds = std::move(cmds);
  return m;
}

// "*:443" -> 443; "*" or "10.0.0.1" -> no port (any).
std::optional<uint16_t> address_port(std::string_view a) {
  size_t bracket = a.rfind(']');
  size_t colon = a.rfind(':');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) {
    return std::nullopt;
  }
  auto v = util::parse_u64(a.substr(colon + 1));
  if (!v || *v == 0 || *v > 65535) return std::nullopt;
  return uint16_t(*v);
}

}  // namespace

Plan plan(const config::Config& config, std::vector<std::string>& errors,
          std::vector<std::string>& warnings) {
  Plan out;
  const auto& tls = config.tls;
  const TlsSite* server = nullptr;
  for (const TlsSite& s : tls.sites) {
    if (s.virtual_host < 0) server = &s;
  }
  auto add = [&](const TlsSite& merged, const config::VirtualHost* vh) {
    if (!merged.engine.value_or(false)) return;
    Site site;
    site.settings = merged;
    site.origin = merged.engine_origin.empty() ? merged.origin : merged.engine_origin;
    if (vh) {
      for (const auto& a : vh->addresses) {
        if (auto port = address_port(a)) {
          site.ports.push_back(*port);
        } else {
          site.any_port = true;
        }
      }
      if (!vh->server_name.empty()) site.names.push_back(util::to_lower(vh->server_name));
      for (const auto& alias : vh->aliases) site.names.push_back(util::to_lower(alias));
    } else {
      site.any_port = true;
      if (!config.server_name.empty()) site.names.push_back(util::to_lower(config.server_name));
    }
    if (site.settings.certificates.empty() && !tls.self_signed) {
      errors.push_back(site.origin +
                       ": SSLEngine: on, but no SSLCertificateFile for this site (mod_ssl's "
                       "AH02572: at least one certificate and key)");
    }
    for (const auto& cert : site.settings.certificates) {
      if (cert.cert_file.empty()) {
        errors.push_back(cert.key_origin +
                         ": SSLCertificateKeyFile: no SSLCertificateFile before it to pair with");
      }
    }
    out.sites.push_back(std::move(site));
  };
  for (size_t v = 0; v < config.virtual_hosts.size(); ++v) {
    const TlsSite* own = nullptr;
    for (const TlsSite& s : tls.sites) {
      if (s.virtual_host == int(v)) own = &s;
    }
    if (own) {
      add(merge(server, *own), &config.virtual_hosts[v]);
    } else if (server) {
      TlsSite inherited = merge(server, TlsSite{.virtual_host = int(v)});
      inherited.origin = server->origin;
      add(inherited, &config.virtual_hosts[v]);
    }
  }
  if (server) add(*server, nullptr);
  if (tls.self_signed && out.sites.empty()) {
    Site site;
    site.settings.engine = true;
    site.any_port = true;
    site.origin = "--tls";
    out.sites.push_back(std::move(site));
  }
  for (const auto& l : config.listen) {
    if (l.https && !out.tls_port(l.port)) {
      errors.push_back(l.origin + ": Listen: https, but no site with SSLEngine on covers port " +
                       std::to_string(l.port));
    }
  }
  // A plain vhost on a port that other vhosts serve with TLS is reached over
  // TLS with their certificates: say so rather than serve it by surprise.
  for (const auto& vh : config.virtual_hosts) {
    bool tls_site = std::any_of(out.sites.begin(), out.sites.end(), [&](const Site& s) {
      return s.settings.virtual_host >= 0 &&
             &config.virtual_hosts[size_t(s.settings.virtual_host)] == &vh;
    });
    if (tls_site) continue;
    for (const auto& a : vh.addresses) {
      auto port = address_port(a);
      if (port && std::any_of(out.sites.begin(), out.sites.end(), [&](const Site& s) {
            return s.settings.virtual_host >= 0 &&
                   std::find(s.ports.begin(), s.ports.end(), *port) != s.ports.end();
          })) {
        warnings.push_back(vh.origin + ": <VirtualHost>: has no SSLEngine on, but port " +
                           std::to_string(*port) +
                           " speaks TLS for other virtual hosts: it is served over TLS");
      }
    }
  }
  return out;
}

}  // namespace mpmd::tls
