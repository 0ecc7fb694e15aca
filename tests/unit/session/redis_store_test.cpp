// The redis store when redis is down, silent, restarted or holds foreign data.
#include "session/redis_store.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "session/backend.hpp"
#include "unit/session/redis_server.hpp"

namespace mpmd::session {
namespace {

using namespace std::chrono_literals;

const std::string kId = "0123456789abcdef0123456789abcdef";

std::unique_ptr<CodecStore> make_store(RedisOptions o) {
  SessionSettings s;
  s.max_age = 60s;
  return std::make_unique<CodecStore>(std::make_unique<RedisBackend>(std::move(o)), s);
}

RedisOptions on_port(uint16_t port, Millis timeout = 2000ms) {
  ::signal(SIGPIPE, SIG_IGN);  // as mpmd's main() does
  RedisOptions o;
  o.port = port;
  o.timeout = timeout;
  o.retry_after = 0ms;
  return o;
}

#define REQUIRE_REDIS()           \
  if (!test::have_redis_server()) \
  GTEST_SKIP() << "redis-server is not installed (scripts/install-deps installs it)"

TEST(RedisStore, DownIsUnavailableNamingTheServer) {
  uint16_t port = test::free_port();  // nothing listens there
  auto store = make_store(on_port(port));
  SessionData out;
  SessionStatus st = store->load(kId, out);
  EXPECT_EQ(st.code, SessionErrc::unavailable);
  EXPECT_NE(st.message.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << st.message;
  EXPECT_EQ(store->save(kId, {{"k", "v"}}).code, SessionErrc::unavailable);
  EXPECT_EQ(store->remove(kId).code, SessionErrc::unavailable);
}

TEST(RedisStore, AfterAFailedConnectCallsFailAtOnceForRetryAfter) {
  REQUIRE_REDIS();
  uint16_t port = test::free_port();
  RedisOptions o = on_port(port);
  o.retry_after = 3600'000ms;  // not retried during this test
  auto store = make_store(o);
  SessionData out;
  SessionStatus first = store->load(kId, out);
  ASSERT_EQ(first.code, SessionErrc::unavailable);

  test::RedisServer redis;
  ASSERT_TRUE(redis.start(port)) << redis.log();
  // Redis is there now, but the store does not knock again so soon: a down
  // redis costs each request nothing rather than a connect timeout.
  SessionStatus second = store->load(kId, out);
  EXPECT_EQ(second.code, SessionErrc::unavailable);
  EXPECT_EQ(second.message, first.message);
  EXPECT_TRUE(make_store(on_port(port))->save(kId, {{"k", "v"}})) << "a fresh store connects";
}

TEST(RedisStore, SilentServerTimesOut) {
  // A listening socket nobody accepts on: the kernel completes the TCP
  // handshake, then nothing ever answers, like a hung redis.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  auto store = make_store(on_port(ntohs(a.sin_port), 200ms));
  SessionData out;
  SessionStatus st = store->load(kId, out);
  EXPECT_EQ(st.code, SessionErrc::timeout) << st.message;
  EXPECT_NE(st.message.find("200 ms"), std::string::npos) << st.message;
  st = store->save(kId, {{"k", "v"}});
  EXPECT_EQ(st.code, SessionErrc::timeout) << st.message;
  ::close(fd);
}

TEST(RedisStore, SurvivesARedisRestart) {
  REQUIRE_REDIS();
  test::RedisServer redis;
  ASSERT_TRUE(redis.start()) << redis.log();
  uint16_t port = redis.port();
  auto store = make_store(on_port(port));
  ASSERT_TRUE(store->save(kId, {{"k", "v"}}));

  redis.stop();
  SessionData out;
  SessionStatus st = store->load(kId, out);
  EXPECT_EQ(st.code, SessionErrc::unavailable) << st.message;

  ASSERT_TRUE(redis.start(port)) << redis.log();
  st = store->save(kId, {{"k", "again"}});
  ASSERT_TRUE(st) << st.message;
  ASSERT_TRUE(store->load(kId, out));
  EXPECT_EQ(out.at("k"), "again");
}

TEST(RedisStore, PooledConnectionClosedByRedisIsReplaced) {
  REQUIRE_REDIS();
  test::RedisServer redis;
  ASSERT_TRUE(redis.start()) << redis.log();
  auto store = make_store(on_port(redis.port()));
  ASSERT_TRUE(store->save(kId, {{"k", "v"}}));  // leaves a pooled connection
  ASSERT_EQ(redis.command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}), "1");
  SessionData out;
  SessionStatus st = store->load(kId, out);
  ASSERT_TRUE(st) << st.message;
  EXPECT_EQ(out.at("k"), "v");
}

TEST(RedisStore, KeysUseThePrefixAndTheMaxAge) {
  REQUIRE_REDIS();
  test::RedisServer redis;
  ASSERT_TRUE(redis.start()) << redis.log();
  RedisOptions o = on_port(redis.port());
  o.prefix = "myapp:s:";
  auto store = make_store(o);
  ASSERT_TRUE(store->save(kId, {{"user", "ada"}}));
  EXPECT_EQ(redis.command({"GET", "myapp:s:" + kId}), "S1:4:user3:ada");
  long ttl = std::stol(redis.command({"TTL", "myapp:s:" + kId}));
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 60);
  ASSERT_TRUE(store->remove(kId));
  EXPECT_EQ(redis.command({"EXISTS", "myapp:s:" + kId}), "0");
}

TEST(RedisStore, ForeignValueIsCorruptAndDropped) {
  REQUIRE_REDIS();
  test::RedisServer redis;
  ASSERT_TRUE(redis.start()) << redis.log();
  auto store = make_store(on_port(redis.port()));
  ASSERT_EQ(redis.command({"SET", "mpmd:session:" + kId, "not a session"}), "OK");
  SessionData out;
  EXPECT_EQ(store->load(kId, out).code, SessionErrc::corrupt);
  EXPECT_EQ(redis.command({"EXISTS", "mpmd:session:" + kId}), "0");

  // A key of another type gives an error reply: a clear error, no crash.
  ASSERT_EQ(redis.command({"LPUSH", "mpmd:session:" + kId, "x"}), "1");
  SessionStatus st = store->load(kId, out);
  EXPECT_EQ(st.code, SessionErrc::internal);
  EXPECT_NE(st.message.find("WRONGTYPE"), std::string::npos) << st.message;
}

TEST(RedisStore, UnixSocket) {
  REQUIRE_REDIS();
  test::RedisServer redis;
  ASSERT_TRUE(redis.start()) << redis.log();
  RedisOptions o;
  o.host = redis.socket_path();
  o.port = 0;
  auto store = make_store(o);
  ASSERT_TRUE(store->save(kId, {{"k", "v"}}));
  SessionData out;
  ASSERT_TRUE(store->load(kId, out));
  EXPECT_EQ(out.at("k"), "v");
}

}  // namespace
}  // namespace mpmd::session
