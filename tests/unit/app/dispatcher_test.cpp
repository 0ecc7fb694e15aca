// The application dispatcher behind a real http::Connection: routes under a
// <Location> prefix, 404/405, what a handler sees and builds, failures as 500
// with a log line, and blocking routes deferred to a pool.
#include "app/dispatcher.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/captured_log.hpp"
#include "support/http_driver.hpp"

namespace mpmd::app {
namespace {

using test::Driver;

// Runs submitted tasks only when told to, on the test's thread.
struct QueueExecutor : util::Executor {
  std::vector<std::function<void()>> tasks;
  void submit(std::function<void()> task) override { tasks.push_back(std::move(task)); }
  void run_all() {
    auto run = std::move(tasks);
    tasks.clear();
    for (auto& t : run) t();
  }
};

using test::CapturedLog;

void register_test_routes(Registry& app) {
  app.get(
      "/hello", [](const Request&, Response& res) { res.send("hello\n"); }, non_blocking);
  app.get("/users/{id}", [](const Request& req, Response& res) {
    res.set_header("X-Id", std::string(req.param("id")));
    res.send("user " + std::string(req.param("id")) + " route " + std::string(req.route_path) +
             " q=" + req.query_param("q").value_or("-") + " ua=" +
             std::string(req.header("user-agent")) + " from " + std::string(req.client_address));
  });
  app.post("/echo", [](const Request& req, Response& res) {
    res.status = 201;
    std::optional<std::string> body = req.body();
    if (!body) return;  // too large: the server answers 413
    res.send(std::move(*body), "application/octet-stream");
  });
  app.get("/throw", [](const Request&, Response&) { throw std::runtime_error("boom"); });
  app.get("/fail", [](const Request&, Response& res) {
    res.send("partial");
    res.fail("database unreachable");
  });
  app.get("/bad-header",
          [](const Request&, Response& res) { res.set_header("X-Evil", "a\r\nSet-Cookie: x=1"); });
  app.get("/stream", [](const Request&, Response& res) {
    res.body = "head ";
    res.write("one ");
    res.write("two");
  });
  app.get("/file", [](const Request& req, Response& res) {
    res.send_file(std::string(req.query_param("path").value_or("")), 2, 5);
  });
  app.get("/slow", [](const Request&, Response& res) { res.send("slow done"); });
  app.get("/slow-throw", [](const Request&, Response&) { throw 42; });
}

struct Fixture {
  explicit Fixture(std::string prefix = "/app") : app("t", register_test_routes, nullptr, {}) {
    locations.push_back(config::Location{.path = std::move(prefix), .handler = "t"});
    EXPECT_EQ(app.register_routes(), "");
  }
  std::vector<config::Location> locations;
  Application app;
};

std::string get(std::string_view path, std::string_view extra = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: h\r\n" + std::string(extra) + "\r\n";
}

TEST(Dispatcher, RoutePathIsBelowTheLocation) {
  Fixture f;
  Dispatcher d(f.app, f.locations, nullptr);
  EXPECT_EQ(d.route_path("/app/users/1"), "/users/1");
  EXPECT_EQ(d.route_path("/app"), "/");
  EXPECT_EQ(d.route_path("/app/"), "/");
  Fixture g("/app/");
  Dispatcher e(g.app, g.locations, nullptr);
  EXPECT_EQ(e.route_path("/app/x"), "/x");
  Fixture root("/");
  Dispatcher r(root.app, root.locations, nullptr);
  EXPECT_EQ(r.route_path("/x/y"), "/x/y");
}

TEST(Dispatcher, HandlerSeesTheRequest) {
  Fixture f;
  Dispatcher dispatcher(f.app, f.locations, nullptr);
  Driver d({}, [&](const http::Request& q, http::Response& r) { dispatcher.handle(q, r); });
  d.feed(get("/app/users/4%202?q=a+b", "User-Agent: t/1\r\n"));
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_EQ(rs[0].header("X-Id"), "4 2");
  EXPECT_EQ(rs[0].header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(rs[0].body, "user 4 2 route /users/4%202 q=a b ua=t/1 from 127.0.0.1");
}

TEST(Dispatcher, BodyInAndStatusOut) {
  Fixture f;
  Dispatcher dispatcher(f.app, f.locations, nullptr);
  Driver d({}, [&](const http::Request& q, http::Response& r) { dispatcher.handle(q, r); });
  d.stream_body = true;  // the route reads it, on the serving thread (prefork, worker)
  d.nested_pump = true;
  d.feed("POST /app/echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nbytes");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 201);
  EXPECT_EQ(rs[0].header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(rs[0].body, "bytes");
}

TEST(Dispatcher, NotFoundAndMethodNotAllowed) {
  Fixture f;
  Dispatcher dispatcher(f.app, f.locations, nullptr);
  Driver d({}, [&](const http::Request& q, http::Response& r) { dispatcher.handle(q, r); });
  d.feed(get("/app/nope"));
  d.feed("DELETE /app/hello HTTP/1.1\r\nHost: h\r\n\r\n");
  d.feed("OPTIONS /app/hello HTTP/1.1\r\nHost: h\r\n\r\n");
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].status, 404);
  EXPECT_EQ(rs[1].status, 405);
  EXPECT_EQ(rs[1].header("Allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(rs[2].status, 204);
  EXPECT_EQ(rs[2].header("Allow"), "GET, HEAD, OPTIONS");
}

TEST(Dispatcher, HeadSendsHeadersOfTheGetRoute) {
  Fixture f;
  Dispatcher dispatcher(f.app, f.locations, nullptr);
  Driver d({}, [&](const http::Request& q, http::Response& r) { dispatcher.handle(q, r); });
  d.feed("HEAD /app/hello HTTP/1.1\r\nHost: h\r\n\r\n");
  auto rs = d.take_responses({true});
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_EQ(rs[0].header("Content-Length"), "6");
  EXPECT_EQ(rs[0].body, "");
}

TEST(Dispatcher, ExceptionIs500AndALogLineAndTheNextRequestIsServed) {
  CapturedLog log;
  Fixture f;
  Dispatcher dispatcher(f.app, f.locations, nullptr);
  Driver d({}, [&](const http::Request& q, http::Response& r) { dispatcher.handle(q, r); });
  d.feed(get("/app/throw"));
  d.feed(get("/app/hello"));
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].status, 500);
  EXPECT_EQ(rs[0].body.find("boom"), std::string::npos);  // the reason is not shown
  EXPECT_EQ(rs[1].status, 200);
  std::string text = log.text();
  EXPECT_NE(text.find("MPMD0028"), std::string::npos) << text;
  EXPECT_NE(text.find("application t: GET /app/throw (route GET /throw): threw: boom"),
            std::string::npos)
      << text;
}

TEST(Dispatcher, FailAndBadHeadersAre500) {
  CapturedLog log;
  Fixture f;
  Dispatcher dispatcher(f.app, f.locations, nullptr);
  Driver d({}, [&](const http::Request& q, http::Response& r) { dispatcher.handle(q, r); });
  d.feed(get("/app/fail"));
  d.feed(get("/app/bad-header"));
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].status, 500);
  EXPECT_EQ(rs[0].body.find("partial"), std::string::npos);
  EXPECT_EQ(rs[1].status, 500);
  EXPECT_FALSE(rs[1].has("Set-Cookie"));
  std::string text = log.text();
  EXPECT_NE(text.find("failed: database unreachable"), std::string::npos) << text;
  EXPECT_NE(text.find("X-Evil has CR, LF or NUL"), std::string::npos) << text;
}

