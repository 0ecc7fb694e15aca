// LogFormat rendering: one line per finished exchange, appended to a buffer.
// No allocation beyond growing `out`; timestamps are formatted at most once
// per second per thread (localtime_r / strftime are slow and take locks).
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

#include "log/log_format.hpp"
#include "log/log_format_ops.hpp"
#include "util/error_log.hpp"
#include "util/strings.hpp"

namespace mpmd::log {

namespace {

using detail::OpKind;
using detail::TimeForm;

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void append_num(std::string& out, uint64_t v) {
  util::append_u64(out, v);
}

void append_padded(std::string& out, uint64_t v, int width) {
  char buf[24];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = char('0' + v % 10);
    v /= 10;
  }
  out.append(buf, size_t(width));
}

void append_or_dash(std::string& out, std::string_view v) {
  if (v.empty()) {
    out.push_back('-');
  } else {
    append_escaped(out, v);
  }
}

std::string_view header_in(const http::Request& r, std::string_view name) {
  for (const http::Header& h : r.headers.fields()) {
    if (util::iequals(h.name, name)) return h.value;
  }
  return {};
}

std::string_view header_out(const http::Response& r, std::string_view name) {
  for (const http::ResponseHeader& h : r.headers) {
    if (util::iequals(h.name, name)) return h.value;
  }
  return {};
}

std::string_view cookie(const http::Request& r, std::string_view name) {
  for (const http::Header& h : r.headers.fields()) {
    if (!util::iequals(h.name, "Cookie")) continue;
    std::string_view rest = h.value;
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string_view pair = util::trim_ows(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      size_t eq = pair.find('=');
      if (eq != std::string_view::npos && util::trim_ows(pair.substr(0, eq)) == name) {
        return util::trim_ows(pair.substr(eq + 1));
      }
    }
  }
  return {};
}

// Host without port and IPv6 brackets, as Apache's r->hostname.
std::string_view hostname(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(1, close - 1);
  }
  size_t colon = host.rfind(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

// "[23/Nov/2026:05:49:09 +0000]" in the server's local time zone.
struct ClfCache {
  std::time_t second = -1;
  size_t len = 0;
  char text[48] = {};
};

size_t format_clf(std::time_t t, char* buf) {
  struct tm tm;
  localtime_r(&t, &tm);
  long off = tm.tm_gmtoff / 60;
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  int n = std::snprintf(buf, 48, "[%02d/%s/%04d:%02d:%02d:%02d %c%02ld%02ld]", tm.tm_mday,
                        kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                        sign, off / 60, off % 60);
  return n > 0 ? size_t(n) : 0;
}

void append_clf_time(std::string& out, std::time_t t) {
  // Two slots: begin and end times of one line usually fall in two seconds at most.
  thread_local ClfCache cache[2];
  thread_local unsigned next = 0;
  for (const ClfCache& c : cache) {
    if (c.second == t) {
      out.append(c.text, c.len);
      return;
    }
  }
  ClfCache& c = cache[next++ & 1];
  c.second = t;
  c.len = format_clf(t, c.text);
  out.append(c.text, c.len);
}

struct StrftimeCache {
  std::time_t second = -1;
  char format[208] = {};
  size_t format_len = 0;
  size_t len = 0;
  char text[256] = {};
};

void append_strftime(std::string& out, std::time_t t, std::string_view format) {
  thread_local StrftimeCache cache[4];
  thread_local unsigned next = 0;
  for (const StrftimeCache& c : cache) {
    if (c.second == t && c.format_len == format.size() &&
        std::memcmp(c.format, format.data(), format.size()) == 0) {
      out.append(c.text, c.len);
      return;
    }
  }
  StrftimeCache& c = cache[next++ & 3];
  c.second = t;
  c.format_len = format.size();  // the compiler limits formats to 200 characters
  std::memcpy(c.format, format.data(), format.size());
  c.format[format.size()] = '\0';
  struct tm tm;
  localtime_r(&t, &tm);
  c.len = std::strftime(c.text, sizeof c.text, c.format, &tm);
  out.append(c.text, c.len);
}

void append_time(std::string& out, const detail::Op& op, std::string_view arg, util::Usec when) {
  if (when < 0) when = 0;
  std::time_t sec = std::time_t(when / 1000000);
  switch (TimeForm(op.sub)) {
    case TimeForm::clf:
      append_clf_time(out, sec);
      break;
    case TimeForm::sec:
      append_num(out, uint64_t(sec));
      break;
    case TimeForm::msec:
      append_num(out, uint64_t(when / 1000));
      break;
    case TimeForm::usec:
      append_num(out, uint64_t(when));
      break;
    case TimeForm::msec_frac:
      append_padded(out, uint64_t(when % 1000000 / 1000), 3);
      break;
    case TimeForm::usec_frac:
      append_padded(out, uint64_t(when % 1000000), 6);
      break;
    case TimeForm::strftime:
      append_strftime(out, sec, arg.substr(op.arg_offset));
      break;
  }
}

uint64_t thread_id() {
  thread_local uint64_t tid = 0;
  thread_local int tid_pid = 0;
  int pid = current_pid();
  if (tid == 0 || tid_pid != pid) {  // a forked child's thread has a new id
    tid = uint64_t(syscall(SYS_gettid));
    tid_pid = pid;
  }
  return tid;
}

void append_hex(std::string& out, uint64_t v) {
  char buf[20];
  int n = std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  out.append(buf, size_t(n));
}

}  // namespace

void CompiledFormat::render(const http::Request& request, const http::Response& response,
                            const http::Exchange& exchange, std::string& out) const {
  const util::Usec begin = request.start != 0 ? request.start : exchange.end;
  const util::Usec end = exchange.end != 0 ? exchange.end : begin;
  const http::Peer* peer = request.peer;
  for (size_t i = 0; i < items_.size(); ++i) {
    const Item& item = items_[i];
    const detail::Op& op = ops_[i];
    if (item.literal) {
      out.append(item.text);
      continue;
    }
    if (!op.condition.passes(response.status)) {
      out.push_back('-');
      continue;
    }
    const std::string& arg = item.directive.arg;
    switch (OpKind(op.kind)) {
      case OpKind::literal:
        out.append(item.text);
        break;
      case OpKind::dash:
        out.push_back('-');
        break;
      case OpKind::env_var: {
        const std::string* v = response.env(arg);
        append_or_dash(out, v ? std::string_view(*v) : std::string_view());
        break;
      }
      case OpKind::remote_user:
        if (response.remote_user && response.remote_user->empty()) {
          out.append("\"\"");
        } else {
          append_or_dash(out, response.remote_user.value_or(""));
        }
        break;
      case OpKind::remote_ip:
        append_or_dash(out, peer ? peer->address : "");
        break;
      case OpKind::local_ip:
        append_or_dash(out, peer ? peer->local_address : "");
        break;
      case OpKind::bytes_clf:
        if (exchange.body_bytes_sent == 0) {
          out.push_back('-');
        } else {
          append_num(out, exchange.body_bytes_sent);
        }
        break;
      case OpKind::bytes:
        append_num(out, exchange.body_bytes_sent);
        break;
      case OpKind::bytes_in:
        append_num(out, request.bytes_received);
        break;
      case OpKind::bytes_out:
        append_num(out, exchange.header_bytes_sent + exchange.body_bytes_sent);
        break;
      case OpKind::bytes_total:
        append_num(out,
                   request.bytes_received + exchange.header_bytes_sent + exchange.body_bytes_sent);
        break;
      case OpKind::cookie:
        append_or_dash(out, cookie(request, arg));
        break;
      case OpKind::duration: {
        uint64_t us = begin != 0 && end > begin ? uint64_t(end - begin) : 0;
        append_num(out, op.sub == 0 ? us / 1000000 : op.sub == 1 ? us / 1000 : us);
        break;
      }
      case OpKind::protocol:
        out.append(request.version == http::Version::http10 ? "HTTP/1.0" : "HTTP/1.1");
        break;
      case OpKind::header_in:
        append_or_dash(out, header_in(request, arg));
        break;
      case OpKind::header_out: {
        std::string_view v = header_out(response, arg);
        if (v.empty() && util::iequals(arg, "Content-Length") && !response.body.empty()) {
          append_num(out, response.body.size());
        } else {
          append_or_dash(out, v);
        }
        break;
      }
      case OpKind::keepalives:
        append_num(out, request.index_on_connection);
        break;
      case OpKind::method:
        append_or_dash(out, request.method_text);
        break;
      case OpKind::port:
        if (!peer) {
          out.push_back('-');
        } else {
          append_num(out, op.sub == 0 ? peer->local_port : peer->port);
        }
        break;
      case OpKind::pid:
        if (op.sub == 0) {
          append_num(out, uint64_t(current_pid()));
        } else if (op.sub == 1) {
          append_num(out, thread_id());
        } else {
          append_hex(out, thread_id());
        }
        break;
      case OpKind::query:
        if (!request.query.empty()) {
          out.push_back('?');
          append_escaped(out, request.query);
        }
        break;
      case OpKind::request_line:
        append_or_dash(out, request.request_line);
        break;
      case OpKind::status:
        append_num(out, uint64_t(response.status));
        break;
      case OpKind::path:
        append_or_dash(out, request.path);
        break;
      case OpKind::server_name:
        append_or_dash(out, server_name_);
        break;
      case OpKind::host: {
        std::string_view h = hostname(request.host);
        append_or_dash(out, h.empty() ? std::string_view(server_name_) : h);
        break;
      }
      case OpKind::conn_status:
        if (!exchange.completed) {
          out.push_back('X');
        } else {
          out.push_back(request.keep_alive && !response.close ? '+' : '-');
        }
        break;
      case OpKind::time:
        append_time(out, op, arg, op.end_time ? end : begin);
        break;
    }
  }
  out.push_back('\n');
}

}  // namespace mpmd::log
