#include "proxy/balancer.hpp"

#include <gtest/gtest.h>

#include <map>

#include "proxy/message.hpp"

namespace mpmd::proxy {
namespace {

config::ProxyRoute member(int port, int loadfactor, bool standby = false) {
  config::ProxyRoute m;
  EXPECT_EQ(parse_backend_url("http://127.0.0.1:" + std::to_string(port) + "/m", m), "");
  m.loadfactor = loadfactor;
  m.hot_standby = standby;
  return m;
}

config::ProxyBalancer pool() {
  config::ProxyBalancer b;
  b.name = "pool";
  b.members = {member(1, 3), member(2, 1), member(3, 1, true)};
  return b;
}

TEST(ProxyBalancer, ByRequestsFollowsLoadfactor) {
  Balancer b(pool(), config::Millis(1000));
  std::map<uint16_t, int> picks;
  for (int i = 0; i < 40; ++i) ++picks[b.pick(0, {})->route().port];
  EXPECT_EQ(picks[1], 30);
  EXPECT_EQ(picks[2], 10);
  EXPECT_EQ(picks[3], 0);  // the hot standby waits
}

TEST(ProxyBalancer, SkipsTriedAndFailedThenStandby) {
  Balancer b(pool(), config::Millis(1000));
  Backend* first = b.pick(0, {});
  Backend* second = b.pick(0, {first});
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first, second);
  first->mark_error(0);
  second->mark_error(0);
  Backend* standby = b.pick(0, {});
  ASSERT_NE(standby, nullptr);
  EXPECT_EQ(standby->route().port, 3);
  EXPECT_EQ(b.pick(0, {standby}), nullptr);
  // retry= over: back in use.
  EXPECT_NE(b.pick(60'000'001, {})->route().port, 3);
}

TEST(ProxyBalancer, ByBusynessPicksTheIdle) {
  config::ProxyBalancer settings = pool();
  settings.lbmethod = "bybusyness";
  Balancer b(settings, config::Millis(1000));
  Backend* busy = b.pick(0, {});
  busy->add_busy(1);
  for (int i = 0; i < 5; ++i) EXPECT_NE(b.pick(0, {}), busy);
  busy->add_busy(-1);
}

TEST(ProxyBalancer, MemberTarget) {
  EXPECT_EQ(member_target(member(1, 1), "/echo/x?q"), "/m/echo/x?q");
  config::ProxyRoute root;
  ASSERT_EQ(parse_backend_url("http://h/", root), "");
  EXPECT_EQ(member_target(root, "/x"), "/x");
}

}  // namespace
}  // namespace mpmd::proxy
