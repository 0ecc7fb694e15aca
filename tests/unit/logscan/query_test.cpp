#include "logscan/query.hpp"

#include <gtest/gtest.h>

#include "logscan/cli.hpp"

namespace mpmd::logscan {
namespace {

const char* kLine =
    "203.0.113.9 - alice [01/Mar/2024:10:00:00 +0000] \"POST /api/v1/users?id=3 HTTP/1.1\" "
    "503 1200 \"-\" \"curl/8\"";

Evaluator::Outcome run(const QuerySpec& spec, std::string_view line, Record* out = nullptr,
                       std::string* literal = nullptr) {
  Layout layout;
  std::string error;
  EXPECT_TRUE(layout_for_format("combined", layout, error)) << error;
  Query query;
  EXPECT_TRUE(Query::compile(spec, layout, query, error)) << error;
  if (literal) *literal = query.literal();
  Evaluator evaluator(query);
  Record rec;
  auto outcome = evaluator.evaluate(line, rec);
  if (out) *out = rec;
  return outcome;
}

TEST(Query, StatusLists) {
  std::vector<StatusRange> r;
  EXPECT_EQ(parse_status_list("404,5xx", r), "");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].lo, 404);
  EXPECT_EQ(r[1].lo, 500);
  EXPECT_EQ(r[1].hi, 599);
  EXPECT_NE(parse_status_list("4x", r), "");
  EXPECT_NE(parse_status_list("99", r), "");
  EXPECT_NE(parse_status_list("abc", r), "");
}

TEST(Query, TopSpecs) {
  TopSpec t;
  EXPECT_EQ(parse_top_spec("ip", t), "");
  EXPECT_EQ(t.limit, 10u);
  EXPECT_EQ(parse_top_spec("path:25", t), "");
  EXPECT_EQ(t.key, TopKey::path);
  EXPECT_EQ(t.limit, 25u);
  EXPECT_NE(parse_top_spec("color", t), "");
  EXPECT_NE(parse_top_spec("ip:0", t), "");
}

TEST(Query, RequiredLiteralOfARegex) {
  EXPECT_EQ(regex_required_literal("^/api/v1/"), "/api/v1/");
  EXPECT_EQ(regex_required_literal("\\.php$"), ".php");
  EXPECT_EQ(regex_required_literal("/images/[0-9]+\\.jpg"), "/images/");
  EXPECT_EQ(regex_required_literal("abcd?e"), "abc");
  EXPECT_EQ(regex_required_literal("ab+cd"), "ab");
  EXPECT_EQ(regex_required_literal("a|b"), "");
  EXPECT_EQ(regex_required_literal("(foo)?bar"), "");
  EXPECT_EQ(regex_required_literal("x{2,3}yz"), "yz");
}

TEST(Query, FiltersCombine) {
  QuerySpec spec;
  spec.users = {"bob", "alice"};
  spec.methods = {"POST"};
  ASSERT_EQ(parse_status_list("5xx", spec.statuses), "");
  spec.path_regex = "^/api/v1/users$";
  Record rec;
  EXPECT_EQ(run(spec, kLine, &rec), Evaluator::Outcome::matched);
  EXPECT_EQ(rec.path, "/api/v1/users");
  EXPECT_EQ(rec.url, "/api/v1/users?id=3");
  EXPECT_EQ(rec.status, 503);
  spec.methods = {"GET"};
  EXPECT_EQ(run(spec, kLine), Evaluator::Outcome::rejected);
}

TEST(Query, TimeWindowIsHalfOpen) {
  QuerySpec spec;
  spec.since = 1709287200;  // 10:00:00Z
  EXPECT_EQ(run(spec, kLine), Evaluator::Outcome::matched);
  spec.until = 1709287200;
  spec.since.reset();
  EXPECT_EQ(run(spec, kLine), Evaluator::Outcome::rejected);
}

TEST(Query, IpExactAndCidr) {
  QuerySpec spec;
  spec.ips.emplace_back();
  ASSERT_EQ(parse_ip_filter("203.0.113.0/24", spec.ips[0]), "");
  EXPECT_EQ(run(spec, kLine), Evaluator::Outcome::matched);
  ASSERT_EQ(parse_ip_filter("203.0.112.0/24", spec.ips[0]), "");
  EXPECT_EQ(run(spec, kLine), Evaluator::Outcome::rejected);
  ASSERT_EQ(parse_ip_filter("203.0.113.9", spec.ips[0]), "");
  std::string literal;
  EXPECT_EQ(run(spec, kLine, nullptr, &literal), Evaluator::Outcome::matched);
  EXPECT_EQ(literal, "203.0.113.9 ");
  EXPECT_NE(parse_ip_filter("300.1.1.1/8", spec.ips[0]), "");
}

TEST(Query, PreFilterUsesTheTextAroundTheField) {
  QuerySpec spec;
  spec.users = {"alice"};
  std::string literal;
  run(spec, kLine, nullptr, &literal);
  EXPECT_EQ(literal, " alice ");
  spec.users = {"alice", "bob"};
  ASSERT_EQ(parse_status_list("503", spec.statuses), "");
  run(spec, kLine, nullptr, &literal);
  EXPECT_EQ(literal, "\" 503 ");
}

TEST(Query, CrlfAndBadConversionsAreHandled) {
  QuerySpec spec;
  spec.sum_bytes = true;
  Record rec;
  EXPECT_EQ(run(spec, std::string(kLine) + "\r", &rec), Evaluator::Outcome::matched);
  EXPECT_EQ(rec.bytes, 1200u);
  std::string bad_bytes = kLine;
  bad_bytes.replace(bad_bytes.find("1200"), 4, "12x0");
  EXPECT_EQ(run(spec, bad_bytes), Evaluator::Outcome::malformed);
  spec.sum_bytes = false;
  EXPECT_EQ(run(spec, bad_bytes), Evaluator::Outcome::matched);  // bytes not needed
  spec.per_seconds = 60;
  std::string bad_time = kLine;
  bad_time.replace(bad_time.find("Mar"), 3, "Foo");
  EXPECT_EQ(run(spec, bad_time), Evaluator::Outcome::malformed);
}

TEST(Query, MissingFieldsAreReported) {
  Layout layout;
  std::string error;
  ASSERT_TRUE(layout_for_format("%h %>s", layout, error));
  QuerySpec spec;
  spec.users = {"x"};
  Query query;
  EXPECT_FALSE(Query::compile(spec, layout, query, error));
  EXPECT_NE(error.find("%u"), std::string::npos);
  spec = QuerySpec();
  spec.path_regex = "(";
  ASSERT_TRUE(layout_for_format("combined", layout, error));
  error.clear();
  EXPECT_FALSE(Query::compile(spec, layout, query, error));
  EXPECT_NE(error.find("--path"), std::string::npos);
}

}  // namespace
}  // namespace mpmd::logscan
