#include "logscan/scanner.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "logscan/cli.hpp"
#include "logscan/generate.hpp"
#include "unit/logscan/reference.hpp"

namespace mpmd::logscan {
namespace {

class TempFile {
 public:
  explicit TempFile(const std::string& content, const char* suffix = "") {
    char tmpl[] = "/tmp/logscan_test_XXXXXX";
    int fd = mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    close(fd);
    path_ = std::string(tmpl) + suffix;
    if (*suffix) std::rename(tmpl, path_.c_str());
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Outcome {
  std::string printed;
  uint64_t matched = 0, bytes = 0, malformed = 0;
  std::vector<std::vector<std::pair<std::string, uint64_t>>> tops;
  std::map<int64_t, std::pair<uint64_t, uint64_t>> per;
  std::string literal;
};

Outcome scan_path(const std::string& path, const QuerySpec& spec, ScanOptions options) {
  Layout layout;
  std::string error;
  EXPECT_TRUE(layout_for_format("combined", layout, error)) << error;
  Query query;
  EXPECT_TRUE(Query::compile(spec, layout, query, error)) << error;
  TempFile out("");
  int fd = open(out.path().c_str(), O_WRONLY | O_TRUNC);
  options.out_fd = fd;
  options.print = true;
  options.progress = false;
  Scanner scanner(query, options);
  EXPECT_TRUE(scanner.scan(path, error)) << error;
  close(fd);
  Outcome o;
  o.printed = read_file(out.path());
  o.literal = query.literal();
  o.matched = scanner.aggregates().matched();
  o.bytes = scanner.aggregates().bytes();
  o.malformed = scanner.stats().malformed;
  for (size_t i = 0; i < spec.tops.size(); ++i)
    o.tops.push_back(scanner.aggregates().tops()[i].top(spec.tops[i].limit));
  for (const auto& [k, b] : scanner.aggregates().buckets()) o.per[k] = {b.count, b.bytes};
  return o;
}

void expect_same(const Outcome& got, const reference::Result& want, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(got.matched, want.matched);
  EXPECT_TRUE(got.printed == want.printed) << "printed lines differ (" << got.printed.size()
                                           << " vs " << want.printed.size() << " bytes)";
  EXPECT_EQ(got.bytes, want.bytes);
  EXPECT_EQ(got.tops, want.tops);
  EXPECT_EQ(got.per, want.per);
  // The pre-filter skips lines without its literal; only then may the counts differ.
  if (got.literal.empty())
    EXPECT_EQ(got.malformed, want.malformed);
  else
    EXPECT_LE(got.malformed, want.malformed);
}

std::vector<std::pair<std::string, QuerySpec>> queries(const LogGenerator& gen) {
  std::vector<std::pair<std::string, QuerySpec>> out;
  QuerySpec all;
  out.emplace_back("all lines", all);
  QuerySpec user;
  user.users = {gen.user(0)};
  out.emplace_back("user", user);
  QuerySpec two_users;
  two_users.users = {gen.user(1), gen.user(2)};
  two_users.count = true;
  out.emplace_back("two users", two_users);
  QuerySpec ip;
  ip.ips.push_back(IpFilter());
  EXPECT_EQ(parse_ip_filter(gen.ip(0), ip.ips[0]), "");
  out.emplace_back("ip", ip);
  QuerySpec errors;
  EXPECT_EQ(parse_status_list("5xx,404", errors.statuses), "");
  errors.tops.push_back({TopKey::path, "path", 5});
  out.emplace_back("5xx and 404, top path", errors);
  QuerySpec api;
  api.methods = {"POST"};
  api.path_regex = "^/api/v1/(users|orders)";
  api.sum_bytes = true;
  out.emplace_back("POST to the API", api);
  QuerySpec images;
  images.path_regex = "\\.jpg$";
  out.emplace_back("regex with a literal", images);
  QuerySpec window;
  window.since = 1709251200 + 60;
  window.until = 1709251200 + 200;
  window.per_seconds = 60;
  window.sum_bytes = true;
  out.emplace_back("time window per minute", window);
  QuerySpec tops;
  tops.tops = {{TopKey::ip, "ip", 10},          {TopKey::status, "status", 20},
               {TopKey::agent, "agent", 3},     {TopKey::url, "url", 4},
               {TopKey::referer, "referer", 2}, {TopKey::protocol, "protocol", 5},
               {TopKey::method, "method", 5}};
  tops.per_seconds = 3600;
  tops.sum_bytes = true;
  out.emplace_back("tops per hour", tops);
  return out;
}

class ScannerVsReference : public ::testing::TestWithParam<int> {};

// Small chunks put boundaries inside lines; CRLF, malformed lines and a missing
// final newline are mixed in; every input path and several thread counts agree.
TEST_P(ScannerVsReference, AgreesOnGeneratedLogs) {
  GenOptions gen_options;
  gen_options.seed = uint64_t(GetParam());
  gen_options.lines = 6000;
  gen_options.crlf_fraction = 0.1;
  gen_options.malformed_fraction = 0.02;
  gen_options.final_newline = GetParam() % 2 == 0;
  gen_options.lines_per_second = 20;
  std::string log = generate_log(gen_options);
  LogGenerator gen(gen_options);
  TempFile plain(log);

  std::string gz_path = plain.path() + ".gz";
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, log.data(), unsigned(log.size())), int(log.size()));
  gzclose(gz);

