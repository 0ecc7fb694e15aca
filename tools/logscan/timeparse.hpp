// Times in access logs and on the command line, as seconds since the epoch (UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mpmd::logscan {

// "10/Oct/2000:13:55:36 -0700" (the text inside %t's brackets).
std::optional<int64_t> parse_clf_time(std::string_view s);

// Command-line times: "2024-03-01", "2024-03-01T10:00[:00][Z|+02:00|+0200]",
// "2024-03-01 10:00:00", the %t form "01/Mar/2024:10:00:00 +0000", or "@1709287200".
// Without a zone the time is UTC.
std::optional<int64_t> parse_user_time(std::string_view s);

// "2024-03-01T10:00:00Z".
std::string format_utc(int64_t epoch);

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

}  // namespace mpmd::logscan
