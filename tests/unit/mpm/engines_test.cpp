#include "mpm/engines.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace mpmd::mpm {
namespace {

TEST(Engines, OneRowPerEngineWithWhatDiffers) {
  std::set<std::string_view> names;
  for (const Engine& e : engines()) {
    EXPECT_TRUE(names.insert(e.name).second) << e.name;
    EXPECT_NE(e.run, nullptr) << e.name;
    EXPECT_EQ(find_engine(e.name), &e);
  }
  const Engine* event = find_engine("event");
  const Engine* worker = find_engine("worker");
  const Engine* prefork = find_engine("prefork");
  ASSERT_TRUE(event && worker && prefork);
  EXPECT_EQ(event->spare_pool, SparePool::none);
  EXPECT_TRUE(event->async_handlers);
  EXPECT_EQ(worker->spare_pool, SparePool::threads);
  EXPECT_EQ(worker->sizing_unit, "Threads");
  EXPECT_FALSE(worker->async_handlers);
  EXPECT_EQ(prefork->spare_pool, SparePool::servers);
  EXPECT_EQ(prefork->sizing_unit, "Servers");
  EXPECT_FALSE(prefork->async_handlers);
}

TEST(Engines, UnknownNamesAndOtherCasesAreNotFound) {
  EXPECT_EQ(find_engine("threaded"), nullptr);
  EXPECT_EQ(find_engine(""), nullptr);
  EXPECT_EQ(find_engine("Event"), nullptr);  // the config stores names in lower case
}

}  // namespace
}  // namespace mpmd::mpm
