#include "handlers/static_files/static_files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "handlers/static_files/file_cache.hpp"
#include "support/captured_log.hpp"
#include "unit/handlers/static_test_tree.hpp"

namespace mpmd::static_files {
namespace {

using http::Method;
using test::OwnedRequest;
using Fields = std::vector<std::pair<std::string, std::string>>;

constexpr time_t kMtime = 1'700'000'000;  // Tue, 14 Nov 2023 22:13:20 GMT
const std::string kMtimeText = "Tue, 14 Nov 2023 22:13:20 GMT";

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tree_.root().empty());
    tree_.file("hello.txt", "hello, world\n");
    tree_.file("index.html", "<h1>root</h1>");
    tree_.dir("docs");
    tree_.file("docs/page.html", "<p>page</p>");
    tree_.dir("docs/sub");
    tree_.file("docs/sub/index.htm", "sub index");
    tree_.dir("empty");
    tree_.file("data.bin", std::string(1000, 'x'));
    tree_.file("UPPER.CSS", "body{}");
    tree_.file("a b.txt", "space");
    tree_.file("back\\slash.txt", "backslash");
    tree_.file(".htaccess", "secret");
    tree_.file("noext", "no extension");
    for (const char* f : {"hello.txt", "index.html", "docs/page.html", "data.bin"})
      tree_.touch(f, kMtime);
    settings_.document_root = tree_.root();
    settings_.directory_index = {"index.html", "index.htm"};
  }

  std::unique_ptr<StaticFiles> make(Options options = {}) {
    std::string error;
    auto h = StaticFiles::create(settings_, clock_, error, options);
    EXPECT_TRUE(h) << error;
    return h;
  }

  http::Response get(StaticFiles& h, const std::string& target, Fields fields = {},
                     Method method = Method::get) {
    OwnedRequest req(method, target, std::move(fields));
    http::Response response;
    h.handle(req.request, response);
    return response;
  }

  test::TempTree tree_;
  config::StaticFiles settings_;
  util::ManualClock clock_{int64_t(kMtime + 3600) * 1'000'000};
};

