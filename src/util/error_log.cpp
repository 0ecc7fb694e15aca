#include "util/error_log.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "util/strings.hpp"
#include "util/system_log.hpp"

namespace mpmd::log {

namespace {

constexpr std::string_view kLevels[] = {"emerg", "alert",  "crit", "error",
                                        "warn",  "notice", "info", "debug"};
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_stderr(std::string_view path) {
  return path.empty() || path == "-" || path == "/dev/stderr";
}

// Control characters would split or garble the line; everything else is kept.
void append_message(std::string& out, std::string_view m) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char ch : m) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7f) {
      out.push_back(ch);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (c == '\t') {
      out.append("\\t");
    } else {
      out.append("\\x");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
}

std::atomic<int> g_pid{0};

void forget_pid() {
  g_pid.store(0, std::memory_order_relaxed);
}

// False when a write failed (errno says why).
bool write_line(int fd, std::string_view line) {
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    p += n;
    left -= size_t(n);
  }
  return true;
}

}  // namespace

std::string_view level_name(LogLevel level) {
  int i = int(level);
  return i >= 0 && i < 8 ? kLevels[i] : "unknown";
}

std::optional<LogLevel> parse_level(std::string_view name) {
  for (int i = 0; i < 8; ++i) {
    if (util::iequals(name, kLevels[i])) return LogLevel(i);
  }
  if (name.size() == 6 && util::istarts_with(name, "trace") && name[5] >= '1' && name[5] <= '8') {
    return LogLevel::debug;
  }
  return std::nullopt;
}

std::string ErrorLog::open(const std::string& path) {
  std::lock_guard lock(open_mutex_);
  if (is_syslog_target(path)) {
    std::optional<int> facility = syslog_facility(path);
    if (!facility) return "unknown syslog facility in " + path;
    open_syslog(*facility);
    path_.clear();
    syslog_.store(true);
    return "";
  }
  if (is_pipe_target(path)) {
    int fd = pipe_fd(path);
    if (fd < 0) return "the program of piped log " + path + " was not started";
    fd_.store(fd);  // the master's pipe, not ours: kept across restarts of the program
    path_.clear();
    syslog_.store(false);
    journal_.store(false);
    return "";
  }
  syslog_.store(false);
  journal_.store(is_stderr(path) && stderr_is_journal());
  if (is_stderr(path)) {
    // A writer may still hold the old number: keep the file open (rare: only
    // when a configuration moves the error log back to stderr).
    fd_.store(2);
    path_.clear();
    return "";
  }
  util::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) return "cannot open error log " + path + ": " + std::strerror(errno);
  if (owned_fd_) {
    // Same descriptor number, new file: concurrent emit() never sees a closed fd.
    if (::dup3(fd.get(), owned_fd_.get(), O_CLOEXEC) < 0) {
      return "cannot open error log " + path + ": " + std::strerror(errno);
    }
  } else {
    owned_fd_ = std::move(fd);
  }
  path_ = path;
  fd_.store(owned_fd_.get());
  return "";
}

std::string ErrorLog::reopen() {
  std::string path;
  {
    std::lock_guard lock(open_mutex_);
    path = path_;
  }
  if (path.empty()) return "";
  return open(path);
}

