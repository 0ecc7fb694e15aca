#include "session/directives.hpp"

#include <string>
#include <string_view>

#include "config/address.hpp"
#include "util/strings.hpp"

namespace mpmd::session {

namespace {

using config::Config;
using config::DirectiveCall;

// Bounds that keep a misconfiguration from mapping absurd amounts of memory:
// the shm table is slots × value size bytes (10,000 × 4 KB = 40 MB by default,
// mapped lazily).
constexpr long kMaxSlots = 10'000'000;
constexpr uint64_t kMinValueSize = 64;
constexpr uint64_t kMaxValueSize = 16 * 1024 * 1024;
constexpr int64_t kMaxTable = int64_t(64) << 30;  // 64 GiB

std::string check_table(const config::Sessions& s) {
  if (int64_t(s.slots) * int64_t(s.value_size) > kMaxTable) {
    return "SessionSlots × SessionValueSize is more than 64 GiB (" + std::to_string(s.slots) +
           " × " + std::to_string(s.value_size) + ")";
  }
  return "";
}

std::string set_store(Config& c, const DirectiveCall& call) {
  std::string kind = util::to_lower(call.args[0]);
  if (kind != "memory" && kind != "shm" && kind != "redis") {
    return "must be memory, shm or redis, not '" + call.args[0] + "'";
  }
  c.sessions.store = kind;
  c.sessions.origin = call.file + ":" + std::to_string(call.line);
  return "";
}

std::string set_slots(Config& c, const DirectiveCall& call) {
  int n = 0;
  if (std::string e = config::parse_int(call.args[0], 1, kMaxSlots, n); !e.empty()) return e;
  config::Sessions s = c.sessions;
  s.slots = uint32_t(n);
  if (std::string e = check_table(s); !e.empty()) return e;
  c.sessions.slots = s.slots;
  return "";
}

std::string set_value_size(Config& c, const DirectiveCall& call) {
  uint64_t n = 0;
  std::string e = config::parse_size(call.args[0], n);
  if (e.empty() && (n < kMinValueSize || n > kMaxValueSize)) {
    e = "must be from " + std::to_string(kMinValueSize) + " to " + std::to_string(kMaxValueSize) +
        " bytes, not " + call.args[0];
  }
  if (!e.empty()) return e;
  config::Sessions s = c.sessions;
  s.value_size = uint32_t(n);
  if (e = check_table(s); !e.empty()) return e;
  c.sessions.value_size = s.value_size;
  return "";
}

std::string set_redis(Config& c, const DirectiveCall& call) {
  const std::string& arg = call.args[0];
  if (!arg.empty() && arg.front() == '/') {
    c.sessions.redis_host = arg;  // a Unix socket
    c.sessions.redis_port = 0;
    return "";
  }
  config::ListenAddress address;
  if (config::parse_listen_address(arg, address) != "" || address.port == 0) {
    return "must be host:port, [ipv6]:port or /path/to/redis.sock, not '" + arg + "'";
  }
  c.sessions.redis_host = address.host.empty() ? "127.0.0.1" : address.host;
  c.sessions.redis_port = address.port;
  return "";
}

std::string set_redis_timeout(Config& c, const DirectiveCall& call) {
  config::Millis t{0};
  if (std::string e = config::parse_seconds(call.args[0], t); !e.empty()) return e;
  if (t.count() < 1 || t.count() > 60'000) {
    return "must be from 1ms to 60s (a store that is down makes requests wait this long), not '" +
           call.args[0] + "'";
  }
  c.sessions.redis_timeout = t;
  return "";
}

std::string set_redis_prefix(Config& c, const DirectiveCall& call) {
  const std::string& p = call.args[0];
  if (p.size() > 200) return "is longer than 200 bytes";
  for (char ch : p) {
    if (ch <= ' ' || ch == 0x7f) return "must not contain blanks or control characters";
  }
  c.sessions.redis_prefix = p;
  return "";
}

// RFC 6265 cookie-name: an RFC 9110 token.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char ch : s) {
    if (ch <= ' ' || ch >= 0x7f) return false;
    if (std::string_view("()<>@,;:\\\"/[]?={}").find(char(ch)) != std::string_view::npos)
      return false;
  }
  return true;
}

std::string set_cookie_name(Config& c, const DirectiveCall& call) {
  if (!is_token(call.args[0]) || call.args[0].size() > 64) {
    return "must be a cookie name (letters, digits and !#$%&'*+-.^_`|~, at most 64), not '" +
           call.args[0] + "'";
  }
  c.sessions.cookie_name = call.args[0];
  return "";
}

std::string set_cookie_secure(Config& c, const DirectiveCall& call) {
  return config::parse_flag(call.args[0], c.sessions.cookie_secure);
}

std::string set_max_age(Config& c, const DirectiveCall& call) {
  config::Millis t{0};
  if (std::string e = config::parse_seconds(call.args[0], t); !e.empty()) return e;
  constexpr int64_t kTenYears = int64_t(10) * 366 * 24 * 3600 * 1000;
  if (t.count() < 1000 || t.count() % 1000 != 0 || t.count() > kTenYears) {
    return "must be whole seconds from 1 to 10 years (like 1800, 30mi or 8h), not '" +
           call.args[0] + "'";
  }
  c.sessions.max_age = t;
  return "";
}

}  // namespace

std::vector<config::Directive> directives() {
  using config::kServer;
  return {
      {"SessionStore", 1, 1, kServer, set_store,
       "SessionStore memory|shm|redis: where application sessions live (default shm)"},
      {"SessionSlots", 1, 1, kServer, set_slots,
       "SessionSlots N: sessions held at most by the memory and shm stores (default 10000)"},
      {"SessionValueSize", 1, 1, kServer, set_value_size,
       "SessionValueSize BYTES: largest encoded session, every store (default 4096)"},
      {"SessionRedis", 1, 1, kServer, set_redis,
       "SessionRedis host:port|/path/redis.sock: the redis server (default 127.0.0.1:6379)"},
      {"SessionRedisTimeout", 1, 1, kServer, set_redis_timeout,
       "SessionRedisTimeout DURATION: redis connect and command timeout (default 500ms)"},
      {"SessionRedisPrefix", 1, 1, kServer, set_redis_prefix,
       "SessionRedisPrefix TEXT: redis key prefix before the session id (default mpmd:session:)"},
      {"SessionCookieName", 1, 1, kServer, set_cookie_name,
       "SessionCookieName NAME: the session cookie (default MPMDSESSION)"},
      {"SessionCookieSecure", 1, 1, kServer, set_cookie_secure,
       "SessionCookieSecure On|Off: mark the session cookie Secure (default Off)"},
      {"SessionMaxAge", 1, 1, kServer, set_max_age,
       "SessionMaxAge SECONDS: a session expires this long after its last write (default 1800)"},
  };
}

}  // namespace mpmd::session
