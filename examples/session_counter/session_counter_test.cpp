// examples/session_counter through <mpmd/testing.hpp>. The server's stores
// (shm, redis) need a running server; this test stands in for the store with
// a map behind the public SessionStore interface, found by
// mpmd::session_store() as the server's is (the exported C function
// mpmd_session_store; the test program is linked with -rdynamic). What is
// tested is the handlers: counting, the cookie, peek, logout, and 503 when
// the store is down.
#include <gtest/gtest.h>
#include <mpmd/session.hpp>
#include <mpmd/testing.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

namespace {

using mpmd::testing::Client;
using mpmd::testing::Response;

class FakeStore final : public mpmd::SessionStore {
 public:
  mpmd::SessionStatus load(std::string_view id, mpmd::SessionData& out) override {
    std::lock_guard lock(mutex_);
    if (down_) return down();
    auto it = sessions_.find(std::string(id));
    if (it == sessions_.end()) return mpmd::SessionStatus::error(mpmd::SessionErrc::not_found, "");
    out = it->second;
    return {};
  }
  mpmd::SessionStatus save(std::string_view id, const mpmd::SessionData& data) override {
    std::lock_guard lock(mutex_);
    if (down_) return down();
    sessions_[std::string(id)] = data;
    return {};
  }
  mpmd::SessionStatus remove(std::string_view id) override {
    std::lock_guard lock(mutex_);
    if (down_) return down();
    sessions_.erase(std::string(id));
    return {};
  }
  std::string_view kind() const override { return "memory"; }
  const mpmd::SessionSettings& settings() const override { return settings_; }

  void set_down(bool down) {
    std::lock_guard lock(mutex_);
    down_ = down;
  }
  size_t size() {
    std::lock_guard lock(mutex_);
    return sessions_.size();
  }

 private:
  static mpmd::SessionStatus down() {
    return mpmd::SessionStatus::error(mpmd::SessionErrc::unavailable, "the test took it down");
  }
  std::mutex mutex_;
  std::map<std::string, mpmd::SessionData> sessions_;
  mpmd::SessionSettings settings_;
  bool down_ = false;
};

FakeStore& store() {
  static FakeStore s;
  return s;
}

}  // namespace

// What mpmd::session_store() looks up in the process (as mpmd exports it).
extern "C" __attribute__((visibility("default"))) mpmd::SessionStore* mpmd_session_store(
    uint32_t api_version) {
  return api_version == mpmd::kSessionApiVersion ? &store() : nullptr;
}

namespace {

// "MPMDSESSION=<id>" from a Set-Cookie value.
std::string cookie_of(const Response& r) {
  std::string set = std::string(r.header("Set-Cookie"));
  return set.substr(0, set.find(';'));
}

TEST(SessionCounter, CountsVisitsInTheSession) {
  Client client;
  Response first = client.get("/");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body.substr(0, first.body.find("pid=")), "visits=1\nnew=1\nstore=memory\n");
  EXPECT_EQ(first.header("Cache-Control"), "no-store");
  std::string cookie = cookie_of(first);
  ASSERT_EQ(cookie.size(), std::string("MPMDSESSION=").size() + mpmd::kSessionIdLength);

  Response second = client.get("/", {{"Cookie", cookie}});
  EXPECT_EQ(second.body.substr(0, second.body.find("pid=")), "visits=2\nnew=0\nstore=memory\n");
  EXPECT_EQ(cookie_of(second), cookie);  // the same session, its cookie renewed

  // Another visitor (no cookie) starts at 1.
  EXPECT_EQ(client.get("/").body.substr(0, 17), "visits=1\nnew=1\nst");

  // peek reads without writing: no cookie, the count stays.
  Response peek = client.get("/peek", {{"Cookie", cookie}});
  EXPECT_EQ(peek.body.substr(0, peek.body.find("pid=")), "visits=2\nnew=0\nstore=memory\n");
  EXPECT_FALSE(peek.has_header("Set-Cookie"));
}

TEST(SessionCounter, LogoutDeletesTheSessionAndExpiresTheCookie) {
  Client client;
  std::string cookie = cookie_of(client.get("/"));
  size_t before = store().size();
  Response out = client.post("/logout", "", {{"Cookie", cookie}});
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.body, "logged out\n");
  EXPECT_EQ(out.header("Set-Cookie").substr(0, 26), "MPMDSESSION=; Max-Age=0; P");
  EXPECT_EQ(store().size(), before - 1);
  // The old cookie now names nothing: a new session.
  EXPECT_NE(client.get("/", {{"Cookie", cookie}}).body.find("visits=1\nnew=1"), std::string::npos);
  EXPECT_EQ(client.get("/logout").status, 405);  // POST only
}

TEST(SessionCounter, AStoreThatIsDownGives503) {
  Client client({"mode=non_blocking"});
  store().set_down(true);
  Response r = client.get("/");
  store().set_down(false);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("Retry-After"), "1");
  EXPECT_EQ(r.body, "session store unavailable: the test took it down\n");
  ASSERT_EQ(client.log().size(), 1u);
  EXPECT_EQ(client.log()[0], "warn: session store unavailable: the test took it down");
}

TEST(SessionCounter, RefusesAnUnknownMode) {
  EXPECT_THROW(Client({"mode=sometimes"}), std::runtime_error);
}

}  // namespace