TEST(Dispatcher, StreamPiecesFollowTheBody) {
  Fixture f;
  Dispatcher dispatcher(f.app, f.locations, nullptr);
  Driver d({}, [&](const http::Request& q, http::Response& r) { dispatcher.handle(q, r); });
  d.feed(get("/app/stream"));
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "head one two");
  EXPECT_EQ(rs[0].header("Content-Length"), "12");
}

TEST(Dispatcher, FileIsSentAsAFileRange) {
  test::TempDir dir;
  std::ofstream(dir.file("f.txt")) << "0123456789";
  Fixture f;
  Dispatcher dispatcher(f.app, f.locations, nullptr);
  bool saw_file_segment = false;
  Driver d({}, [&](const http::Request& q, http::Response& r) {
    dispatcher.handle(q, r);
    for (const auto& s : r.body.segments()) saw_file_segment |= s.is_file();
  });
  d.feed(get("/app/file?path=" + dir.file("f.txt")));
  d.feed(get("/app/file?path=" + dir.file("missing.txt")));
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_EQ(rs[0].body, "23456");
  EXPECT_EQ(rs[0].header("Content-Type"), "application/octet-stream");
  EXPECT_TRUE(saw_file_segment);
  EXPECT_EQ(rs[1].status, 404);
}

TEST(Dispatcher, BlockingRouteIsDeferredToThePool) {
  Fixture f;
  QueueExecutor pool;
  Dispatcher dispatcher(f.app, f.locations, &pool);
  Driver d({}, [&](const http::Request& q, http::Response& r) { dispatcher.handle(q, r); });
  d.feed(get("/app/slow"));
  EXPECT_TRUE(d.connection().busy());
  EXPECT_EQ(d.take_output(), "");
  ASSERT_EQ(pool.tasks.size(), 1u);
  pool.run_all();
  EXPECT_EQ(d.wakes, 1);
  d.resume();
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "slow done");
}

