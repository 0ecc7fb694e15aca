#include "tls/directives.hpp"

#include <gtest/gtest.h>

#include "config/parser.hpp"
#include "tls/protocols.hpp"
#include "tls/server.hpp"

namespace mpmd::tls {
namespace {

config::ParseResult parse(const std::string& text) {
  config::Parser p({directives()}, {"event"});
  return p.parse_text(text, "conf/mpmd.conf", "/srv");
}

bool contains(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& l : lines) {
    if (l.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(Protocols, ModSslKeywords) {
  unsigned m = 0;
  EXPECT_EQ(parse_protocols("all -SSLv3", m), "");
  EXPECT_EQ(m, unsigned(kAllProtocols));
  EXPECT_EQ(parse_protocols("all -SSLv2 -SSLv3 -TLSv1 -TLSv1.1", m), "");  // certbot's
  EXPECT_EQ(m, unsigned(kTls12 | kTls13));
  EXPECT_EQ(parse_protocols("-all +TLSv1.3", m), "");
  EXPECT_EQ(m, unsigned(kTls13));
  EXPECT_EQ(parse_protocols("TLSv1.2", m), "");  // no sign: exactly that one
  EXPECT_EQ(m, unsigned(kTls12));
  EXPECT_EQ(parse_protocols("tlsv1.2 +TLSV1.3", m), "");  // case-insensitive, as mod_ssl
  EXPECT_EQ(m, unsigned(kTls12 | kTls13));
  EXPECT_NE(parse_protocols("all +SSLv3", m), "");
  EXPECT_NE(parse_protocols("TLSv1.4", m), "");
}

TEST(Directives, ServerLevelAndVirtualHosts) {
  auto r = parse(
      "SSLProtocol all -TLSv1 -TLSv1.1\n"
      "SSLSessionCache shmcb:/var/run/ssl_scache(1024000)\n"
      "SSLSessionCacheTimeout 600\n"
      "<VirtualHost *:443>\n"
      "ServerName a.example\n"
      "ServerAlias *.a.example\n"
      "SSLEngine on\n"
      "SSLCertificateFile certs/a-rsa.pem\n"
      "SSLCertificateKeyFile certs/a-rsa.key\n"
      "SSLCertificateFile certs/a-ec.pem\n"
      "SSLCertificateKeyFile certs/a-ec.key\n"
      "SSLOpenSSLConfCmd Curves X25519:P-256\n"
      "</VirtualHost>\n"
      "<VirtualHost *:8443>\n"
      "SSLEngine on\n"
      "SSLCertificateFile /b.pem\n"
      "SSLProtocol TLSv1.3\n"
      "</VirtualHost>\n"
      "<VirtualHost *:80>\n"
      "ServerName plain.example\n"
      "</VirtualHost>\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  const auto& tls = r.config.tls;
  EXPECT_EQ(tls.session_cache, config::TlsSessionCache::shmcb);
  EXPECT_EQ(tls.session_cache_bytes, 1024000u);
  EXPECT_EQ(tls.session_cache_timeout.count(), 600);
  ASSERT_EQ(r.config.virtual_hosts.size(), 3u);
  EXPECT_EQ(r.config.virtual_hosts[0].aliases, std::vector<std::string>{"*.a.example"});
  std::vector<std::string> errors, warnings;
  Plan plan = tls::plan(r.config, errors, warnings);
  ASSERT_TRUE(errors.empty()) << errors[0];
  ASSERT_EQ(plan.sites.size(), 2u);  // the server level has no SSLEngine on
  const Site& a = plan.sites[0];
  EXPECT_EQ(a.ports, std::vector<uint16_t>{443});
  EXPECT_EQ(a.names, (std::vector<std::string>{"a.example", "*.a.example"}));
  ASSERT_EQ(a.settings.certificates.size(), 2u);  // RSA and ECDSA side by side
  EXPECT_EQ(a.settings.certificates[0].cert_file, "/srv/certs/a-rsa.pem");
  EXPECT_EQ(a.settings.certificates[1].key_file, "/srv/certs/a-ec.key");
  EXPECT_EQ(*a.settings.protocol, "all -TLSv1 -TLSv1.1");  // inherited from the server level
  ASSERT_EQ(a.settings.conf_cmds.size(), 1u);
  EXPECT_EQ(a.settings.conf_cmds[0].origin, r.config.file + ":12");
  EXPECT_EQ(*plan.sites[1].settings.protocol, "TLSv1.3");  // its own
  EXPECT_TRUE(plan.tls_port(443));
  EXPECT_TRUE(plan.tls_port(8443));
  EXPECT_FALSE(plan.tls_port(80));
  EXPECT_EQ(plan.sites_for(8443).size(), 1u);
}

TEST(Directives, ServerLevelEngineCoversEveryPortAndIsInherited) {
  auto r = parse(
      "SSLEngine on\nSSLCertificateFile /c.pem\n<VirtualHost *:9443>\n"
      "ServerName v.example\n</VirtualHost>\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  std::vector<std::string> errors, warnings;
  Plan plan = tls::plan(r.config, errors, warnings);
  ASSERT_TRUE(errors.empty());
  ASSERT_EQ(plan.sites.size(), 2u);
  EXPECT_TRUE(plan.tls_port(8080));
  ASSERT_EQ(plan.sites_for(9443).size(), 1u);
  EXPECT_EQ(plan.sites_for(9443)[0]->names, std::vector<std::string>{"v.example"});
  EXPECT_EQ(plan.sites_for(9443)[0]->settings.certificates[0].cert_file, "/c.pem");
}

TEST(Directives, ErrorsNameFileAndLine) {
  auto r = parse(
      "SSLCompression on\nSSLEngine optional\nSSLSessionCache dbm:/x\n"
      "SSLProtocol SSLv3\nSSLVerifyClient sometimes\nServerAlias x\n"
      "SSLCipherSuite TLSv1.4 X\nSSLPassPhraseDialog ask\n");
  EXPECT_TRUE(contains(r.errors, "conf/mpmd.conf:1: SSLCompression: On is not supported"));
  EXPECT_TRUE(contains(r.errors, "conf/mpmd.conf:2: SSLEngine: 'optional' is not supported"));
  EXPECT_TRUE(contains(r.errors, "conf/mpmd.conf:3: SSLSessionCache: only none and shmcb"));
  EXPECT_TRUE(contains(r.errors, "conf/mpmd.conf:4: SSLProtocol: SSLv3 is not supported"));
  EXPECT_TRUE(contains(r.errors, "conf/mpmd.conf:5: SSLVerifyClient: must be none"));
  EXPECT_TRUE(contains(r.errors, "conf/mpmd.conf:6: ServerAlias: only allowed inside"));
  EXPECT_TRUE(contains(r.errors, "conf/mpmd.conf:7: SSLCipherSuite: protocol must be"));
  EXPECT_TRUE(contains(r.errors, "conf/mpmd.conf:8: SSLPassPhraseDialog: must be builtin"));
  EXPECT_EQ(r.errors.size(), 8u);
}

TEST(Directives, PlanErrors) {
  auto r = parse(
      "Listen 8443 https\nListen 8080\n<VirtualHost *:8080>\nSSLEngine on\n"
      "</VirtualHost>\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  std::vector<std::string> errors, warnings;
  tls::plan(r.config, errors, warnings);
  EXPECT_TRUE(contains(errors, "mpmd.conf:4: SSLEngine: on, but no SSLCertificateFile"));
  EXPECT_TRUE(contains(errors,
                       "mpmd.conf:1: Listen: https, but no site with SSLEngine on covers "
                       "port 8443"));
}

TEST(Directives, StaplingWarnsAndDebianLinesAreAccepted) {
  auto r = parse(
      "SSLUseStapling on\nSSLRandomSeed startup builtin\n"
      "SSLRandomSeed connect file:/dev/urandom 512\nSSLOptions +StrictRequire\n"
      "<IfModule mod_ssl.c>\nSSLSessionTickets off\n</IfModule>\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_TRUE(contains(r.warnings, "SSLUseStapling: OCSP stapling is not implemented"));
  ASSERT_EQ(r.config.tls.sites.size(), 1u);
  EXPECT_EQ(r.config.tls.sites[0].session_tickets, false);  // mod_ssl.c counts as built in
}

TEST(Sni, NameMatching) {
  EXPECT_TRUE(name_matches("a.example", "a.example"));
  EXPECT_TRUE(name_matches("*.example", "www.example"));
  EXPECT_FALSE(name_matches("*.example", "example"));
  EXPECT_FALSE(name_matches("*.example", "a.b.example.org"));
  EXPECT_FALSE(name_matches("a.example", "b.example"));
}

}  // namespace
}  // namespace mpmd::tls
