#include "log/configure.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace mpmd::log {
namespace {

TEST(ConfigureErrorLog, SetsLevelAndOpensTheFile) {
  test::TempDir dir;
  ErrorLog log;
  config::Logs logs;
  logs.error_log = dir.file("error.log");
  logs.log_level = LogLevel::notice;
  ASSERT_TRUE(configure(log, logs).ok());
  EXPECT_EQ(log.level(), LogLevel::notice);
  log.emit(LogLevel::notice, ids::kStartup, "one");
  EXPECT_NE(test::slurp(dir.file("error.log")).find("MPMD0001: one\n"), std::string::npos);
}

TEST(ConfigureErrorLog, FailureKeepsTheDestination) {
  ErrorLog log;
  config::Logs logs;
  logs.error_log = "/nonexistent-dir/x/e.log";
  util::Status s = configure(log, logs);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("cannot open error log /nonexistent-dir/x/e.log"),
            std::string::npos);
}

}  // namespace
}  // namespace mpmd::log
