#include "handlers/static_files/mime_types.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mpmd::static_files {
namespace {

// The repository root, from this file's path (CMake compiles with absolute paths).
std::string source_dir() {
  std::string f = __FILE__;
  return f.substr(0, f.rfind("/tests/unit/"));
}

TEST(MimeTypes, ParsesApacheFormat) {
  MimeTypes m;
  m.load_text(
      "# comment\ntext/html\thtml htm\n\napplication/x-thing   thg # trailing\n"
      "application/no-extensions\nimage/png png\r\n");
  EXPECT_EQ(m.lookup("index.html"), "text/html");
  EXPECT_EQ(m.lookup("a.htm"), "text/html");
  EXPECT_EQ(m.lookup("x.thg"), "application/x-thing");
  EXPECT_EQ(m.lookup("p.png"), "image/png");
  EXPECT_EQ(m.lookup("x.trailing"), "");
  EXPECT_EQ(m.size(), 4u);
}

TEST(MimeTypes, MatchesTheLastExtensionIgnoringCase) {
  MimeTypes m;
  m.load_builtin();
  EXPECT_EQ(m.lookup("INDEX.HTML"), "text/html");
  EXPECT_EQ(m.lookup("a.Css"), "text/css");
  EXPECT_EQ(m.lookup("a.tar.gz"), "application/gzip");
  EXPECT_EQ(m.lookup("noext"), "");
  EXPECT_EQ(m.lookup("trailingdot."), "");
  EXPECT_EQ(m.lookup("dir.d/file"), "");
  EXPECT_EQ(m.lookup("x.unknownext"), "");
}

TEST(MimeTypes, AddTypeOverrides) {
  MimeTypes m;
  m.load_builtin();
  m.add(".html", "application/xhtml+xml");
  m.add("FOO", "text/x-foo");
  EXPECT_EQ(m.lookup("a.html"), "application/xhtml+xml");
  EXPECT_EQ(m.lookup("a.foo"), "text/x-foo");
}

TEST(MimeTypes, ShippedFileHasTheCommonTypes) {
  MimeTypes m;
  ASSERT_EQ(m.load_file(source_dir() + "/conf/mime.types"), "");
  EXPECT_EQ(m.lookup("a.html"), "text/html");
  EXPECT_EQ(m.lookup("a.css"), "text/css");
  EXPECT_EQ(m.lookup("a.js"), "text/javascript");
  EXPECT_EQ(m.lookup("a.json"), "application/json");
  EXPECT_EQ(m.lookup("a.png"), "image/png");
  EXPECT_EQ(m.lookup("a.svg"), "image/svg+xml");
  EXPECT_EQ(m.lookup("a.wasm"), "application/wasm");
  EXPECT_EQ(m.lookup("a.woff2"), "font/woff2");
  EXPECT_EQ(m.lookup("a.txt"), "text/plain");
  EXPECT_GT(m.size(), 500u);
}

TEST(MimeTypes, MissingFileIsAnError) {
  MimeTypes m;
  EXPECT_NE(m.load_file("/nonexistent/mime.types"), "");
}

}  // namespace
}  // namespace mpmd::static_files