  for (const auto& [name, spec] : queries(gen)) {
    reference::Result want = reference::run(log, spec);
    struct Mode {
      const char* name;
      IoMode io;
      unsigned threads;
      size_t chunk;
      bool gz;
    };
    const Mode modes[] = {{"mmap 1 thread", IoMode::mmap, 1, 8 << 20, false},
                          {"mmap 3 threads small chunks", IoMode::mmap, 3, 4096, false},
                          {"mmap 2 threads odd chunks", IoMode::mmap, 2, 4099, false},
                          {"pread 2 threads small chunks", IoMode::pread, 2, 4096, false},
                          {"gzip 2 threads small chunks", IoMode::mmap, 2, 4096, true}};
    for (const Mode& m : modes) {
      ScanOptions options;
      options.io = m.io;
      options.threads = m.threads;
      options.chunk_size = m.chunk;
      expect_same(scan_path(m.gz ? gz_path : plain.path(), spec, options), want,
                  name + " / " + m.name);
    }
  }
  unlink(gz_path.c_str());
}

INSTANTIATE_TEST_SUITE_P(Seeds, ScannerVsReference, ::testing::Values(1, 2, 3));

TEST(Scanner, ReadsAPipeInOrder) {
  GenOptions gen_options;
  gen_options.lines = 3000;
  gen_options.malformed_fraction = 0.01;
  std::string log = generate_log(gen_options);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::thread writer([&] {
    const char* p = log.data();
    size_t n = log.size();
    while (n > 0) {
      ssize_t w = write(fds[1], p, n);
      if (w <= 0) break;
      p += w;
      n -= size_t(w);
    }
    close(fds[1]);
  });
  QuerySpec spec;
  ScanOptions options;
  options.threads = 2;
  options.chunk_size = 4096;
  Outcome got = scan_path("/dev/fd/" + std::to_string(fds[0]), spec, options);
  writer.join();
  close(fds[0]);
  expect_same(got, reference::run(log, spec), "pipe");
}

TEST(Scanner, EdgeInputs) {
  const std::string line =
      "1.2.3.4 - bob [01/Mar/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"x\"";
  const std::string long_agent(20000, 'a');
  const std::string long_line =
      "1.2.3.4 - bob [01/Mar/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"" + long_agent +
      "\"";
  const std::string cases[] = {"",
                               "\n",
                               "\r\n",
                               line,
                               line + "\r",
                               line + "\n" + line,
                               "\n\n" + line + "\n\n",
                               long_line + "\n" + line + "\n" + long_line,
                               "garbage\n" + line + "\ngarbage"};
  for (const std::string& content : cases) {
    TempFile file(content);
    for (IoMode io : {IoMode::mmap, IoMode::pread}) {
      QuerySpec spec;
      ScanOptions options;
      options.io = io;
      options.threads = 3;
      options.chunk_size = 4096;
      expect_same(scan_path(file.path(), spec, options), reference::run(content, spec),
                  "case of " + std::to_string(content.size()) + " bytes");
      spec.users = {"bob"};
      expect_same(scan_path(file.path(), spec, options), reference::run(content, spec),
                  "user, case of " + std::to_string(content.size()) + " bytes");
    }
  }
}

TEST(Scanner, ReportsMalformedLinesWithTheirOffsets) {
  std::string content =
      "1.2.3.4 - - [01/Mar/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"x\"\n"
      "not a log line\n";
  TempFile file(content);
  Layout layout;
  std::string error;
  ASSERT_TRUE(layout_for_format("combined", layout, error));
  QuerySpec spec;
  spec.count = true;
  Query query;
  ASSERT_TRUE(Query::compile(spec, layout, query, error));
  ScanOptions options;
  options.print = false;
  Scanner scanner(query, options);
  ASSERT_TRUE(scanner.scan(file.path(), error));
  EXPECT_EQ(scanner.aggregates().matched(), 1u);
  ASSERT_EQ(scanner.stats().malformed, 1u);
  ASSERT_EQ(scanner.stats().malformed_samples.size(), 1u);
  EXPECT_EQ(scanner.stats().malformed_samples[0], file.path() + ": byte 72: not a log line");
}

TEST(Scanner, MissingFileIsAnError) {
  Layout layout;
  std::string error;
  ASSERT_TRUE(layout_for_format("combined", layout, error));
  Query query;
  ASSERT_TRUE(Query::compile(QuerySpec(), layout, query, error));
  Scanner scanner(query, ScanOptions());
  EXPECT_FALSE(scanner.scan("/nonexistent/access.log", error));
  EXPECT_NE(error.find("/nonexistent/access.log"), std::string::npos);
}

}  // namespace
}  // namespace mpmd::logscan
