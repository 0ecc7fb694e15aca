#include "util/result.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <string>

#include "util/unique_fd.hpp"

namespace mpmd::util {
namespace {

Result<int> parse_port(const std::string& s) {
  if (s.empty() || s.size() > 5) return Error{"bad port '" + s + "'"};
  int v = std::stoi(s);
  if (v < 1 || v > 65535) return Error{"port out of range"};
  return v;
}

TEST(Result, HoldsAValueOrAnError) {
  auto ok = parse_port("8080");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 8080);
  auto bad = parse_port("");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "bad port ''");
  EXPECT_EQ(bad.error().code, 0);
}

TEST(Result, FromErrnoNamesTheCallAndKeepsTheCode) {
  Error e = Error::from_errno("open /nonexistent", ENOENT);
  EXPECT_EQ(e.code, ENOENT);
  EXPECT_EQ(e.message, "open /nonexistent: No such file or directory");
}

TEST(Result, CarriesMoveOnlyValues) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  ASSERT_TRUE(r);
  std::unique_ptr<int> taken = std::move(r).value();
  EXPECT_EQ(*taken, 7);
  Result<UniqueFd> fd(UniqueFd(-1));
  EXPECT_TRUE(fd.ok());
  EXPECT_FALSE(bool(*fd));
}

TEST(Result, VoidStatus) {
  Status fine;
  EXPECT_TRUE(fine);
  Status failed = Error{"nope", EINVAL};
  EXPECT_FALSE(failed);
  EXPECT_EQ(failed.error().code, EINVAL);
}

}  // namespace
}  // namespace mpmd::util
