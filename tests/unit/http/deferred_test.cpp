// Deferred responses: a handler that answers after handle() returned (thread
// pool, another process). The Connection waits without reading or writing and
// serialises the response when the engine resumes it.
#include "http/connection.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/http_driver.hpp"

namespace mpmd::http {
namespace {

using test::Driver;

constexpr std::string_view kGet = "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n";
constexpr std::string_view kGetFast = "GET /fast HTTP/1.1\r\nHost: h\r\n\r\n";

struct CountingCompletion : Completion {
  int fired = 0;
  void complete() override { ++fired; }
};

// Defers /slow (keeping the Response to fill in later), answers others at once.
struct Deferring {
  Response* pending = nullptr;
  const Request* request = nullptr;
  void operator()(const Request& req, Response& resp) {
    if (req.path == "/slow" && req.completion) {
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
  CountingCompletion completion;
  d.connection().set_completion(&completion);
  d.feed(kGet);
  ASSERT_NE(h.pending, nullptr);
  EXPECT_TRUE(d.connection().awaiting_response());
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
  d.resume();
  EXPECT_FALSE(d.connection().awaiting_response());
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
  CountingCompletion completion;
  d.connection().set_completion(&completion);
  d.feed(std::string(kGet) + std::string(kGetFast));
  ASSERT_EQ(d.handled().size(), 1u);  // /fast is not dispatched before /slow is answered
  EXPECT_EQ(d.take_output(), "");
  h.pending->body.append("slow");
  d.resume();
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 2u);  // in order
  EXPECT_EQ(rs[0].body, "slow");
  EXPECT_EQ(rs[1].body, "fast");
  EXPECT_EQ(d.handled().size(), 2u);
}

TEST(Deferred, TimeoutAndErrorWhilePendingWaitForResume) {
  Deferring h;
  Driver d({}, [&](const Request& q, Response& r) { h(q, r); });
  CountingCompletion completion;
  d.connection().set_completion(&completion);
  d.feed(kGet);
  d.timeout();
  EXPECT_TRUE(d.connection().awaiting_response());
  d.error();
  EXPECT_TRUE(d.connection().awaiting_response());
  EXPECT_FALSE(d.connection().finished());
  h.pending->body.append("late");
  d.resume();
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "late");
}

TEST(Deferred, WithoutCompletionTheHandlerAnswersAtOnce) {
  Deferring h;
  Driver d({}, [&](const Request& q, Response& r) { h(q, r); });
  d.feed(kGet);  // no completion set: the handler sees null and answers inline
  EXPECT_EQ(h.pending, nullptr);
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "fast");
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
