// Internal: what each compiled LogFormat item renders (shared by the compiler
// in log_format.cpp and the renderer in log_render.cpp).
#pragma once

#include <cstdint>

namespace mpmd::log::detail {

enum class OpKind : uint8_t {
  literal,
  dash,  // directives mpmd has no data for
  remote_ip,
  local_ip,
  bytes_clf,
  bytes,
  bytes_in,
  bytes_out,
  bytes_total,
  cookie,
  duration,  // sub: 0 = seconds, 1 = milliseconds, 2 = microseconds
  protocol,
  header_in,
  header_out,
  keepalives,
  method,
  port,  // sub: 0 = local, 1 = remote
  pid,   // sub: 0 = pid, 1 = tid, 2 = hextid
  query,
  request_line,
  status,
  path,
  server_name,
  host,
  conn_status,
  time,  // sub: TimeForm
  remote_user,
  env_var,  // %{VAR}e
};

enum class TimeForm : uint8_t { clf, sec, msec, usec, msec_frac, usec_frac, strftime };

}  // namespace mpmd::log::detail
