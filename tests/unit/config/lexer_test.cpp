#include "config/lexer.hpp"

#include <gtest/gtest.h>

namespace mpmd::config::detail {
namespace {

TEST(SplitLines, DropsBlankAndCommentLines) {
  auto lines = split_lines("# comment\n\n   \t# indented comment\nKeepAlive On\n  Listen 80  \n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].line, 4);
  EXPECT_EQ(lines[0].text, "KeepAlive On");
  EXPECT_EQ(lines[1].line, 5);
  EXPECT_EQ(lines[1].text, "Listen 80");
}

TEST(SplitLines, JoinsContinuationAndReportsFirstLine) {
  auto lines = split_lines("A\nLogFormat \"%h \\\n  %r\" common\nB\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].line, 2);
  EXPECT_EQ(lines[1].text, "LogFormat \"%h   %r\" common");
  EXPECT_EQ(lines[2].line, 4);
}

TEST(SplitLines, DoubleBackslashIsNotContinuation) {
  auto lines = split_lines("A x\\\\\nB\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, "A x\\\\");
}

TEST(SplitLines, CrLfAndMissingFinalNewline) {
  auto lines = split_lines("A 1\r\nB \\\r\n2");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, "A 1");
  EXPECT_EQ(lines[1].text, "B 2");
}

TEST(SplitLines, CommentContinuesLikeApache) {
  auto lines = split_lines("# comment \\\nstill comment\nC\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text, "C");
}

TEST(SplitArgs, BlanksAndQuotes) {
  std::vector<std::string> args;
  EXPECT_EQ(split_args("  a\t \"b c\" 'd \"e\"' \"x\\\"y\" 'it\\'s' back\\slash", args), "");
  EXPECT_EQ(args, (std::vector<std::string>{"a", "b c", "d \"e\"", "x\"y", "it's", "back\\slash"}));
}

TEST(SplitArgs, EmptyQuotedArgument) {
  std::vector<std::string> args;
  EXPECT_EQ(split_args("\"\" x", args), "");
  EXPECT_EQ(args, (std::vector<std::string>{"", "x"}));
}

TEST(SplitArgs, UnterminatedQuoteIsAnError) {
  std::vector<std::string> args;
  EXPECT_EQ(split_args("\"abc", args), "unterminated \" quote");
  EXPECT_EQ(split_args("'abc", args), "unterminated ' quote");
}

TEST(ExpandVars, ReplacesKnownAndRejectsUnknown) {
  VarLookup lookup = [](std::string_view n) -> std::optional<std::string> {
    if (n == "ROOT") return std::string("/srv");
    return std::nullopt;
  };
  std::string out;
  EXPECT_EQ(expand_vars("${ROOT}/www and ${ROOT}", lookup, out), "");
  EXPECT_EQ(out, "/srv/www and /srv");
  EXPECT_EQ(expand_vars("x ${NOPE} y", lookup, out), "variable ${NOPE} is not defined");
  EXPECT_EQ(expand_vars("cost $5 ${unterminated", lookup, out), "");
  EXPECT_EQ(out, "cost $5 ${unterminated");
}

TEST(EditDistance, CaseInsensitive) {
  EXPECT_EQ(edit_distance("KeepAliveTimout", "KeepAliveTimeout"), 1u);
  EXPECT_EQ(edit_distance("listen", "Listen"), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

}  // namespace
}  // namespace mpmd::config::detail
