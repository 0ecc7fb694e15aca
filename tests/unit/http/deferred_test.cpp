// Deferred responses: a handler that answers after handle() returned (thread
// pool, another process) through Request::completion. The Connection waits
// without reading or writing; complete() wakes the engine (its Port), which
// calls on_wake(), and the response is serialised then.
#include "http/connection.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/http_driver.hpp"

namespace mpmd::http {
namespace {

using test::Driver;

constexpr std::string_view kGet = "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n";
constexpr std::string_view kGetFast = "GET /fast HTTP/1.1\r\nHost: h\r\n\r\n";

// Defers /slow (keeping the Response to fill in later), answers others at once.
struct Deferring {
  Response* pending = nullptr;
  const Request* request = nullptr;
  void operator()(const Request& req, Response& resp) {
    if (req.path == "/slow") {
      resp.deferred = true;
      pending = &resp;
      request = &req;
      return;
    }
    resp.set_header("Content-Type", "text/plain");
    resp.body.append("fast");
  }
};

TEST(Deferred, ResponseIsWrittenOnlyAfterResume) {
  Deferring h;
  Driver d({}, [&](const Request& q, Response& r) { h(q, r); });
  d.feed(kGet);
  ASSERT_NE(h.pending, nullptr);
  EXPECT_TRUE(d.connection().busy());
  EXPECT_EQ(d.connection().phase(), Connection::Phase::handling);
  EXPECT_FALSE(d.connection().wants_read());
  EXPECT_FALSE(d.connection().has_output());
  EXPECT_FALSE(d.connection().finished());
  EXPECT_EQ(d.take_output(), "");
  // The request stays readable while the handler works.
  EXPECT_EQ(h.request->path, "/slow");

  h.pending->status = 201;
  h.pending->set_header("Content-Type", "text/plain");
  h.pending->body.append("later");
  EXPECT_EQ(d.wakes, 0);
  h.request->completion->complete();
  EXPECT_EQ(d.wakes, 1);  // the engine is told, and calls on_wake()
  d.resume();
  EXPECT_FALSE(d.connection().busy());
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 201);
  EXPECT_EQ(rs[0].body, "later");
  ASSERT_EQ(d.exchanges().size(), 1u);
  EXPECT_EQ(d.exchanges()[0].status, 201);
  EXPECT_TRUE(d.connection().wants_read());
}

TEST(Deferred, PipelinedRequestWaitsForTheDeferredOne) {
  Deferring h;
  Driver d({}, [&](const Request& q, Response& r) { h(q, r); });
  d.feed(std::string(kGet) + std::string(kGetFast));
  ASSERT_EQ(d.handled().size(), 1u);  // /fast is not dispatched before /slow is answered
  EXPECT_EQ(d.take_output(), "");
  h.pending->body.append("slow");
  h.request->completion->complete();
  d.resume();
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 2u);  // in order
  EXPECT_EQ(rs[0].body, "slow");
  EXPECT_EQ(rs[1].body, "fast");
  EXPECT_EQ(d.handled().size(), 2u);
}

TEST(Deferred, TimeoutWhilePendingWaitsForTheHandler) {
  Deferring h;
  Driver d({}, [&](const Request& q, Response& r) { h(q, r); });
  d.feed(kGet);
  EXPECT_EQ(d.connection().phase(), Connection::Phase::handling);  // no timeout applies
  d.timeout();
  EXPECT_TRUE(d.connection().busy());
  h.pending->body.append("late");
  h.request->completion->complete();
  d.resume();
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "late");
}

// The client is gone while the handler works: the Connection stays (the
// handler still writes into its Response) until the handler completes, and
// then ends without sending anything.
TEST(Deferred, SocketErrorWhilePendingKeepsTheRequestUntilComplete) {
  Deferring h;
  Driver d({}, [&](const Request& q, Response& r) { h(q, r); });
  d.feed(kGet);
  d.error();
  EXPECT_TRUE(d.connection().busy());
  EXPECT_FALSE(d.connection().finished());
  EXPECT_EQ(h.request->path, "/slow");
  h.pending->body.append("late");
  h.request->completion->complete();
  d.resume();
  EXPECT_FALSE(d.connection().busy());
  EXPECT_TRUE(d.connection().finished());
  EXPECT_EQ(d.take_output(), "");
  ASSERT_EQ(d.exchanges().size(), 1u);
  EXPECT_FALSE(d.exchanges()[0].exchange.completed);
}

TEST(Deferred, CompletedBeforeHandleReturnsIsAnsweredAtOnce) {
  Driver d({}, [](const Request& req, Response& r) {
    r.deferred = true;
    r.body.append("soon");
    req.completion->complete();  // e.g. a pool thread that was quicker than us
  });
  d.feed(kGet);
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "soon");
  d.resume();  // the wake that followed finds nothing to do
  EXPECT_EQ(d.take_output(), "");
}

TEST(Deferred, ResumeWithoutPendingResponseDoesNothing) {
  Driver d;
  d.feed(kGetFast);
  ASSERT_EQ(d.take_responses().size(), 1u);
  d.resume();
  EXPECT_EQ(d.take_output(), "");
  EXPECT_TRUE(d.connection().wants_read());
}

}  // namespace
}  // namespace mpmd::http
