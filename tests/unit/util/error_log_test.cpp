#include "util/error_log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"
#include "util/system_log.hpp"

namespace mpmd::log {
namespace {

namespace fs = std::filesystem;

const bool kUtc = [] {
  setenv("TZ", "UTC", 1);
  tzset();
  return true;
}();

constexpr util::Usec kNow = 1795412949'123456;  // Mon Nov 23 05:49:09.123456 2026 UTC

using test::slurp;
using test::TempDir;

TEST(ErrorLog, LineFormat) {
  (void)kUtc;
  std::string out;
  ErrorLog::format_line(out, kNow, 1234, LogLevel::error, ids::kListenFailed,
                        "cannot listen on :80");
  EXPECT_EQ(out,
            "[Mon Nov 23 05:49:09.123456 2026] [mpmd:error] [pid 1234] MPMD0002: cannot listen "
            "on :80\n");
}

TEST(ErrorLog, EscapesControlCharacters) {
  std::string out;
  ErrorLog::format_line(out, kNow, 1, LogLevel::warn, "MPMD0001", "a\nb\tc\x01 \"q\"");
  EXPECT_EQ(out,
            "[Mon Nov 23 05:49:09.123456 2026] [mpmd:warn] [pid 1] MPMD0001: a\\nb\\tc\\x01 "
            "\"q\"\n");
}

TEST(ErrorLog, WritesToFileWithLevelFilter) {
  TempDir dir;
  util::ManualClock clock(kNow);
  ErrorLog log;
  log.set_clock(&clock);
  ASSERT_EQ(log.open(dir.file("error.log")), "");
  EXPECT_EQ(log.level(), LogLevel::warn);
  log.emit(LogLevel::info, ids::kStartup, "not shown");
  log.emit(LogLevel::debug, ids::kStartup, "not shown");
  log.emit(LogLevel::warn, ids::kConfigWarning, "shown");
  log.emit(LogLevel::emerg, ids::kShutdown, "shown too");
  log.set_level(LogLevel::debug);
  log.emit(LogLevel::debug, ids::kStartup, "now shown");
  std::string pid = std::to_string(getpid());
  EXPECT_EQ(slurp(dir.file("error.log")),
            "[Mon Nov 23 05:49:09.123456 2026] [mpmd:warn] [pid " + pid +
                "] MPMD0011: shown\n"
                "[Mon Nov 23 05:49:09.123456 2026] [mpmd:emerg] [pid " +
                pid +
                "] MPMD0007: shown too\n"
                "[Mon Nov 23 05:49:09.123456 2026] [mpmd:debug] [pid " +
                pid + "] MPMD0001: now shown\n");
}

TEST(ErrorLog, OpenAndReopenAfterRename) {
  TempDir dir;
  util::ManualClock clock(kNow);
  ErrorLog log;
  log.set_clock(&clock);
  log.set_level(LogLevel::notice);
  ASSERT_EQ(log.open(dir.file("error.log")), "");
  log.emit(LogLevel::notice, ids::kStartup, "one");
  fs::rename(dir.file("error.log"), dir.file("error.log.1"));
  ASSERT_EQ(log.reopen(), "");
  log.emit(LogLevel::notice, ids::kStartup, "two");
  EXPECT_NE(slurp(dir.file("error.log.1")).find("MPMD0001: one\n"), std::string::npos);
  std::string now = slurp(dir.file("error.log"));
  EXPECT_NE(now.find("MPMD0001: two\n"), std::string::npos);
  EXPECT_EQ(now.find("one"), std::string::npos);
}

TEST(ErrorLog, OpenFailureKeepsDestination) {
  TempDir dir;
  ErrorLog log;
  ASSERT_EQ(log.open(dir.file("e.log")), "");
  EXPECT_NE(log.open("/nonexistent-dir/x/e.log"), "");
  log.emit(LogLevel::error, ids::kFileOpenFailed, "still here");
  EXPECT_NE(slurp(dir.file("e.log")).find("still here"), std::string::npos);
}

TEST(ErrorLog, ThreadsWriteWholeLines) {
  TempDir dir;
  ErrorLog log;
  ASSERT_EQ(log.open(dir.file("e.log")), "");
  constexpr int kThreads = 6;
  constexpr int kLines = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kLines; ++i) {
        log.emit(LogLevel::error, ids::kAcceptFailed,
                 cat("thread ", t, " line ", i, " ", std::string(size_t(i % 300), 'x')));
      }
    });
  }
  for (auto& th : threads) th.join();
  std::istringstream in(slurp(dir.file("e.log")));
  // "[Www Mmm dd hh:mm:ss.uuuuuu yyyy] [mpmd:error] [pid N] MPMD0006: thread T line I xxx"
  std::set<std::pair<int, int>> seen;
  std::string line;
  while (std::getline(in, line)) {
    ASSERT_GT(line.size(), 34u) << line;
    EXPECT_EQ(line[0], '[') << line;
    EXPECT_EQ(line.substr(20, 1), ".") << line;
    EXPECT_EQ(line.substr(32, 16), "] [mpmd:error] [") << line;
    size_t id = line.find("] MPMD0006: thread ");
    ASSERT_NE(id, std::string::npos) << line;
    int t = -1, i = -1, consumed = 0;
    ASSERT_EQ(std::sscanf(line.c_str() + id, "] MPMD0006: thread %d line %d %n", &t, &i, &consumed),
              2)
        << line;
    std::string rest = line.substr(id + size_t(consumed));
    EXPECT_EQ(rest, std::string(size_t(i % 300), 'x')) << line;
    seen.insert({t, i});
  }
  EXPECT_EQ(seen.size(), size_t(kThreads * kLines));
}

