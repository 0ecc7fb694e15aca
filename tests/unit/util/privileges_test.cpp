#include "util/privileges.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mpmd::util {
namespace {

TEST(Privileges, ParsesNamesAndNumbers) {
  EXPECT_EQ(*parse_user("root"), 0u);
  EXPECT_EQ(*parse_user("#4321"), 4321u);
  EXPECT_EQ(*parse_group("#0"), 0u);
  EXPECT_EQ(parse_user("nosuchuser-mpmd").error().message, "bad user name nosuchuser-mpmd");
  EXPECT_EQ(parse_group("nosuchgroup-mpmd").error().message, "bad group name nosuchgroup-mpmd");
  EXPECT_FALSE(parse_user("#"));
  EXPECT_FALSE(parse_user("#-1"));
  EXPECT_FALSE(parse_user("#12x"));
}

TEST(Privileges, IdentityOfAUser) {
  Identity www = identity_of(33, nullptr);  // www-data on Debian
  EXPECT_EQ(www.user, "www-data");
  EXPECT_EQ(www.gid, 33u);
  EXPECT_EQ(www.groups, std::vector<uint32_t>{33u});
  uint32_t gid = 4322;
  Identity nameless = identity_of(4321, &gid);
  EXPECT_EQ(nameless.user, "#4321");
  EXPECT_EQ(nameless.gid, 4322u);
  EXPECT_EQ(nameless.groups, std::vector<uint32_t>{4322u});
  EXPECT_EQ(identity_of(4321, nullptr).gid, 65534u);
  EXPECT_EQ(default_uid(), 33u);
}

// In a forked process (root gives up root for good there, not in the test runner).
TEST(Privileges, DropIsForGood) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  uint32_t gid = 4322;
  Identity id = identity_of(4321, &gid);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (!drop_privileges(id)) _exit(1);
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    if (r != 4321 || e != 4321 || s != 4321 || getgid() != 4322) _exit(2);
    if (setuid(0) == 0 || setgid(0) == 0) _exit(3);
    if (getgroups(0, nullptr) != 1) _exit(4);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// An identity never resolved (uid 0) is no licence to stay root.
TEST(Privileges, AnUnresolvedIdentityIsRefusedAsRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  Identity root_unset;
  util::Status st = drop_privileges(root_unset);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("root"), std::string::npos);
  EXPECT_EQ(geteuid(), 0u);
}

}  // namespace
}  // namespace mpmd::util
