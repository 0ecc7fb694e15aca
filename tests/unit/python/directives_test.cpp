#include "python/directives.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/parser.hpp"
#include "python/hosting.hpp"

namespace mpmd::python {
namespace {

namespace fs = std::filesystem;

class WsgiDirectives : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mpmd-wsgi-dir-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "app.wsgi") << "def application(e, s): pass\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  config::ParseResult parse(const std::string& text) {
    config::Parser parser({directives()});
    config::ParseResult r = parser.parse_text(text, (dir_ / "test.conf").string(), dir_.string());
    for (auto& e : validate(r.config)) r.errors.push_back(e);
    r.ok = r.errors.empty();
    return r;
  }
  std::string script() const { return (dir_ / "app.wsgi").string(); }

  fs::path dir_;
};

TEST_F(WsgiDirectives, ScriptAliasWithOptions) {
  auto r = parse(
      "WSGIDaemonProcess site processes=3 threads=5 python-path=/a:/b "
      "maximum-requests=100 request-timeout=30 display-name=%{GROUP}\n"
      "WSGIScriptAlias /app/ app.wsgi process-group=site application-group=%{GLOBAL}\n");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0]);
  ASSERT_EQ(r.config.wsgi.aliases.size(), 1u);
  const auto& a = r.config.wsgi.aliases[0];
  EXPECT_EQ(a.url, "/app");  // a trailing slash is dropped
  EXPECT_EQ(a.script, script());
  EXPECT_EQ(a.process_group, "site");
  EXPECT_EQ(a.application_group, "%{GLOBAL}");
  const auto& d = r.config.wsgi.daemons.at(0);
  EXPECT_EQ(d.processes, 3);
  EXPECT_EQ(d.threads, 5);
  EXPECT_EQ(d.python_path, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(d.maximum_requests, 100u);
  EXPECT_EQ(d.request_timeout.count(), 30000);
  EXPECT_TRUE(r.config.wsgi.used());
}

TEST_F(WsgiDirectives, ErrorsNameTheProblem) {
  auto r = parse("WSGIScriptAlias /x missing.wsgi\n");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.errors[0].find("test.conf:1: WSGIScriptAlias"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[0].find("not a readable file"), std::string::npos);

  r = parse("WSGIScriptAlias /x app.wsgi process-group=nowhere\n");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.errors[0].find("'nowhere' is not defined by a WSGIDaemonProcess"), std::string::npos)
      << r.errors[0];

  r = parse("WSGIDaemonProcess d threads=0\n");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.errors[0].find("threads"), std::string::npos) << r.errors[0];

  r = parse("WSGIDaemonProcess d bogus=1\n");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.errors[0].find("unknown option 'bogus'"), std::string::npos) << r.errors[0];

  r = parse("WSGIScriptAlias /x app.wsgi\nWSGIScriptAlias /x app.wsgi\n");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.errors[0].find("mounted already"), std::string::npos) << r.errors[0];

  r = parse("WSGIImportScript app.wsgi\n");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.errors[0].find("application-group= is required"), std::string::npos);

  r = parse("WSGIPassAuthorization maybe\n");
  ASSERT_FALSE(r.ok);
}

TEST_F(WsgiDirectives, NoDirectiveNoPython) {
  auto r = parse("WSGIPythonPath /x\n");
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(r.config.wsgi.used());  // nothing to host: libpython is never loaded
}

TEST_F(WsgiDirectives, LocationSettingsOverrideServerOnes) {
  auto r = parse(
      "WSGIDaemonProcess d\nWSGIScriptAlias /app app.wsgi\n"
      "WSGIApplicationGroup shared\nWSGIPassAuthorization On\n"
      "<Location /app/admin>\n  WSGIProcessGroup d\n  WSGIApplicationGroup %{GLOBAL}\n"
      "  WSGIPassAuthorization Off\n  WSGIScriptReloading Off\n</Location>\n");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0]);
  const config::WsgiAlias& alias = r.config.wsgi.aliases[0];
  // Hosting::route() without starting Python: the same rules, through the config.
  config::Wsgi& w = r.config.wsgi;
  ASSERT_EQ(w.locations.size(), 1u);
  EXPECT_EQ(w.locations[0].process_group, "d");
  EXPECT_EQ(w.locations[0].pass_authorization, 0);
  EXPECT_EQ(w.locations[0].script_reloading, 0);
  EXPECT_EQ(w.application_group, "shared");
  EXPECT_TRUE(w.pass_authorization);
  EXPECT_EQ(application_group("%{GLOBAL}", "host", alias), "");
  EXPECT_EQ(application_group("%{RESOURCE}", "host", alias), "host|/app");
  EXPECT_EQ(application_group("shared", "host", alias), "shared");
}

}  // namespace
}  // namespace mpmd::python
