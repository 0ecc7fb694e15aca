#include "python/daemon_client.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <cstring>

#include "python/daemons.hpp"
#include "python/http_exchange.hpp"
#include "python/wire.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::python {

namespace {

util::UniqueFd connect_to(const std::string& address) {
  util::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  size_t n = std::min(address.size(), sizeof sa.sun_path);
  std::memcpy(sa.sun_path, address.data(), n);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa),
                socklen_t(offsetof(sockaddr_un, sun_path) + n)) != 0) {
    fd.reset();
  }
  return fd;
}

void daemon_log(const std::string& what, const std::string& text) {
  log::emit(log::LogLevel::error, log::ids::kWsgiDaemon, what + ": " + text);
}

}  // namespace

bool call_daemon(const Hosting& hosting, const Route& route, const api::Call& call,
                 const http::Request& request, http::Response& response, api::Stats& stats) {
  const std::string what =
      "WSGI " + route.alias->url + " (daemon group " + route.process_group + ")";
  HttpExchange ex(request, response, what);
  const Daemons* daemons = hosting.daemons();
  const Daemons::Group* group = daemons ? daemons->find(route.process_group) : nullptr;
  if (!group) {
    daemon_log(what, "no such daemon process group; answered 500");
    ex.fail_status(500);
    return true;
  }
  util::UniqueFd fd = connect_to(group->address);
  if (!fd || !wire::send(fd.get(), wire::Frame::call, wire::encode_call(call))) {
    daemon_log(what, std::string("cannot reach the daemon processes: ") + std::strerror(errno) +
                         "; answered 503");
    ex.fail_status(503);
    return true;
  }
  using Clock = std::chrono::steady_clock;
  const long timeout_ms = group->request_timeout.count();
  const Clock::time_point deadline = Clock::now() + group->request_timeout;
  bool started = false;    // a head went to the client
  bool streaming = false;  // ... and its body streams
  std::string payload;
  std::string buffer;
  for (;;) {
    int wait = -1;
    if (timeout_ms > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      wait = int(std::max<long long>(left.count(), 0));
    }
    wire::Frame type;
    wire::Got got = wire::receive(fd.get(), type, payload, wait);
    if (got == wire::Got::timeout) {
      daemon_log(what, "no answer within request-timeout (" + std::to_string(timeout_ms) +
                           " ms); " + (started ? "response cut short" : "answered 504") +
                           "; the daemon process is replaced");
      if (!started) ex.fail_status(504);
      if (streaming) ex.finish(false);
      return ex.answered_whole();
    }
    if (got != wire::Got::frame) {
      daemon_log(what, std::string("the daemon process ended the request before answering it (") +
                           (got == wire::Got::eof ? "it exited or crashed" : "protocol error") +
                           "); " + (started ? "response cut short" : "answered 503"));
      if (!started) ex.fail_status(503);
      if (streaming) ex.finish(false);
      return ex.answered_whole();
    }
    wire::Reader r(payload);
    switch (type) {
      case wire::Frame::read: {
        uint32_t n = 0;
        r.u32(n);
        buffer.resize(std::min<uint32_t>(std::max<uint32_t>(n, 1), 1u << 20));
        long got_bytes = ex.read(buffer.data(), buffer.size());
        bool ok = got_bytes > 0    ? wire::send(fd.get(), wire::Frame::body,
                                                std::string_view(buffer.data(), size_t(got_bytes)))
                  : got_bytes == 0 ? wire::send(fd.get(), wire::Frame::body_end, "")
                                   : wire::send(fd.get(), wire::Frame::body_error, "");
        (void)ok;  // a daemon gone shows at the next receive
        break;
      }
      case wire::Frame::head: {
        std::string status, body;
        api::Fields fields;
        bool complete = false;
        if (!wire::decode_head(payload, status, fields, complete, body)) break;
        started = true;
        streaming = !complete;
        if (!ex.respond(status, std::move(fields), std::move(body), complete)) streaming = false;
        break;
      }
      case wire::Frame::data:
        if (streaming && !ex.write(std::move(payload))) {
          // The client is gone: closing the socket stops the application.
          ex.finish(false);
          return ex.answered_whole();
        }
        break;
      case wire::Frame::fail:
        started = true;
        ex.fail();
        break;
      case wire::Frame::log: {
        uint8_t level = 3;
        std::string text;
        r.u8(level);
        r.rest(text);
        ex.log(api::Level(level), text);
        break;
      }
      case wire::Frame::end: {
        uint8_t ok = 0;
        uint64_t gil = 0;
        r.u8(ok);
        r.u64(gil);
        stats.gil_wait_usec = gil;
        if (streaming) ex.finish(ok == 1);
        return ex.answered_whole();
      }
      default:
        break;
    }
  }
}

}  // namespace mpmd::python