TEST_F(StaticFilesTest, ServesAFileWithValidators) {
  auto h = make();
  auto r = get(*h, "/hello.txt");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(test::body_bytes(r), "hello, world\n");
  EXPECT_EQ(r.body.size(), 13u);
  EXPECT_EQ(r.header("Content-Type"), "text/plain");
  EXPECT_EQ(r.header("Last-Modified"), kMtimeText);
  EXPECT_EQ(r.header("ETag"), make_etag(13, int64_t(kMtime) * 1'000'000'000));
  EXPECT_EQ(
      r.header("ETag"), "\"d-" + [] {
        char buf[32];
        snprintf(buf, sizeof buf, "%llx", (unsigned long long)kMtime * 1000000ull);
        return std::string(buf);
      }() + "\"");
  EXPECT_EQ(r.header("Accept-Ranges"), "bytes");
  EXPECT_FALSE(r.head_only);
}

TEST_F(StaticFilesTest, HeadHasTheSameHeadersAndNoBodyIsSent) {
  auto h = make();
  auto g = get(*h, "/hello.txt");
  auto r = get(*h, "/hello.txt", {}, Method::head);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.head_only);
  EXPECT_EQ(r.body.size(), g.body.size());  // Content-Length as for GET
  EXPECT_EQ(r.header("ETag"), g.header("ETag"));
  EXPECT_EQ(r.header("Last-Modified"), g.header("Last-Modified"));
  EXPECT_EQ(r.header("Content-Type"), g.header("Content-Type"));
}

TEST_F(StaticFilesTest, MimeTypesFromExtensionAddTypeAndDefault) {
  settings_.add_types["txt"] = "text/x-custom";
  settings_.default_type = "application/x-default";
  auto h = make();
  EXPECT_EQ(get(*h, "/hello.txt").header("Content-Type"), "text/x-custom");
  EXPECT_EQ(get(*h, "/UPPER.CSS").header("Content-Type"), "text/css");
  EXPECT_EQ(get(*h, "/data.bin").header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(get(*h, "/noext").header("Content-Type"), "application/x-default");
  EXPECT_EQ(get(*h, "/").header("Content-Type"), "text/html");
}

TEST_F(StaticFilesTest, TypesConfigFile) {
  tree_.file("types", "text/x-hello txt\n");
  settings_.types_config = tree_.path("types");
  auto h = make();
  EXPECT_EQ(get(*h, "/hello.txt").header("Content-Type"), "text/x-hello");
  EXPECT_EQ(get(*h, "/index.html").header("Content-Type"), "application/octet-stream");
  settings_.types_config = tree_.path("missing-types");
  std::string error;
  EXPECT_FALSE(StaticFiles::create(settings_, clock_, error));
  EXPECT_NE(error, "");
}

TEST_F(StaticFilesTest, MissingDocumentRootAnswers404) {
  settings_.document_root = tree_.path("nope");
  std::string error;
  auto h = StaticFiles::create(settings_, clock_, error);
  ASSERT_TRUE(h) << error;
  EXPECT_NE(h->root_error().find("DocumentRoot"), std::string::npos);
  test::CapturedLog log;
  EXPECT_EQ(get(*h, "/").status, 404);
  EXPECT_EQ(get(*h, "/hello.txt").status, 404);
  clock_.advance(59'000'000);
  EXPECT_EQ(get(*h, "/").status, 404);
  auto count = [&] {
    std::string t = log.text();
    size_t n = 0;
    for (size_t p = 0; (p = t.find("MPMD0035", p)) != std::string::npos; ++p) ++n;
    return n;
  };
  EXPECT_EQ(count(), 1u) << log.text();  // once a minute, not once per request
  clock_.advance(2'000'000);
  EXPECT_EQ(get(*h, "/").status, 404);
  EXPECT_EQ(count(), 2u) << log.text();
}

TEST_F(StaticFilesTest, DirectoryIndexFirstExistingWins) {
  auto h = make();
  auto r = get(*h, "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(test::body_bytes(r), "<h1>root</h1>");
  r = get(*h, "/docs/sub/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(test::body_bytes(r), "sub index");
  tree_.file("docs/sub/index.html", "html wins");
  clock_.advance(1'500'000);
  EXPECT_EQ(test::body_bytes(get(*h, "/docs/sub/")), "html wins");
}

TEST_F(StaticFilesTest, DirectoryWithoutSlashRedirects) {
  auto h = make();
  auto r = get(*h, "/docs");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("Location"), "/docs/");
  r = get(*h, "/docs/sub?x=1&y=%20");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("Location"), "/docs/sub/?x=1&y=%20");
  // "//host" must not turn into a protocol-relative redirect.
  tree_.dir("evil.example");
  r = get(*h, "//evil.example");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("Location"), "/evil.example/");
}

TEST_F(StaticFilesTest, DirectoryWithoutIndex) {
  auto h = make();
  auto r = get(*h, "/empty/");
  EXPECT_EQ(r.status, 403);
  settings_.indexes = true;
  tree_.file("empty/z.txt", "z");
  tree_.file("empty/<a>.txt", "a");
  tree_.file("empty/.htpasswd", "secret");
  tree_.dir("empty/d");
  h = make();
  r = get(*h, "/empty/");
  EXPECT_EQ(r.status, 200);
  std::string body = test::body_bytes(r);
  EXPECT_NE(body.find("href=\"z.txt\""), std::string::npos) << body;
  EXPECT_NE(body.find("href=\"d/\""), std::string::npos) << body;
  EXPECT_NE(body.find("&lt;a&gt;.txt"), std::string::npos) << body;
  EXPECT_EQ(body.find("<a>"), std::string::npos);
  EXPECT_EQ(body.find(".htpasswd"), std::string::npos);
}

TEST_F(StaticFilesTest, StatusesForMissingForbiddenAndBadPaths) {
  auto h = make();
  EXPECT_EQ(get(*h, "/nope.txt").status, 404);
  EXPECT_EQ(get(*h, "/hello.txt/").status, 404);  // a file is not a directory
  EXPECT_EQ(get(*h, "/hello.txt/x").status, 404);
  EXPECT_EQ(get(*h, "/.htaccess").status, 403);
  EXPECT_EQ(get(*h, "/bad%zz").status, 400);
  EXPECT_EQ(get(*h, "/bad%").status, 400);
  EXPECT_EQ(get(*h, "*").status, 400);
  tree_.file("locked.txt", "locked");
  ::chmod(tree_.path("locked.txt").c_str(), 0);
  if (::geteuid() != 0) {
    EXPECT_EQ(get(*h, "/locked.txt").status, 403);  // root reads anything
  }
  ::mkfifo(tree_.path("fifo").c_str(), 0644);
  EXPECT_EQ(get(*h, "/fifo").status, 403);
  auto r = get(*h, "/nope.txt");
  EXPECT_NE(test::body_bytes(r).find("Not Found"), std::string::npos);
  EXPECT_EQ(test::body_bytes(r).find("nope"), std::string::npos);  // path not echoed
}

TEST_F(StaticFilesTest, EncodedNamesAndBackslashes) {
  auto h = make();
  EXPECT_EQ(test::body_bytes(get(*h, "/a%20b.txt")), "space");
  EXPECT_EQ(test::body_bytes(get(*h, "/back\\slash.txt")), "backslash");
  EXPECT_EQ(test::body_bytes(get(*h, "/back%5Cslash.txt")), "backslash");
  EXPECT_EQ(get(*h, "/docs\\page.html").status, 404);  // '\' is not a separator
}

TEST_F(StaticFilesTest, TraversalNeverLeavesTheRoot) {
  // A secret next to the document root.
  test::TempTree outside;
  outside.file("secret", "top secret");
  std::string rel_secret = "../" + outside.root().substr(5) + "/secret";  // from /tmp/<root>
  auto h = make();
  for (const std::string& target : std::vector<std::string>{
           "/../" + rel_secret, "/docs/../../" + rel_secret, "/%2e%2e/" + rel_secret,
           "/%2E%2E/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd", "/%252e%252e/etc/passwd",
           "/..\\..\\etc\\passwd", "/hello.txt%00.html", "/%00", "/a%2fb", "/./../etc/passwd",
           "/docs/./../../etc/passwd"}) {
    auto r = get(*h, target);
    EXPECT_TRUE(r.status == 400 || r.status == 404) << target << " -> " << r.status;
    EXPECT_EQ(test::body_bytes(r).find("top secret"), std::string::npos) << target;
  }
}

TEST_F(StaticFilesTest, SymlinksOutsideTheRootAreRefused) {
  test::TempTree outside;
  outside.file("secret.txt", "top secret");
  tree_.symlink(outside.path("secret.txt"), "abs-out.txt");
  tree_.symlink("../" + outside.root().substr(5) + "/secret.txt", "rel-out.txt");
  tree_.symlink(outside.root(), "outdir");
  tree_.symlink("hello.txt", "rel-in.txt");
  tree_.symlink(tree_.path("hello.txt"), "abs-in.txt");
  tree_.symlink("docs", "docs-link");
  for (bool fallback : {false, true}) {
    SCOPED_TRACE(fallback ? "realpath fallback" : "openat2 if available");
    Options options;
    options.force_realpath_fallback = fallback;
    auto h = make(options);
    if (fallback) {
      EXPECT_EQ(h->open_mode(), OpenMode::realpath);
    }
    EXPECT_EQ(get(*h, "/abs-out.txt").status, 403);
    EXPECT_EQ(get(*h, "/rel-out.txt").status, 403);
    EXPECT_EQ(get(*h, "/outdir/secret.txt").status, 403);
    EXPECT_EQ(test::body_bytes(get(*h, "/rel-in.txt")), "hello, world\n");
    EXPECT_EQ(test::body_bytes(get(*h, "/abs-in.txt")), "hello, world\n");
    EXPECT_EQ(test::body_bytes(get(*h, "/docs-link/page.html")), "<p>page</p>");
    EXPECT_EQ(get(*h, "/dangling").status, 404);
  }
  settings_.follow_symlinks = true;
  auto h = make();
  EXPECT_EQ(h->open_mode(), OpenMode::follow);
  EXPECT_EQ(test::body_bytes(get(*h, "/abs-out.txt")), "top secret");
  EXPECT_EQ(test::body_bytes(get(*h, "/outdir/secret.txt")), "top secret");
}

TEST_F(StaticFilesTest, Methods) {
  auto h = make();
  auto r = get(*h, "/hello.txt", {}, Method::options);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, OPTIONS");
  EXPECT_TRUE(r.body.empty());
  r = get(*h, "*", {}, Method::options);
  EXPECT_EQ(r.status, 200);
  for (Method m : {Method::post, Method::put, Method::delete_, Method::patch, Method::trace}) {
    r = get(*h, "/hello.txt", {}, m);
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.header("Allow"), "GET, HEAD, OPTIONS");
  }
}

