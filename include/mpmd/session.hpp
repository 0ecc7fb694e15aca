// Sessions for applications: a cookie-identified key/value map per visitor,
// kept in a SessionStore chosen by the server's configuration:
//
//   SessionStore memory   one process: a map in each child (sessions are not
//                         shared between children; use it with one process)
//   SessionStore shm      all children of one server: a bounded shared-memory
//                         table created by the master (the default)
//   SessionStore redis    across machines: a redis server, through hiredis
//
// A handler uses it like this (errors are values, never exceptions):
//
//   mpmd::SessionStore* store = mpmd::session_store();  // this child's store
//   if (!store) return answer(500, "no session store");
//   mpmd::Session session(*store, request.header("Cookie"));
//   if (auto st = session.load(); !st) return answer(503, st.message);
//   int visits = std::stoi(std::string(session.get("visits").value_or("0")));
//   session.set("visits", std::to_string(visits + 1));
//   if (auto st = session.save(); !st) return answer(503, st.message);
//   if (auto cookie = session.set_cookie(); !cookie.empty())
//     response.add_header("Set-Cookie", cookie);
//
// A store that is down, slow or full answers with an error (SessionErrc and a
// message) within its configured timeout; it never hangs and never crashes the
// process. Concurrent requests of one session are last-writer-wins: load and
// save are two separate operations, as in PHP's and Django's stores.
//
// This header is self-contained (the Session helper is inline and the store is
// an interface), so an application shared object needs no server symbols to
// use it.
#pragma once

#include <dlfcn.h>
#include <errno.h>
#include <sys/random.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mpmd {

// A session's data: string keys to string values (bytes; any content).
using SessionData = std::map<std::string, std::string, std::less<>>;

enum class SessionErrc {
  ok = 0,
  not_found,    // no such session (never stored, deleted or expired): normal for load
  invalid_id,   // not a session id (32 lowercase hex characters)
  too_large,    // the encoded session is larger than SessionValueSize
  full,         // no free slot (memory, shm) or redis out of memory (maxmemory)
  unavailable,  // the store cannot be reached (redis down, connection refused or reset)
  timeout,      // no answer within the configured timeout (redis, a stuck shm lock)
  corrupt,      // the stored bytes are not a session (they were dropped)
  internal,     // anything else; the message says what
};

inline std::string_view to_string(SessionErrc e) {
  switch (e) {
    case SessionErrc::ok:
      return "ok";
    case SessionErrc::not_found:
      return "not found";
    case SessionErrc::invalid_id:
      return "invalid session id";
    case SessionErrc::too_large:
      return "session too large";
    case SessionErrc::full:
      return "session store full";
    case SessionErrc::unavailable:
      return "session store unavailable";
    case SessionErrc::timeout:
      return "session store timeout";
    case SessionErrc::corrupt:
      return "corrupt session";
    case SessionErrc::internal:
      return "session store error";
  }
  return "session store error";
}

// The outcome of a store operation: true when ok; else the code and a message
// fit for a log line ("session store unavailable: redis 127.0.0.1:6379: ...").
struct SessionStatus {
  SessionErrc code = SessionErrc::ok;
  std::string message;

  static SessionStatus error(SessionErrc code, std::string detail) {
    std::string m(to_string(code));
    if (!detail.empty()) m += ": " + detail;
    return {code, std::move(m)};
  }
  explicit operator bool() const { return code == SessionErrc::ok; }
};

// How sessions are identified and how long they live (from the configuration).
struct SessionSettings {
  std::string cookie_name = "MPMDSESSION";  // SessionCookieName
  std::chrono::seconds max_age{1800};       // SessionMaxAge: expiry after the last write
  bool cookie_secure = false;               // SessionCookieSecure: "; Secure" on the cookie
  size_t max_value_size = 4096;             // SessionValueSize: largest encoded session
};

// A session id is 128 random bits as 32 lowercase hex characters.
constexpr size_t kSessionIdLength = 32;