TEST(ErrorLog, GlobalEmitAndEmitf) {
  TempDir dir;
  ErrorLog& log = error_log();
  ASSERT_EQ(log.open(dir.file("g.log")), "");
  log.set_level(LogLevel::info);
  emit(LogLevel::info, ids::kStartup, "started");
  emitf(LogLevel::error, ids::kChildExited, "child %d exited with status %d", 42, 3);
  emitf(LogLevel::debug, ids::kChildExited, "filtered %s", "out");
  warn(ids::kConfigWarning, "a warning");
  std::string text = slurp(dir.file("g.log"));
  ASSERT_EQ(log.open("-"), "");  // back to stderr for the other tests
  log.set_level(LogLevel::warn);
  EXPECT_NE(text.find("[mpmd:info] [pid "), std::string::npos) << text;
  EXPECT_NE(text.find("MPMD0001: started\n"), std::string::npos) << text;
  EXPECT_NE(text.find("MPMD0003: child 42 exited with status 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("MPMD0011: a warning\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("filtered"), std::string::npos) << text;
  std::string long_text(2000, 'y');
  ASSERT_EQ(log.open(dir.file("g2.log")), "");
  emitf(LogLevel::error, ids::kChildExited, "%s!", long_text.c_str());
  ASSERT_EQ(log.open("-"), "");
  EXPECT_NE(slurp(dir.file("g2.log")).find(long_text + "!\n"), std::string::npos);
}

TEST(ErrorLog, Levels) {
  EXPECT_EQ(level_name(LogLevel::emerg), "emerg");
  EXPECT_EQ(level_name(LogLevel::debug), "debug");
  EXPECT_EQ(parse_level("WARN"), LogLevel::warn);
  EXPECT_EQ(parse_level("notice"), LogLevel::notice);
  EXPECT_EQ(parse_level("trace3"), LogLevel::debug);
  EXPECT_EQ(parse_level("trace9"), std::nullopt);
  EXPECT_EQ(parse_level("loud"), std::nullopt);
}

TEST(ErrorLog, Cat) {
  EXPECT_EQ(cat("port ", 80, " busy, ", -1, ' ', true, " ", 2.5, " ", std::string("s"),
                std::string_view("v"), size_t(7)),
            "port 80 busy, -1 true 2.5 sv7");
}

TEST(ErrorLog, NoticeIsAlwaysWrittenAsInApache) {
  TempDir dir;
  ErrorLog log;
  ASSERT_EQ(log.open(dir.file("error.log")), "");
  log.set_level(LogLevel::error);
  log.emit(LogLevel::warn, ids::kConfigWarning, "not shown");
  log.emit(LogLevel::info, ids::kStartup, "not shown");
  log.emit(LogLevel::notice, ids::kStartup, "resuming normal operations");
  std::string text = slurp(dir.file("error.log"));
  EXPECT_EQ(text.find("not shown"), std::string::npos) << text;
  EXPECT_NE(text.find("[mpmd:notice]"), std::string::npos) << text;
}

TEST(ErrorLog, JournalPrefixWhenStderrIsTheJournal) {
  TempDir dir;
  int saved = dup(2);
  int fd = ::open(dir.file("stderr").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ASSERT_GE(fd, 0);
  dup2(fd, 2);
  struct stat st;
  fstat(2, &st);
  setenv("JOURNAL_STREAM",
         (std::to_string(uint64_t(st.st_dev)) + ":" + std::to_string(uint64_t(st.st_ino))).c_str(),
         1);
  {
    ErrorLog log;
    ASSERT_EQ(log.open("-"), "");
    log.emit(LogLevel::error, ids::kListenFailed, "to the journal");
    log.emit(LogLevel::warn, ids::kConfigWarning, "a warning");
  }
  unsetenv("JOURNAL_STREAM");
  {
    ErrorLog log;
    ASSERT_EQ(log.open("-"), "");
    log.emit(LogLevel::error, ids::kListenFailed, "no journal");
  }
  dup2(saved, 2);
  close(saved);
  close(fd);
  std::string text = slurp(dir.file("stderr"));
  EXPECT_EQ(text.rfind("<3>[", 0), 0u) << text;
  EXPECT_NE(text.find("\n<4>["), std::string::npos) << text;
  EXPECT_NE(text.find("\n["), std::string::npos) << text;  // without JOURNAL_STREAM: no prefix
}

TEST(ErrorLog, PipedTargetUsesTheRegisteredPipe) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  ErrorLog log;
  EXPECT_NE(log.open("|not-registered"), "");
  register_pipe("|cat > /dev/null", p[1]);
  ASSERT_EQ(log.open("|cat > /dev/null"), "");
  log.emit(LogLevel::error, ids::kListenFailed, "through the pipe");
  char buf[512];
  ssize_t n = read(p[0], buf, sizeof buf);
  ASSERT_GT(n, 0);
  EXPECT_NE(std::string(buf, size_t(n)).find("MPMD0002: through the pipe"), std::string::npos);
  close(p[0]);
  close(p[1]);
}

// Standard error goes to a file while it is alive.
class StderrToFile {
 public:
  explicit StderrToFile(const std::string& path) : saved_(dup(2)) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    dup2(fd, 2);
    close(fd);
  }
  ~StderrToFile() {
    dup2(saved_, 2);
    close(saved_);
  }

 private:
  int saved_;
};

