#include "config/parser.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>

#include "unit/config/test_tables.hpp"

namespace mpmd::config {
namespace {

using testing::engine_names;
using testing::Recorder;
using testing::TempDir;
using Args = std::vector<std::string>;

class ParserTest : public ::testing::Test {
 protected:
  ParseResult parse(std::string_view text, const std::vector<std::string>& defines = {}) {
    return parser_.parse_text(text, "conf/mpmd.conf", "/srv/mpmd", defines);
  }
  const std::vector<Args>& calls() const { return *recorder_.calls; }

  Recorder recorder_;
  Parser parser_{{recorder_.table()}, engine_names()};
};

bool contains(const std::vector<std::string>& v, std::string_view needle) {
  return std::any_of(v.begin(), v.end(),
                     [&](const std::string& s) { return s.find(needle) != std::string::npos; });
}

TEST_F(ParserTest, EmptyTextGivesApacheDefaults) {
  auto r = parse("");
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.warnings.empty());
  const Config& c = r.config;
  EXPECT_EQ(c.server_root, "/srv/mpmd");
  EXPECT_EQ(c.mpm.name, "event");
  EXPECT_EQ(c.mpm.origin, "");
  EXPECT_EQ(c.mpm.listen_backlog, 511);
  EXPECT_EQ(c.mpm.threads_per_child, 25);
  EXPECT_EQ(c.mpm.thread_limit, 64);
  EXPECT_EQ(c.mpm.min_spare_threads, 75);
  EXPECT_EQ(c.mpm.max_spare_threads, 250);
  EXPECT_EQ(c.mpm.min_spare_servers, 5);
  EXPECT_EQ(c.mpm.max_spare_servers, 10);
  EXPECT_EQ(c.mpm.max_connections_per_child, 0u);
  EXPECT_EQ(c.mpm.graceful_shutdown_timeout, Millis(0));
  EXPECT_EQ(c.http.timeout, Millis(60000));
  EXPECT_TRUE(c.http.keep_alive);
  EXPECT_EQ(c.http.keep_alive_timeout, Millis(5000));
  EXPECT_EQ(c.http.max_keepalive_requests, 100u);
  EXPECT_EQ(c.http.limit_request_line, 8190u);
  EXPECT_EQ(c.http.limit_request_field_size, 8190u);
  EXPECT_EQ(c.http.limit_request_fields, 100u);
  EXPECT_EQ(c.http.limit_request_body, 1073741824u);
  EXPECT_EQ(c.http.server_tokens, "full");
  EXPECT_TRUE(c.listen.empty());
}

TEST_F(ParserTest, NamesAreCaseInsensitiveAndArgsQuoted) {
  auto r = parse("keepalive off\nRECORD \"a b\" 'c \\'d\\'' e\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_FALSE(r.config.http.keep_alive);
  ASSERT_EQ(calls().size(), 1u);
  EXPECT_EQ(calls()[0], (Args{"a b", "c 'd'", "e"}));
}

TEST_F(ParserTest, LineContinuation) {
  auto r = parse("Record one \\\n  two \\\nthree\nFails\n");
  ASSERT_EQ(calls().size(), 1u);
  EXPECT_EQ(calls()[0], (Args{"one", "two", "three"}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "conf/mpmd.conf:4: Fails: bad thing");
}

TEST_F(ParserTest, UnknownDirectiveNamesFileLineAndSuggests) {
  auto r = parse("# comment\n\nKeepAliveTimout 5\n");
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0],
            "conf/mpmd.conf:3: KeepAliveTimout: unknown directive (Invalid command, perhaps "
            "misspelled or defined by a module not included in the server configuration); did "
            "you mean KeepAliveTimeout?");
}

TEST_F(ParserTest, UnknownDirectiveWithoutCloseMatchHasNoSuggestion) {
  auto r = parse("FrobnicateTheWidgets on\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].find("did you mean"), std::string::npos);
}

TEST_F(ParserTest, WrongArgumentCountShowsUsage) {
  auto r = parse("KeepAlive On # trailing comments are not comments\nListen\nWarner x\n");
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0],
            "conf/mpmd.conf:1: KeepAlive: takes 1 argument, got 7; usage: KeepAlive On|Off - "
            "persistent connections (default On) ('#' starts a comment only at the beginning of "
            "a line, as in Apache: put the comment on a line of its own)");
  EXPECT_NE(r.errors[1].find("conf/mpmd.conf:2: Listen: takes 1 to 2 arguments, got 0; usage: "
                             "Listen [IP:]PORT"),
            std::string::npos)
      << r.errors[1];
  EXPECT_NE(r.errors[2].find("conf/mpmd.conf:3: Warner: takes 0 arguments, got 1"),
            std::string::npos);
}

