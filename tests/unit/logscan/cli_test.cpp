#include "logscan/cli.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mpmd::logscan {
namespace {

TEST(Cli, ParsesFiltersAndAggregates) {
  CliOptions o;
  EXPECT_EQ(parse_cli({"--user",
                       "alice,bob",
                       "--ip=10.0.0.0/8",
                       "-s",
                       "404,5xx",
                       "--method",
                       "post",
                       "--path",
                       "^/api",
                       "--since",
                       "2024-03-01",
                       "--until",
                       "2024-03-02T00:00Z",
                       "--top",
                       "ip:5",
                       "--top=path",
                       "--sum-bytes",
                       "--per",
                       "hour",
                       "--json",
                       "-j",
                       "3",
                       "--io",
                       "pread",
                       "--chunk-size",
                       "1M",
                       "a.log",
                       "-",
                       "b.log.gz"},
                      o),
            "");
  EXPECT_EQ(o.spec.users, (std::vector<std::string>{"alice", "bob"}));
  ASSERT_EQ(o.spec.ips.size(), 1u);
  EXPECT_EQ(o.spec.ips[0].prefix, 8);
  EXPECT_EQ(o.spec.statuses.size(), 2u);
  EXPECT_EQ(o.spec.methods, (std::vector<std::string>{"POST"}));
  EXPECT_EQ(o.spec.path_regex, "^/api");
  EXPECT_EQ(o.spec.since, 1709251200);
  EXPECT_EQ(o.spec.until, 1709251200 + 86400);
  ASSERT_EQ(o.spec.tops.size(), 2u);
  EXPECT_EQ(o.spec.tops[0].limit, 5u);
  EXPECT_TRUE(o.spec.sum_bytes);
  EXPECT_EQ(o.spec.per_seconds, 3600);
  EXPECT_TRUE(o.json);
  EXPECT_EQ(o.scan.threads, 3u);
  EXPECT_EQ(o.scan.io, IoMode::pread);
  EXPECT_EQ(o.scan.chunk_size, 1u << 20);
  EXPECT_EQ(o.files, (std::vector<std::string>{"a.log", "-", "b.log.gz"}));
}

TEST(Cli, RejectsBadValues) {
  const std::vector<std::vector<std::string>> bad = {
      {"--status", "abc"},
      {"--per", "day"},
      {"--top", "nope"},
      {"--since", "soon"},
      {"--user"},
      {"--bogus"},
      {"--io", "aio"},
      {"--count=1"},
      {"--since", "2024-03-02", "--until", "2024-03-01"},
      {"-j", "x"},
      {"--chunk-size", "10"},
      {"--ip", "1.2.3.4/99"}};
  for (const auto& args : bad) {
    CliOptions o;
    EXPECT_NE(parse_cli(args, o), "") << args[0];
  }
}

TEST(Cli, DoubleDashEndsOptions) {
  CliOptions o;
  EXPECT_EQ(parse_cli({"--count", "--", "--weird-name.log"}, o), "");
  EXPECT_EQ(o.files, (std::vector<std::string>{"--weird-name.log"}));
}

TEST(Cli, HelpDocumentsEveryOption) {
  std::string help = usage_text();
  for (const char* opt : {"--format",     "--user",        "--ip",    "--status",  "--method",
                          "--path",       "--since",       "--until", "--count",   "--top",
                          "--sum-bytes",  "--per",         "--json",  "--threads", "--io",
                          "--chunk-size", "--no-progress", "--help",  "--version", "Examples:"})
    EXPECT_NE(help.find(opt), std::string::npos) << opt;
}

}  // namespace
}  // namespace mpmd::logscan
