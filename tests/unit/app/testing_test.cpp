// <mpmd/testing.hpp>: the in-process client application authors test their
// handlers with. It must answer as the server does: routes and parameters,
// the query and body, streamed, generated and deferred responses, and the
// server's own answers (404, 405, 413, 500).
#include "mpmd/testing.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"

namespace mpmd::testing {
namespace {

using app::Request;
using Res = app::Response;

// The Deferred handles /held hands out, for the test to complete.
std::vector<app::Deferred>& held() {
  static std::vector<app::Deferred> h;
  return h;
}
// Threads started by /thread, joined by the test.
std::vector<std::thread>& threads() {
  static std::vector<std::thread> t;
  return t;
}
std::vector<std::string>& hook_calls() {
  static std::vector<std::string> calls;
  return calls;
}

void routes(app::Registry& app) {
  std::string greeting = app.option("greeting", "hello");
  app.on_preload([](const app::Environment& env) {
    hook_calls().push_back("preload slot " + std::to_string(env.child_slot));
  });
  app.on_child_init([](const app::Environment& env) {
    hook_calls().push_back("child_init slot " + std::to_string(env.child_slot) + " " +
                           std::string(env.engine));
  });
  app.get("/users/{id}", [greeting](const Request& req, Res& res) {
    res.send(greeting + ", user " + std::string(req.param("id")) + "\n");
  });
  app.get("/users/me", [](const Request&, Res& res) { res.send("the literal route\n"); });
  app.get("/files/{path...}",
          [](const Request& req, Res& res) { res.send(std::string(req.param("path"))); });
  app.get("/echo", [](const Request& req, Res& res) {
    res.set_header("X-Method", std::string(req.method));
    res.send("q=" + req.query_param("q").value_or("<none>") + " query=" + std::string(req.query) +
             " path=" + std::string(req.path) + " route_path=" + std::string(req.route_path) +
             " agent=" + std::string(req.header("user-agent")) +
             " host=" + std::string(req.header("Host")) +
             " cookie=" + std::string(req.cookie("sid").value_or("<none>")));
  });
  app.post("/upload", [](const Request& req, Res& res) {
    std::optional<std::string> body = req.body();
    if (!body) return;
    res.status = 201;
    res.send("got " + std::to_string(body->size()) + ": " + *body + " length " +
             (req.has_body() ? std::to_string(req.reader->length().value_or(0)) : "none"));
  });
  app.post("/small", [](const Request& req, Res& res) {
    if (req.body(4)) res.send("fits");
  });
  app.put("/pieces", [](const Request& req, Res& res) {
    char buf[3];
    std::string seen;
    while (size_t n = req.read(buf, sizeof buf)) seen += "[" + std::string(buf, n) + "]";
    res.send(seen);
  });
  app.post(
      "/async",
      [](const Request& req, Res& res) {
        app::Deferred later = res.defer();
        auto text = std::make_shared<std::string>();
        req.read_async([text](std::string_view piece) { text->append(piece); },
                       [text, later](int error) {
                         later->send("async " + *text + " error " + std::to_string(error));
                         later.complete();
                       });
      },
      app::non_blocking);
  app.get("/stream", [](const Request&, Res& res) {
    res.set_header("X-Streamed", "yes");
    res.write("one ");
    res.flush();
    res.write("two ");
    res.write("three");
  });
  app.get("/big", [](const Request&, Res& res) {
    for (int i = 0; i < 10; ++i) res.write(std::string(10000, char('a' + i)));
  });
  app.get("/generate", [](const Request&, Res& res) {
    auto left = std::make_shared<int>(3);
    res.generate([left](std::string& out, size_t) {
      out += "chunk" + std::to_string(*left) + ";";
      return --*left > 0;
    });
  });
  app.get("/stream-then-throw", [](const Request&, Res& res) {
    res.write("partial");
    res.flush();
    throw std::runtime_error("too late");
  });
  app.get(
      "/thread",
      [](const Request& req, Res& res) {
        std::string who(req.query_param("who").value_or("?"));
        threads().emplace_back([later = res.defer(), who] {
          later->status = 202;
          later->send("from a thread for " + who);
          later.complete();
        });
      },
      app::non_blocking);
  app.get("/held", [](const Request&, Res& res) { held().push_back(res.defer()); });
  app.get("/dropped", [](const Request&, Res& res) { (void)res.defer(); });
  app.get("/throws", [](const Request&, Res&) { throw std::runtime_error("boom"); });
  app.get("/fails", [](const Request&, Res& res) {
    res.send("never sent");
    res.fail("no database");
  });
  app.get("/bad-header", [](const Request&, Res& res) { res.set_header("X-Bad", "a\r\nb"); });
  app.get("/teapot", [](const Request&, Res& res) {
    res.status = 418;
    res.add_header("Set-Cookie", "a=1");
    res.add_header("set-cookie", "b=2");
  });
  app.get("/file", [](const Request& req, Res& res) {
    res.send_file(std::string(req.query_param("path").value_or("")), 2, 3);
  });
  app.get("/log", [log = app.logger()](const Request&, Res&) { log.warn("careful"); });
  app.del("/users/{id}", [](const Request&, Res& res) { res.status = 204; });
}

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() { hook_calls().clear(); }
  Client client_{routes, {"greeting=hi", "flag"}};
};

TEST_F(ClientTest, PathParametersAndTheMostSpecificRoute) {
  Response r = client_.get("/users/7");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hi, user 7\n");  // the option greeting=hi
  EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(client_.get("/users/me").body, "the literal route\n");
  EXPECT_EQ(client_.get("/users/a%20b").body, "hi, user a b\n");
  EXPECT_EQ(client_.get("/files/a/b%2Fc/d.txt").body, "a/b/c/d.txt");
}

TEST_F(ClientTest, QueryHeadersAndCookies) {
  Response r = client_.request("GET", "/echo?q=a+b%21&x=1",
                               {{"User-Agent", "gtest"}, {"Cookie", "x=1; sid=abc"}});
  EXPECT_EQ(r.body,
            "q=a b! query=q=a+b%21&x=1 path=/echo route_path=/echo agent=gtest host=localhost "
            "cookie=abc");
  EXPECT_EQ(r.header("X-METHOD"), "GET");
  EXPECT_TRUE(r.has_header("x-method"));
  EXPECT_FALSE(r.has_header("X-Other"));
}

TEST_F(ClientTest, TheServersOwnAnswers) {
  EXPECT_EQ(client_.get("/nothing/here").status, 404);
  Response r = client_.post("/users/7", "x");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, DELETE, OPTIONS");
  r = client_.request("OPTIONS", "/users/7");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, DELETE, OPTIONS");
  EXPECT_EQ(client_.del("/users/7").status, 204);
  r = client_.head("/users/7");  // GET routes answer HEAD, without a body
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_THROW(client_.get("users/7"), std::invalid_argument);
}

TEST_F(ClientTest, RequestBodies) {
  Response r = client_.post("/upload", "hello body");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "got 10: hello body length 10");
  EXPECT_EQ(client_.put("/pieces", "abcdefgh").body, "[abc][def][gh]");
  r = client_.post("/upload", "");  // Content-Length: 0 is no body, as in the server
  EXPECT_EQ(r.body, "got 0:  length none");
  r = client_.post("/async", "in pieces");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "async in pieces error 0");
  // Over body()'s limit: 413 whatever the handler does.
  EXPECT_EQ(client_.post("/small", "1234").body, "fits");
  EXPECT_EQ(client_.post("/small", "12345").status, 413);
}