TEST_F(ParserTest, CollectsEveryError) {
  auto r = parse("Bogus1\nKeepAlive maybe\nListen 0\nTimeout x\nRecord ok\n");
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_EQ(r.errors[1], "conf/mpmd.conf:2: KeepAlive: must be On or Off, not 'maybe'");
  EXPECT_EQ(r.errors[2], "conf/mpmd.conf:3: Listen: port must be from 1 to 65535, not '0'");
  EXPECT_EQ(calls().size(), 1u);  // parsing went on after the errors

  std::string many;
  for (int i = 0; i < 500; ++i) many += "Nope\n";
  r = parse(many);
  ASSERT_EQ(r.errors.size(), 500u);  // no cap: -t reports every one
  EXPECT_EQ(r.errors.back().rfind("conf/mpmd.conf:500: Nope: ", 0), 0u);
}

TEST_F(ParserTest, TrailingCommentIsAnErrorThatSaysWhy) {
  // As Apache: no comment after a directive; the message says what to do.
  auto r = parse("Listen 8080 # the port\nKeepAlive On #\n# a comment line\n");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].rfind("conf/mpmd.conf:1: Listen: takes 1 to 2 arguments, got 4", 0), 0u)
      << r.errors[0];
  EXPECT_NE(r.errors[0].find("'#' starts a comment only at the beginning of a line"),
            std::string::npos);
  EXPECT_NE(r.errors[1].find("'#' starts a comment only"), std::string::npos) << r.errors[1];
}

TEST_F(ParserTest, WarningsCarryFileLineAndName) {
  auto r = parse("\nWarner\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.warnings, (std::vector<std::string>{"conf/mpmd.conf:2: Warner: hello"}));
}

TEST_F(ParserTest, SetterSeesFileLineAndServerRoot) {
  auto r = parse("Origin\n");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(calls().size(), 1u);
  EXPECT_EQ(calls()[0][0], r.config.file);
  EXPECT_EQ(calls()[0][0].front(), '/');
  EXPECT_EQ(calls()[0][1], "1");
  EXPECT_EQ(calls()[0][2], "/srv/mpmd");
}

TEST_F(ParserTest, UnterminatedQuoteIsAnError) {
  auto r = parse("Record \"abc\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "conf/mpmd.conf:1: Record: unterminated \" quote");
}

TEST_F(ParserTest, EnvironmentVariablesExpand) {
  setenv("MPMD_TEST_PORT", "8123", 1);
  unsetenv("MPMD_TEST_UNSET");
  auto r = parse("Listen 127.0.0.1:${MPMD_TEST_PORT}\nRecord ${MPMD_TEST_UNSET}\n");
  ASSERT_EQ(r.config.listen.size(), 1u);
  EXPECT_EQ(r.config.listen[0].port, 8123);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "conf/mpmd.conf:2: Record: variable ${MPMD_TEST_UNSET} is not defined");
  EXPECT_TRUE(calls().empty());
}

TEST_F(ParserTest, DefineSetsVariablesAndIfDefine) {
  auto r = parse(
      "Define ROOT /data\nDefine FLAG\nRecord ${ROOT}/www\n"
      "<IfDefine FLAG>\nRecord flag\n</IfDefine>\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  ASSERT_EQ(calls().size(), 2u);
  EXPECT_EQ(calls()[0], (Args{"/data/www"}));
  EXPECT_EQ(calls()[1], (Args{"flag"}));
}

TEST_F(ParserTest, IfDefineWithCommandLineDefinesAndNegation) {
  std::string text =
      "<IfDefine DEBUG>\nRecord debug\n</IfDefine>\n"
      "<IfDefine !DEBUG>\nRecord nodebug\n</IfDefine>\n";
  auto r = parse(text, {"DEBUG"});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.config.defines, (std::vector<std::string>{"DEBUG"}));
  r = parse(text);
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(calls().size(), 2u);
  EXPECT_EQ(calls()[0], (Args{"debug"}));
  EXPECT_EQ(calls()[1], (Args{"nodebug"}));
}

