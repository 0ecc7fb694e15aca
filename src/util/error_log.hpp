// The error log: levelled messages, each with a stable ID (util/log_ids.hpp), one
// line each, in Apache's layout:
//
//   [Mon Nov 23 05:49:09.123456 2026] [mpmd:error] [pid 1234] MPMD0042: message
//
// One process-wide instance (error_log()), configured from ErrorLog/LogLevel.
// Thread-safe: every line is built in a per-thread buffer and written with a
// single write() on an O_APPEND descriptor, so lines of threads and processes
// (prefork children inherit the descriptor) never tear. Control characters
// in messages are escaped (\n, \xhh) so a message is always one line.
// A line that cannot be written (a full disk) goes to standard error instead,
// or to syslog when the error log is standard error, after a word on why
// (MPMD0046, once per failure); the first line written again says how many
// lines went elsewhere.
//
//   log::emit(LogLevel::error, log::ids::kListenFailed,
//             log::cat("cannot listen on ", addr, ":", port, ": ", strerror(err)));
//   log::emitf(LogLevel::warn, log::ids::kConfigWarning, "%s:%d: %s", file, line, msg);
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "util/clock.hpp"
#include "util/log_ids.hpp"
#include "util/log_level.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::log {

// "emerg", "alert", ..., "debug".
std::string_view level_name(LogLevel level);
// Parses a level name (ASCII case-insensitive); "trace1".."trace8" count as debug.
std::optional<LogLevel> parse_level(std::string_view name);

class ErrorLog {
 public:
  ErrorLog() = default;  // standard error, level warn
  ErrorLog(const ErrorLog&) = delete;
  ErrorLog& operator=(const ErrorLog&) = delete;

  // Directs output to `path` ("", "-" or "/dev/stderr" = standard error), opened
  // O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC; or to syslog ("syslog[:facility]"), or
  // to the pipe the master made for "|command" (log/system_log.hpp). On
  // standard error under systemd, lines carry the journal's "<N>" prefix.
  // Returns "" or an error (the old destination is kept then).
  std::string open(const std::string& path);
  // Reopens the file by its path (after logrotate). "" or an error.
  std::string reopen();

  void set_level(LogLevel level) { level_.store(int(level), std::memory_order_relaxed); }
  LogLevel level() const { return LogLevel(level_.load(std::memory_order_relaxed)); }
  // As Apache's server log: notice lines (start-up, restarts, shutdown) are
  // written whatever the LogLevel.
  bool enabled(LogLevel level) const {
    return level == LogLevel::notice || int(level) <= level_.load(std::memory_order_relaxed);
  }

  // Time source for the timestamps (tests); null = the system clock. Not owned.
  void set_clock(const util::Clock* clock) { clock_.store(clock); }

  // Writes one line if `level` is enabled.
  void emit(LogLevel level, std::string_view id, std::string_view message);

  // Appends a complete line (with '\n') to `out`.
  static void format_line(std::string& out, util::Usec now, int pid, LogLevel level,
                          std::string_view id, std::string_view message);

 private:
  std::mutex open_mutex_;    // open/reopen only; emit takes no lock
  std::string path_;         // "" = standard error
  util::UniqueFd owned_fd_;  // the file we opened, kept at a stable number across reopen
  std::atomic<int> fd_{2};
  std::atomic<int> level_{int(LogLevel::warn)};
  std::atomic<bool> syslog_{false};   // ErrorLog syslog[:facility]
  std::atomic<bool> journal_{false};  // standard error is the journal: "<N>" prefixes
  std::atomic<const util::Clock*> clock_{nullptr};
  std::atomic<bool> failing_{false};   // the last write failed: lines go elsewhere
  std::atomic<uint64_t> diverted_{0};  // lines that went elsewhere since it failed

  void divert(int fd, int error, LogLevel level, std::string_view id, std::string_view message,
              const std::string& line);
};

// The process-wide error log.
ErrorLog& error_log();

// The process id, cached (refreshed in a forked child).
int current_pid();

inline void emit(LogLevel level, std::string_view id, std::string_view message) {
  error_log().emit(level, id, message);
}
// printf-style; the message is formatted only if the level is enabled.
void emitf(LogLevel level, std::string_view id, const char* format, ...)
    __attribute__((format(printf, 3, 4)));

inline void error(std::string_view id, std::string_view m) {
  emit(LogLevel::error, id, m);
}
inline void warn(std::string_view id, std::string_view m) {
  emit(LogLevel::warn, id, m);
}
inline void notice(std::string_view id, std::string_view m) {
  emit(LogLevel::notice, id, m);
}
inline void info(std::string_view id, std::string_view m) {
  emit(LogLevel::info, id, m);
}
inline void debug(std::string_view id, std::string_view m) {
  emit(LogLevel::debug, id, m);
}

// Message building: log::cat("port ", 80, " busy") == "port 80 busy".
namespace detail {
void cat_part(std::string& out, std::string_view s);
void cat_part(std::string& out, char c);
void cat_part(std::string& out, long long v);
void cat_part(std::string& out, unsigned long long v);
void cat_part(std::string& out, double v);
template <class T>
void cat_any(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    cat_part(out, std::string_view(v ? "true" : "false"));
  } else if constexpr (std::is_same_v<T, char>) {
    cat_part(out, v);
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    cat_part(out, static_cast<long long>(v));
  } else if constexpr (std::is_integral_v<T>) {
    cat_part(out, static_cast<unsigned long long>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    cat_part(out, static_cast<double>(v));
  } else {
    cat_part(out, std::string_view(v));
  }
}
}  // namespace detail

template <class... Args>
std::string cat(const Args&... args) {
  std::string out;
  (detail::cat_any(out, args), ...);
  return out;
}

}  // namespace mpmd::log