TEST_F(ClientTest, StreamedAndGeneratedBodiesAreCollected) {
  Response r = client_.get("/stream");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.streamed);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.header("X-Streamed"), "yes");
  EXPECT_EQ(r.body, "one two three");
  r = client_.get("/big");  // over kBuffered: starts streaming by itself
  EXPECT_TRUE(r.streamed);
  ASSERT_EQ(r.body.size(), 100000u);
  EXPECT_EQ(r.body.substr(0, 1), "a");
  EXPECT_EQ(r.body.substr(99999), "j");
  r = client_.get("/generate");
  EXPECT_EQ(r.body, "chunk3;chunk2;chunk1;");
  r = client_.get("/stream-then-throw");  // too late for a 500
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.body, "partial");
  EXPECT_EQ(r.failure, "threw: too late");
}

TEST_F(ClientTest, DeferredResponsesAreWaitedFor) {
  Response r = client_.get("/thread?who=me");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "from a thread for me");
  for (std::thread& t : threads()) t.join();
  threads().clear();

  held().clear();
  Pending pending = client_.start("GET", "/held");
  EXPECT_FALSE(pending.done());
  ASSERT_EQ(held().size(), 1u);
  held()[0]->send("completed by the test");
  held()[0].complete();
  EXPECT_TRUE(pending.done());
  r = pending.wait();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "completed by the test");
  held().clear();

  r = client_.get("/dropped");  // every Deferred dropped without complete()
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.failure, "deferred its response and dropped every Deferred without complete()");
}

