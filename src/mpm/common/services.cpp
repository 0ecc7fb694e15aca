#include "mpm/common/services.hpp"

#include "util/strings.hpp"
#include "util/version.hpp"

namespace mpmd::mpm {

http::Settings http_settings(const config::Config& config, http::BufferPool* buffers) {
  http::Settings s;
  s.buffers = buffers;
  s.limits.request_line = config.http.limit_request_line;
  s.limits.request_field_size = config.http.limit_request_field_size;
  s.limits.request_fields = config.http.limit_request_fields;
  s.limits.request_body = config.http.limit_request_body;
  s.keep_alive = config.http.keep_alive;
  s.max_keepalive_requests = config.http.max_keepalive_requests;
  const std::string& tokens = config.http.server_tokens;
  if (util::iequals(tokens, "prod") || util::iequals(tokens, "productonly")) {
    s.server_header = std::string(kName);
  } else {
    s.server_header = std::string(kName) + "/" + std::string(kVersion);
  }
  return s;
}

Services::Services(const ChildEnv& env, int thread, util::Executor* blocking_pool)
    : settings_(http_settings(*env.config, &buffers_)),
      site_(env.site->open_thread(thread, blocking_pool)) {}

Services::~Services() {
  flush();
}

}  // namespace mpmd::mpm
