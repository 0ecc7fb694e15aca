// How applications reach their child's store: mpmd::session_store() finds the
// exported mpmd_session_store with dlsym, as it does inside an application.
#include "session/service.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mpmd::session {
namespace {

const std::string kId = "0123456789abcdef0123456789abcdef";

config::Sessions with_store(const std::string& kind, uint32_t slots = 64) {
  config::Sessions c;
  c.store = kind;
  c.slots = slots;
  c.value_size = 256;
  return c;
}

TEST(SessionService, ApplicationsFindTheChildStoreThroughTheExportedSymbol) {
  std::string error;
  auto generation = prepare_generation(with_store("memory"), error);
  ASSERT_TRUE(generation) << error;
  start_child(*generation);
  SessionStore* store = mpmd::session_store();
  ASSERT_NE(store, nullptr) << "mpmd_session_store is not exported (see CMakeLists.txt)";
  EXPECT_EQ(store, child_store());
  EXPECT_EQ(store->kind(), "memory");
  EXPECT_EQ(mpmd_session_store(kSessionApiVersion + 1), nullptr) << "another API version";
}

TEST(SessionService, AGracefulRestartKeepsTheShmSessions) {
  std::string error;
  auto first = prepare_generation(with_store("shm"), error);
  ASSERT_TRUE(first) << error;
  ASSERT_TRUE(first->open()->save(kId, {{"k", "v"}}));

  // The next generation is prepared while the old one still serves.
  auto second = prepare_generation(with_store("shm"), error);
  ASSERT_TRUE(second) << error;
  SessionData out;
  ASSERT_TRUE(second->open()->load(kId, out));
  EXPECT_EQ(out.at("k"), "v");

  auto resized = prepare_generation(with_store("shm", 128), error);
  ASSERT_TRUE(resized) << error;
  EXPECT_EQ(resized->open()->load(kId, out).code, SessionErrc::not_found)
      << "a new geometry is a new table";
}

}  // namespace
}  // namespace mpmd::session
