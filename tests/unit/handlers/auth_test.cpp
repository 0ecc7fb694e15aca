#include "handlers/auth/basic.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "handlers/auth/htpasswd.hpp"

namespace mpmd::auth {
namespace {

// Vectors written by Apache's htpasswd 2.4 (-m, -B, -s, -2).
TEST(Htpasswd, Apr1Md5AsApacheWritesIt) {
  EXPECT_EQ(apr1_md5("wonder land", "$apr1$u1cs3yX1$"), "$apr1$u1cs3yX1$GRpVXvH8QSDawuKJmS3Zw0");
  EXPECT_TRUE(password_matches("wonder land", "$apr1$u1cs3yX1$GRpVXvH8QSDawuKJmS3Zw0"));
  EXPECT_FALSE(password_matches("wonder lanD", "$apr1$u1cs3yX1$GRpVXvH8QSDawuKJmS3Zw0"));
  EXPECT_FALSE(password_matches("", "$apr1$u1cs3yX1$GRpVXvH8QSDawuKJmS3Zw0"));
}

TEST(Htpasswd, BcryptShaAndCrypt) {
  EXPECT_TRUE(
      password_matches("b0b:x", "$2y$04$P9.yHDKw5RQB9FHJSOZhj.RKBHUgKv5YUTVM3H7z/jnsIXar6LixG"));
  EXPECT_FALSE(
      password_matches("b0b:y", "$2y$04$P9.yHDKw5RQB9FHJSOZhj.RKBHUgKv5YUTVM3H7z/jnsIXar6LixG"));
  // htpasswd -nbs x password
  EXPECT_TRUE(password_matches("password", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="));
  EXPECT_FALSE(password_matches("Password", "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="));
}

TEST(Htpasswd, PlainTextAndGarbageMatchNothing) {
  EXPECT_FALSE(password_matches("secret", "secret"));
  EXPECT_FALSE(password_matches("", ""));
  EXPECT_FALSE(password_matches("x", "$apr1$"));
  EXPECT_FALSE(password_matches("x", "*"));
}

TEST(Basic, ParsesAsApacheDoes) {
  std::string user, password;
  ASSERT_TRUE(parse_basic("Basic YWxpY2U6b3Blbjpz", user, password));  // alice:open:s
  EXPECT_EQ(user, "alice");
  EXPECT_EQ(password, "open:s");
  ASSERT_TRUE(parse_basic("basic   bm8tY29sb24=", user, password));  // no-colon
  EXPECT_EQ(user, "no-colon");
  EXPECT_EQ(password, "");
  ASSERT_TRUE(parse_basic("Basic !!!!", user, password));  // stops at the first non-base64
  EXPECT_EQ(user, "");
  EXPECT_FALSE(parse_basic("Bearer abc", user, password));
  EXPECT_FALSE(parse_basic("Basic", user, password));
}

class Authorize : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/mpmd-auth-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    std::ofstream(dir_ + "/users") << "# comment\nalice:$apr1$u1cs3yX1$GRpVXvH8QSDawuKJmS3Zw0\n";
    std::ofstream(dir_ + "/groups") << "staff: bob alice\n";
    auth_.type = "Basic";
    auth_.name = "Realm";
    auth_.user_file = dir_ + "/users";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
  config::Auth auth_;
  const std::string alice_ = "Basic YWxpY2U6d29uZGVyIGxhbmQ=";  // alice:wonder land
};

TEST_F(Authorize, ValidUserUserAndGroup) {
  auth_.valid_user = true;
  EXPECT_EQ(authorize(auth_, alice_, "/").verdict, Verdict::allowed);
  EXPECT_EQ(*authorize(auth_, alice_, "/").user, "alice");
  EXPECT_EQ(authorize(auth_, "", "/").verdict, Verdict::challenge);
  EXPECT_FALSE(authorize(auth_, "", "/").user);
  auth_.valid_user = false;
  auth_.users = {"bob"};
  EXPECT_EQ(authorize(auth_, alice_, "/").verdict, Verdict::challenge);
  auth_.groups = {"staff"};
  auth_.group_file = dir_ + "/groups";
  EXPECT_EQ(authorize(auth_, alice_, "/").verdict, Verdict::allowed);
}

TEST_F(Authorize, MissingPiecesAreMisconfigurations) {
  auth_.valid_user = true;
  config::Auth a = auth_;
  a.type.clear();
  EXPECT_EQ(authorize(a, alice_, "/").verdict, Verdict::misconfigured);
  a = auth_;
  a.user_file = dir_ + "/missing";
  EXPECT_EQ(authorize(a, alice_, "/").verdict, Verdict::misconfigured);
  EXPECT_EQ(challenge(auth_), "Basic realm=\"Realm\"");
}

}  // namespace
}  // namespace mpmd::auth