TEST_F(ClientTest, FailingHandlersGive500AndALogLine) {
  Response r = client_.get("/throws");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.failure, "threw: boom");
  r = client_.get("/fails");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.failure, "failed: no database");
  r = client_.get("/bad-header");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.failure, "header X-Bad has CR, LF or NUL in its value");
  std::vector<std::string> log = client_.log();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0],
            "error: application app: GET /throws (route GET /throws): threw: boom; "
            "answered 500");
  client_.get("/log");
  EXPECT_EQ(client_.log().back(), "warn: careful");
}

TEST_F(ClientTest, StatusAndRepeatedHeaderFields) {
  Response r = client_.get("/teapot");
  EXPECT_EQ(r.status, 418);
  EXPECT_EQ(r.headers_named("SET-COOKIE"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_FALSE(r.has_header("Content-Type"));  // no body, no default type
}

TEST_F(ClientTest, SendFile) {
  test::TempDir dir;
  std::string path = dir.path() + "/f.txt";
  std::ofstream(path) << "0123456789";
  Response r = client_.get("/file?path=" + path);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "234");
  EXPECT_EQ(r.header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(client_.get("/file?path=" + dir.path() + "/missing").status, 404);
}

TEST_F(ClientTest, HooksRunAsInAChild) {
  // Constructed by the fixture: preload (in "the master"), then child_init.
  Client again(routes, {}, Settings{.engine = "worker", .child_slot = 3});
  EXPECT_EQ(hook_calls(),
            (std::vector<std::string>{"preload slot -1", "child_init slot 3 worker"}));
  EXPECT_EQ(again.get("/users/1").body, "hello, user 1\n");  // the option's fallback
  EXPECT_EQ(client_.registry().option("flag", "unset"), "");
  EXPECT_EQ(client_.registry().name(), "app");
}

TEST(Client, RefusesWhatTheServerRefuses) {
  auto no_routes = [](app::Registry&) {};
  EXPECT_THROW(Client(no_routes, {}), std::runtime_error);
  auto failing = [](app::Registry& app) {
    app.get("/", [](const Request&, Res&) {});
    app.fail("missing option db=");
  };
  try {
    Client c(failing, {});
    ADD_FAILURE() << "registration failure not reported";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "LoadApplication app: registration failed: missing option db=");
  }
  auto twice = [](app::Registry& app) {
    app.get("/{a}", [](const Request&, Res&) {});
    app.get("/{b}", [](const Request&, Res&) {});
  };
  EXPECT_THROW(Client(twice, {}), std::runtime_error);
  auto bad_preload = [](app::Registry& app) {
    app.get("/", [](const Request&, Res&) {});
    app.on_preload([](const app::Environment&) { throw std::runtime_error("no table"); });
  };
  EXPECT_THROW(Client(bad_preload, {}), std::runtime_error);
}

}  // namespace
}  // namespace mpmd::testing
