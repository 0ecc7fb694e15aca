#include "log/access_log.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

// Writes [data, data+len); retries on EINTR and short writes. Returns the
// bytes written: len, or fewer when a write failed (errno says why).
size_t write_fully(int fd, const char* data, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::write(fd, data + done, len - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (n == 0) {  // not for files or pipes; never loop on it
      errno = EIO;
      break;
    }
    done += size_t(n);
  }
  return done;
}

// A write that stopped inside a line (the disk filled up mid-write) left the
// line's first `torn` bytes at the end of the file: cut them off again, so the
// log holds whole records only. Regular files only: a pipe cannot take bytes
// back (there, only a single line longer than PIPE_BUF can be torn). Another
// process appending in the moment between the failed write and this cut
// would lose its line instead of ours; with the disk full, its write fails too.
bool cut_torn_line(int fd, size_t torn) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < off_t(torn)) return false;
  return ::ftruncate(fd, st.st_size - off_t(torn)) == 0;
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

std::string AccessLog::add(std::string_view path, std::string_view format, std::string_view env,
                           bool env_negated) {
  Sink sink;
  sink.path = std::string(path);
  sink.env = std::string(env);
  sink.env_negated = env_negated;
  std::string error;
  if (!CompiledFormat::compile(format, sink.format, error)) {
    return "LogFormat \"" + std::string(format) + "\": " + error;
  }
  if (std::string e = open_sink(sink); !e.empty()) return e;
  if (!sinks_.empty()) sink.format.set_server_name(sinks_.front().format.server_name());
  sink.buffer.reserve(buffer_size_ + 1024);
  sink.loss = &util::log_loss_entry(losses_, sink.path);
  sinks_.push_back(std::move(sink));
  return "";
}

std::string AccessLog::add_all(const std::vector<config::CustomLog>& logs) {
  for (const config::CustomLog& c : logs) {
    if (std::string e = add(c.path, c.format, c.env, c.env_negated); !e.empty()) return e;
  }
  return "";
}

void AccessLog::count_losses(std::span<util::LogLoss> table,
                             std::atomic<uint64_t>* thread_dropped) {
  if (table.empty()) table = own_losses_;
  losses_ = table;
  thread_dropped_ = thread_dropped;
  for (Sink& s : sinks_) s.loss = &util::log_loss_entry(losses_, s.path);
}

void AccessLog::set_server_name(const std::string& name) {
  for (Sink& s : sinks_) s.format.set_server_name(name);
}

void AccessLog::on_exchange(const http::Request& request, const http::Response& response,
                            const http::Exchange& exchange) {
  for (Sink& s : sinks_) {
    if (!s.env.empty() && (response.env(s.env) != nullptr) == s.env_negated) continue;
    s.format.render(request, response, exchange, s.buffer);
    if (s.buffer.size() >= buffer_size_) write_out(s);
  }
}

bool AccessLog::write_out(Sink& sink) {
  std::string& b = sink.buffer;
  size_t written = 0;
  int error = 0;
  while (written < b.size()) {
    size_t len = b.size() - written;
    if (sink.max_write != 0 && len > sink.max_write) {
      // Pipes: cut at line ends so each write() stays within PIPE_BUF.
      size_t nl = b.rfind('\n', written + sink.max_write - 1);
      if (nl == std::string::npos || nl < written) nl = b.find('\n', written);  // one long line
      len = (nl == std::string::npos ? b.size() : nl + 1) - written;
    }
    const size_t n = write_fully(sink.fd, b.data() + written, len);
    written += n;
    if (n < len) {
      error = errno;
      break;
    }
  }
  if (written == b.size()) {
    b.clear();
    util::LogLoss& loss = *sink.loss;
    if (loss.failing.load(std::memory_order_relaxed) && loss.failing.exchange(false)) {
      // Whichever thread or child writes this file first after the failure says so.
      const uint64_t lost = loss.dropped.load(std::memory_order_relaxed) -
                            loss.episode_start.load(std::memory_order_relaxed);
      emit(LogLevel::notice, ids::kAccessLogRecovered,
           cat("access log ", sink.path, " can be written again; ", lost,
               " lines were lost while it could not"));
    }
    return true;
  }
  // Lines from the one the failed write stopped in are lost; that line's
  // first bytes, if any went out, are cut off the file again.
  const size_t line_start = written == 0 ? 0 : b.rfind('\n', written - 1) + 1;  // npos + 1 = 0
  if (line_start < written) cut_torn_line(sink.fd, written - line_start);
  const auto lost = uint64_t(std::count(b.begin() + ptrdiff_t(line_start), b.end(), '\n'));
  b.clear();
  count_lost(sink, lost, error);
  return false;
}

void AccessLog::count_lost(Sink& sink, uint64_t lines, int error) {
  dropped_ += lines;
  if (thread_dropped_) thread_dropped_->fetch_add(lines, std::memory_order_relaxed);
  util::LogLoss& loss = *sink.loss;
  const uint64_t before = loss.dropped.fetch_add(lines, std::memory_order_relaxed);
  if (loss.failing.load(std::memory_order_relaxed) || loss.failing.exchange(true)) return;
  // Once per failure of this file for the whole server, not once per batch,
  // thread or child: a full disk must not flood the error log.
  loss.episode_start.store(before, std::memory_order_relaxed);
  emit(LogLevel::error, ids::kAccessLogWriteFailed,
       cat("cannot write access log ", sink.path, ": ", std::strerror(error),
           "; lines are dropped, and counted on the status page, until writing works again"));
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