TEST_F(ParserTest, IfModuleBuiltinsNegationAndSourceNames) {
  auto r = parse(
      "<IfModule status_module>\nRecord 1\n</IfModule>\n"
      "<IfModule mod_status.c>\nRecord 2\n</IfModule>\n"
      "<IfModule !nosuch_module>\nRecord 3\n</IfModule>\n"
      "<IfModule nosuch_module>\nNoSuchDirective x\nRecord no\n</IfModule>\n"
      "<IfModule !mime_module>\nRecord no\n</IfModule>\n"
      "<IfModule log_config_module>\n<IfModule dir_module>\nRecord 4\n</IfModule>\n</IfModule>\n");
  ASSERT_TRUE(r.ok) << r.errors[0];  // NoSuchDirective inside a false section is not checked
  ASSERT_EQ(calls().size(), 4u);
  EXPECT_EQ(calls()[3], (Args{"4"}));
}

TEST_F(ParserTest, IfModuleMpmIsTrueOnlyAfterTheMpmIsChosen) {
  auto r = parse(
      "<IfModule mpm_worker_module>\nRecord before\n</IfModule>\n"
      "LoadModule mpm_worker_module modules/mod_mpm_worker.so\n"
      "<IfModule mpm_worker_module>\nRecord worker\n</IfModule>\n"
      "<IfModule worker.c>\nRecord worker.c\n</IfModule>\n"
      "<IfModule mpm_event_module>\nRecord event\n</IfModule>\n"
      "<IfModule !mpm_prefork_module>\nRecord notprefork\n</IfModule>\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_EQ(r.config.mpm.name, "worker");
  EXPECT_EQ(r.config.mpm.origin, r.config.file + ":4");
  ASSERT_EQ(calls().size(), 3u);
  EXPECT_EQ(calls()[0], (Args{"worker"}));
  EXPECT_EQ(calls()[1], (Args{"worker.c"}));
  EXPECT_EQ(calls()[2], (Args{"notprefork"}));
}

TEST_F(ParserTest, NothingInsideFalseSectionRuns) {
  auto r = parse(
      "<IfModule \"nope_module\">\nInclude /nonexistent/*.conf\nRecord ${UNDEFINED_X}\n"
      "Define X\n<Location /a>\n</Location>\n</IfModule>\n<IfDefine X>\nRecord x\n</IfDefine>\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_TRUE(calls().empty());
  EXPECT_TRUE(r.config.locations.empty());
}

TEST_F(ParserTest, SectionNestingErrors) {
  auto r = parse("<IfModule status_module>\nRecord x\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "conf/mpmd.conf:1: <IfModule>: section not closed (missing </IfModule>)");

  r = parse("<Location /a>\n</Directory>\n</Location>\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0],
            "conf/mpmd.conf:2: </Directory>: does not match <Location> opened at line 1");

  r = parse("Record\n</Location>\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "conf/mpmd.conf:2: </Location>: without matching <Location> section");

  r = parse("<Location /a\n</Location>\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "conf/mpmd.conf:1: <Location>: directive missing closing '>'");

  r = parse("<Location /a>\n<Location /b>\n</Location>\n</Location>\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "conf/mpmd.conf:2: <Location>: cannot occur within <Location> section");

  r = parse("<Frobnicate x>\nRecord x\n</Frobnicate>\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("conf/mpmd.conf:1: <Frobnicate>: Invalid command"), std::string::npos);

  r = parse("<IfModule>\n</IfModule>\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("conf/mpmd.conf:1: <IfModule>: wrong number of arguments"),
            std::string::npos);
}

TEST_F(ParserTest, MismatchedCloseInsideFalseSectionStillChecked) {
  auto r = parse("<IfModule nope_module>\n<Location /x>\n</IfModule>\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find(":3: </IfModule>: does not match <Location> opened at line 2"),
            std::string::npos);
}

TEST_F(ParserTest, LocationBlocks) {
  auto r = parse(
      "<Location /server-status>\n  SetHandler server-status\n  Require ip 127.0.0.1 ::1\n"
      "  Require ip 10.0.0.0/8\n</Location>\n"
      "<Location \"/private area\">\n  Require all denied\n  LocOnly x\n</Location>\n"
      "<location /open>\nRequire all denied\nRequire all granted\nRequire ip 10.1.1.1\n"
      "SetHandler None\n</LOCATION>\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  ASSERT_EQ(r.config.locations.size(), 3u);
  const auto& status = r.config.locations[0];
  EXPECT_EQ(status.path, "/server-status");
  EXPECT_EQ(status.handler, "server-status");
  EXPECT_EQ(status.access, Access::ip_list);
  EXPECT_EQ(status.require_ip, (std::vector<std::string>{"127.0.0.1", "::1", "10.0.0.0/8"}));
  EXPECT_EQ(r.config.locations[1].path, "/private area");
  EXPECT_EQ(r.config.locations[1].access, Access::denied);
  EXPECT_EQ(r.config.locations[1].handler, "loc:x");
  EXPECT_EQ(r.config.locations[2].access, Access::granted);
  EXPECT_TRUE(r.config.locations[2].require_ip.empty());
  EXPECT_EQ(r.config.locations[2].handler, "");
}

TEST_F(ParserTest, DeniedThenIpGrantsThoseIps) {
  auto r = parse("<Location /a>\nRequire all denied\nRequire ip 192.168.0.0/16\n</Location>\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.config.locations[0].access, Access::ip_list);
}

TEST_F(ParserTest, ContextErrors) {
  auto r = parse(
      "SetHandler server-status\nRequire all granted\nLocOnly x\n"
      "<Location /a>\nKeepAlive On\nDocRoot /x\n</Location>\n"
      "<Directory /srv>\nListen 80\n</Directory>\n");
  ASSERT_EQ(r.errors.size(), 6u);
  EXPECT_EQ(r.errors[0], "conf/mpmd.conf:1: SetHandler: only allowed inside <Location>");
  EXPECT_EQ(r.errors[1],
            "conf/mpmd.conf:2: Require: only allowed inside <Location> or <Directory>");
  EXPECT_EQ(r.errors[2], "conf/mpmd.conf:3: LocOnly: only allowed inside <Location>");
  EXPECT_EQ(r.errors[3], "conf/mpmd.conf:5: KeepAlive: not allowed inside <Location>");
  EXPECT_EQ(r.errors[4], "conf/mpmd.conf:6: DocRoot: not allowed inside <Location>");
  EXPECT_EQ(r.errors[5], "conf/mpmd.conf:9: Listen: not allowed inside <Directory>");
}

TEST_F(ParserTest, RequireErrors) {
  auto r = parse(
      "<Location /a>\nRequire all\nRequire all maybe\nRequire ip\nRequire ip 10.1\n"
      "Require valid-user x\nRequire user\nRequire env X\n</Location>\n");
  ASSERT_EQ(r.errors.size(), 7u);
  EXPECT_EQ(r.errors[0], "conf/mpmd.conf:2: Require: usage: Require all granted|denied");
  EXPECT_NE(r.errors[3].find(":5: Require: '10.1' is not an IP address"), std::string::npos);
  EXPECT_NE(r.errors[4].find(":6: Require: usage: Require valid-user"), std::string::npos);
  EXPECT_NE(r.errors[5].find(":7: Require: usage: Require user NAME..."), std::string::npos);
  EXPECT_NE(r.errors[6].find(":8: Require: 'Require env' is not supported"), std::string::npos);
}

TEST_F(ParserTest, FilesSectionsKeepRequireWithTheirPattern) {
  auto r = parse(
      "<FilesMatch \"^\\.ht\">\n  Require all denied\n  DocRoot /x\n</FilesMatch>\n"
      "<Directory /srv/www>\n  <Files \"*.bak\">\n    Require ip 10.0.0.1\n  </Files>\n"
      "</Directory>\n<Files ~ \"\\.(?:cgi|php)$\">\n  Require all denied\n</Files>\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_EQ(r.config.files.document_root, "");  // skipped inside <FilesMatch>, with a warning
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find(":3: DocRoot: ignored inside <Files>"), std::string::npos);
  const auto& d = r.config.directories;
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].dir, "/");
  ASSERT_TRUE(d[0].access.files);
  EXPECT_TRUE(d[0].access.files->matches(".htaccess"));
  EXPECT_FALSE(d[0].access.files->matches("a.htaccess"));
  EXPECT_EQ(d[0].access.access, Access::denied);
  EXPECT_EQ(d[1].dir, "/srv/www");
  EXPECT_TRUE(d[1].access.files->matches("x.bak"));
  EXPECT_FALSE(d[1].access.files->matches("x.bak.txt"));
  EXPECT_EQ(d[1].access.access, Access::ip_list);
  EXPECT_TRUE(d[2].access.files->matches("index.php"));
  EXPECT_FALSE(d[2].access.files->matches("index.phps"));
}

TEST_F(ParserTest, FilesSectionErrors) {
  auto r = parse(
      "<FilesMatch \"(\">\n</FilesMatch>\n<Location /a>\n<Files x>\n</Files>\n</Location>\n"
      "<Files a>\n<Files b>\n</Files>\n</Files>\n<Files ~>\n</Files>\n");
  ASSERT_EQ(r.errors.size(), 4u);
  EXPECT_NE(r.errors[0].find(":1: <FilesMatch>: regular expression '(': missing closing "
                             "parenthesis at offset 1"),
            std::string::npos)
      << r.errors[0];
  EXPECT_NE(r.errors[1].find(":4: <Files>: cannot occur within <Location> section"),
            std::string::npos);
  EXPECT_NE(r.errors[2].find(":8: <Files>: cannot occur within <Files> section"),
            std::string::npos);
  EXPECT_NE(r.errors[3].find(":11: <Files>: usage: <Files ~ REGEX>"), std::string::npos);
}

TEST_F(ParserTest, DirectoryContentsApplyAtServerLevelAndRequireIsKeptPerBlock) {
  auto r = parse(
      "<Directory \"/srv/www/\">\n  DocRoot /srv/www\n  AllowOverride None\n"
      "  Require all granted\n</Directory>\n<Directory />\n  Require ip 10.0.0.1\n"
      "  Require ip 10.0.0.2\n</Directory>\n<Directory ~ \"x\">\n</Directory>\n"
      "<Directory relative>\n  Require all denied\n</Directory>\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_EQ(r.config.files.document_root, "/srv/www");
  EXPECT_TRUE(r.config.locations.empty());
  const auto& d = r.config.directories;
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].dir, "/srv/www");
  EXPECT_EQ(d[0].access.access, Access::granted);
  EXPECT_EQ(d[1].dir, "/");
  EXPECT_EQ(d[1].access.access, Access::ip_list);
  EXPECT_EQ(d[1].access.require_ip, (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(d[2].dir, "/srv/mpmd/relative");  // against ServerRoot
  EXPECT_EQ(d[2].access.access, Access::denied);
  ASSERT_EQ(r.warnings.size(), 1u);  // the regular-expression section
  EXPECT_NE(r.warnings[0].find("conf/mpmd.conf:10: <Directory>: regular-expression sections"),
            std::string::npos)
      << r.warnings[0];
}

TEST_F(ParserTest, VirtualHostKeepsItsLocationsAndWarnsOncePerServerWideDirective) {
  // DocRoot (a test row without kVirtualHost) applies to the whole server,
  // with one warning for the name; the vhost's <Location> is its own.
  auto r = parse(
      "<VirtualHost *:80>\n  DocRoot /a\n  <Location /s>\n  SetHandler server-status\n"
      "  </Location>\n</VirtualHost>\n<VirtualHost *:81>\n  DocRoot /b\n</VirtualHost>\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_EQ(r.config.files.document_root, "/b");
  EXPECT_TRUE(r.config.locations.empty());
  ASSERT_EQ(r.config.virtual_hosts.size(), 2u);
  ASSERT_EQ(r.config.virtual_hosts[0].site.locations.size(), 1u);
  EXPECT_EQ(r.config.virtual_hosts[0].site.locations[0].handler, "server-status");
  EXPECT_TRUE(r.config.virtual_hosts[1].site.locations.empty());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("conf/mpmd.conf:2: DocRoot: inside <VirtualHost> applies to the "
                               "whole server"),
            std::string::npos)
      << r.warnings[0];
}

TEST_F(ParserTest, UnsupportedSectionsAreSkippedWithWarning) {
  auto r = parse(
      "<LocationMatch \"^/x\">\n  Require all denied\n  Bogus\n</LocationMatch>\n"
      "Record after\n");
  ASSERT_TRUE(r.ok) << r.errors[0];
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("conf/mpmd.conf:1: <LocationMatch>: section not supported"),
            std::string::npos);
  EXPECT_EQ(calls().size(), 1u);
}

TEST_F(ParserTest, RowsFromSeveralTablesFirstWins) {
  std::vector<Directive> extra = {
      {"KeepAlive", 0, 0, kServer, nullptr, "shadowed"},
      {"Extra", 0, 0, kServer,
       [](Config& c, const DirectiveCall&) {
         c.server_name = "extra";
         return std::string();
       },
       "Extra - test"},
  };
  Parser p({extra, Recorder().table()});
  auto r = p.parse_text("KeepAlive Off\nExtra\nRecord\n", "x.conf", "/");
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_FALSE(r.config.http.keep_alive);
  EXPECT_EQ(r.config.server_name, "extra");
  ASSERT_NE(p.find("extra"), nullptr);
  EXPECT_EQ(p.find("keepalive")->help, "KeepAlive On|Off - persistent connections (default On)");
  auto all = p.directives();
  EXPECT_EQ(all.front()->name, "Include");
  for (const Directive* d : all) EXPECT_FALSE(d->help.empty()) << d->name;
}

TEST_F(ParserTest, CoreRowsAreKnownWithoutBeingPassed) {
  Parser p({}, engine_names());
  auto r = p.parse_text("Listen 80\nMPM prefork\n", "x.conf", "/");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.config.mpm.name, "prefork");
}

// ---- files and Include ----

TEST(ParserFiles, ServerRootDefaultsToParentOfConfigDirectory) {
  TempDir dir;
  std::string conf = dir.write("conf/mpmd.conf", "Listen 8080\nPidFile run/mpmd.pid\n");
  Parser p({});
  auto r = p.parse_file(conf);
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_EQ(r.config.file, conf);
  EXPECT_EQ(r.config.server_root, dir.path());
  EXPECT_EQ(r.config.pid_file, dir.path() + "/run/mpmd.pid");
}

TEST(ParserFiles, MissingMainFile) {
  Parser p({});
  auto r = p.parse_file("/nonexistent/dir/mpmd.conf");
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0],
            "/nonexistent/dir/mpmd.conf: could not open configuration file: No such file or "
            "directory");
}

TEST(ParserFiles, IncludeGlobSortedRelativeToServerRoot) {
  TempDir dir;
  dir.write("conf/extra/b.conf", "Record b\n");
  dir.write("conf/extra/a.conf", "Record a\n");
  dir.write("conf/extra/c.txt", "Record not-matched\n");
  std::string conf =
      dir.write("conf/mpmd.conf", "Record first\nInclude conf/extra/*.conf\nRecord last\n");
  Recorder rec;
  Parser p({rec.table()});
  auto r = p.parse_file(conf);
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_EQ(*rec.calls, (std::vector<Args>{{"first"}, {"a"}, {"b"}, {"last"}}));
}

TEST(ParserFiles, IncludeDirectoryReadsAllFilesBelowSorted) {
  TempDir dir;
  dir.write("conf/d/2.conf", "Record 2\n");
  dir.write("conf/d/1/x.conf", "Record 1x\n");
  std::string conf = dir.write("conf/mpmd.conf", "Include " + dir.path() + "/conf/d\n");
  Recorder rec;
  Parser p({rec.table()});
  auto r = p.parse_file(conf);
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_EQ(*rec.calls, (std::vector<Args>{{"1x"}, {"2"}}));
}

TEST(ParserFiles, IncludeErrorsAndIncludeOptional) {
  TempDir dir;
  std::string conf = dir.write("conf/mpmd.conf",
                               "Include conf/missing.conf\nInclude conf/none/*.conf\n"
                               "IncludeOptional conf/missing.conf\n"
                               "IncludeOptional conf/none/*.conf\n");
  Parser p({});
  auto r = p.parse_file(conf);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0], conf + ":1: Include: could not open '" + dir.path() +
                             "/conf/missing.conf': No such file or directory");
  EXPECT_EQ(r.errors[1], conf + ":2: Include: no matches for the wildcard '" + dir.path() +
                             "/conf/none/*.conf'");
}

TEST(ParserFiles, ErrorsInIncludedFileNameThatFile) {
  TempDir dir;
  std::string inc = dir.write("conf/inc.conf", "\n\nBogus 1\n");
  std::string conf = dir.write("conf/mpmd.conf", "Include conf/inc.conf\n");
  Parser p({});
  auto r = p.parse_file(conf);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].rfind(inc + ":3: Bogus: unknown directive", 0), 0u) << r.errors[0];
}

