// Realistic combined-format access logs for tests and benchmarks: client IPs,
// users, paths and agents drawn with Zipf-like skew, statuses and sizes that
// depend on the resource, and optional CRLF endings and malformed lines.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpmd::logscan {

struct GenOptions {
  uint64_t seed = 1;
  uint64_t lines = 1000;     // how many lines (when bytes == 0)
  uint64_t bytes = 0;        // or: stop once this many bytes were produced
  double crlf_fraction = 0;  // lines ending in "\r\n"
  double malformed_fraction = 0;
  bool final_newline = true;        // false: the last line has no newline
  int64_t start_time = 1709251200;  // 2024-03-01T00:00:00Z
  double lines_per_second = 50;
};

class LogGenerator {
 public:
  explicit LogGenerator(const GenOptions& options);
  // Appends one line with its line ending.
  void append_line(std::string& out);
  // A value of the pools, for picking filters that match: the i-th most common.
  const std::string& user(size_t i) const { return users_[i % users_.size()]; }
  const std::string& ip(size_t i) const { return ips_[i % ips_.size()]; }

 private:
  uint64_t next();
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
  size_t zipf(const std::vector<double>& cdf);
  void append_valid(std::string& out);

  GenOptions options_;
  uint64_t state_;
  double time_;
  std::vector<std::string> ips_, users_, paths_, agents_, referers_;
  std::vector<uint32_t> path_sizes_;
  std::vector<double> ip_cdf_, user_cdf_, path_cdf_, agent_cdf_, referer_cdf_;
};

// The whole log as one string (tests).
std::string generate_log(const GenOptions& options);

// Writes the log to `fd`; returns "" or an error.
std::string generate_to_fd(const GenOptions& options, int fd);

}  // namespace mpmd::logscan
