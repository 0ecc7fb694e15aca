// Time as the HTTP core and logs see it: given to them, never read by them.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace mpmd::util {

// Microseconds since the Unix epoch (wall clock).
using Usec = int64_t;

// Wall-clock microseconds since the epoch (CLOCK_REALTIME).
Usec wall_usec();
// Microseconds on a clock that never jumps (CLOCK_MONOTONIC): for timeouts.
Usec monotonic_usec();

// Source of time. Engines pass the real clock; tests pass a fake one.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Usec now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Usec now() const override;
};

// Fixed time, settable: for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Usec t = 784111777'000000) : t_(t) {}
  Usec now() const override { return t_; }
  void set(Usec t) { t_ = t; }
  void advance(Usec d) { t_ += d; }

 private:
  Usec t_;
};

// IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (always 29 characters).
std::string format_http_date(std::time_t t);

// Accepts IMF-fixdate, RFC 850 and asctime forms (RFC 9110 5.6.7).
std::optional<std::time_t> parse_http_date(std::string_view s);

// The current HTTP date, formatted at most once per second.
class DateCache {
 public:
  // Returns the IMF-fixdate for `now`; reformats only when the second changed.
  std::string_view http_date(Usec now);

 private:
  std::time_t second_ = -1;
  char text_[64] = {};
};

}  // namespace mpmd::util