TEST(ParserFiles, RecursiveIncludeIsAnError) {
  TempDir dir;
  dir.write("conf/a.conf", "Include conf/b.conf\n");
  dir.write("conf/b.conf", "Include conf/*.conf\n");
  std::string conf = dir.write("conf/mpmd.conf", "Include conf/a.conf\n");
  Parser p({});
  auto r = p.parse_file(conf);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.errors, "recursive Include"));
  EXPECT_LT(r.errors.size(), 10u);
}

TEST(ParserFiles, IncludeDepthLimit) {
  TempDir dir;
  for (int i = 0; i < 20; ++i) {
    dir.write("conf/" + std::to_string(i) + ".conf",
              "Include conf/" + std::to_string(i + 1) + ".conf\n");
  }
  dir.write("conf/20.conf", "\n");
  Parser p({});
  auto r = p.parse_file(dir.path() + "/conf/0.conf");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("includes nested deeper than 16"), std::string::npos);
}

TEST(ParserFiles, SectionsMustCloseInTheirOwnFile) {
  TempDir dir;
  std::string inc = dir.write("conf/inc.conf", "<Location /x>\n");
  std::string conf = dir.write("conf/mpmd.conf", "Include conf/inc.conf\n</Location>\n");
  Parser p({});
  auto r = p.parse_file(conf);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0], inc + ":1: <Location>: section not closed (missing </Location>)");
  EXPECT_EQ(r.errors[1], conf + ":2: </Location>: without matching <Location> section");
}

