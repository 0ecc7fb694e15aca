// The access log: CustomLog sinks fed by every finished exchange.
//
// Use one AccessLog per thread (each engine thread, each prefork child); an
// AccessLog is not thread-safe itself. Lines are buffered per sink and written
// only as whole lines, each batch with one write() on an O_APPEND descriptor,
// so AccessLogs in different threads and processes appending to the same
// file never interleave or tear lines. (For a pipe or FIFO, stdout included,
// a batch is cut at line ends to at most PIPE_BUF bytes, the size the kernel
// writes atomically.) The engine calls flush() at least once a second and at
// exit, and reopen() on graceful restart (after logrotate moved the files).
//
// When a write fails (a full disk, an I/O error) the batch's unwritten lines
// are dropped and counted, never kept growing in memory; a line cut by a
// write that stopped inside it is cut off the file again (regular files), so
// the log holds whole records only. The first failure of a file is reported
// once for the whole server (MPMD0016), and the first write that works again
// reports how many lines were lost (MPMD0045): see count_losses().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "http/handler.hpp"
#include "log/log_format.hpp"
#include "util/log_loss.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::log {

class AccessLog final : public http::ExchangeObserver {
 public:
  static constexpr size_t kDefaultBufferSize = 64 * 1024;

  explicit AccessLog(size_t buffer_size = kDefaultBufferSize) : buffer_size_(buffer_size) {}
  ~AccessLog() override;  // flushes and closes
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Adds a sink: `path` ("-" or "/dev/stdout" = standard output) and a LogFormat
  // string (nicknames already resolved); with `env`, only the requests that
  // have that environment variable (CustomLog env=VAR), or that lack it when
  // `env_negated` (env=!VAR). Returns "" or an error message.
  std::string add(std::string_view path, std::string_view format, std::string_view env = {},
                  bool env_negated = false);
  // Adds every CustomLog / TransferLog of a host; "" or the first error.
  std::string add_all(const std::vector<config::CustomLog>& logs);

  // Opens every file CustomLog in the master, before it forks (as root, like
  // Apache's open_logs): children that gave up root may not be able to open
  // them, so add() writes through these inherited descriptors instead. Called
  // again at each restart (after logrotate moved the files). "" or the first error.
  // `logs`: config::all_custom_logs.
  static std::string open_in_master(const std::vector<config::CustomLog>& logs);

  // Counts lost lines in `table` (an entry per log file, shared by every
  // process: the scoreboard's), which also makes the failure and recovery
  // reports once per file for the whole server, and in `thread_dropped` (this
  // thread's scoreboard slot; may be null). Without it, the counts and
  // reports are this AccessLog's own.
  void count_losses(std::span<util::LogLoss> table, std::atomic<uint64_t>* thread_dropped);

  // ServerName for %v / %V in every sink.
  void set_server_name(const std::string& name);

  void on_exchange(const http::Request& request, const http::Response& response,
                   const http::Exchange& exchange) override;

  // Writes every buffered line. Returns false if a write failed (lines are dropped).
  bool flush();
  // Flushes, then reopens every file by its path (stdout is kept).
  // Returns "" or the first error; a sink that cannot be reopened keeps its old file.
  std::string reopen();

  size_t sink_count() const { return sinks_.size(); }
  // Bytes waiting in the buffer of sink `i` (for tests and the status page).
  size_t buffered(size_t i) const { return sinks_[i].buffer.size(); }
  // Lines this AccessLog could not write, ever.
  uint64_t dropped_lines() const { return dropped_; }

 private:
  struct Sink {
    std::string path;
    CompiledFormat format;
    util::UniqueFd file;   // the log file; empty for standard output
    int fd = -1;           // file.get(), or 1
    size_t max_write = 0;  // 0 = unlimited (regular file), else PIPE_BUF
    std::string buffer;
    util::LogLoss* loss = nullptr;  // this file's entry in losses_
    std::string env;                // CustomLog env=[!]VAR: log only with (without) VAR
    bool env_negated = false;
  };

  static std::string open_sink(Sink& sink);
  bool write_out(Sink& sink);
  void count_lost(Sink& sink, uint64_t lines, int error);

  std::vector<Sink> sinks_;
  size_t buffer_size_;
  uint64_t dropped_ = 0;
  util::LogLoss own_losses_[4];  // without count_losses()
  std::span<util::LogLoss> losses_{own_losses_};
  std::atomic<uint64_t>* thread_dropped_ = nullptr;
};

}  // namespace mpmd::log
