#include "util/clock.hpp"

#include <cstring>
#include <ctime>

namespace mpmd::util {

namespace {
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void format_into(std::time_t t, char* out) {
  struct tm tm;
  gmtime_r(&t, &tm);
  std::snprintf(out, 64, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int month_index(std::string_view m) {
  for (int i = 0; i < 12; ++i) {
    if (m == kMonths[i]) return i;
  }
  return -1;
}
}  // namespace

Usec wall_usec() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return Usec(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

Usec monotonic_usec() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Usec(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

Usec SystemClock::now() const {
  return wall_usec();
}

std::string format_http_date(std::time_t t) {
  char buf[64];
  format_into(t, buf);
  return std::string(buf, 29);
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
  std::string str(s);
  struct tm tm;
  std::memset(&tm, 0, sizeof tm);
  char mon[4] = {};
  char wday[16] = {};
  int n = 0;
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  if (std::sscanf(str.c_str(), "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", wday, &tm.tm_mday, mon,
                  &tm.tm_year, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) == 7 &&
      size_t(n) == str.size()) {
  } else if (std::sscanf(str.c_str(), "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d GMT%n", wday,
                         &tm.tm_mday, mon, &tm.tm_year, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
                         &n) == 7 &&
             size_t(n) == str.size()) {
    // RFC 850: two-digit year; RFC 9110 says interpret within 50 years.
    tm.tm_year += tm.tm_year < 70 ? 2000 : 1900;
  } else if (std::sscanf(str.c_str(), "%3s %3s %d %2d:%2d:%2d %4d%n", wday, mon, &tm.tm_mday,
                         &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &tm.tm_year, &n) == 7 &&
             size_t(n) == str.size()) {
  } else {
    return std::nullopt;
  }
  tm.tm_mon = month_index(mon);
  if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  return timegm(&tm);
}

std::string_view DateCache::http_date(Usec now) {
  std::time_t sec = std::time_t(now / 1000000);
  if (sec != second_) {
    second_ = sec;
    format_into(sec, text_);
  }
  return std::string_view(text_, 29);
}

}  // namespace mpmd::util
