// session_counter: counts each visitor's requests in their session, the
// smallest useful read+write session handler (README "Sessions").
//
//   LoadApplication counter build/apps/session_counter.so
//   <Location /counter>
//       SetHandler counter
//   </Location>
//   SessionStore shm          # or memory, or redis (+ SessionRedis host:port)
//
//   GET  /counter/          one more visit: loads the session named by the
//                           cookie (or starts one), adds 1, saves, sets the cookie
//   GET  /counter/peek      the count, read only (no write, no cookie)
//   POST /counter/logout    deletes the session and expires the cookie
//
// Bodies are "key=value" lines: visits, new (1 if the session was started by
// this request), store (memory|shm|redis) and pid (the child that answered).
// A store that is down, slow or full gives 503 with its message (and the
// server's error log gets the same line): the child never hangs or crashes.
//
// Options: mode=blocking (the default: a redis store may wait up to
// SessionRedisTimeout, so the handler runs on the event engine's pool) or
// mode=non_blocking (in the event loop: for the memory and shm stores, which
// never wait on the network).
#include <unistd.h>
#include <mpmd/app.hpp>
#include <mpmd/session.hpp>

#include <string>

namespace {

using mpmd::app::Request;
using mpmd::app::Response;

// 503 for a store that is down, slow or full (try again later), 500 otherwise.
void store_error(Response& res, const mpmd::app::Logger& log, const mpmd::SessionStatus& st) {
  bool transient = st.code == mpmd::SessionErrc::unavailable ||
                   st.code == mpmd::SessionErrc::timeout || st.code == mpmd::SessionErrc::full;
  log.warn(st.message);
  res.status = transient ? 503 : 500;
  if (transient) res.set_header("Retry-After", "1");
  res.send(st.message + "\n");
}

std::string report(const mpmd::Session& s, const mpmd::SessionStore& store) {
  return "visits=" + std::string(s.get("visits").value_or("0")) +
         "\nnew=" + (s.is_new() ? "1" : "0") + "\nstore=" + std::string(store.kind()) +
         "\npid=" + std::to_string(getpid()) + "\n";
}

}  // namespace

MPMD_APPLICATION(app) {
  std::string mode = app.option("mode", "blocking");
  if (mode != "blocking" && mode != "non_blocking") {
    app.fail("mode must be blocking or non_blocking, not '" + mode + "'");
    return;
  }
  auto m = mode == "blocking" ? mpmd::app::blocking : mpmd::app::non_blocking;
  mpmd::app::Logger log = app.logger();

  app.get(
      "/",
      [log](const Request& req, Response& res) {
        mpmd::SessionStore* store = mpmd::session_store();
        if (!store) return res.fail("no session store in this process");
        mpmd::Session session(*store, req.header("Cookie"));
        if (auto st = session.load(); !st) return store_error(res, log, st);
        long visits = std::stol(std::string(session.get("visits").value_or("0")));
        session.set("visits", std::to_string(visits + 1));
        if (auto st = session.save(); !st) return store_error(res, log, st);
        res.add_header("Set-Cookie", session.set_cookie());
        res.set_header("Cache-Control", "no-store");
        res.send(report(session, *store));
      },
      m);

  app.get(
      "/peek",
      [log](const Request& req, Response& res) {
        mpmd::SessionStore* store = mpmd::session_store();
        if (!store) return res.fail("no session store in this process");
        mpmd::Session session(*store, req.header("Cookie"));
        if (auto st = session.load(); !st) return store_error(res, log, st);
        res.set_header("Cache-Control", "no-store");
        res.send(report(session, *store));
      },
      m);

  app.post(
      "/logout",
      [log](const Request& req, Response& res) {
        mpmd::SessionStore* store = mpmd::session_store();
        if (!store) return res.fail("no session store in this process");
        mpmd::Session session(*store, req.header("Cookie"));
        if (auto st = session.load(); !st) return store_error(res, log, st);
        if (auto st = session.destroy(); !st) return store_error(res, log, st);
        res.add_header("Set-Cookie", session.set_cookie());
        res.send("logged out\n");
      },
      m);
}
