// One behavioural suite run against every store (memory, shm, redis): what a
// handler relies on must not depend on SessionStore.
#include "mpmd/session.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "session/backend.hpp"
#include "session/memory_store.hpp"
#include "session/redis_store.hpp"
#include "session/shm_table.hpp"
#include "unit/session/redis_server.hpp"

namespace mpmd::session {
namespace {

using namespace std::chrono_literals;

std::string id_of(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%032x", n);
  return buf;
}

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  static constexpr size_t kSlots = 8;
  static constexpr size_t kValueSize = 256;

  static void TearDownTestSuite() { redis_.reset(); }

  void SetUp() override {
    kind_ = GetParam();
    settings_.max_age = 60s;
    settings_.max_value_size = kValueSize;
    if (kind_ == "redis") {
      if (!test::have_redis_server()) {
        GTEST_SKIP() << "redis-server is not installed (scripts/install-deps installs it)";
      }
      if (!redis_) {
        redis_ = std::make_unique<test::RedisServer>();
        ASSERT_TRUE(redis_->start()) << redis_->log();
      }
    }
    store_ = make_store(kSlots);
  }

  void TearDown() override {
    if (redis_) redis_->command({"CONFIG", "SET", "maxmemory", "0"});
  }

  std::unique_ptr<SessionStore> make_store(size_t slots) {
    std::unique_ptr<Backend> b;
    if (kind_ == "memory") {
      b = std::make_unique<MemoryBackend>(slots, kValueSize, clock_);
    } else if (kind_ == "shm") {
      ShmOptions o;
      o.slots = slots;
      o.value_size = kValueSize;
      o.stripes = 1;  // one stripe: exactly `slots` sessions fit
      std::string error;
      auto table = ShmTable::create(o, error);
      EXPECT_TRUE(table) << error;
      b = std::make_unique<ShmBackend>(table, clock_);
    } else {
      RedisOptions o;
      o.port = redis_->port();
      o.timeout = 5000ms;
      o.retry_after = 0ms;
      // A key space per test: the server is shared by the suite.
      const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
      o.prefix = std::string("test:") + info->name() + ":";
      b = std::make_unique<RedisBackend>(std::move(o));
    }
    return std::make_unique<CodecStore>(std::move(b), settings_);
  }

