// SessionStore redis: sessions in a redis server (shared by every child and
// by every machine that uses the same redis), through hiredis.
//
// Each session is one key, prefix + id, written with SETEX (so redis expires
// it), read with GET, removed with DEL. Connections are pooled per process and
// opened on first use, so a redis that is down at start-up only fails the
// requests that need it. Every connect and command is bounded by `timeout`;
// a down or unreachable redis gives SessionErrc::unavailable or ::timeout,
// and for `retry_after` after a failed connect further calls fail at once
// with the same error rather than each waiting for the timeout again.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "session/backend.hpp"

struct redisContext;

namespace mpmd::session {

struct RedisOptions {
  std::string host = "127.0.0.1";  // or a Unix socket path when port is 0
  uint16_t port = 6379;
  Millis timeout{500};
  std::string prefix = "mpmd:session:";
  Millis retry_after{1000};
  size_t max_idle = 64;  // pooled connections kept per process
};

class RedisBackend final : public Backend {
 public:
  explicit RedisBackend(RedisOptions options);
  ~RedisBackend() override;
  RedisBackend(const RedisBackend&) = delete;
  RedisBackend& operator=(const RedisBackend&) = delete;

  SessionStatus get(std::string_view id, std::string& value) override;
  SessionStatus put(std::string_view id, std::string_view value, Millis ttl) override;
  SessionStatus del(std::string_view id) override;
  std::string_view kind() const override { return "redis"; }

  // "127.0.0.1:6379" or the socket path, for messages.
  const std::string& where() const { return where_; }

 private:
  // Runs one command (argv form) and hands the reply to `on_reply`, which
  // returns the outcome. Retries once on a fresh connection if a pooled one
  // turns out to be dead (redis restarted).
  template <typename OnReply>
  SessionStatus run(const std::vector<std::string>& argv, OnReply on_reply);
  SessionStatus connect(redisContext*& out, bool& reused);
  void release(redisContext* c, bool healthy);
  SessionStatus io_error(const redisContext* c) const;

  RedisOptions options_;
  std::string where_;
  std::mutex mutex_;
  std::vector<redisContext*> idle_;
  int64_t down_until_usec_ = 0;  // monotonic; fail fast until then
  SessionStatus down_error_;
};

}  // namespace mpmd::session