void ErrorLog::format_line(std::string& out, util::Usec now, int pid, LogLevel level,
                           std::string_view id, std::string_view message) {
  std::time_t sec = std::time_t(now / 1000000);
  struct tm tm;
  localtime_r(&sec, &tm);
  char buf[128];
  int n = std::snprintf(buf, sizeof buf,
                        "[%s %s %02d %02d:%02d:%02d.%06lld %04d] [mpmd:", kDays[tm.tm_wday % 7],
                        kMonths[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                        static_cast<long long>(now % 1000000), tm.tm_year + 1900);
  out.append(buf, size_t(n > 0 ? n : 0));
  out.append(level_name(level));
  out.append("] [pid ");
  util::append_u64(out, uint64_t(pid));
  out.append("] ");
  if (!id.empty()) {
    out.append(id);
    out.append(": ");
  }
  append_message(out, message);
  out.push_back('\n');
}

void ErrorLog::emit(LogLevel level, std::string_view id, std::string_view message) {
  if (!enabled(level)) return;
  if (syslog_.load(std::memory_order_relaxed)) return syslog_line(level, id, message);
  const util::Clock* clock = clock_.load();
  util::Usec now = clock ? clock->now() : util::SystemClock().now();
  thread_local std::string line;
  line.clear();
  if (journal_.load(std::memory_order_relaxed)) {
    // sd-daemon(3)'s priority prefix: journald stores the line at that priority.
    line.push_back('<');
    line.push_back(char('0' + int(level)));
    line.push_back('>');
  }
  format_line(line, now, current_pid(), level, id, message);
  const int fd = fd_.load();
  if (!write_line(fd, line)) return divert(fd, errno, level, id, message, line);
  if (failing_.load(std::memory_order_relaxed) && failing_.exchange(false)) {
    std::string note;
    format_line(note, now, current_pid(), LogLevel::notice, ids::kErrorLogWriteFailed,
                "the error log can be written again; " + std::to_string(diverted_.exchange(0)) +
                    " lines went to standard error or syslog meanwhile");
    write_line(fd, note);
  }
}

// The error log itself cannot be written: the line goes to standard error,
// or to syslog if the error log is standard error or that fails too; the
// first one after a word on why.
void ErrorLog::divert(int fd, int error, LogLevel level, std::string_view id,
                      std::string_view message, const std::string& line) {
  diverted_.fetch_add(1, std::memory_order_relaxed);
  const bool first = !failing_.exchange(true);
  const bool to_stderr = fd != 2;
  if (first) {
    std::string why = "cannot write the error log";
    {
      std::lock_guard lock(open_mutex_);  // rare: only at the first failure
      if (!path_.empty()) why += " " + path_;
    }
    why += std::string(": ") + std::strerror(error) + "; its lines go to " +
           (to_stderr ? "standard error" : "syslog") + " until it works again";
    std::string note;
    format_line(note, util::wall_usec(), current_pid(), LogLevel::error, ids::kErrorLogWriteFailed,
                why);
    if (!to_stderr || !write_line(2, note)) {
      syslog_line(LogLevel::error, ids::kErrorLogWriteFailed, why);
    }
  }
  if (!to_stderr || !write_line(2, line)) syslog_line(level, id, message);
}

ErrorLog& error_log() {
  static ErrorLog instance;
  return instance;
}

int current_pid() {
  int pid = g_pid.load(std::memory_order_relaxed);
  if (pid != 0) return pid;
  static const bool registered = [] { return pthread_atfork(nullptr, nullptr, forget_pid) == 0; }();
  (void)registered;
  pid = int(getpid());
  g_pid.store(pid, std::memory_order_relaxed);
  return pid;
}

void emitf(LogLevel level, std::string_view id, const char* format, ...) {
  if (!error_log().enabled(level)) return;
  char small[512];
  va_list ap;
  va_start(ap, format);
  int n = std::vsnprintf(small, sizeof small, format, ap);
  va_end(ap);
  if (n < 0) return;
  if (size_t(n) < sizeof small) {
    error_log().emit(level, id, std::string_view(small, size_t(n)));
    return;
  }
  std::string big(size_t(n) + 1, '\0');
  va_start(ap, format);
  std::vsnprintf(big.data(), big.size(), format, ap);
  va_end(ap);
  big.resize(size_t(n));
  error_log().emit(level, id, big);
}

namespace detail {
void cat_part(std::string& out, std::string_view s) {
  out.append(s);
}
void cat_part(std::string& out, char c) {
  out.push_back(c);
}
void cat_part(std::string& out, long long v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
void cat_part(std::string& out, unsigned long long v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
void cat_part(std::string& out, double v) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%g", v);
  out.append(buf, size_t(n > 0 ? n : 0));
}
}  // namespace detail

}  // namespace mpmd::log
