#include "log/access_log.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "util/error_log.hpp"
#include "util/system_log.hpp"

namespace mpmd::log {

namespace {

bool is_stdout(std::string_view path) {
  return path == "-" || path == "/dev/stdout";
}

// Writes all of [data, data+len); retries on EINTR and short writes.
bool write_fully(int fd, const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = ::write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    len -= size_t(n);
  }
  return true;
}

// CustomLog files the master opened, by path; written only before fork.
std::map<std::string, util::UniqueFd, std::less<>>& master_files() {
  static std::map<std::string, util::UniqueFd, std::less<>> files;
  return files;
}

util::UniqueFd open_file(const std::string& path) {
  return util::UniqueFd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
}

}  // namespace

std::string AccessLog::open_in_master(const std::vector<config::CustomLog>& logs) {
  std::map<std::string, util::UniqueFd, std::less<>> files;
  std::string first_error;
  for (const config::CustomLog& c : logs) {
    if (is_pipe_target(c.path) || is_stdout(c.path) || files.count(c.path)) continue;
    util::UniqueFd fd = open_file(c.path);
    if (!fd && first_error.empty()) {
      first_error = "cannot open access log " + c.path + ": " + std::strerror(errno);
    }
    if (fd) files.emplace(c.path, std::move(fd));
  }
  master_files().swap(files);  // the previous generation's are closed here, not in its children
  return first_error;
}

AccessLog::~AccessLog() {
  flush();
}

std::string AccessLog::open_sink(Sink& sink) {
  util::UniqueFd file;
  int fd = 1;
  if (is_pipe_target(sink.path)) {
    // The master's pipe to the program: shared (not owned), kept when the
    // program restarts.
    fd = pipe_fd(sink.path);
    if (fd < 0) return "the program of piped log " + sink.path + " was not started";
  } else if (auto shared = master_files().find(sink.path); shared != master_files().end()) {
    fd = shared->second.get();  // opened by the master before the children gave up root
  } else if (!is_stdout(sink.path)) {
    file = open_file(sink.path);
    if (!file) return "cannot open access log " + sink.path + ": " + std::strerror(errno);
    fd = file.get();
  }
  struct stat st;
  size_t max_write = 0;
  if (::fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
    max_write = PIPE_BUF;
  }
  sink.file = std::move(file);
  sink.fd = fd;
  sink.max_write = max_write;
  return "";
}

std::string AccessLog::add(std::string_view path, std::string_view format) {
  Sink sink;
  sink.path = std::string(path);
  std::string error;
  if (!CompiledFormat::compile(format, sink.format, error)) {
    return "LogFormat \"" + std::string(format) + "\": " + error;
  }
  if (std::string e = open_sink(sink); !e.empty()) return e;
  if (!sinks_.empty()) sink.format.set_server_name(sinks_.front().format.server_name());
  sink.buffer.reserve(buffer_size_ + 1024);
  sinks_.push_back(std::move(sink));
  return "";
}

std::string AccessLog::add_all(const std::vector<config::CustomLog>& logs) {
  for (const config::CustomLog& c : logs) {
    if (std::string e = add(c.path, c.format); !e.empty()) return e;
  }
  return "";
}

void AccessLog::set_server_name(const std::string& name) {
  for (Sink& s : sinks_) s.format.set_server_name(name);
}

void AccessLog::on_exchange(const http::Request& request, const http::Response& response,
                            const http::Exchange& exchange) {
  for (Sink& s : sinks_) {
    s.format.render(request, response, exchange, s.buffer);
    if (s.buffer.size() >= buffer_size_) write_out(s);
  }
}

bool AccessLog::write_out(Sink& sink) {
  std::string& b = sink.buffer;
  bool ok = true;
  if (sink.max_write == 0 || b.size() <= sink.max_write) {
    ok = write_fully(sink.fd, b.data(), b.size());
  } else {
    // Pipes: cut at line ends so each write() stays within PIPE_BUF.
    size_t pos = 0;
    while (ok && pos < b.size()) {
      size_t len = b.size() - pos;
      if (len > sink.max_write) {
        size_t nl = b.rfind('\n', pos + sink.max_write - 1);
        if (nl == std::string::npos || nl < pos) nl = b.find('\n', pos);  // one long line
        len = (nl == std::string::npos ? b.size() : nl + 1) - pos;
      }
      ok = write_fully(sink.fd, b.data() + pos, len);
      pos += len;
    }
  }
  b.clear();
  if (!ok && !sink.failing) {
    // Once per failure episode, not once per batch: a full disk must not flood the error log.
    emit(LogLevel::error, ids::kAccessLogWriteFailed,
         cat("cannot write access log ", sink.path, ": ", std::strerror(errno),
             "; lines are dropped until writing works again"));
  }
  sink.failing = !ok;
  return ok;
}

bool AccessLog::flush() {
  bool ok = true;
  for (Sink& s : sinks_) {
    if (!s.buffer.empty()) ok = write_out(s) && ok;
  }
  return ok;
}

std::string AccessLog::reopen() {
  flush();
  std::string first_error;
  for (Sink& s : sinks_) {
    if (!s.file) continue;  // standard output
    std::string e = open_sink(s);
    if (!e.empty() && first_error.empty()) first_error = std::move(e);
  }
  return first_error;
}

}  // namespace mpmd::log
