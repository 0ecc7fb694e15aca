#include "util/system_log.hpp"

#include <sys/stat.h>
#include <syslog.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include "util/strings.hpp"

namespace mpmd::log {

namespace {

struct Facility {
  std::string_view name;
  int value;
};

constexpr Facility kFacilities[] = {
    {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
    {"daemon", LOG_DAEMON}, {"ftp", LOG_FTP},           {"kern", LOG_KERN},
    {"lpr", LOG_LPR},       {"mail", LOG_MAIL},         {"news", LOG_NEWS},
    {"syslog", LOG_SYSLOG}, {"user", LOG_USER},         {"uucp", LOG_UUCP},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},     {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},     {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

std::mutex pipes_mutex;
std::map<std::string, int, std::less<>>& pipes() {
  static std::map<std::string, int, std::less<>> m;
  return m;
}

}  // namespace

bool is_syslog_target(std::string_view path) {
  return path == "syslog" || path.starts_with("syslog:");
}

std::optional<int> syslog_facility(std::string_view path) {
  if (path == "syslog") return LOG_LOCAL7;
  if (!path.starts_with("syslog:")) return std::nullopt;
  std::string_view name = path.substr(7);
  for (const Facility& f : kFacilities) {
    if (util::iequals(name, f.name)) return f.value;
  }
  return std::nullopt;
}

void open_syslog(int facility) {
  // LOG_NDELAY: connect now, so that children share the socket and a chroot
  // or a full descriptor table later cannot stop logging.
  ::openlog("mpmd", LOG_PID | LOG_NDELAY, facility);
}

void syslog_line(LogLevel level, std::string_view id, std::string_view message) {
  // Control characters would split the record: replace them, as the file log escapes them.
  std::string text;
  text.reserve(id.size() + 2 + message.size());
  if (!id.empty()) {
    text.append(id);
    text.append(": ");
  }
  for (char c : message) {
    text.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  }
  ::syslog(int(level), "%s", text.c_str());
}

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat st;
  if (::fstat(2, &st) != 0) return false;
  // "DEVICE:INODE", both decimal (systemd.exec(5)).
  return std::string(stream) ==
         std::to_string(uint64_t(st.st_dev)) + ":" + std::to_string(uint64_t(st.st_ino));
}

bool is_pipe_target(std::string_view path) {
  return !path.empty() && path.front() == '|';
}

void register_pipe(std::string_view target, int fd) {
  std::lock_guard lock(pipes_mutex);
  pipes()[std::string(target)] = fd;
}

int pipe_fd(std::string_view target) {
  std::lock_guard lock(pipes_mutex);
  auto it = pipes().find(target);
  return it == pipes().end() ? -1 : it->second;
}

}  // namespace mpmd::log
