// Table of raw requests -> expected status, each also split at every byte
// offset and fed byte by byte (Beast's parsegrind): the output must not depend
// on how the bytes were cut into reads.
#include "http/connection.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/http_driver.hpp"

namespace mpmd::http {
namespace {

using namespace std::string_literals;

struct Case {
  const char* name;
  std::string input;
  std::vector<int> statuses;  // final responses, in order
};

std::string H(std::string head_rest) {
  return "Host: h\r\n" + head_rest;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      // Accepted.
      {"get11", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", {200}},
      {"get10", "GET /x HTTP/1.0\r\n\r\n", {200}},
      {"post_length", "POST / HTTP/1.1\r\n" + H("Content-Length: 5\r\n\r\nhello"), {200}},
      {"chunked_trailers",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: chunked\r\n\r\n") +
           "3\r\nabc\r\nA;name=\"v\"\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n",
       {200}},
      {"chunked_case_and_ws",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding:  Chunked \r\n\r\n") +
           "00003 ;x\r\nabc\r\n0\r\n\r\n",
       {200}},
      {"pipelined",
       "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /2 HTTP/1.1\r\n" + H("Content-Length: 2\r\n\r\nhi") +
           "POST /3 HTTP/1.1\r\n" + H("Transfer-Encoding: chunked\r\n\r\n") +
           "1\r\nx\r\n0\r\n\r\nGET /4 HTTP/1.1\r\nHost: h\r\n\r\n",
       {200, 200, 200, 200}},
      {"absolute_form",
       "GET http://a.example:81/p?q HTTP/1.1\r\nHost: a.example:81\r\n\r\n",
       {200}},
      {"options_star", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", {200}},
      {"identical_duplicate_length",
       "POST / HTTP/1.1\r\n" + H("Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc"),
       {200}},
      {"identical_length_list",
       "POST / HTTP/1.1\r\n" + H("Content-Length: 3, 3\r\n\r\nabc"),
       {200}},
      {"obs_text_value", "GET / HTTP/1.1\r\n" + H("X-Name: caf\xc3\xa9\r\n\r\n"), {200}},
      {"empty_value", "GET / HTTP/1.1\r\n" + H("X-Empty:\r\n\r\n"), {200}},
      {"leading_crlf", "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", {200}},
      {"bare_lf_head", "GET / HTTP/1.1\nHost: h\n\n", {200}},
      {"expect_continue",
       "PUT / HTTP/1.1\r\n" + H("Expect: 100-continue\r\nContent-Length: 1\r\n\r\nz"),
       {200}},
      {"delete_method", "DELETE /r HTTP/1.1\r\nHost: h\r\n\r\n", {200}},
      // Host and absolute-form authorities RFC 3986 admits (RFC 9112 3.2).
      {"host_port", "GET / HTTP/1.1\r\nHost: h:80\r\n\r\n", {200}},
      {"host_empty_port", "GET / HTTP/1.1\r\nHost: h:\r\n\r\n", {200}},
      {"host_empty", "GET / HTTP/1.1\r\nHost:\r\n\r\n", {200}},
      {"host_ipv4_port", "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", {200}},
      {"host_ipv6", "GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n", {200}},
      {"host_ipv6_port", "GET / HTTP/1.1\r\nHost: [4712::abcd]:8000\r\n\r\n", {200}},
      {"host_punycode_trailing_dot",
       "GET / HTTP/1.1\r\nHost: xn--bcher-kva.example.\r\n\r\n",
       {200}},
      {"absolute_form_ipv6_port",
       "GET http://[::1]:8080/p HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
       {200}},
      // RFC 9110 2.5: HTTP/1.2 .. 1.9 are served (and kept alive) as HTTP/1.1.
      {"http12_as_11",
       "GET / HTTP/1.2\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
       {200, 200}},
      {"http19_chunked_as_11",
       "POST / HTTP/1.9\r\n" + H("Transfer-Encoding: chunked\r\n\r\n") +
           "1\r\nx\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
       {200, 200}},
      {"http15_connection_close",
       "GET / HTTP/1.5\r\n" + H("Connection: close\r\n\r\n") + "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
       {200}},
      // Framing ambiguity: 400 and close.
      {"length_and_te",
       "POST / HTTP/1.1\r\n" + H("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n") +
           "0\r\n\r\n",
       {400}},
      {"differing_lengths",
       "POST / HTTP/1.1\r\n" + H("Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
       {400}},
      {"differing_length_list",
       "POST / HTTP/1.1\r\n" + H("Content-Length: 3, 4\r\n\r\nabcd"),
       {400}},
      {"negative_length", "POST / HTTP/1.1\r\n" + H("Content-Length: -1\r\n\r\n"), {400}},
      {"plus_length", "POST / HTTP/1.1\r\n" + H("Content-Length: +1\r\n\r\nx"), {400}},
      {"empty_length", "POST / HTTP/1.1\r\n" + H("Content-Length: \r\n\r\n"), {400}},
      {"hex_length", "POST / HTTP/1.1\r\n" + H("Content-Length: 0x1\r\n\r\nx"), {400}},
      {"overflow_length",
       "POST / HTTP/1.1\r\n" + H("Content-Length: 99999999999999999999999\r\n\r\n"),
       {400}},
      {"te_chunked_gzip",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: chunked, gzip\r\n\r\n"),
       {400}},
      {"te_chunked_twice",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
       {400}},
      {"te_two_fields",
       "POST / HTTP/1.1\r\n" +
           H("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
       {400}},
      {"te_gzip_only", "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: gzip\r\n\r\n"), {400}},
      {"te_empty", "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: \r\n\r\n"), {400}},
      {"te_gzip_chunked",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
       {501}},
      // Head syntax: 400.
      {"obs_fold", "GET / HTTP/1.1\r\n" + H("X-A: a\r\n  continued\r\n\r\n"), {400}},
      {"space_before_colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", {400}},
      {"tab_before_colon", "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", {400}},
      {"bare_cr_in_value", "GET / HTTP/1.1\r\n" + H("X-A: a\rb\r\n\r\n"), {400}},
      {"bare_cr_line_end", "GET / HTTP/1.1\r\nHost: h\rX-A: b\r\n\r\n", {400}},
      {"bare_cr_request_line", "GET / HTTP/1.1\rHost: h\r\n\r\n", {400}},
      {"cr_cr_lf", "GET / HTTP/1.1\r\r\nHost: h\r\n\r\n", {400}},
      {"nul_in_value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n"s, {400}},
      {"nul_in_target", "GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n"s, {400}},
      {"ctl_in_value", "GET / HTTP/1.1\r\n" + H("X-A: a\x01\r\n\r\n"), {400}},
      {"del_in_value", "GET / HTTP/1.1\r\n" + H("X-A: a\x7f\r\n\r\n"), {400}},
      {"bad_method_token", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
      {"empty_method", " / HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
      {"bad_header_name", "GET / HTTP/1.1\r\n" + H("X(Y: z\r\n\r\n"), {400}},
      {"empty_header_name", "GET / HTTP/1.1\r\n" + H(": z\r\n\r\n"), {400}},
      {"no_colon", "GET / HTTP/1.1\r\n" + H("NoColon\r\n\r\n"), {400}},
      {"missing_host", "GET / HTTP/1.1\r\n\r\n", {400}},
      {"two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", {400}},
      {"bad_host", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", {400}},
      {"double_space", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
      {"trailing_space", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", {400}},
      {"lowercase_version", "GET / http/1.1\r\nHost: h\r\n\r\n", {400}},
      {"long_version", "GET / HTTP/1.10\r\nHost: h\r\n\r\n", {400}},
      {"relative_target", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
      {"userinfo_absolute", "GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
      {"star_not_options", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
      // Host and absolute-form authorities RFC 3986 refuses: 400 before any handler.
      {"host_port_not_digits", "GET / HTTP/1.1\r\nHost: h:80x\r\n\r\n", {400}},
      {"host_two_ports", "GET / HTTP/1.1\r\nHost: h:80:80\r\n\r\n", {400}},
      {"host_port_too_large", "GET / HTTP/1.1\r\nHost: h:99999\r\n\r\n", {400}},
      {"host_port_zero", "GET / HTTP/1.1\r\nHost: h:0\r\n\r\n", {400}},
      {"host_ipv6_unbracketed", "GET / HTTP/1.1\r\nHost: 4713::abcd:8001\r\n\r\n", {400}},
      {"host_ipv6_two_gaps", "GET / HTTP/1.1\r\nHost: [4712::abcd::]\r\n\r\n", {400}},
      {"host_ipv6_unclosed", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", {400}},
      {"host_ipv6_suffix", "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", {400}},
      {"host_obs_text", "GET / HTTP/1.1\r\nHost: abc\xa0\r\n\r\n", {400}},
      {"host_numeric_not_ipv4", "GET / HTTP/1.1\r\nHost: 0x7f.1\r\n\r\n", {400}},
      {"host_port_only", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", {400}},
      {"host_http10_bad_port", "GET / HTTP/1.0\r\nHost: h:80x\r\n\r\n", {400}},
      {"host_bad_with_absolute_form", "GET http://h/ HTTP/1.1\r\nHost: h:80:80\r\n\r\n", {400}},
      {"absolute_form_port_not_digits", "GET http://h:80x/ HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
      {"absolute_form_port_too_large", "GET http://h:65536/ HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
      {"absolute_form_ipv6_unbracketed",
       "GET http://4713::abcd:8001/ HTTP/1.1\r\nHost: h\r\n\r\n",
       {400}},
      {"absolute_form_ipv6_two_gaps",
       "GET http://[4712::abcd::]/ HTTP/1.1\r\nHost: h\r\n\r\n",
       {400}},
      {"connect_bad_port", "CONNECT h:80x HTTP/1.1\r\nHost: h:80x\r\n\r\n", {400}},
      {"connect_no_port", "CONNECT h HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
      // Chunk framing: 400.
      {"chunk_size_not_hex",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: chunked\r\n\r\nzz\r\n"),
       {400}},
      {"chunk_size_negative",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: chunked\r\n\r\n-1\r\n"),
       {400}},
      // RFC 9112 7.1.1: whitespace may only precede a chunk extension.
      {"chunk_size_trailing_space",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n"),
       {400}},
      {"chunk_size_trailing_tab",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: chunked\r\n\r\n3\t\r\nabc\r\n0\r\n\r\n"),
       {400}},
      {"chunk_size_empty",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: chunked\r\n\r\n\r\n"),
       {400}},
      {"chunk_size_2_63",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: chunked\r\n\r\n8000000000000000\r\n"),
       {400}},
      {"chunk_size_2_64",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n"),
       {400}},
      {"chunk_ext_too_long",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: chunked\r\n\r\n1;") + std::string(2000, 'e') +
           "\r\nx\r\n0\r\n\r\n",
       {400}},
      {"chunk_data_no_crlf",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n"),
       {400}},
      {"chunk_bare_lf",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n"),
       {400}},
      {"chunk_bad_trailer",
       "POST / HTTP/1.1\r\n" + H("Transfer-Encoding: chunked\r\n\r\n0\r\nBad Name: x\r\n\r\n"),
       {400}},
      // Methods and versions.
      {"unknown_method", "BREW / HTTP/1.1\r\nHost: h\r\n\r\n", {501}},
      {"lowercase_method", "get / HTTP/1.1\r\nHost: h\r\n\r\n", {501}},
      {"http2", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", {505}},
      {"http12_without_host", "GET / HTTP/1.2\r\n\r\n", {400}},
      {"http21", "GET / HTTP/2.1\r\nHost: h\r\n\r\n", {505}},
      {"http30", "GET / HTTP/3.0\r\nHost: h\r\n\r\n", {505}},
      {"http99", "GET / HTTP/9.9\r\nHost: h\r\n\r\n", {505}},
      {"http08", "GET / HTTP/0.8\r\nHost: h\r\n\r\n", {505}},
      {"http09_line", "GET / HTTP/0.9\r\n\r\n", {505}},
      {"http09_simple", "GET /\r\n\r\n", {505}},
      {"h2_preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", {505}},
      // A rejected request ends the connection: the next one is not answered.
      {"nothing_after_reject",
       "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
       {200, 400}},
  };
  return all;
}

class Strict : public ::testing::TestWithParam<Case> {};

TEST_P(Strict, StatusAndCloseMatchTheTable) {
  const Case& c = GetParam();
  test::Driver d;
  d.feed(c.input);
  d.eof();
  auto rs = test::parse_responses(test::strip_continue(d.take_output()));
  ASSERT_EQ(rs.size(), c.statuses.size());
  for (size_t i = 0; i < rs.size(); ++i) {
    EXPECT_EQ(rs[i].status, c.statuses[i]) << i;
    // Whatever HTTP/1.x the client spoke, the answer is HTTP/1.1 (RFC 9110 2.5).
    EXPECT_TRUE(rs[i].status_line.starts_with("HTTP/1.1 ")) << rs[i].status_line;
  }
  if (c.statuses.back() >= 400) {
    EXPECT_EQ(rs.back().header("Connection"), "close");
    // A bad head never reaches a handler; a bad body is found while the
    // handler reads it (handlers run once the head is complete), and the
    // handler's answer is replaced by the error.
    if (d.handled().size() == c.statuses.size()) {
      EXPECT_EQ(d.handled().back().body_error, c.statuses.back());
    } else {
      EXPECT_EQ(d.handled().size(), c.statuses.size() - 1);
    }
    ASSERT_EQ(d.exchanges().size(), c.statuses.size());
    EXPECT_EQ(d.exchanges().back().status, c.statuses.back());
  }
  EXPECT_TRUE(d.connection().finished());
}

TEST_P(Strict, EverySplitGivesTheSameOutput) {
  const Case& c = GetParam();
  Settings s;
  const std::string whole = test::strip_continue(test::run_split(s, c.input, {}));
  for (size_t i = 1; i < c.input.size(); ++i) {
    ASSERT_EQ(test::strip_continue(test::run_split(s, c.input, {i})), whole) << "split at " << i;
  }
  std::vector<size_t> every;
  for (size_t i = 1; i < c.input.size(); ++i) every.push_back(i);
  EXPECT_EQ(test::strip_continue(test::run_split(s, c.input, every)), whole) << "byte by byte";
}

INSTANTIATE_TEST_SUITE_P(Table, Strict, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace mpmd::http
