#include "util/log_loss.hpp"

#include <gtest/gtest.h>

namespace mpmd::util {
namespace {

TEST(LogLoss, OneEntryPerPath) {
  LogLoss table[4];
  LogLoss& a = log_loss_entry(table, "/var/log/a.log");
  LogLoss& b = log_loss_entry(table, "/var/log/b.log");
  EXPECT_NE(&a, &b);
  EXPECT_EQ(&log_loss_entry(table, "/var/log/a.log"), &a);
  EXPECT_EQ(&log_loss_entry(table, "/var/log/b.log"), &b);
  EXPECT_NE(a.key.load(), 0u);
}

TEST(LogLoss, AFullTableSharesItsLastEntry) {
  LogLoss table[3];
  LogLoss& first = log_loss_entry(table, "one");
  LogLoss& second = log_loss_entry(table, "two");
  EXPECT_EQ(&first, &table[0]);
  EXPECT_EQ(&second, &table[1]);
  EXPECT_EQ(&log_loss_entry(table, "three"), &table[2]);
  EXPECT_EQ(&log_loss_entry(table, "four"), &table[2]);
  EXPECT_EQ(&log_loss_entry(table, "one"), &table[0]);
}

}  // namespace
}  // namespace mpmd::util
