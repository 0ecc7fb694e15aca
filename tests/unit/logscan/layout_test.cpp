#include "logscan/layout.hpp"

#include <gtest/gtest.h>

#include "logscan/cli.hpp"

namespace mpmd::logscan {
namespace {

Layout layout_of(const std::string& format) {
  Layout layout;
  std::string error;
  EXPECT_TRUE(layout_for_format(format, layout, error)) << error;
  return layout;
}

TEST(Layout, SplitsCombinedLines) {
  Layout layout = layout_of("combined");
  Fields f;
  ASSERT_TRUE(
      layout.parse("10.0.0.1 - alice [01/Mar/2024:10:00:00 +0100] \"GET /a?b=1 HTTP/1.1\" 200 512 "
                   "\"http://x/\" \"curl/8\"",
                   f));
  EXPECT_EQ(f[Field::host], "10.0.0.1");
  EXPECT_EQ(f[Field::user], "alice");
  EXPECT_EQ(f[Field::time], "01/Mar/2024:10:00:00 +0100");
  EXPECT_EQ(f[Field::request], "GET /a?b=1 HTTP/1.1");
  EXPECT_EQ(f[Field::status], "200");
  EXPECT_EQ(f[Field::bytes], "512");
  EXPECT_EQ(f[Field::referer], "http://x/");
  EXPECT_EQ(f[Field::agent], "curl/8");
}

TEST(Layout, QuotedFieldsKeepEscapedQuotes) {
  Layout layout = layout_of("combined");
  Fields f;
  ASSERT_TRUE(
      layout.parse("::1 - - [01/Mar/2024:10:00:00 +0000] \"GET /\\\"x\\\" HTTP/1.1\" 404 - \"-\" "
                   "\"a \\\"b\\\" c\\\\\"",
                   f));
  EXPECT_EQ(f[Field::request], "GET /\\\"x\\\" HTTP/1.1");
  EXPECT_EQ(f[Field::agent], "a \\\"b\\\" c\\\\");
  EXPECT_EQ(f[Field::bytes], "-");
}

TEST(Layout, RejectsLinesOfAnotherShape) {
  Layout layout = layout_of("combined");
  Fields f;
  const char* bad[] = {
      "",
      "garbage",
      "10.0.0.1 - - [01/Mar/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\"",  // common + ref
      "10.0.0.1 - - [01/Mar/2024:10:00:00 +0000] GET / HTTP/1.1\" 200 5 \"-\" \"x\"",
      "10.0.0.1 - - [01/Mar/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"x\" extra",
      "10.0.0.1 - - [01/Mar/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"x\\\"",
  };
  for (const char* line : bad) EXPECT_FALSE(layout.parse(line, f)) << line;
}

TEST(Layout, CustomFormatsThroughTheServersCompiler) {
  Layout layout = layout_of("%v %h %>s %B %D \"%r\" %{X-Id}i");
  EXPECT_TRUE(layout.has(Field::vhost));
  EXPECT_TRUE(layout.has(Field::bytes));
  EXPECT_FALSE(layout.has(Field::time));
  EXPECT_FALSE(layout.has(Field::agent));
  Fields f;
  ASSERT_TRUE(layout.parse("example.org 10.1.1.1 503 0 1234 \"POST /x HTTP/2.0\" abc-1", f));
  EXPECT_EQ(f[Field::vhost], "example.org");
  EXPECT_EQ(f[Field::status], "503");
  EXPECT_EQ(f[Field::request], "POST /x HTTP/2.0");
  EXPECT_EQ(layout.text_before(Field::status), " ");
  EXPECT_EQ(layout.text_after(Field::request), "\" ");
}

TEST(Layout, TimeNeedsNoSeparator) {
  Layout layout = layout_of("%t%h");
  Fields f;
  ASSERT_TRUE(layout.parse("[01/Mar/2024:10:00:00 +0000]1.2.3.4", f));
  EXPECT_EQ(f[Field::host], "1.2.3.4");
}

TEST(Layout, RefusesFieldsWithoutSeparators) {
  Layout layout;
  std::string error;
  EXPECT_FALSE(layout_for_format("%h%u", layout, error));
  EXPECT_NE(error.find("%u"), std::string::npos);
  EXPECT_FALSE(layout_for_format("%Z", layout, error));
  EXPECT_NE(error.find("--format"), std::string::npos);
}

TEST(Layout, CommonFormatNickname) {
  Layout layout = layout_of("common");
  EXPECT_FALSE(layout.has(Field::agent));
  Fields f;
  EXPECT_TRUE(
      layout.parse("1.2.3.4 - bob [01/Mar/2024:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5", f));
  EXPECT_EQ(f[Field::user], "bob");
}

}  // namespace
}  // namespace mpmd::logscan