TEST_F(StaticFilesTest, IfNoneMatch) {
  auto h = make();
  std::string etag(get(*h, "/hello.txt").header("ETag"));
  auto r = get(*h, "/hello.txt", {{"If-None-Match", etag}});
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.header("ETag"), etag);
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-None-Match", "*"}}).status, 304);
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-None-Match", "\"x\", W/" + etag}}).status, 304);
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-None-Match", "\"other\""}}).status, 200);
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-None-Match", etag}}, Method::head).status, 304);
  // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
  r = get(*h, "/hello.txt", {{"If-None-Match", "\"other\""}, {"If-Modified-Since", kMtimeText}});
  EXPECT_EQ(r.status, 200);
}

TEST_F(StaticFilesTest, IfModifiedSince) {
  auto h = make();
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-Modified-Since", kMtimeText}}).status, 304);
  EXPECT_EQ(get(*h, "/hello.txt", {{"if-modified-since", "Tue, 14 Nov 2023 23:00:00 GMT"}}).status,
            304);
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-Modified-Since", "Tue, 14 Nov 2023 22:13:19 GMT"}}).status,
            200);
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-Modified-Since", "garbage"}}).status, 200);
  // A date in the future (after the clock's now) is ignored.
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"}}).status,
            200);
}

TEST_F(StaticFilesTest, IfMatchAndIfUnmodifiedSince) {
  auto h = make();
  std::string etag(get(*h, "/hello.txt").header("ETag"));
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-Match", etag}}).status, 200);
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-Match", "*"}}).status, 200);
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-Match", "\"other\""}}).status, 412);
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-Match", "W/" + etag}}).status, 412);  // strong only
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-Unmodified-Since", kMtimeText}}).status, 200);
  EXPECT_EQ(
      get(*h, "/hello.txt", {{"If-Unmodified-Since", "Mon, 13 Nov 2023 00:00:00 GMT"}}).status,
      412);
  // If-Match takes precedence over If-Unmodified-Since.
  EXPECT_EQ(get(*h, "/hello.txt",
                {{"If-Match", etag}, {"If-Unmodified-Since", "Mon, 13 Nov 2023 00:00:00 GMT"}})
                .status,
            200);
  EXPECT_EQ(get(*h, "/nope", {{"If-Match", "*"}}).status, 404);
}

