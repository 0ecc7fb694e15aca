#include "config/parser.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "unit/config/test_tables.hpp"

namespace mpmd::config {
namespace {

ParseResult parse(std::string_view text) {
  Parser p({core_directives()}, testing::engine_names());
  return p.parse_text(text, "conf/mpmd.conf", "/srv/mpmd");
}

bool contains(const std::vector<std::string>& v, std::string_view needle) {
  return std::any_of(v.begin(), v.end(),
                     [&](const std::string& s) { return s.find(needle) != std::string::npos; });
}

TEST(CoreDirectives, EveryRowHasHelpStartingWithItsName) {
  for (const auto& d : core_directives()) {
    std::string_view help = d.help;
    std::string_view name = d.name;
    EXPECT_EQ(help.substr(0, name.size()), name) << name;
    EXPECT_GT(help.size(), name.size() + 5) << name;
  }
}

TEST(CoreDirectives, HelpDocumentsServerRootDefault) {
  Parser p({});
  ASSERT_NE(p.find("ServerRoot"), nullptr);
  EXPECT_NE(p.find("ServerRoot")->help.find("parent of the directory holding the main config"),
            std::string::npos);
}

TEST(Listen, FormsProtocolsAndDuplicates) {
  auto r = parse(
      "Listen 8080\nListen 127.0.0.1:8081 http\nListen [::1]:8082\nListen 8080\n"
      "Listen 443 https\nListen 80 ftp\nListen 70000\n");
  ASSERT_EQ(r.config.listen.size(), 4u);
  EXPECT_EQ(r.config.listen[0].host, "");
  EXPECT_EQ(r.config.listen[0].port, 8080);
  EXPECT_EQ(r.config.listen[0].origin, r.config.file + ":1");
  EXPECT_EQ(r.config.listen[1].host, "127.0.0.1");
  EXPECT_FALSE(r.config.listen[1].https);
  EXPECT_EQ(r.config.listen[2].host, "::1");
  EXPECT_EQ(r.config.listen[3].port, 443);
  EXPECT_TRUE(r.config.listen[3].https);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("conf/mpmd.conf:4: Listen: 8080 already listed at"),
            std::string::npos);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0], "conf/mpmd.conf:6: Listen: unknown protocol 'ftp' (use http or https)");
  EXPECT_EQ(r.errors[1], "conf/mpmd.conf:7: Listen: port must be from 1 to 65535, not '70000'");
}

