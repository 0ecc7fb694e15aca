// examples/regex_router through <mpmd/testing.hpp>: its options, the three
// modes and where each builds the table, and its answers (README
// "Applications", "Testing an application").
#include <gtest/gtest.h>
#include <mpmd/testing.hpp>

#include <stdexcept>
#include <string>

namespace {

using mpmd::testing::Client;
using mpmd::testing::Response;

TEST(RegexRouter, AnswersWithTheFirstMatchingExpression) {
  Client client({"mode=preload", "count=50"});
  Response r = client.get("/api/item-42/widget-7/view");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "route 42\n");
  EXPECT_EQ(r.header("X-Generation"), "0");
  EXPECT_EQ(client.get("/v2/product-7/abc-1").body, "route 7\n");
  // Expression 50 is beyond count=50.
  r = client.get("/api/item-50/widget-7");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "no route matches /api/item-50/widget-7\n");
  // /info is a literal route: it beats {path...}.
  r = client.get("/info");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("mode preload\ncount 50\n"), std::string::npos) << r.body;
  // Only GET (and HEAD) routes.
  EXPECT_EQ(client.post("/api/item-1/a1-1", "").status, 405);
}

TEST(RegexRouter, PreloadLogsTheBuildAndEveryModeAnswersAlike) {
  Client preload({"mode=preload", "count=20"});
  ASSERT_FALSE(preload.log().empty());
  EXPECT_EQ(preload.log()[0].rfind("notice: preload: 20 expressions compiled in ", 0), 0u);
  for (const char* mode : {"child", "naive"}) {
    Client client({std::string("mode=") + mode, "count=20"});
    EXPECT_TRUE(client.log().empty()) << mode;  // nothing built in the master
    EXPECT_EQ(client.get("/api/article-19/x1-2/json").body, "route 19\n") << mode;
    EXPECT_NE(client.get("/info").body.find(std::string("mode ") + mode), std::string::npos);
  }
}

TEST(RegexRouter, RefusesBadOptions) {
  EXPECT_THROW(Client({"mode=eager"}), std::runtime_error);
  EXPECT_THROW(Client({"count=0"}), std::runtime_error);
  try {
    Client client({"mode=eager"});
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(),
                 "LoadApplication app: registration failed: mode must be preload, child or "
                 "naive, not 'eager'");
  }
}

}  // namespace