inline bool is_session_id(std::string_view id) {
  if (id.size() != kSessionIdLength) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A fresh id from getrandom(2) (the kernel's CSPRNG). Fails only if the
// kernel has no getrandom, which mpmd's platforms all have.
inline SessionStatus new_session_id(std::string& out) {
  unsigned char bytes[kSessionIdLength / 2];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return SessionStatus::error(SessionErrc::internal, "getrandom failed");
    got += size_t(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.clear();
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return {};
}

// The value of cookie `name` in a Cookie header value ("a=1; name=v; b=2"),
// surrounding double quotes removed; nullopt if absent. Several Cookie headers
// may be passed joined by "; ". The first occurrence wins.
inline std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = pair.substr(0, eq);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.remove_suffix(1);
    if (key != name) continue;
    std::string_view value = pair.substr(eq + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

// Where sessions live. Implementations (memory, shm, redis) are thread-safe:
// one store serves all threads of a child. Every call returns within the
// store's timeout.
class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // Reads session `id` into `out` (replaced). not_found if it was never
  // stored, was removed or has expired; other errors as SessionErrc says.
  virtual SessionStatus load(std::string_view id, SessionData& out) = 0;
  // Stores `data` as session `id`, replacing what was there, and restarts
  // its expiry (settings().max_age from now).
  virtual SessionStatus save(std::string_view id, const SessionData& data) = 0;
  // Deletes session `id`; ok also if there was none.
  virtual SessionStatus remove(std::string_view id) = 0;

  // "memory", "shm" or "redis".
  virtual std::string_view kind() const = 0;
  virtual const SessionSettings& settings() const = 0;
};

// ---- finding the server's store ---------------------------------------------

// Raised when SessionStore changes incompatibly.
inline constexpr uint32_t kSessionApiVersion = 1;
// The C function mpmd exports: this child's store for `api_version`, or null.
inline constexpr const char* kSessionStoreSymbol = "mpmd_session_store";
using SessionStoreFunction = SessionStore* (*)(uint32_t api_version);

// The store of this child, as configured by SessionStore: valid until the
// child exits, safe from any of its threads. Null outside mpmd, in the master
// (registration and preload hooks run before any store is open), and when
// the server was built with another kSessionApiVersion. Call it in a
// child_init hook or per request.
inline SessionStore* session_store() {
  static const SessionStoreFunction find = [] {
    return reinterpret_cast<SessionStoreFunction>(dlsym(RTLD_DEFAULT, kSessionStoreSymbol));
  }();
  return find ? find(kSessionApiVersion) : nullptr;
}

// One request's view of the visitor's session, identified by a cookie.
// Not thread-safe (one request, one thread); the store it uses is.
class Session {
 public:
  // `cookie_header`: the request's Cookie header value ("" if none); only the
  // session cookie is kept from it. The store must outlive the Session.
  Session(SessionStore& store, std::string_view cookie_header) : store_(store) {
    std::optional<std::string_view> c = find_cookie(cookie_header, store.settings().cookie_name);
    if (c && is_session_id(*c)) cookie_id_ = std::string(*c);
  }

  // Loads the session named by the cookie. An absent or malformed cookie, or
  // an id the store does not know (expired, or made up by the client), gives
  // a new empty session with a fresh random id: clients never choose ids.
  // On a store error (unavailable, timeout, ...) the error is returned and the
  // session stays unloaded: empty, no id, save() refuses (so a store that
  // comes back is not overwritten with nothing). The handler decides: answer
  // 503, or carry on without a session.
  SessionStatus load() {
    data_.clear();
    id_.clear();
    is_new_ = true;
    modified_ = destroyed_ = saved_ = false;
    if (!cookie_id_.empty()) {
      SessionStatus st = store_.load(cookie_id_, data_);
      if (st) {
        id_ = cookie_id_;
        is_new_ = false;
        return st;
      }
      data_.clear();
      // Any other error leaves the state unknown: save() refuses rather than
      // overwrite the stored session with nothing.
      if (st.code != SessionErrc::not_found && st.code != SessionErrc::corrupt) return st;
    }
    return new_session_id(id_);
  }

  const std::string& id() const { return id_; }
  // True when the request carried no usable session (a fresh id was made).
  bool is_new() const { return is_new_; }
  const SessionData& data() const { return data_; }
  bool modified() const { return modified_; }

  std::optional<std::string_view> get(std::string_view key) const {
    auto it = data_.find(key);
    if (it == data_.end()) return std::nullopt;
    return std::string_view(it->second);
  }
  void set(std::string_view key, std::string_view value) {
    data_.insert_or_assign(std::string(key), std::string(value));
    modified_ = true;
  }
  void erase(std::string_view key) {
    auto it = data_.find(key);
    if (it == data_.end()) return;
    data_.erase(it);
    modified_ = true;
  }

  // Writes the data to the store and restarts the expiry; call it whenever
  // the session should live on (also unmodified: that is a touch).
  SessionStatus save() {
    if (id_.empty()) return SessionStatus::error(SessionErrc::internal, "session not loaded");
    SessionStatus st = store_.save(id_, data_);
    if (st) {
      saved_ = true;
      destroyed_ = false;
      modified_ = false;
    }
    return st;
  }

  // Deletes the session from the store; set_cookie() then expires the cookie.
  SessionStatus destroy() {
    if (id_.empty()) return {};
    SessionStatus st = store_.remove(id_);
    if (st) {
      data_.clear();
      destroyed_ = true;
      saved_ = modified_ = false;
    }
    return st;
  }

  // The Set-Cookie header value to send with the response, or "" if none is
  // needed: after save() the cookie with a renewed Max-Age, after destroy()
  // one that expires it. A session never saved sets no cookie.
  std::string set_cookie() const {
    const SessionSettings& s = store_.settings();
    std::string out;
    if (destroyed_) {
      out = s.cookie_name + "=; Max-Age=0";
    } else if (saved_) {
      out = s.cookie_name + "=" + id_ + "; Max-Age=" + std::to_string(s.max_age.count());
    } else {
      return out;
    }
    out += "; Path=/; HttpOnly; SameSite=Lax";
    if (s.cookie_secure) out += "; Secure";
    return out;
  }

 private:
  SessionStore& store_;
  std::string cookie_id_;  // the cookie's id if well-formed, else ""
  std::string id_;
  SessionData data_;
  bool is_new_ = true;
  bool modified_ = false;
  bool saved_ = false;
  bool destroyed_ = false;
};

}  // namespace mpmd
