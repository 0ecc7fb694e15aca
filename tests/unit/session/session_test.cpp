// The cookie-identified Session helper and cookie parsing (include/mpmd/session.hpp).
#include "mpmd/session.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "session/backend.hpp"
#include "session/memory_store.hpp"

namespace mpmd::session {
namespace {

using namespace std::chrono_literals;

TEST(SessionCookie, FindsTheNamedCookie) {
  EXPECT_EQ(find_cookie("a=1; sid=abc; b=2", "sid"), "abc");
  EXPECT_EQ(find_cookie("sid=abc", "sid"), "abc");
  EXPECT_EQ(find_cookie("  sid = \"abc\" ;x=y", "sid"), "abc");
  EXPECT_EQ(find_cookie("xsid=1; sidx=2; sid=3", "sid"), "3");
  EXPECT_EQ(find_cookie("sid=first; sid=second", "sid"), "first");
  EXPECT_EQ(find_cookie("sid=", "sid"), "");
  EXPECT_EQ(find_cookie("a=1;;b", "sid"), std::nullopt);
  EXPECT_EQ(find_cookie("", "sid"), std::nullopt);
  EXPECT_EQ(find_cookie("SID=1", "sid"), std::nullopt) << "cookie names are case-sensitive";
}

TEST(SessionCookie, IdsAreRandom128BitHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id;
    ASSERT_TRUE(new_session_id(id));
    EXPECT_TRUE(is_session_id(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_FALSE(is_session_id("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(is_session_id("0123456789abcdef"));
}

// A store that is down: every call fails the way redis does when unreachable.
class DownBackend final : public Backend {
 public:
  SessionStatus get(std::string_view, std::string&) override { return down(); }
  SessionStatus put(std::string_view, std::string_view, Millis) override { return down(); }
  SessionStatus del(std::string_view) override { return down(); }
  std::string_view kind() const override { return "redis"; }
  static SessionStatus down() {
    return SessionStatus::error(SessionErrc::unavailable, "redis 127.0.0.1:1: Connection refused");
  }
};

TEST(Session, AStoreThatIsDownGivesAnErrorAndNeverClobbers) {
  CodecStore store(std::make_unique<DownBackend>(), SessionSettings{});
  Session s(store, "MPMDSESSION=0123456789abcdef0123456789abcdef");
  SessionStatus st = s.load();
  EXPECT_EQ(st.code, SessionErrc::unavailable);
  EXPECT_EQ(st.message, "session store unavailable: redis 127.0.0.1:1: Connection refused");
  EXPECT_TRUE(s.data().empty());
  EXPECT_EQ(s.id(), "");
  s.set("k", "v");
  st = s.save();
  EXPECT_EQ(st.code, SessionErrc::internal) << "the stored session is unknown: not overwritten";
  EXPECT_EQ(s.set_cookie(), "");

  Session fresh(store, "");
  ASSERT_TRUE(fresh.load()) << "a new visitor needs no store to start";
  fresh.set("k", "v");
  EXPECT_EQ(fresh.save().code, SessionErrc::unavailable);
  EXPECT_EQ(fresh.set_cookie(), "") << "no cookie for a session that was not stored";
}

TEST(Session, CookieAttributesFollowTheSettings) {
  SessionSettings settings;
  settings.cookie_name = "sid";
  settings.max_age = 3600s;
  settings.cookie_secure = true;
  CodecStore store(std::make_unique<MemoryBackend>(10, 4096), settings);
  Session s(store, "");
  ASSERT_TRUE(s.load());
  ASSERT_TRUE(s.save()) << "an empty session can be saved (a login marker, say)";
  EXPECT_EQ(s.set_cookie(),
            "sid=" + s.id() + "; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax; Secure");

  Session again(store, "MPMDSESSION=" + s.id() + "; sid=" + s.id());
  ASSERT_TRUE(again.load());
  EXPECT_FALSE(again.is_new());
}

TEST(Session, EditsAreTracked) {
  CodecStore store(std::make_unique<MemoryBackend>(10, 4096), SessionSettings{});
  Session s(store, "");
  ASSERT_TRUE(s.load());
  EXPECT_FALSE(s.modified());
  s.erase("nothing");
  EXPECT_FALSE(s.modified());
  s.set("a", "1");
  s.set("a", "2");
  EXPECT_EQ(s.get("a"), "2");
  ASSERT_TRUE(s.save());
  EXPECT_FALSE(s.modified());
  s.erase("a");
  EXPECT_TRUE(s.modified());
  EXPECT_EQ(s.get("a"), std::nullopt);
}

}  // namespace
}  // namespace mpmd::session
