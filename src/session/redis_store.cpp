#include "session/redis_store.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cstring>

namespace mpmd::session {

namespace {

struct timeval to_timeval(Millis m) {
  struct timeval tv;
  tv.tv_sec = time_t(m.count() / 1000);
  tv.tv_usec = suseconds_t(m.count() % 1000 * 1000);
  return tv;
}

bool timed_out(const char* errstr) {
  // hiredis reports a connect timeout as ETIMEDOUT and a read that hit
  // SO_RCVTIMEO as EAGAIN, both through strerror().
  return std::strstr(errstr, "timed out") != nullptr ||
         std::strstr(errstr, "temporarily unavailable") != nullptr;
}

}  // namespace

RedisBackend::RedisBackend(RedisOptions options) : options_(std::move(options)) {
  where_ = options_.port ? options_.host + ":" + std::to_string(options_.port) : options_.host;
  if (options_.port && options_.host.find(':') != std::string::npos) {
    where_ = "[" + options_.host + "]:" + std::to_string(options_.port);
  }
}

RedisBackend::~RedisBackend() {
  for (redisContext* c : idle_) redisFree(c);
}

SessionStatus RedisBackend::io_error(const redisContext* c) const {
  if (c->err == REDIS_ERR_IO && timed_out(c->errstr)) {
    return SessionStatus::error(SessionErrc::timeout, "redis " + where_ + ": no answer within " +
                                                          std::to_string(options_.timeout.count()) +
                                                          " ms");
  }
  if (c->err == REDIS_ERR_EOF) {
    return SessionStatus::error(SessionErrc::unavailable,
                                "redis " + where_ + ": connection closed by the server");
  }
  return SessionStatus::error(SessionErrc::unavailable,
                              "redis " + where_ + ": " + std::string(c->errstr));
}

SessionStatus RedisBackend::connect(redisContext*& out, bool& reused) {
  out = nullptr;
  reused = false;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      out = idle_.back();
      idle_.pop_back();
      reused = true;
      return {};
    }
    if (util::monotonic_usec() < down_until_usec_) return down_error_;
  }
  struct timeval tv = to_timeval(options_.timeout);
  redisContext* c = options_.port
                        ? redisConnectWithTimeout(options_.host.c_str(), options_.port, tv)
                        : redisConnectUnixWithTimeout(options_.host.c_str(), tv);
  if (c == nullptr) return SessionStatus::error(SessionErrc::internal, "out of memory");
  SessionStatus st;
  if (c->err) {
    st = c->err == REDIS_ERR_IO && timed_out(c->errstr)
             ? SessionStatus::error(SessionErrc::timeout,
                                    "redis " + where_ + ": cannot connect within " +
                                        std::to_string(options_.timeout.count()) + " ms")
             : SessionStatus::error(SessionErrc::unavailable, "cannot connect to redis " + where_ +
                                                                  ": " + std::string(c->errstr));
  } else if (redisSetTimeout(c, tv) != REDIS_OK) {
    st = io_error(c);
  }
  if (!st) {
    redisFree(c);
    std::lock_guard lock(mutex_);
    down_until_usec_ = util::monotonic_usec() + int64_t(options_.retry_after.count()) * 1000;
    down_error_ = st;
    return st;
  }
  out = c;
  return st;
}

void RedisBackend::release(redisContext* c, bool healthy) {
  if (healthy && c->err == 0) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < options_.max_idle) {
      idle_.push_back(c);
      return;
    }
  }
  redisFree(c);
}

namespace {

SessionStatus reply_error(const std::string& where, const redisReply& r) {
  std::string text(r.str ? r.str : "", r.str ? r.len : 0);
  std::string detail = "redis " + where + ": " + text;
  if (text.starts_with("OOM")) return SessionStatus::error(SessionErrc::full, detail);
  if (text.starts_with("LOADING") || text.starts_with("NOAUTH") || text.starts_with("NOPERM") ||
      text.starts_with("MASTERDOWN") || text.starts_with("READONLY") ||
      text.starts_with("MISCONF")) {
    return SessionStatus::error(SessionErrc::unavailable, detail);
  }
  return SessionStatus::error(SessionErrc::internal, detail);
}

SessionStatus unexpected(const std::string& where, const redisReply& r) {
  return SessionStatus::error(SessionErrc::internal, "redis " + where + ": unexpected reply type " +
                                                         std::to_string(r.type));
}

}  // namespace

template <typename OnReply>
SessionStatus RedisBackend::run(const std::vector<std::string>& argv, OnReply on_reply) {
  std::vector<const char*> args;
  std::vector<size_t> lengths;
  for (const std::string& a : argv) {
    args.push_back(a.data());
    lengths.push_back(a.size());
  }
  for (int attempt = 0;; ++attempt) {
    redisContext* c = nullptr;
    bool reused = false;
    if (SessionStatus st = connect(c, reused); !st) return st;
    void* raw = redisCommandArgv(c, int(args.size()), args.data(), lengths.data());
    if (raw == nullptr) {
      SessionStatus st = io_error(c);
      release(c, false);
      // A pooled connection redis has since closed (restart, idle timeout):
      // one more try on a fresh one. Every command here is idempotent.
      if (reused && attempt == 0 && st.code == SessionErrc::unavailable) continue;
      return st;
    }
    auto* reply = static_cast<redisReply*>(raw);
    SessionStatus st =
        reply->type == REDIS_REPLY_ERROR ? reply_error(where_, *reply) : on_reply(*reply);
    freeReplyObject(reply);
    release(c, true);
    return st;
  }
}

SessionStatus RedisBackend::get(std::string_view id, std::string& value) {
  return run({"GET", options_.prefix + std::string(id)}, [&](const redisReply& r) {
    if (r.type == REDIS_REPLY_NIL) return SessionStatus{SessionErrc::not_found, "not found"};
    if (r.type != REDIS_REPLY_STRING) return unexpected(where_, r);
    value.assign(r.str, r.len);
    return SessionStatus{};
  });
}

SessionStatus RedisBackend::put(std::string_view id, std::string_view value, Millis ttl) {
  int64_t seconds = (ttl.count() + 999) / 1000;
  if (seconds < 1) seconds = 1;
  return run(
      {"SETEX", options_.prefix + std::string(id), std::to_string(seconds), std::string(value)},
      [&](const redisReply& r) {
        if (r.type != REDIS_REPLY_STATUS) return unexpected(where_, r);
        return SessionStatus{};
      });
}

SessionStatus RedisBackend::del(std::string_view id) {
  return run({"DEL", options_.prefix + std::string(id)}, [&](const redisReply& r) {
    if (r.type != REDIS_REPLY_INTEGER) return unexpected(where_, r);
    return SessionStatus{};
  });
}

}  // namespace mpmd::session