TEST(ErrorLog, LinesItCannotWriteGoToStandardErrorWithAWordOnWhy) {
  TempDir dir;
  ErrorLog log;
  ASSERT_EQ(log.open("/dev/full"), "");
  {
    StderrToFile redirect(dir.file("stderr"));
    log.emit(LogLevel::error, ids::kListenFailed, "first");
    log.emit(LogLevel::error, ids::kListenFailed, "second");
  }
  std::string text = slurp(dir.file("stderr"));
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3u) << text;
  EXPECT_NE(lines[0].find("MPMD0046: cannot write the error log /dev/full: No space left on "
                          "device; its lines go to standard error"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find("MPMD0002: first"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("MPMD0002: second"), std::string::npos) << lines[2];
  // Writable again: the first line there says how many went elsewhere.
  ASSERT_EQ(log.open(dir.file("error.log")), "");
  log.emit(LogLevel::error, ids::kListenFailed, "third");
  std::string after = slurp(dir.file("error.log"));
  EXPECT_NE(after.find("MPMD0002: third\n"), std::string::npos) << after;
  EXPECT_NE(after.find("MPMD0046: the error log can be written again; 2 lines went"),
            std::string::npos)
      << after;
}

TEST(ErrorLog, IdsAreDistinct) {
  std::set<std::string_view> all = {ids::kStartup,
                                    ids::kListenFailed,
                                    ids::kChildExited,
                                    ids::kChildRespawned,
                                    ids::kConfigError,
                                    ids::kAcceptFailed,
                                    ids::kShutdown,
                                    ids::kGracefulRestart,
                                    ids::kFileOpenFailed,
                                    ids::kRequestRejected,
                                    ids::kConfigWarning,
                                    ids::kMaxRequestWorkers,
                                    ids::kServerBusy,
                                    ids::kScoreboardFull,
                                    ids::kRestart,
                                    ids::kAccessLogWriteFailed,
                                    ids::kLogReopened,
                                    ids::kHandlerError,
                                    ids::kPidFile,
                                    ids::kSignal,
                                    ids::kEventLoopFailed,
                                    ids::kChildRecycled,
                                    ids::kForkFailed,
                                    ids::kChildBackoff,
                                    ids::kChildStuck,
                                    ids::kAccessLogRecovered,
                                    ids::kErrorLogWriteFailed};
  EXPECT_EQ(all.size(), 27u);
}

}  // namespace
}  // namespace mpmd::log
