#include "handlers/router.hpp"

#include <gtest/gtest.h>

#include "handlers/static_files/path.hpp"

namespace mpmd::handlers {
namespace {

// Records the path of the requests it gets and answers 200.
struct Recorder final : http::Handler {
  std::vector<std::string> seen;
  void handle(const http::Request& request, http::Response& response) override {
    seen.emplace_back(request.path);
    response.status = 200;
  }
};

struct RouterTest : ::testing::Test {
  std::vector<config::Location> locations;
  Recorder fallback, app, mounted, picky;

  int get(std::string_view path, std::string_view peer = "10.0.0.1") {
    Router router(locations, fallback);
    router.add("app", &app);
    router.mount("/wsgi", &mounted);
    // A mount that takes only some paths (ProxyPassMatch): the others go on.
    router.mount("/", &picky, [](std::string_view p) { return p.ends_with(".php"); });
    router.mount("/wsgi/x", &picky, [](std::string_view p) { return p.ends_with(".php"); });
    http::Peer p;
    p.address = std::string(peer);
    http::Request request;
    request.method = http::Method::get;
    request.method_text = "GET";
    request.path = path;
    request.peer = &p;
    http::Response response;
    router.handle(request, response);
    return response.status;
  }
};

TEST_F(RouterTest, LocationsMatchTheCleanedPathSoAccessRulesCannotBeWalkedAround) {
  config::Location private_area;
  private_area.path = "/private";
  private_area.access = config::Access::ip_list;
  private_area.require_ip = {"127.0.0.1"};
  locations.push_back(private_area);
  for (const char* path : {"/private/x", "/public/../private/x", "/%70rivate/x", "//private/x",
                           "/./private/x", "/private%2fx/../y"}) {
    SCOPED_TRACE(path);
    int status = get(path);
    EXPECT_TRUE(status == 403 || status == 404) << status;  // %2f: 404, never served
  }
  EXPECT_EQ(get("/public/../private/x"), 403);
  EXPECT_EQ(get("/%70rivate/x", "127.0.0.1"), 200);
  EXPECT_TRUE(app.seen.empty());
  EXPECT_EQ(fallback.seen.size(), 1u);
}

TEST_F(RouterTest, MountsThatDoNotClaimAPathLeaveItToTheOthers) {
  EXPECT_EQ(get("/a/b.php"), 200);
  EXPECT_EQ(get("/wsgi/x/y.php"), 200);
  EXPECT_EQ(picky.seen.size(), 2u);
  EXPECT_EQ(get("/wsgi/x/y.py"), 200);  // the shorter mount
  EXPECT_EQ(mounted.seen.size(), 1u);
  EXPECT_EQ(get("/a/b.html"), 200);  // the fallback
  EXPECT_EQ(fallback.seen.size(), 1u);
  EXPECT_EQ(picky.seen.size(), 2u);
}

TEST_F(RouterTest, HandlersAndMountsAreFoundThroughTheCleanedPath) {
  config::Location app_area;
  app_area.path = "/app";
  app_area.handler = "app";
  locations.push_back(app_area);
  EXPECT_EQ(get("/x/../app/users"), 200);
  EXPECT_EQ(get("/x/../wsgi/environ"), 200);
  EXPECT_EQ(get("/wsgi%2Fenviron"), 404);   // AllowEncodedSlashes Off
  EXPECT_EQ(get("/../wsgi/environ"), 400);  // above the root
  EXPECT_EQ(get("/static.html"), 200);
  ASSERT_EQ(app.seen.size(), 1u);
  ASSERT_EQ(mounted.seen.size(), 1u);
  EXPECT_EQ(mounted.seen[0], "/x/../wsgi/environ");  // the handler still gets the raw path
  EXPECT_EQ(fallback.seen, std::vector<std::string>{"/static.html"});
}

TEST(SectionPath, CleanPathsAreNotCopied) {
  for (std::string_view raw : {"/", "/a/b.html", "/dir/", "/.well-known/x", "/a..b/..c", "*"}) {
    std::string storage;
    std::string_view out;
    EXPECT_EQ(static_files::section_path(raw, storage, out), static_files::PathError::none);
    EXPECT_EQ(out.data(), raw.data()) << raw;
    EXPECT_TRUE(storage.empty());
  }
}

TEST(SectionPath, OtherPathsAreCleaned) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"/a/../b", "/b"}, {"/a/./b", "/a/b"}, {"//a", "/a"},   {"/a/.", "/a/"},
      {"/a/..", "/"},    {"/%61", "/a"},     {"/a//", "/a/"},
  };
  for (auto [raw, want] : cases) {
    std::string storage;
    std::string_view out;
    EXPECT_EQ(static_files::section_path(raw, storage, out), static_files::PathError::none);
    EXPECT_EQ(out, want) << raw;
  }
}

}  // namespace
}  // namespace mpmd::handlers
