#include "logscan/timeparse.hpp"

#include <cstdio>

namespace mpmd::logscan {

namespace {

bool digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

int month_of(std::string_view m) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (m == kMonths[i]) return i + 1;
  return 0;
}

bool valid(int y, int mo, int d, int h, int mi, int s) {
  return y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && s <= 60;
}

int64_t to_epoch(int y, int mo, int d, int h, int mi, int s) {
  return days_from_civil(y, unsigned(mo), unsigned(d)) * 86400 + h * 3600 + mi * 60 + s;
}

// "+0200", "-07:00", "Z"; returns the offset in seconds east of UTC.
std::optional<int64_t> parse_zone(std::string_view z) {
  if (z == "Z" || z == "z") return 0;
  if (z.size() != 5 && z.size() != 6) return std::nullopt;
  if (z[0] != '+' && z[0] != '-') return std::nullopt;
  int hh = 0, mm = 0;
  size_t mpos = z.size() == 6 ? 4 : 3;
  if (z.size() == 6 && z[3] != ':') return std::nullopt;
  if (!digits(z, 1, 2, hh) || !digits(z, mpos, 2, mm) || hh > 23 || mm > 59) return std::nullopt;
  int64_t off = hh * 3600 + mm * 60;
  return z[0] == '-' ? -off : off;
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + int64_t(doe) - 719468;
}

std::optional<int64_t> parse_clf_time(std::string_view s) {
  // dd/Mon/yyyy:HH:MM:SS +zzzz
  if (s.size() != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' ||
      s[17] != ':' || s[20] != ' ')
    return std::nullopt;
  int d, y, h, mi, sec;
  int mo = month_of(s.substr(3, 3));
  if (!digits(s, 0, 2, d) || !digits(s, 7, 4, y) || !digits(s, 12, 2, h) || !digits(s, 15, 2, mi) ||
      !digits(s, 18, 2, sec) || !valid(y, mo, d, h, mi, sec))
    return std::nullopt;
  auto zone = parse_zone(s.substr(21));
  if (!zone) return std::nullopt;
  return to_epoch(y, mo, d, h, mi, sec) - *zone;
}

std::optional<int64_t> parse_user_time(std::string_view s) {
  if (!s.empty() && s[0] == '@') {
    int64_t v = 0;
    if (s.size() < 2 || s.size() > 19) return std::nullopt;
    for (char c : s.substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return v;
  }
  if (s.size() == 26 && s[2] == '/') return parse_clf_time(s);
  if (s.size() == 20 && s[2] == '/') return parse_clf_time(std::string(s) + " +0000");
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 5, 2, mo) ||
      !digits(s, 8, 2, d))
    return std::nullopt;
  size_t pos = 10;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    if (!digits(s, pos + 1, 2, h) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, mi))
      return std::nullopt;
    pos += 6;
    if (pos < s.size() && s[pos] == ':') {
      if (!digits(s, pos + 1, 2, sec)) return std::nullopt;
      pos += 3;
    }
  }
  if (!valid(y, mo, d, h, mi, sec)) return std::nullopt;
  int64_t zone = 0;
  if (pos < s.size()) {
    auto z = parse_zone(s.substr(pos));
    if (!z) return std::nullopt;
    zone = *z;
  }
  return to_epoch(y, mo, d, h, mi, sec) - zone;
}

std::string format_utc(int64_t epoch) {
  int64_t days = epoch >= 0 ? epoch / 86400 : (epoch - 86399) / 86400;
  int64_t secs = epoch - days * 86400;
  // civil_from_days
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = unsigned(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = int64_t(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d,
                int(secs / 3600), int(secs / 60 % 60), int(secs % 60));
  return buf;
}

}  // namespace mpmd::logscan
