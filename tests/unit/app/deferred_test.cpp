// Response::defer(): a handler answers after it has returned, from another
// thread (an offload callback). Behind a real http::Connection, whose
// engine (the Driver) is woken through its Port when the response is
// complete, and the ways it can go wrong.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/dispatcher.hpp"
#include "support/captured_log.hpp"
#include "support/http_driver.hpp"

namespace mpmd::app {
namespace {

using test::Driver;

struct InlineExecutor : util::Executor {
  int ran = 0;
  void submit(std::function<void()> task) override {
    ++ran;
    task();
  }
};

// The Deferred handles the routes below hand out, for the test to complete.
std::vector<Deferred>& held() {
  static std::vector<Deferred> h;
  return h;
}
// Threads started by /thread, joined by the test.
std::vector<std::thread>& threads() {
  static std::vector<std::thread> t;
  return t;
}

void register_routes(Registry& app) {
  auto keep = [](const Request&, Response& res) { held().push_back(res.defer()); };
  app.get("/later", keep, non_blocking);
  app.get("/later-blocking", keep, blocking);
  app.get(
      "/at-once",
      [](const Request&, Response& res) {
        Deferred d = res.defer();
        d->send("completed before returning");
        d.complete();
      },
      non_blocking);
  app.get(
      "/dropped", [](const Request&, Response& res) { (void)res.defer(); }, non_blocking);
  app.get(
      "/defer-then-throw",
      [](const Request&, Response& res) {
        held().push_back(res.defer());
        throw std::runtime_error("after defer");
      },
      non_blocking);
  app.get(
      "/thread",
      [](const Request& req, Response& res) {
        std::string who(req.query_param("who").value_or("?"));
        threads().emplace_back([later = res.defer(), who] {
          later->send("from a thread for " + who);
          later.complete();
        });
      },
      non_blocking);
}

using test::CapturedLog;

class DeferredTest : public ::testing::Test {
 protected:
  DeferredTest() : app_("t", register_routes, nullptr, {}) {
    held().clear();
    locations_.push_back(config::Location{.path = "/app", .handler = "t"});
    EXPECT_EQ(app_.register_routes(), "");
  }
  ~DeferredTest() override { held().clear(); }

  Driver& driver() {
    dispatcher_ = std::make_unique<Dispatcher>(app_, locations_, &pool_);
    driver_ = std::make_unique<Driver>(
        http::Settings{},
        [this](const http::Request& q, http::Response& r) { dispatcher_->handle(q, r); });
    return *driver_;
  }
  // Port::wake() calls: the engine told that the response is complete.
  int wakes() const { return driver_->wakes; }

  static std::string get(std::string_view path) {
    return "GET " + std::string(path) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  }

  std::vector<config::Location> locations_;
  Application app_;
  InlineExecutor pool_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Driver> driver_;
};

TEST_F(DeferredTest, CompletedFromAnotherThreadAnswersTheWaitingConnection) {
  Driver& d = driver();
  d.feed(get("/app/later"));
  EXPECT_TRUE(d.connection().busy());
  EXPECT_EQ(d.take_output(), "");
  ASSERT_EQ(held().size(), 1u);
  std::thread([later = held()[0]] {
    later->status = 201;
    later->set_header("X-Late", "yes");
    later->send("late answer");
    later.complete();
  }).join();
  EXPECT_EQ(wakes(), 1);
  d.resume();
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 201);
  EXPECT_EQ(rs[0].body, "late answer");
  EXPECT_EQ(rs[0].header("x-late"), "yes");
  held()[0].complete();  // a second complete() changes nothing
  EXPECT_EQ(wakes(), 1);
}

TEST_F(DeferredTest, ABlockingRouteThatDefersReleasesItsPoolThread) {
  Driver& d = driver();
  d.feed(get("/app/later-blocking"));
  EXPECT_EQ(pool_.ran, 1);
  // The pool task has returned, yet nothing is answered and nothing fired.
  EXPECT_TRUE(d.connection().busy());
  EXPECT_EQ(wakes(), 0);
  ASSERT_EQ(held().size(), 1u);
  held()[0]->send("done");
  held()[0].complete();
  EXPECT_EQ(wakes(), 1);
  d.resume();
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "done");
}

TEST_F(DeferredTest, CompletedBeforeTheHandlerReturnsIsAnsweredAtOnce) {
  Driver& d = driver();
  d.feed(get("/app/at-once"));
  EXPECT_FALSE(d.connection().busy());
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "completed before returning");
  EXPECT_EQ(wakes(), 0);
}

TEST_F(DeferredTest, DroppingEveryHandleWithoutCompleteIs500AndALogLine) {
  CapturedLog log;
  Driver& d = driver();
  d.feed(get("/app/dropped"));  // dropped inside the handler
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 500);

  d.feed(get("/app/later"));  // dropped later, by its holder
  EXPECT_TRUE(d.connection().busy());
  held().clear();
  EXPECT_EQ(wakes(), 1);
  d.resume();
  rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 500);
  EXPECT_NE(log.text().find("without complete()"), std::string::npos);
}

TEST_F(DeferredTest, ThrowingAfterDeferIs500NowAndALateCompleteIsHarmless) {
  CapturedLog log;
  Driver& d = driver();
  d.feed(get("/app/defer-then-throw"));
  EXPECT_FALSE(d.connection().busy());
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 500);
  ASSERT_EQ(held().size(), 1u);
  held()[0]->send("too late");
  held()[0].complete();
  EXPECT_EQ(wakes(), 0);
  EXPECT_NE(log.text().find("after defer"), std::string::npos);
}

TEST_F(DeferredTest, AnsweredFromAThreadTheHandlerStarted) {
  Driver& d = driver();
  d.feed(get("/app/thread?who=w"));
  for (auto& t : threads()) t.join();
  threads().clear();
  // Woken once, unless the thread was done before the handler returned (then
  // the response went out at once).
  EXPECT_LE(wakes(), 1);
  d.resume();
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "from a thread for w");
}

TEST_F(DeferredTest, PipelinedRequestsWaitForTheDeferredOne) {
  Driver& d = driver();
  d.feed(get("/app/later") + get("/app/at-once"));
  EXPECT_EQ(d.take_output(), "");
  ASSERT_EQ(held().size(), 1u);
  held()[0]->send("first");
  held()[0].complete();
  d.resume();
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].body, "first");
  EXPECT_EQ(rs[1].body, "completed before returning");
}

TEST(DeferredOutsideTheServer, AHandlerUnderTestCanDeferAndComplete) {
  // An application's own unit test owns the Response: defer() still works.
  Response res;
  Deferred a = res.defer();
  Deferred b = res.defer();
  EXPECT_EQ(&a.response(), &res);
  EXPECT_EQ(&b.response(), &res);
  a->send("x");
  b.complete();
  EXPECT_TRUE(res.deferral()->done);
  EXPECT_FALSE(res.deferral()->abandoned);
}

}  // namespace
}  // namespace mpmd::app