TEST_F(StaticFilesTest, FileEtagNone) {
  settings_.file_etag = false;
  auto h = make();
  auto r = get(*h, "/hello.txt");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("ETag"), "");
  EXPECT_EQ(r.header("Last-Modified"), kMtimeText);
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-Match", "\"x\""}}).status, 412);
  EXPECT_EQ(get(*h, "/hello.txt", {{"If-None-Match", "\"x\""}}).status, 200);
}

TEST_F(StaticFilesTest, SingleRange) {
  auto h = make();
  auto r = get(*h, "/hello.txt", {{"Range", "bytes=0-4"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.header("Content-Range"), "bytes 0-4/13");
  EXPECT_EQ(r.header("Content-Type"), "text/plain");
  EXPECT_EQ(test::body_bytes(r), "hello");
  r = get(*h, "/hello.txt", {{"Range", "bytes=-6"}});
  EXPECT_EQ(r.header("Content-Range"), "bytes 7-12/13");
  EXPECT_EQ(test::body_bytes(r), "world\n");
  r = get(*h, "/hello.txt", {{"Range", "bytes=7-"}}, Method::head);
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body.size(), 6u);
}

TEST_F(StaticFilesTest, MultipleRangesAreMultipart) {
  auto h = make();
  auto r = get(*h, "/hello.txt", {{"Range", "bytes=0-4,7-11"}});
  EXPECT_EQ(r.status, 206);
  std::string type(r.header("Content-Type"));
  const std::string prefix = "multipart/byteranges; boundary=";
  ASSERT_EQ(type.substr(0, prefix.size()), prefix);
  std::string b = type.substr(prefix.size());
  EXPECT_FALSE(b.empty());
  EXPECT_EQ(r.header("Content-Range"), "");
  std::string expected =
      "\r\n--" + b + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-4/13" +
      "\r\n\r\nhello" + "\r\n--" + b +
      "\r\nContent-Type: text/plain\r\nContent-Range: bytes 7-11/13\r\n\r\nworld" + "\r\n--" + b +
      "--\r\n";
  EXPECT_EQ(test::body_bytes(r), expected);
  EXPECT_EQ(r.body.size(), expected.size());
  // Boundaries differ between responses.
  auto r2 = get(*h, "/hello.txt", {{"Range", "bytes=0-0,2-2"}});
  EXPECT_NE(r2.header("Content-Type"), r.header("Content-Type"));
}

TEST_F(StaticFilesTest, UnsatisfiableAndInvalidRanges) {
  auto h = make();
  auto r = get(*h, "/hello.txt", {{"Range", "bytes=13-"}});
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.header("Content-Range"), "bytes */13");
  r = get(*h, "/hello.txt", {{"Range", "bytes=5-1"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(test::body_bytes(r), "hello, world\n");
  EXPECT_EQ(get(*h, "/hello.txt", {{"Range", "lines=1-2"}}).status, 200);
}

TEST_F(StaticFilesTest, IfRange) {
  auto h = make();
  std::string etag(get(*h, "/hello.txt").header("ETag"));
  EXPECT_EQ(get(*h, "/hello.txt", {{"Range", "bytes=0-1"}, {"If-Range", etag}}).status, 206);
  EXPECT_EQ(get(*h, "/hello.txt", {{"Range", "bytes=0-1"}, {"If-Range", "\"old\""}}).status, 200);
  EXPECT_EQ(get(*h, "/hello.txt", {{"Range", "bytes=0-1"}, {"If-Range", "W/" + etag}}).status, 200);
  EXPECT_EQ(get(*h, "/hello.txt", {{"Range", "bytes=0-1"}, {"If-Range", kMtimeText}}).status, 206);
  auto r = get(*h, "/hello.txt",
               {{"Range", "bytes=0-1"}, {"If-Range", "Mon, 13 Nov 2023 00:00:00 GMT"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(test::body_bytes(r), "hello, world\n");
}

TEST_F(StaticFilesTest, LargeFilesAreFileSegments) {
  settings_.max_cached_file_size = 100;
  auto h = make();
  auto r = get(*h, "/data.bin");
  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(r.body.segments().size(), 1u);
  EXPECT_TRUE(r.body.segments()[0].is_file());
  EXPECT_EQ(test::body_bytes(r), std::string(1000, 'x'));
  r = get(*h, "/data.bin", {{"Range", "bytes=10-19,500-"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_NE(test::body_bytes(r).find(std::string(500, 'x')), std::string::npos);
  auto small = get(*h, "/hello.txt");
  ASSERT_EQ(small.body.segments().size(), 1u);
  EXPECT_FALSE(small.body.segments()[0].is_file());
  EXPECT_EQ(h->cache().entries(), 1u);  // only the small file
}

TEST_F(StaticFilesTest, CacheIsNeverStaleAfterOneSecond) {
  auto h = make();
  auto r = get(*h, "/hello.txt");
  std::string etag1(r.header("ETag"));
  EXPECT_EQ(h->cache().entries(), 1u);
  // Same size, new mtime and content: within the second the cached copy may be served ...
  tree_.file("hello.txt", "HELLO, WORLD\n");
  tree_.touch("hello.txt", kMtime + 10);
  clock_.advance(999'999);
  EXPECT_EQ(test::body_bytes(get(*h, "/hello.txt")), "hello, world\n");
  // ... but never once it is a second old.
  clock_.advance(1);
  r = get(*h, "/hello.txt");
  EXPECT_EQ(test::body_bytes(r), "HELLO, WORLD\n");
  EXPECT_NE(r.header("ETag"), etag1);
  // Removal is seen too.
  ::unlink(tree_.path("hello.txt").c_str());
  clock_.advance(1'000'001);
  EXPECT_EQ(get(*h, "/hello.txt").status, 404);
  EXPECT_EQ(h->cache().entries(), 0u);
  // A file replaced by a directory.
  tree_.dir("hello.txt");
  clock_.advance(1'000'001);
  EXPECT_EQ(get(*h, "/hello.txt").status, 301);
}

TEST_F(StaticFilesTest, ResponsesOutliveAChangedCacheEntry) {
  auto h = make();
  auto r = get(*h, "/hello.txt");
  tree_.file("hello.txt", "changed, and longer\n");
  clock_.advance(2'000'000);
  auto r2 = get(*h, "/hello.txt");
  EXPECT_EQ(test::body_bytes(r), "hello, world\n");  // still intact
  EXPECT_EQ(test::body_bytes(r2), "changed, and longer\n");
}

TEST_F(StaticFilesTest, CacheIsBounded) {
  Options options;
  options.cache.max_entries = 16;
  options.cache.max_bytes = 16 * 1000;
  auto h = make(options);
  for (int i = 0; i < 100; ++i) {
    std::string name = "f" + std::to_string(i) + ".txt";
    tree_.file(name, std::string(500, 'a'));
    EXPECT_EQ(get(*h, "/" + name).status, 200);
  }
  EXPECT_LE(h->cache().entries(), 16u);
  EXPECT_LE(h->cache().bytes(), 16u * 1000);
  EXPECT_GT(h->cache().entries(), 0u);
}

TEST_F(StaticFilesTest, CacheDisabledWithZeroSize) {
  settings_.max_cached_file_size = 0;
  auto h = make();
  EXPECT_EQ(test::body_bytes(get(*h, "/hello.txt")), "hello, world\n");
  EXPECT_EQ(h->cache().entries(), 0u);
  tree_.file("hello.txt", "new!");
  EXPECT_EQ(test::body_bytes(get(*h, "/hello.txt")), "new!");  // no cache, no delay
}

TEST_F(StaticFilesTest, EmptyFile) {
  tree_.file("empty.txt", "");
  auto h = make();
  auto r = get(*h, "/empty.txt");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(get(*h, "/empty.txt", {{"Range", "bytes=0-10"}}).status, 200);
}

// A clock other threads may read while the test advances it.
class AtomicClock final : public util::Clock {
 public:
  util::Usec now() const override { return t_.load(std::memory_order_relaxed); }
  void advance(util::Usec d) { t_.fetch_add(d, std::memory_order_relaxed); }

 private:
  std::atomic<util::Usec> t_{int64_t(kMtime + 3600) * 1'000'000};
};

TEST_F(StaticFilesTest, ConcurrentRequestsWithEvictionAndRevalidation) {
  constexpr int kFiles = 24;
  for (int i = 0; i < kFiles; ++i)
    tree_.file("c" + std::to_string(i) + ".txt", std::string(size_t(100 + i), char('a' + i)));
  AtomicClock clock;
  Options options;
  options.cache.max_entries = 8;  // constant eviction
  std::string error;
  auto h = StaticFiles::create(settings_, clock, error, options);
  ASSERT_TRUE(h) << error;
  std::atomic<int> bad{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < 2000; ++n) {
        int i = (n * 7 + t) % kFiles;
        OwnedRequest req(Method::get, "/c" + std::to_string(i) + ".txt",
                         n % 5 == 0 ? Fields{{"Range", "bytes=0-9,20-29"}} : Fields{});
        http::Response r;
        h->handle(req.request, r);
        std::string body = test::body_bytes(r);
        bool ok = n % 5 == 0
                      ? (r.status == 206 &&
                         body.find(std::string(10, char('a' + i))) != std::string::npos)
                      : (r.status == 200 && body == std::string(size_t(100 + i), char('a' + i)));
        if (!ok) bad.fetch_add(1);
      }
    });
  }
  std::thread ticker([&] {
    while (!stop.load()) {
      clock.advance(400'000);
      std::this_thread::yield();
    }
  });
  for (auto& th : threads) th.join();
  stop = true;
  ticker.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_LE(h->cache().entries(), 8u);
}

}  // namespace
}  // namespace mpmd::static_files
