#include "session/factory.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "unit/session/redis_server.hpp"

namespace mpmd::session {
namespace {

using namespace std::chrono_literals;

const std::string kId = "0123456789abcdef0123456789abcdef";

config::Sessions with_store(const std::string& kind) {
  config::Sessions c;
  c.store = kind;
  c.slots = 100;
  c.value_size = 512;
  c.max_age = 120s;
  c.cookie_name = "sid";
  return c;
}

TEST(StoreFactory, SettingsComeFromTheConfig) {
  std::string error;
  auto f = StoreFactory::prepare(with_store("memory"), nullptr, error);
  ASSERT_TRUE(f) << error;
  EXPECT_EQ(f->table(), nullptr);
  auto store = f->open();
  EXPECT_EQ(store->kind(), "memory");
  EXPECT_EQ(store->settings().cookie_name, "sid");
  EXPECT_EQ(store->settings().max_age, 120s);
  EXPECT_EQ(store->settings().max_value_size, 512u);
}

TEST(StoreFactory, MemoryStoresArePerProcessShmIsShared) {
  std::string error;
  auto memory = StoreFactory::prepare(with_store("memory"), nullptr, error);
  auto shm = StoreFactory::prepare(with_store("shm"), nullptr, error);
  ASSERT_TRUE(memory && shm) << error;
  ASSERT_NE(shm->table(), nullptr);
  EXPECT_EQ(shm->table()->slots(), 100u);

  // Like two children forked from one master: each opens its own store.
  pid_t pid = fork();
  if (pid == 0) {
    bool ok = memory->open()->save(kId, {{"from", "child"}}) &&
              shm->open()->save(kId, {{"from", "child"}});
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  SessionData out;
  EXPECT_EQ(memory->open()->load(kId, out).code, SessionErrc::not_found);
  ASSERT_TRUE(shm->open()->load(kId, out));
  EXPECT_EQ(out.at("from"), "child");
}

TEST(StoreFactory, GracefulRestartKeepsTheShmTableIfItsGeometryIsUnchanged) {
  std::string error;
  auto first = StoreFactory::prepare(with_store("shm"), nullptr, error);
  ASSERT_TRUE(first) << error;
  ASSERT_TRUE(first->open()->save(kId, {{"k", "v"}}));

  config::Sessions same = with_store("shm");
  same.max_age = 60s;  // other settings may change
  auto second = StoreFactory::prepare(same, first.get(), error);
  ASSERT_TRUE(second) << error;
  EXPECT_EQ(second->table(), first->table());
  SessionData out;
  EXPECT_TRUE(second->open()->load(kId, out));

  config::Sessions bigger = with_store("shm");
  bigger.slots = 200;
  auto third = StoreFactory::prepare(bigger, second.get(), error);
  ASSERT_TRUE(third) << error;
  EXPECT_NE(third->table(), first->table());
  EXPECT_EQ(third->open()->load(kId, out).code, SessionErrc::not_found);
}

TEST(StoreFactory, RedisStoreStartsEvenWhenRedisIsDown) {
  config::Sessions c = with_store("redis");
  c.redis_port = test::free_port();
  c.redis_timeout = 300ms;
  std::string error;
  auto f = StoreFactory::prepare(c, nullptr, error);
  ASSERT_TRUE(f) << error;
  auto store = f->open();
  EXPECT_EQ(store->kind(), "redis");
  SessionData out;
  EXPECT_EQ(store->load(kId, out).code, SessionErrc::unavailable);
}

}  // namespace
}  // namespace mpmd::session