TEST(ParserFiles, IncludeInsideLocationAppliesToIt) {
  TempDir dir;
  dir.write("conf/status.conf", "SetHandler server-status\n");
  std::string conf =
      dir.write("conf/mpmd.conf", "<Location /status>\nInclude conf/status.conf\n</Location>\n");
  Parser p({});
  auto r = p.parse_file(conf);
  ASSERT_TRUE(r.ok) << r.errors[0];
  ASSERT_EQ(r.config.locations.size(), 1u);
  EXPECT_EQ(r.config.locations[0].handler, "server-status");
}

TEST(ParserFiles, ServerRootDirectiveChangesResolution) {
  TempDir dir;
  dir.write("other/inc.conf", "PidFile x.pid\n");
  std::string conf =
      dir.write("conf/mpmd.conf", "ServerRoot " + dir.path() + "/other\nInclude inc.conf\n");
  Parser p({});
  auto r = p.parse_file(conf);
  ASSERT_TRUE(r.ok) << r.errors[0];
  EXPECT_EQ(r.config.server_root, dir.path() + "/other");
  EXPECT_EQ(r.config.pid_file, dir.path() + "/other/x.pid");

  r = p.parse_text("ServerRoot /nonexistent-mpmd-dir\n", "x.conf", "/");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0],
            "x.conf:1: ServerRoot: must be a valid directory: '/nonexistent-mpmd-dir'");
}

}  // namespace
}  // namespace mpmd::config
