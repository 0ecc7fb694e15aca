// Error-log destinations besides files: syslog (ErrorLog syslog[:facility]),
// the systemd journal's priority prefixes on standard error, and "|command"
// pipes (ErrorLog "|cmd", CustomLog "|cmd" ...).
//
// Pipes: the master creates one pipe per command before it forks anything
// (supervisor/piped_logs.cpp starts and restarts the programs) and registers
// its write end here; the error log and every child's access log write to
// that descriptor, which stays the same when the program is restarted.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/log_level.hpp"

namespace mpmd::log {

// "syslog" or "syslog:FACILITY".
bool is_syslog_target(std::string_view path);
// The facility of a syslog target: "syslog" -> local7 (Apache's default),
// "syslog:daemon" -> LOG_DAEMON, ...; nullopt for an unknown name.
std::optional<int> syslog_facility(std::string_view path);
// openlog("mpmd", LOG_PID | LOG_NDELAY | LOG_CLOEXEC-equivalent, facility).
void open_syslog(int facility);
// One record at the priority of `level` (emerg..debug are syslog's 0..7).
void syslog_line(LogLevel level, std::string_view id, std::string_view message);

// True when standard error is the stream systemd connected to the journal
// (JOURNAL_STREAM names its device and inode): lines then start with the
// journal's priority prefix, "<3>" for error and so on.
bool stderr_is_journal();

// "|command": a log written to a program's standard input.
bool is_pipe_target(std::string_view path);
// Registers the write end of the pipe for "|command" (not owned).
void register_pipe(std::string_view target, int fd);
// The write end for "|command", or -1 if the master did not create it.
int pipe_fd(std::string_view target);

}  // namespace mpmd::log
