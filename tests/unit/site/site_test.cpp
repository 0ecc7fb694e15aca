#include "site/site.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/http_driver.hpp"
#include "support/temp_dir.hpp"

namespace mpmd::site {
namespace {

class SiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.file("hello.txt")) << "hello\n";
    config_.files.document_root = dir_.path();
    env_.config = &config_;
  }

  // Serves `request` through a thread of `site` and returns the responses.
  std::vector<test::ParsedResponse> serve(mpm::SiteThread& thread, std::string_view request) {
    test::Driver d(
        {}, [&](const http::Request& rq, http::Response& rs) { thread.handler().handle(rq, rs); });
    d.feed(request);
    return d.take_responses();
  }

  test::TempDir dir_;
  config::Config config_;
  mpm::ChildEnv env_;
};

TEST_F(SiteTest, ThreadsServeTheChildsFiles) {
  std::unique_ptr<mpm::Site> site = make_site(env_, {});
  std::unique_ptr<mpm::SiteThread> a = site->open_thread(0, nullptr);
  std::unique_ptr<mpm::SiteThread> b = site->open_thread(1, nullptr);
  for (mpm::SiteThread* t : {a.get(), b.get()}) {
    auto rs = serve(*t, "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].status, 200);
    EXPECT_EQ(rs[0].body, "hello\n");
  }
  auto rs = serve(*a, "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 404);
}

TEST_F(SiteTest, WithoutScoreboardOrLogsNothingObservesAndStatusIsAFile) {
  config_.locations.push_back(
      config::Location{.path = "/server-status", .handler = "server-status"});
  std::unique_ptr<mpm::Site> site = make_site(env_, {});
  std::unique_ptr<mpm::SiteThread> t = site->open_thread(0, nullptr);
  EXPECT_EQ(t->observer(), nullptr);
  auto rs = serve(*t, "GET /server-status HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 404);  // no status handler without a scoreboard: served as a file
  site->child_stop();            // no applications: nothing to stop
  t->tick(0);
  t->flush();
}

TEST_F(SiteTest, TheAccessLogObservesAndIsFlushed) {
  config_.logs.custom_logs.push_back({dir_.file("access.log"), "%>s %U"});
  std::unique_ptr<mpm::Site> site = make_site(env_, {});
  std::unique_ptr<mpm::SiteThread> t = site->open_thread(0, nullptr);
  ASSERT_NE(t->observer(), nullptr);
  http::Request request;
  request.path = "/hello.txt";
  http::Response response;
  t->observer()->on_exchange(request, response, http::Exchange{});
  t->flush();
  EXPECT_EQ(test::slurp(dir_.file("access.log")), "200 /hello.txt\n");
}

}  // namespace
}  // namespace mpmd::site
