#include "logscan/count_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace mpmd::logscan {
namespace {

TEST(CountTable, CountsAndRanksLikeAMap) {
  CountTable table;
  std::map<std::string, uint64_t> want;
  for (int i = 0; i < 50000; ++i) {
    std::string key = "k" + std::to_string((i * 7919) % 3000 % (1 + i % 97));
    table.add(key);
    ++want[key];
  }
  EXPECT_EQ(table.size(), want.size());
  auto top = table.top(want.size() + 5);
  ASSERT_EQ(top.size(), want.size());
  for (size_t i = 0; i < top.size(); ++i) {
    EXPECT_EQ(top[i].second, want[top[i].first]);
    if (i > 0) {
      EXPECT_TRUE(top[i - 1].second > top[i].second ||
                  (top[i - 1].second == top[i].second && top[i - 1].first < top[i].first));
    }
  }
}

TEST(CountTable, MergesAndKeepsEmptyKeys) {
  CountTable a, b;
  a.add("x", 2);
  a.add("");
  b.add("x");
  b.add("y", 5);
  a.merge(b);
  auto top = a.top(10);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0], (std::pair<std::string, uint64_t>("y", 5)));
  EXPECT_EQ(top[1], (std::pair<std::string, uint64_t>("x", 3)));
  EXPECT_EQ(top[2], (std::pair<std::string, uint64_t>("", 1)));
  EXPECT_EQ(a.top(1).size(), 1u);
}

}  // namespace
}  // namespace mpmd::logscan