  std::string kind_;
  util::ManualClock clock_;
  SessionSettings settings_;
  std::unique_ptr<SessionStore> store_;
  static std::unique_ptr<test::RedisServer> redis_;
};

std::unique_ptr<test::RedisServer> StoreTest::redis_;

TEST_P(StoreTest, SaveLoadRemove) {
  EXPECT_EQ(store_->kind(), kind_);
  SessionData in{{"user", "ada"}, {"visits", "3"}};
  ASSERT_TRUE(store_->save(id_of(1), in));
  SessionData out;
  SessionStatus st = store_->load(id_of(1), out);
  ASSERT_TRUE(st) << st.message;
  EXPECT_EQ(out, in);

  ASSERT_TRUE(store_->remove(id_of(1)));
  st = store_->load(id_of(1), out);
  EXPECT_EQ(st.code, SessionErrc::not_found);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(store_->remove(id_of(1))) << "removing what is not there is fine";
}

TEST_P(StoreTest, UnknownIsNotFound) {
  SessionData out{{"stale", "x"}};
  EXPECT_EQ(store_->load(id_of(42), out).code, SessionErrc::not_found);
  EXPECT_TRUE(out.empty());
}

TEST_P(StoreTest, SaveReplacesAndSessionsAreSeparate) {
  ASSERT_TRUE(store_->save(id_of(1), {{"a", "1"}}));
  ASSERT_TRUE(store_->save(id_of(2), {{"a", "2"}}));
  ASSERT_TRUE(store_->save(id_of(1), {{"b", "x"}}));
  SessionData out;
  ASSERT_TRUE(store_->load(id_of(1), out));
  EXPECT_EQ(out, (SessionData{{"b", "x"}}));
  ASSERT_TRUE(store_->load(id_of(2), out));
  EXPECT_EQ(out, (SessionData{{"a", "2"}}));
}

TEST_P(StoreTest, AnyBytesRoundTrip) {
  SessionData in{{"", ""},
                 {"nul", std::string("a\0b", 3)},
                 {"3:x", "12:looks-like-framing"},
                 {"utf8", "\xc3\xa9t\xc3\xa9"},
                 {"bin", "\xff\xfe\r\n"}};
  ASSERT_TRUE(store_->save(id_of(7), in));
  SessionData out;
  ASSERT_TRUE(store_->load(id_of(7), out));
  EXPECT_EQ(out, in);
  ASSERT_TRUE(store_->save(id_of(8), {}));
  ASSERT_TRUE(store_->load(id_of(8), out)) << "an empty session is a session";
  EXPECT_TRUE(out.empty());
}

TEST_P(StoreTest, MalformedIdsAreRejected) {
  SessionData out;
  for (std::string bad : {std::string(""), std::string("abc"), std::string(33, 'a'),
                          std::string(32, 'A'), std::string(31, 'a') + "g",
                          std::string(31, 'a') + "\n", std::string("../") + std::string(29, 'a')}) {
    EXPECT_EQ(store_->load(bad, out).code, SessionErrc::invalid_id) << bad;
    EXPECT_EQ(store_->save(bad, {{"k", "v"}}).code, SessionErrc::invalid_id) << bad;
    EXPECT_EQ(store_->remove(bad).code, SessionErrc::invalid_id) << bad;
  }
}

TEST_P(StoreTest, ValueSizeIsEnforced) {
  // "S1:" + "1:k" + "<n>:" + n bytes: find the largest n that fits exactly.
  size_t overhead = 3 + 3 + 4;  // n has 3 digits here
  std::string fits(kValueSize - overhead, 'v');
  ASSERT_TRUE(store_->save(id_of(1), {{"k", fits}}));
  SessionStatus st = store_->save(id_of(2), {{"k", fits + "v"}});
  EXPECT_EQ(st.code, SessionErrc::too_large);
  EXPECT_NE(st.message.find("SessionValueSize"), std::string::npos) << st.message;
  SessionData out;
  ASSERT_TRUE(store_->load(id_of(1), out));
  EXPECT_EQ(out.at("k"), fits);
  EXPECT_EQ(store_->load(id_of(2), out).code, SessionErrc::not_found);
}

TEST_P(StoreTest, ExpiresAfterMaxAgeSinceLastWrite) {
  SessionData out;
  if (kind_ == "redis") {
    // Redis keeps time itself: check the TTL it was given, then that the key
    // really goes (1 s max age; polled, no timing assertion).
    settings_.max_age = 1s;
    store_ = make_store(kSlots);
    ASSERT_TRUE(store_->save(id_of(1), {{"k", "v"}}));
    std::string ttl = redis_->command(
        {"PTTL",
         "test:" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
             ":" + id_of(1)});
    EXPECT_GT(std::stol(ttl), 0);
    EXPECT_LE(std::stol(ttl), 1000);
    SessionStatus st;
    for (int i = 0; i < 200 && (st = store_->load(id_of(1), out)); ++i) {
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(st.code, SessionErrc::not_found);
    return;
  }
  ASSERT_TRUE(store_->save(id_of(1), {{"k", "v"}}));
  clock_.advance(40'000'000);  // 40 s of 60
  ASSERT_TRUE(store_->load(id_of(1), out));
  ASSERT_TRUE(store_->save(id_of(1), out)) << "a write restarts the max age";
  clock_.advance(40'000'000);  // 80 s after the first write, 40 after the second
  ASSERT_TRUE(store_->load(id_of(1), out));
  clock_.advance(20'000'000);  // exactly 60 s after the last write: gone
  EXPECT_EQ(store_->load(id_of(1), out).code, SessionErrc::not_found);
}

TEST_P(StoreTest, FullIsAClearErrorAndRecovers) {
  if (kind_ == "redis") {
    ASSERT_TRUE(store_->save(id_of(1), {{"k", "v"}}));
    ASSERT_EQ(redis_->command({"CONFIG", "SET", "maxmemory-policy", "noeviction"}), "OK");
    ASSERT_EQ(redis_->command({"CONFIG", "SET", "maxmemory", "1"}), "OK");
    SessionStatus st = store_->save(id_of(2), {{"k", "v"}});
    EXPECT_EQ(st.code, SessionErrc::full) << st.message;
    EXPECT_NE(st.message.find("OOM"), std::string::npos) << st.message;
    SessionData out;
    EXPECT_TRUE(store_->load(id_of(1), out)) << "reads still work when full";
    ASSERT_EQ(redis_->command({"CONFIG", "SET", "maxmemory", "0"}), "OK");
    EXPECT_TRUE(store_->save(id_of(2), {{"k", "v"}}));
    return;
  }
  for (size_t i = 0; i < kSlots; ++i) ASSERT_TRUE(store_->save(id_of(int(i)), {{"n", "1"}})) << i;
  SessionStatus st = store_->save(id_of(100), {{"n", "1"}});
  EXPECT_EQ(st.code, SessionErrc::full);
  EXPECT_NE(st.message.find("SessionSlots"), std::string::npos) << st.message;
  EXPECT_TRUE(store_->save(id_of(3), {{"n", "2"}})) << "existing sessions can still be written";

  ASSERT_TRUE(store_->remove(id_of(5)));
  EXPECT_TRUE(store_->save(id_of(100), {{"n", "1"}})) << "a removed session frees its slot";
  EXPECT_EQ(store_->save(id_of(101), {{"n", "1"}}).code, SessionErrc::full);

  clock_.advance(61'000'000);  // everything expired: reclaimed by new writes
  for (int i = 200; i < 200 + int(kSlots); ++i) {
    ASSERT_TRUE(store_->save(id_of(i), {{"n", "1"}})) << i;
  }
}

TEST_P(StoreTest, ThreadsShareOneStore) {
  // Worker and event children call one store from many threads.
  store_ = make_store(256);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string id = id_of(t * 1000 + i);
        SessionData in{{"t", std::to_string(t)}, {"i", std::to_string(i)}};
        SessionData out;
        if (!store_->save(id, in) || !store_->load(id, out) || out != in) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

// ---- the cookie-identified Session helper on every store -------------------

TEST_P(StoreTest, SessionWithoutCookieIsNewAndSetsNoCookieUntilSaved) {
  Session s(*store_, "");
  ASSERT_TRUE(s.load());
  EXPECT_TRUE(s.is_new());
  EXPECT_TRUE(is_session_id(s.id())) << s.id();
  EXPECT_EQ(s.set_cookie(), "");
  s.set("visits", "1");
  EXPECT_TRUE(s.modified());
  ASSERT_TRUE(s.save());
  EXPECT_EQ(s.set_cookie(),
            "MPMDSESSION=" + s.id() + "; Max-Age=60; Path=/; HttpOnly; SameSite=Lax");
}

TEST_P(StoreTest, SessionCookieFindsTheStoredSession) {
  std::string id;
  {
    Session first(*store_, "");
    ASSERT_TRUE(first.load());
    first.set("user", "ada");
    ASSERT_TRUE(first.save());
    id = first.id();
  }
  Session again(*store_, "theme=dark; MPMDSESSION=" + id + "; lang=en");
  ASSERT_TRUE(again.load());
  EXPECT_FALSE(again.is_new());
  EXPECT_EQ(again.id(), id);
  EXPECT_EQ(again.get("user"), "ada");
  EXPECT_EQ(again.get("missing"), std::nullopt);
  EXPECT_EQ(again.set_cookie(), "") << "nothing to tell the browser before a save";
}

TEST_P(StoreTest, UnknownOrForgedCookieGetsAFreshId) {
  std::string forged = id_of(12345);
  Session s(*store_, "MPMDSESSION=" + forged);
  ASSERT_TRUE(s.load());
  EXPECT_TRUE(s.is_new());
  EXPECT_NE(s.id(), forged) << "a client must not pick its session id";

  Session junk(*store_, "MPMDSESSION=../../etc/passwd");
  ASSERT_TRUE(junk.load());
  EXPECT_TRUE(junk.is_new());
  EXPECT_TRUE(is_session_id(junk.id()));
}

TEST_P(StoreTest, DestroyExpiresTheCookieAndTheData) {
  Session s(*store_, "");
  ASSERT_TRUE(s.load());
  s.set("k", "v");
  ASSERT_TRUE(s.save());
  std::string id = s.id();
  ASSERT_TRUE(s.destroy());
  EXPECT_EQ(s.set_cookie(), "MPMDSESSION=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax");
  SessionData out;
  EXPECT_EQ(store_->load(id, out).code, SessionErrc::not_found);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreTest, ::testing::Values("memory", "shm", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace mpmd::session
