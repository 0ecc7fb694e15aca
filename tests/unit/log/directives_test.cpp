#include "log/directives.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/parser.hpp"
#include "log/log_format.hpp"

namespace mpmd::log {
namespace {

config::ParseResult parse(const std::string& text) {
  config::Parser parser({log::directives()});
  return parser.parse_text(text, "/srv/conf/test.conf", "/srv");
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

TEST(LogDirectives, RowsHaveHelp) {
  auto rows = directives();
  ASSERT_EQ(rows.size(), 5u);
  for (const auto& row : rows) {
    EXPECT_FALSE(row.help.empty()) << row.name;
    EXPECT_TRUE(bool(row.set)) << row.name;
  }
}

TEST(LogDirectives, ApacheDefaultConfig) {
  auto r = parse(
      "LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b \\\"%{Referer}i\\\" \\\"%{User-Agent}i\\\"\" "
      "combined\n"
      "LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b\" common\n"
      "CustomLog logs/access_log combined\n"
      "CustomLog /var/log/x.log \"%h %>s\"\n"
      "CustomLog - common\n"
      "ErrorLog logs/error_log\n"
      "LogLevel info\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << joined(r.warnings);
  const auto& logs = r.config.logs;
  EXPECT_EQ(logs.formats.at("combined"), predefined_format("combined"));
  EXPECT_EQ(logs.formats.at("common"), predefined_format("common"));
  ASSERT_EQ(logs.custom_logs.size(), 3u);
  EXPECT_EQ(logs.custom_logs[0].path, "/srv/logs/access_log");
  EXPECT_EQ(logs.custom_logs[0].format, predefined_format("combined"));
  EXPECT_EQ(logs.custom_logs[1].path, "/var/log/x.log");
  EXPECT_EQ(logs.custom_logs[1].format, "%h %>s");
  EXPECT_EQ(logs.custom_logs[2].path, "-");
  EXPECT_EQ(logs.error_log, "/srv/logs/error_log");
  EXPECT_EQ(logs.log_level, log::LogLevel::info);
}

TEST(LogDirectives, PredefinedNicknamesWithoutLogFormat) {
  auto r = parse("CustomLog a.log vhost_combined\nCustomLog b.log agent\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  ASSERT_EQ(r.config.logs.custom_logs.size(), 2u);
  EXPECT_EQ(r.config.logs.custom_logs[0].format, predefined_format("vhost_combined"));
  EXPECT_EQ(r.config.logs.custom_logs[1].format, predefined_format("agent"));
}

TEST(LogDirectives, UserNicknameOverridesPredefined) {
  auto r = parse("LogFormat \"%h\" combined\nCustomLog a.log combined\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  EXPECT_EQ(r.config.logs.custom_logs[0].format, "%h");
}

TEST(LogDirectives, TransferLogUsesDefaultFormat) {
  auto r = parse(
      "TransferLog first.log\n"
      "LogFormat \"%h %U\"\n"
      "TransferLog second.log\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  ASSERT_EQ(r.config.logs.custom_logs.size(), 2u);
  EXPECT_EQ(r.config.logs.custom_logs[0].format, predefined_format("common"));
  EXPECT_EQ(r.config.logs.custom_logs[1].format, "%h %U");
  EXPECT_EQ(r.config.logs.custom_logs[1].path, "/srv/second.log");
}

TEST(LogDirectives, UnknownNicknameIsAnError) {
  auto r = parse("CustomLog a.log fancy\n");
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("test.conf:1"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[0].find("CustomLog"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[0].find("fancy"), std::string::npos) << r.errors[0];
}

TEST(LogDirectives, BadFormatsAreErrorsAtConfigTime) {
  auto r = parse("LogFormat \"%h %Z\" broken\nCustomLog a.log \"%h %{X\"\n");
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 2u) << joined(r.errors);
  EXPECT_NE(r.errors[0].find("LogFormat"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[0].find("%Z at 4"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[1].find("CustomLog"), std::string::npos) << r.errors[1];
  EXPECT_NE(r.errors[1].find("unterminated"), std::string::npos) << r.errors[1];
}

TEST(LogDirectives, EnvConditions) {
  auto r = parse("CustomLog a.log common env=!dontlog\nCustomLog b.log common env=bot\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  EXPECT_TRUE(r.warnings.empty());
  ASSERT_EQ(r.config.logs.custom_logs.size(), 2u);
  EXPECT_EQ(r.config.logs.custom_logs[0].env, "dontlog");
  EXPECT_TRUE(r.config.logs.custom_logs[0].env_negated);
  EXPECT_EQ(r.config.logs.custom_logs[1].env, "bot");
  EXPECT_FALSE(r.config.logs.custom_logs[1].env_negated);
  r = parse("CustomLog a.log common expr=%{HTTPS}\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  ASSERT_EQ(r.warnings.size(), 1u);  // every request is logged
  EXPECT_FALSE(parse("CustomLog a.log common when=always\n").ok);
  EXPECT_FALSE(parse("CustomLog a.log common env=!\n").ok);
}

TEST(LogDirectives, PipedLogsAndSyslog) {
  auto r =
      parse("CustomLog \"|  /usr/bin/rotatelogs x 86400\" common\nErrorLog \"|$logger -t x\"\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  EXPECT_EQ(r.config.logs.custom_logs.at(0).path, "|/usr/bin/rotatelogs x 86400");
  EXPECT_EQ(r.config.logs.error_log, "|logger -t x");
  EXPECT_FALSE(parse("CustomLog \"| \" common\n").ok);
  r = parse("ErrorLog syslog:local3\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  EXPECT_EQ(r.config.logs.error_log, "syslog:local3");
  EXPECT_TRUE(parse("ErrorLog syslog\n").ok);
  r = parse("ErrorLog syslog:nosuch\n");
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.errors[0].find("unknown syslog facility \"nosuch\""), std::string::npos);
}

TEST(LogDirectives, ErrorLogStderr) {
  auto r = parse("ErrorLog /dev/stderr\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  EXPECT_EQ(r.config.logs.error_log, "-");
}

TEST(LogDirectives, LogLevelForms) {
  auto r = parse("LogLevel warn\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.config.logs.log_level, log::LogLevel::warn);
  r = parse("LogLevel info ssl:warn\n");
  ASSERT_TRUE(r.ok) << joined(r.errors);
  EXPECT_EQ(r.config.logs.log_level, log::LogLevel::info);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("ssl:warn"), std::string::npos);
  r = parse("LogLevel trace4\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.config.logs.log_level, log::LogLevel::debug);
  r = parse("LogLevel crit debug\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.config.logs.log_level, log::LogLevel::crit);
  EXPECT_EQ(r.warnings.size(), 1u);
  EXPECT_FALSE(parse("LogLevel chatty\n").ok);
}

}  // namespace
}  // namespace mpmd::log
