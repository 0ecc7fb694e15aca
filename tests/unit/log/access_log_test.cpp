#include "log/access_log.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "util/error_log.hpp"

#include "support/temp_dir.hpp"

namespace mpmd::log {
namespace {

namespace fs = std::filesystem;

using test::slurp;
using test::TempDir;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      out.push_back(text.substr(start) + "<no newline>");
      break;
    }
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// One request whose header values live in the caller's strings.
struct Exchange {
  http::Peer peer;
  http::Request req;
  http::Response resp;
  http::Exchange ex;
  Exchange() {
    peer.address = "127.0.0.1";
    req.peer = &peer;
    req.method_text = "GET";
    req.request_line = "GET / HTTP/1.1";
    req.path = "/";
  }
  void log(AccessLog& log) { log.on_exchange(req, resp, ex); }
};

TEST(AccessLog, BuffersUntilFlush) {
  TempDir dir;
  AccessLog log;
  ASSERT_EQ(log.add(dir.file("access.log"), "%h \"%r\" %>s"), "");
  Exchange e;
  e.log(log);
  e.log(log);
  EXPECT_EQ(slurp(dir.file("access.log")), "");
  EXPECT_GT(log.buffered(0), 0u);
  EXPECT_TRUE(log.flush());
  EXPECT_EQ(log.buffered(0), 0u);
  EXPECT_EQ(slurp(dir.file("access.log")),
            "127.0.0.1 \"GET / HTTP/1.1\" 200\n127.0.0.1 \"GET / HTTP/1.1\" 200\n");
}

TEST(AccessLog, WritesWhenBufferFillsAndOnDestruction) {
  TempDir dir;
  std::string path = dir.file("a.log");
  {
    AccessLog log(64);
    ASSERT_EQ(log.add(path, "%r"), "");  // 15 bytes a line
    Exchange e;
    for (int i = 0; i < 5; ++i) e.log(log);
    std::string text = slurp(path);
    EXPECT_EQ(text.size(), 75u);  // the 5th line filled the 64-byte buffer
  }
  EXPECT_EQ(slurp(path).size(), 75u);
  Exchange e;
  {
    AccessLog log(1 << 20);
    ASSERT_EQ(log.add(path, "%r"), "");
    e.log(log);
  }  // destructor flushes
  EXPECT_EQ(slurp(path).size(), 90u);
}

TEST(AccessLog, SeveralSinksEachWithItsFormat) {
  TempDir dir;
  AccessLog log;
  ASSERT_EQ(log.add(dir.file("one.log"), "%s"), "");
  ASSERT_EQ(log.add(dir.file("two.log"), "%m %U"), "");
  EXPECT_EQ(log.sink_count(), 2u);
  Exchange e;
  e.log(log);
  log.flush();
  EXPECT_EQ(slurp(dir.file("one.log")), "200\n");
  EXPECT_EQ(slurp(dir.file("two.log")), "GET /\n");
}

TEST(AccessLog, AddAllAndServerName) {
  TempDir dir;
  std::vector<config::CustomLog> logs;
  logs.push_back({dir.file("v.log"), "%v %s"});
  AccessLog log;
  ASSERT_EQ(log.add_all(logs), "");
  log.set_server_name("www.example");
  Exchange e;
  e.log(log);
  log.flush();
  EXPECT_EQ(slurp(dir.file("v.log")), "www.example 200\n");
}

TEST(AccessLog, Errors) {
  AccessLog log;
  EXPECT_NE(log.add("/nonexistent-dir/x/access.log", "%h"), "");
  TempDir dir;
  std::string e = log.add(dir.file("x.log"), "%h %Z");
  EXPECT_NE(e.find("%Z"), std::string::npos) << e;
  EXPECT_EQ(log.sink_count(), 0u);
  EXPECT_EQ(log.add("-", "%h"), "");  // standard output
  EXPECT_EQ(log.reopen(), "");        // stdout is kept
}

TEST(AccessLog, ReopenAfterRename) {
  TempDir dir;
  std::string path = dir.file("access.log");
  AccessLog log;
  ASSERT_EQ(log.add(path, "%U"), "");
  Exchange e;
  e.req.path = "/before";
  e.log(log);
  log.flush();
  fs::rename(path, dir.file("access.log.1"));
  e.req.path = "/still-old";  // buffered before reopen: goes to the old file
  e.log(log);
  ASSERT_EQ(log.reopen(), "");
  e.req.path = "/after";
  e.log(log);
  log.flush();
  EXPECT_EQ(slurp(dir.file("access.log.1")), "/before\n/still-old\n");
  EXPECT_EQ(slurp(path), "/after\n");
}

TEST(AccessLog, WriteFailureIsReportedOnce) {
  TempDir dir;
  ErrorLog& errors = error_log();
  ASSERT_EQ(errors.open(dir.file("error.log")), "");
  {
    AccessLog log;
    ASSERT_EQ(log.add("/dev/full", "%r"), "");
    Exchange e;
    e.log(log);
    EXPECT_FALSE(log.flush());
    e.log(log);
    EXPECT_FALSE(log.flush());
    EXPECT_EQ(log.buffered(0), 0u);      // dropped, not kept growing
    EXPECT_EQ(log.dropped_lines(), 2u);  // and counted
  }
  ASSERT_EQ(errors.open("-"), "");
  auto lines = lines_of(slurp(dir.file("error.log")));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("MPMD0016: cannot write access log /dev/full"), std::string::npos)
      << lines[0];
}

