// The error log's severity levels (Apache's LogLevel), lowest number first.
// Their own header so the typed config can name them without the log itself.
#pragma once

namespace mpmd::log {

enum class LogLevel { emerg, alert, crit, error, warn, notice, info, debug };

}  // namespace mpmd::log