TEST(Mpm, ChosenByMpmOrLoadModule) {
  EXPECT_EQ(parse("MPM Prefork\n").config.mpm.name, "prefork");
  EXPECT_EQ(parse("LoadModule mpm_worker_module modules/mod_mpm_worker.so\n").config.mpm.name,
            "worker");
  auto r = parse("LoadModule mpm_event_module modules/mod_mpm_event.so\nMPM event\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.config.mpm.name, "event");
  EXPECT_EQ(r.config.mpm.origin, r.config.file + ":1");
  EXPECT_TRUE(contains(r.warnings, "already chosen"));
}

TEST(Mpm, TwoDifferentMpmsIsAnError) {
  auto r = parse("MPM worker\nLoadModule mpm_prefork_module modules/mod_mpm_prefork.so\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0],
            "conf/mpmd.conf:2: LoadModule: cannot choose MPM prefork: MPM worker was "
            "chosen at " +
                r.config.file + ":1 (only one MPM can be used)");
  EXPECT_EQ(r.config.mpm.name, "worker");
  r = parse("MPM threaded\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "conf/mpmd.conf:1: MPM: must be event, worker or prefork, not 'threaded'");
}

TEST(Mpm, OtherLoadModuleLinesWarn) {
  auto r = parse(
      "LoadModule cgi_module modules/mod_cgi.so\n"
      "LoadModule status_module modules/mod_status.so\n");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.warnings.size(), 1u);  // status_module is built in
  EXPECT_NE(r.warnings[0].find("conf/mpmd.conf:1: LoadModule: module cgi_module ignored"),
            std::string::npos);
}

TEST(Mpm, CountsAndClamps) {
  auto r = parse(
      "StartServers 4\nMinSpareServers 2\nMaxSpareServers 7\nMinSpareThreads 30\n"
      "MaxSpareThreads 90\nThreadsPerChild 32\nThreadLimit 128\nServerLimit 20\n"
      "MaxRequestWorkers 640\nMaxConnectionsPerChild 10000\nListenBacklog 1024\n"
      "GracefulShutdownTimeout 30\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_TRUE(r.warnings.empty());
  const Mpm& m = r.config.mpm;
  EXPECT_EQ(m.start_servers, 4);
  EXPECT_EQ(m.min_spare_servers, 2);
  EXPECT_EQ(m.max_spare_servers, 7);
  EXPECT_EQ(m.min_spare_threads, 30);
  EXPECT_EQ(m.max_spare_threads, 90);
  EXPECT_EQ(m.threads_per_child, 32);
  EXPECT_EQ(m.thread_limit, 128);
  EXPECT_EQ(m.server_limit, 20);
  EXPECT_EQ(m.max_request_workers, 640);
  EXPECT_EQ(m.max_connections_per_child, 10000u);
  EXPECT_EQ(m.listen_backlog, 1024);
  EXPECT_EQ(m.graceful_shutdown_timeout, Millis(30000));
}

TEST(Mpm, ValuesBelowOneBecomeOneWithWarning) {
  auto r = parse(
      "StartServers 0\nMinSpareServers -3\nMinSpareThreads 0\nThreadsPerChild 0\n"
      "ServerLimit 0\nThreadLimit 0\nMaxRequestWorkers 0\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_EQ(r.warnings.size(), 7u);
  EXPECT_EQ(r.warnings[0], "conf/mpmd.conf:1: StartServers: value 0 is below 1, using 1");
  EXPECT_EQ(r.config.mpm.start_servers, 1);
  EXPECT_EQ(r.config.mpm.min_spare_servers, 1);
  EXPECT_EQ(r.config.mpm.threads_per_child, 1);
  EXPECT_EQ(r.config.mpm.max_request_workers, 1);
}

TEST(Mpm, HardLimitsAreErrors) {
  auto r = parse(
      "ServerLimit 200001\nThreadLimit 100001\nListenBacklog 0\nStartServers x\n"
      "MaxConnectionsPerChild -1\n");
  ASSERT_EQ(r.errors.size(), 5u);
  EXPECT_EQ(r.errors[0],
            "conf/mpmd.conf:1: ServerLimit: must be an integer from 1 to 200000, not '200001'");
  EXPECT_NE(r.errors[1].find("ThreadLimit: must be an integer from"), std::string::npos);
  EXPECT_NE(r.errors[2].find("ListenBacklog: must be an integer from 1 to"), std::string::npos);
  EXPECT_EQ(r.config.mpm.server_limit, 0);
}

TEST(Mpm, DeprecatedAliases) {
  auto r = parse("MaxClients 150\nMaxRequestsPerChild 500\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.config.mpm.max_request_workers, 150);
  EXPECT_EQ(r.config.mpm.max_connections_per_child, 500u);
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.warnings[0],
            "conf/mpmd.conf:1: MaxClients: deprecated, use MaxRequestWorkers instead");
  EXPECT_EQ(
      r.warnings[1],
      "conf/mpmd.conf:2: MaxRequestsPerChild: deprecated, use MaxConnectionsPerChild instead");
}

TEST(Http, TimeoutsAndLimits) {
  auto r = parse(
      "Timeout 30\nKeepAlive Off\nKeepAliveTimeout 300ms\nMaxKeepAliveRequests 0\n"
      "LimitRequestLine 4096\nLimitRequestFieldSize 16380\nLimitRequestFields 50\n"
      "LimitRequestBody 0\nServerTokens Prod\nEnableSendfile Off\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  const Http& h = r.config.http;
  EXPECT_EQ(h.timeout, Millis(30000));
  EXPECT_FALSE(h.keep_alive);
  EXPECT_EQ(h.keep_alive_timeout, Millis(300));
  EXPECT_EQ(h.max_keepalive_requests, 0u);
  EXPECT_EQ(h.limit_request_line, 4096u);
  EXPECT_EQ(h.limit_request_field_size, 16380u);
  EXPECT_EQ(h.limit_request_fields, 50u);
  EXPECT_EQ(h.limit_request_body, 0u);
  EXPECT_EQ(h.server_tokens, "prod");
  EXPECT_FALSE(h.enable_sendfile);
  EXPECT_EQ(parse("KeepAliveTimeout 15\n").config.http.keep_alive_timeout, Millis(15000));
  EXPECT_EQ(parse("ServerTokens ProductOnly\n").config.http.server_tokens, "prod");
  EXPECT_EQ(parse("ServerTokens Min\n").config.http.server_tokens, "minimal");
}

TEST(Http, BadValues) {
  auto r = parse(
      "KeepAliveTimeout 5x\nLimitRequestLine 0\nLimitRequestBody -5\n"
      "ServerTokens Everything\nMaxKeepAliveRequests 4294967296\n");
  ASSERT_EQ(r.errors.size(), 5u);
  EXPECT_EQ(r.errors[0],
            "conf/mpmd.conf:1: KeepAliveTimeout: must be a duration like 5 (seconds), 300ms, 2mi "
            "or 1h, not '5x'");
  EXPECT_NE(r.errors[1].find("LimitRequestLine: must be an integer from 1 to"), std::string::npos);
  EXPECT_NE(r.errors[3].find("ServerTokens: must be Prod, Major"), std::string::npos);
}

TEST(Server, AcceptedAndIgnored) {
  auto r = parse(
      "ServerName www.example.com:80\nServerAdmin you@example.com\nUser daemon\nGroup daemon\n"
      "Mutex default\nEnableMMAP Off\nHostnameLookups Off\nAddDefaultCharset Off\n"
      "AccessFileName .htaccess\nHostnameLookups On\nAddDefaultCharset UTF-8\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_EQ(r.config.server_name, "www.example.com:80");
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_NE(r.warnings[0].find(":10: HostnameLookups: not supported"), std::string::npos);
  EXPECT_NE(r.warnings[1].find(":11: AddDefaultCharset: not supported"), std::string::npos);
}

// Apache's User/Group: a name or #id, resolved at parse time; root refused.
TEST(Server, UserAndGroup) {
  auto r = parse("User daemon\nGroup #4321\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.config.run_as.uid, 1u);  // daemon is uid 1 on Debian
  EXPECT_EQ(r.config.run_as.gid, 4321u);
  r = parse("User #4321\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_EQ(r.config.run_as.uid, 4321u);
  EXPECT_FALSE(r.config.run_as.gid);
  r = parse("\nUser root\nUser #0\nUser nosuchuser-mpmd\nGroup nosuchgroup-mpmd\nUser #x\n");
  ASSERT_EQ(r.errors.size(), 5u);
  EXPECT_NE(r.errors[0].find("conf/mpmd.conf:2: User: Error:\tmpmd has not been designed to serve "
                             "pages while\n\trunning as root."),
            std::string::npos)
      << r.errors[0];
  EXPECT_NE(r.errors[1].find("conf/mpmd.conf:3: User: Error:"), std::string::npos);
  EXPECT_EQ(r.errors[2], "conf/mpmd.conf:4: User: bad user name nosuchuser-mpmd");
  EXPECT_EQ(r.errors[3], "conf/mpmd.conf:5: Group: bad group name nosuchgroup-mpmd");
  EXPECT_EQ(r.errors[4].rfind("conf/mpmd.conf:6: User: bad user name #x", 0), 0u);
}

// The MPM and core parts of a stock httpd.conf (+ httpd-mpm.conf) load with
// warnings only.
TEST(ApacheConfig, PastedConfigLoads) {
  const char* conf = R"(#
# This is the main Apache HTTP server configuration file.
#
ServerRoot "/"
Listen 80
LoadModule mpm_event_module modules/mod_mpm_event.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule authz_host_module modules/mod_authz_host.so
LoadModule filter_module modules/mod_filter.so
LoadModule mime_module modules/mod_mime.so
LoadModule log_config_module modules/mod_log_config.so
LoadModule headers_module modules/mod_headers.so
LoadModule status_module modules/mod_status.so
LoadModule unixd_module modules/mod_unixd.so
LoadModule dir_module modules/mod_dir.so
LoadModule alias_module modules/mod_alias.so

<IfModule unixd_module>
User daemon
Group daemon
</IfModule>

ServerAdmin you@example.com
<Directory />
    AllowOverride none
    Require all denied
</Directory>
<Files ".ht*">
    Require all denied
</Files>
<IfModule headers_module>
    RequestHeader unset Proxy early
</IfModule>
<IfModule alias_module>
    ScriptAlias /cgi-bin/ "/usr/local/apache2/cgi-bin/"
</IfModule>
<IfModule http2_module>
H2Direct on
</IfModule>

# Server-pool management (MPM specific)
<IfModule mpm_prefork_module>
    StartServers             5
    MinSpareServers          5
    MaxSpareServers         10
    MaxRequestWorkers      250
    MaxConnectionsPerChild   0
</IfModule>
<IfModule mpm_event_module>
    StartServers             3
    MinSpareThreads         75
    MaxSpareThreads        250
    ThreadsPerChild         25
    MaxRequestWorkers      400
    MaxConnectionsPerChild   0
</IfModule>
<IfModule mpm_worker_module>
    StartServers             2
</IfModule>

Timeout 60
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
ServerTokens Full
HostnameLookups Off

<Location "/server-status">
    SetHandler server-status
    Require ip 127.0.0.1
</Location>
)";
  // mod_alias's rows live in handlers/ (tested there); here ScriptAlias, which
  // <IfModule alias_module> now reads, only needs to be known.
  std::vector<Directive> alias_stub = {{"ScriptAlias", 2, 2, kServer, nullptr, "stub"},
                                       {"RequestHeader", 2, 5, kServer, nullptr, "stub"}};
  Parser parser({core_directives(), alias_stub}, testing::engine_names());
  auto r = parser.parse_text(conf, "conf/mpmd.conf", "/srv/mpmd");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_EQ(r.config.server_root, "/");
  EXPECT_EQ(r.config.mpm.name, "event");
  EXPECT_EQ(r.config.mpm.start_servers, 3);
  EXPECT_EQ(r.config.mpm.max_request_workers, 400);
  ASSERT_EQ(r.config.listen.size(), 1u);
  EXPECT_EQ(r.config.listen[0].port, 80);
  ASSERT_EQ(r.config.locations.size(), 1u);
  EXPECT_EQ(r.config.locations[0].handler, "server-status");
  // mod_headers is built in: no warning, and <IfModule headers_module> applies.
  EXPECT_FALSE(contains(r.warnings, "module headers_module ignored"));
  EXPECT_EQ(r.config.run_as.uid, 1u);  // User daemon
  // <Directory /> Require all denied; <Files ".ht*"> Require all denied.
  ASSERT_EQ(r.config.directories.size(), 2u);
  EXPECT_EQ(r.config.directories[0].access.access, Access::denied);
  ASSERT_TRUE(r.config.directories[1].access.files);
  EXPECT_TRUE(r.config.directories[1].access.files->matches(".htpasswd"));
  EXPECT_EQ(r.config.directories[1].access.access, Access::denied);
}

TEST(RequestReadTimeout, DefaultsAreApaches) {
  ParseResult r = parse("Listen 80\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.config.http.header_read.min, 20);
  EXPECT_EQ(r.config.http.header_read.max, 40);
  EXPECT_EQ(r.config.http.header_read.min_rate, 500);
  EXPECT_EQ(r.config.http.body_read.min, 20);
  EXPECT_EQ(r.config.http.body_read.max, 0);
  EXPECT_EQ(r.config.http.body_read.min_rate, 500);
}

TEST(RequestReadTimeout, StagesRangesAndRates) {
  ParseResult r = parse("RequestReadTimeout handshake=3 header=5-10,MinRate=100 body=0\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_EQ(r.config.http.handshake_read.min, 3);
  EXPECT_EQ(parse("Timeout 5\n").config.http.handshake_read.min, 0);  // Apache: off by default
  EXPECT_EQ(r.config.http.header_read.min, 5);
  EXPECT_EQ(r.config.http.header_read.max, 10);
  EXPECT_EQ(r.config.http.header_read.min_rate, 100);
  EXPECT_EQ(r.config.http.body_read.min, 0);
}

TEST(RequestReadTimeout, BadArgumentsNameFileLineAndDirective) {
  EXPECT_TRUE(contains(parse("RequestReadTimeout header=20-10,MinRate=5\n").errors,
                       "conf/mpmd.conf:1: RequestReadTimeout: maximum below minimum"));
  EXPECT_TRUE(contains(parse("RequestReadTimeout header=20-40\n").errors, "needs MinRate"));
  EXPECT_TRUE(contains(parse("RequestReadTimeout trailer=5\n").errors, "unknown stage"));
  EXPECT_TRUE(contains(parse("RequestReadTimeout header=x\n").errors, "bad timeout"));
}

TEST(ErrorDocument, ApachesHeuristicAndDefault) {
  auto r = parse(
      "ErrorDocument 404 /errors/404.html\n"
      "ErrorDocument 403 http://errors.example/403\n"
      "ErrorDocument 500 \"Something broke\"\n"
      "ErrorDocument 410 \"/has space\"\n"
      "ErrorDocument 503 word\n"
      "ErrorDocument 501 \"x\"\n"
      "ErrorDocument 501 default\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  const auto& d = r.config.error_documents;
  EXPECT_EQ(d.at(404), "/errors/404.html");
  EXPECT_EQ(d.at(403), "http://errors.example/403");
  EXPECT_EQ(d.at(500), "\"Something broke");
  EXPECT_EQ(d.at(410), "\"/has space");  // a space makes it a message
  EXPECT_EQ(d.at(503), "\"word");
  EXPECT_EQ(d.count(501), 0u);
  EXPECT_FALSE(parse("ErrorDocument 200 /x\n").ok);
}

}  // namespace
}  // namespace mpmd::config