// While it is alive: writes to regular files may grow them to `bytes` at most
// (RLIMIT_FSIZE), as a disk that fills up: the write that crosses the limit is
// cut short, the next fails (EFBIG; SIGXFSZ ignored).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old_);
    struct rlimit limited = old_;
    limited.rlim_cur = bytes;
    ok_ = setrlimit(RLIMIT_FSIZE, &limited) == 0;
  }
  ~FileSizeLimit() { lift(); }
  void lift() {
    if (lifted_) return;
    lifted_ = true;
    setrlimit(RLIMIT_FSIZE, &old_);
    signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }

 private:
  struct rlimit old_ {};
  sighandler_t old_handler_ = SIG_DFL;
  bool ok_ = false;
  bool lifted_ = false;
};

TEST(AccessLog, FullDiskMidLineLeavesWholeLinesAndCountsTheLoss) {
  TempDir dir;
  ErrorLog& errors = error_log();
  ASSERT_EQ(errors.open(dir.file("error.log")), "");  // its lines stay well under the limit
  std::string path = dir.file("access.log");
  AccessLog log(1 << 20);
  ASSERT_EQ(log.add(path, "%r"), "");  // 15 bytes a line
  Exchange e;
  for (int i = 0; i < 100; ++i) e.log(log);
  {
    FileSizeLimit limit(1000);  // room for 66 lines and 10 bytes of the 67th
    ASSERT_TRUE(limit.ok());
    EXPECT_FALSE(log.flush());
  }
  EXPECT_EQ(log.dropped_lines(), 34u);
  std::string text = slurp(path);
  EXPECT_EQ(text.size(), 990u) << "the torn 67th line is cut off again";
  for (const std::string& line : lines_of(text)) ASSERT_EQ(line, "GET / HTTP/1.1");
  // Room again: the next batch goes out and says what was lost, once.
  e.log(log);
  e.log(log);
  EXPECT_TRUE(log.flush());
  EXPECT_TRUE(log.flush());
  EXPECT_EQ(slurp(path).size(), 1020u);
  ASSERT_EQ(errors.open("-"), "");
  auto lines = lines_of(slurp(dir.file("error.log")));
  ASSERT_EQ(lines.size(), 2u) << slurp(dir.file("error.log"));
  EXPECT_NE(lines[0].find("MPMD0016: cannot write access log " + path), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find("MPMD0045: access log " + path + " can be written again; 34 lines"),
            std::string::npos)
      << lines[1];
}