TEST(Dispatcher, NonBlockingRouteRunsInPlaceEvenWithAPool) {
  Fixture f;
  QueueExecutor pool;
  Dispatcher dispatcher(f.app, f.locations, &pool);
  Driver d({}, [&](const http::Request& q, http::Response& r) { dispatcher.handle(q, r); });
  d.feed(get("/app/hello"));
  EXPECT_TRUE(pool.tasks.empty());
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "hello\n");
  EXPECT_EQ(d.wakes, 0);
}

TEST(Dispatcher, BlockingRouteRunsInPlaceWithoutAPool) {
  Fixture f;
  Dispatcher dispatcher(f.app, f.locations, nullptr);  // prefork and worker
  Driver d({}, [&](const http::Request& q, http::Response& r) { dispatcher.handle(q, r); });
  d.feed(get("/app/slow"));
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "slow done");
}

TEST(Dispatcher, DeferredExceptionStillCompletesOnceWith500) {
  CapturedLog log;
  Fixture f;
  QueueExecutor pool;
  Dispatcher dispatcher(f.app, f.locations, &pool);
  http::Response* pending = nullptr;
  Driver d({}, [&](const http::Request& q, http::Response& r) {
    pending = &r;
    dispatcher.handle(q, r);
  });
  d.feed(get("/app/slow-throw"));
  pool.run_all();
  EXPECT_EQ(d.wakes, 1);
  // The pool thread leaves the Connection's own flags alone (it reads them
  // on its thread while the handler runs).
  ASSERT_NE(pending, nullptr);
  EXPECT_TRUE(pending->deferred);
  d.resume();
  auto rs = d.take_responses();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 500);
  EXPECT_NE(log.text().find("not a std::exception"), std::string::npos);
}

TEST(Application, RegistrationErrorsAreReported) {
  Application throws("x", [](Registry&) { throw std::runtime_error("no config"); }, nullptr, {});
  EXPECT_EQ(throws.register_routes(), "registration failed: no config");
  Application empty("x", [](Registry&) {}, nullptr, {});
  EXPECT_EQ(empty.register_routes(), "registration declared no route");
  Application bad("x", [](Registry& r) { r.get("users", [](const Request&, Response&) {}); },
                  nullptr, {});
  EXPECT_NE(bad.register_routes().find("starts with '/'"), std::string::npos);
}

TEST(Application, OptionsReachTheRegistration) {
  std::string seen;
  Application a(
      "x",
      [&](Registry& r) {
        seen = r.option("mode") + "," + r.option("missing", "dflt") + "," + r.name();
        r.get("/", [](const Request&, Response&) {});
      },
      nullptr, parse_options({"mode=fast", "flag"}));
  EXPECT_EQ(a.register_routes(), "");
  EXPECT_EQ(seen, "fast,dflt,x");
}

}  // namespace
}  // namespace mpmd::app
