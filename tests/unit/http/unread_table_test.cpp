// Table of requests whose handler answers at once, without reading the body
// (a static file, a 405, a 403 by Require), each also split at every byte:
// the core still judges the body's framing before the answer goes out, and a
// client waiting for 100 Continue gets it only for a request that succeeds.
#include "http/connection.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/http_driver.hpp"

namespace mpmd::http {
namespace {

struct Case {
  const char* name;
  std::string input;
  int handler_status;         // what the handler answers, at once
  std::vector<int> statuses;  // final responses, in order
  bool close;                 // the last response ends the connection
  bool eof = true;            // false: the client sends nothing more and waits
  uint64_t body_limit = 0;    // LimitRequestBody (0: the default)
};

const std::string kGet = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";

std::string post(std::string_view fields) {
  return "POST /f HTTP/1.1\r\nHost: h\r\n" + std::string(fields) + "\r\n";
}

std::string chunked(std::string_view body) {
  return post("Transfer-Encoding: chunked\r\n") + std::string(body);
}

std::string expect(std::string_view framing) {
  return post(std::string(framing) + "Expect: 100-continue\r\n");
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      // Framing: a bad chunk-size line is 400 whatever the handler answered.
      {"chunk_size_space_405", chunked("3 \r\nabc\r\n0\r\n\r\n"), 405, {400}, true},
      {"chunk_size_tab_405", chunked("3\t\r\nabc\r\n0\r\n\r\n"), 405, {400}, true},
      {"chunk_size_space_200", chunked("3 \r\nabc\r\n0\r\n\r\n"), 200, {400}, true},
      {"chunk_size_space_403", chunked("3\r\nabc\r\n3 \r\nabc\r\n0\r\n\r\n"), 403, {400}, true},
      {"chunk_data_too_long_405", chunked("3\r\nabcd\r\n0\r\n\r\n"), 405, {400}, true},
      // Sound framing: the small body is read and dropped, the connection kept
      // (the handler answers the pipelined request too).
      {"chunked_ok_405_kept", chunked("3\r\nabc\r\n0\r\n\r\n") + kGet, 405, {405, 405}, false},
      {"length_ok_405_kept", post("Content-Length: 3\r\n") + "abc" + kGet, 405, {405, 405}, false},
      // Expect: 100-continue and a refusal: the final status at once, without
      // 100 Continue and without waiting for (or reading) the body.
      {"expect_405_at_once", expect("Content-Length: 5\r\n"), 405, {405}, true, false},
      {"expect_403_at_once", expect("Content-Length: 5\r\n"), 403, {403}, true, false},
      {"expect_404_at_once", expect("Content-Length: 5\r\n"), 404, {404}, true, false},
      {"expect_chunked_405_at_once",
       expect("Transfer-Encoding: chunked\r\n"),
       405,
       {405},
       true,
       false},
      {"expect_413_by_length_at_once",
       expect("Content-Length: 101\r\n"),
       200,
       {413},
       true,
       false,
       100},
      // A success: 100 Continue, then the body is read and dropped.
      {"expect_200_body_follows",
       expect("Content-Length: 5\r\n") + "hello" + kGet,
       200,
       {200, 200},
       false},
  };
  return all;
}

Settings settings_for(const Case& c) {
  Settings s;
  if (c.body_limit != 0) s.limits.request_body = c.body_limit;
  return s;
}

test::Driver::HandlerFn answer_at_once(int status) {
  return [status](const Request&, Response& r) {
    r.status = status;
    r.body.append("answer\n");
  };
}

class Unread : public ::testing::TestWithParam<Case> {};

TEST_P(Unread, StatusCloseAndContinueMatchTheTable) {
  const Case& c = GetParam();
  test::Driver d(settings_for(c), answer_at_once(c.handler_status));
  d.stream_body = true;
  d.feed(c.input);
  if (c.eof) d.eof();
  const std::string out = d.take_output();
  auto rs = test::parse_responses(test::strip_continue(out));
  ASSERT_EQ(rs.size(), c.statuses.size()) << out;
  for (size_t i = 0; i < rs.size(); ++i) EXPECT_EQ(rs[i].status, c.statuses[i]) << i;
  if (!c.eof) {
    // The client waits for 100 Continue: it never came, the answer did, and
    // the connection ends without waiting for the body.
    EXPECT_EQ(out.find("100 Continue"), std::string::npos) << out;
    EXPECT_FALSE(d.connection().wants_read());
  }
  EXPECT_EQ(rs.back().header("Connection"), c.close ? "close" : "");
  EXPECT_TRUE(d.connection().finished());
  ASSERT_EQ(d.exchanges().size(), c.statuses.size());
  EXPECT_EQ(d.exchanges().back().status, c.statuses.back());
}

TEST_P(Unread, EverySplitGivesTheSameOutput) {
  const Case& c = GetParam();
  const Settings s = settings_for(c);
  auto run = [&](const std::vector<size_t>& cuts) {
    return test::strip_continue(
        test::run_split(s, c.input, cuts, c.eof, answer_at_once(c.handler_status), true));
  };
  const std::string whole = run({});
  for (size_t i = 1; i < c.input.size(); ++i) {
    ASSERT_EQ(run({i}), whole) << "split at " << i;
  }
  std::vector<size_t> every;
  for (size_t i = 1; i < c.input.size(); ++i) every.push_back(i);
  EXPECT_EQ(run(every), whole) << "byte by byte";
}

INSTANTIATE_TEST_SUITE_P(Table, Unread, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace mpmd::http
