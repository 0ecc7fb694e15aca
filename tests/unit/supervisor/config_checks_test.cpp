#include "supervisor/config_checks.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "support/temp_dir.hpp"

namespace mpmd::supervisor {
namespace {

std::string all(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

TEST(ConfigChecks, ExistingPathsGiveNoWarning) {
  test::TempDir dir;
  config::Config c;
  c.files.document_root = dir.path();
  c.logs.error_log = dir.file("error.log");
  c.logs.custom_logs.push_back({dir.file("access.log"), "%h"});
  c.pid_file = dir.file("mpmd.pid");
  EXPECT_EQ(all(check_paths(c)), "");
}

TEST(ConfigChecks, MissingDocumentRootWarnsAsApache) {
  test::TempDir dir;
  config::Config c;
  c.files.document_root = dir.file("nope");
  auto w = check_paths(c);
  ASSERT_EQ(w.size(), 1u) << all(w);
  EXPECT_EQ(w[0],
            "DocumentRoot [" + dir.file("nope") + "] does not exist (every request gets 404)");
}

TEST(ConfigChecks, LogsInMissingDirectoriesWarn) {
  test::TempDir dir;
  config::Config c;
  c.files.document_root = dir.path();
  c.logs.error_log = dir.file("logs/error.log");
  c.logs.custom_logs.push_back({dir.file("logs/access.log"), "%h"});
  c.logs.custom_logs.push_back({"/dev/stdout", "%h"});  // not a file: not checked here
  c.pid_file = dir.file("run/mpmd.pid");
  auto w = check_paths(c);
  ASSERT_EQ(w.size(), 3u) << all(w);
  EXPECT_EQ(w[0].rfind("ErrorLog " + dir.file("logs/error.log") + " cannot be written", 0), 0u);
  EXPECT_EQ(w[1].rfind("CustomLog " + dir.file("logs/access.log"), 0), 0u);
  EXPECT_EQ(w[2].rfind("PidFile " + dir.file("run/mpmd.pid"), 0), 0u);
}

TEST(ConfigChecks, PipesAndSyslogAreNotFiles) {
  config::Config c;
  c.logs.error_log = "syslog:local1";
  c.logs.custom_logs.push_back({"|/no/such/program", "%h"});
  EXPECT_EQ(all(check_paths(c)), "");
}

TEST(ConfigChecks, TerminalLogs) {
  config::Config c;
  EXPECT_TRUE(terminal_logs(c).error_log);  // the default error log is stderr
  c.logs.error_log = "/var/log/mpmd/error.log";
  c.logs.custom_logs.push_back({"/dev/stdout", "%h"});
  c.logs.custom_logs.push_back({"/var/log/access.log", "%h"});
  c.logs.custom_logs.push_back({"-", "%h"});
  TerminalLogs t = terminal_logs(c);
  EXPECT_FALSE(t.error_log);
  EXPECT_EQ(t.access, (std::vector<std::string>{"/dev/stdout", "-"}));
}

}  // namespace
}  // namespace mpmd::supervisor
