#include "log/configure.hpp"

namespace mpmd::log {

util::Status configure(ErrorLog& log, const config::Logs& logs) {
  log.set_level(logs.log_level);
  if (std::string error = log.open(logs.error_log); !error.empty()) return util::Error{error};
  return {};
}

}  // namespace mpmd::log