TEST(AccessLog, SharedLossTableReportsOnceForEveryWriterOfAFile) {
  TempDir dir;
  ErrorLog& errors = error_log();
  ASSERT_EQ(errors.open(dir.file("error.log")), "");
  util::LogLoss table[4];
  std::atomic<uint64_t> thread_a{0}, thread_b{0};
  {
    // Two threads (or children) writing the same file through their own AccessLog.
    AccessLog a, b;
    a.count_losses(table, &thread_a);
    ASSERT_EQ(a.add("/dev/full", "%r"), "");
    ASSERT_EQ(b.add("/dev/full", "%r"), "");
    b.count_losses(table, &thread_b);  // also after add()
    Exchange e;
    for (int round = 0; round < 3; ++round) {
      e.log(a);
      e.log(b);
      e.log(b);
      EXPECT_FALSE(a.flush());
      EXPECT_FALSE(b.flush());
    }
  }
  EXPECT_EQ(thread_a.load(), 3u);
  EXPECT_EQ(thread_b.load(), 6u);
  EXPECT_EQ(table[0].dropped.load(), 9u);
  EXPECT_TRUE(table[0].failing.load());
  EXPECT_EQ(table[1].key.load(), 0u) << "one entry per file";
  ASSERT_EQ(errors.open("-"), "");
  EXPECT_EQ(lines_of(slurp(dir.file("error.log"))).size(), 1u);
}

// Each writer logs `lines` lines "W<writer> <seq> <pad>", pad of varying length,
// through its own AccessLog with a small buffer (many write() calls).
void write_lines(const std::string& path, int writer, int lines) {
  AccessLog log(4096);
  if (!log.add(path, "W%{X-Writer}i %{X-Seq}i %{X-Pad}i").empty()) return;
  Exchange e;
  std::string w = std::to_string(writer);
  for (int i = 0; i < lines; ++i) {
    std::string seq = std::to_string(i);
    std::string pad(size_t(1 + (i * 37 + writer * 11) % 700), char('a' + writer % 26));
    e.req.headers.clear();
    e.req.headers.add("X-Writer", w);
    e.req.headers.add("X-Seq", seq);
    e.req.headers.add("X-Pad", pad);
    e.log(log);
  }
}

void expect_intact(const std::string& path, int writers, int lines) {
  std::map<int, std::vector<bool>> seen;
  size_t count = 0;
  for (const std::string& line : lines_of(slurp(path))) {
    ++count;
    int w = -1, seq = -1;
    char pad[1024] = {};
    ASSERT_EQ(std::sscanf(line.c_str(), "W%d %d %1000s", &w, &seq, pad), 3) << line;
    ASSERT_TRUE(w >= 0 && w < writers && seq >= 0 && seq < lines) << line;
    std::string expected_pad(size_t(1 + (seq * 37 + w * 11) % 700), char('a' + w % 26));
    ASSERT_EQ(line, "W" + std::to_string(w) + " " + std::to_string(seq) + " " + expected_pad);
    auto& s = seen[w];
    s.resize(size_t(lines));
    EXPECT_FALSE(s[size_t(seq)]) << "duplicate " << line;
    s[size_t(seq)] = true;
  }
  EXPECT_EQ(count, size_t(writers) * size_t(lines));
}

TEST(AccessLog, ThreadsNeverTearLines) {
  TempDir dir;
  std::string path = dir.file("threads.log");
  constexpr int kWriters = 8;
  constexpr int kLines = 3000;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) threads.emplace_back(write_lines, path, w, kLines);
  for (auto& t : threads) t.join();
  expect_intact(path, kWriters, kLines);
}

TEST(AccessLog, ProcessesNeverTearLines) {
  TempDir dir;
  std::string path = dir.file("procs.log");
  constexpr int kWriters = 6;
  constexpr int kLines = 3000;
  std::vector<pid_t> children;
  for (int w = 0; w < kWriters; ++w) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      write_lines(path, w, kLines);
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  expect_intact(path, kWriters, kLines);
}

}  // namespace
}  // namespace mpmd::log
