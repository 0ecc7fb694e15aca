#include "handlers/status/status_handler.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "handlers/status/report.hpp"
#include "unit/handlers/status_test_support.hpp"
#include "util/escape.hpp"

namespace mpmd::handlers::status {
namespace {

using testing::Board;
using testing::Exchange;

std::vector<std::pair<std::string, std::string>> auto_lines(const std::string& body) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) {
      out.emplace_back(line, "");
    } else {
      std::string value = line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      out.emplace_back(line.substr(0, colon), value);
    }
  }
  return out;
}

std::string value_of(const std::vector<std::pair<std::string, std::string>>& lines,
                     const std::string& key) {
  for (const auto& [k, v] : lines) {
    if (k == key) return v;
  }
  return "<missing>";
}

Exchange serve(Board& b, std::string_view query, http::Method method = http::Method::get) {
  Exchange ex(query, method);
  StatusHandler handler(*b.board, b.facts);
  handler.handle(ex.request, ex.response);
  return ex;
}

TEST(StatusAuto, KeysInApacheOrder) {
  Board b;
  const Exchange ex = serve(b, "auto");
  EXPECT_EQ(ex.response.status, 200);
  EXPECT_EQ(ex.response.header("Content-Type"), "text/plain; charset=utf-8");
  const auto lines = auto_lines(ex.body());
  std::vector<std::string> keys;
  for (const auto& [k, v] : lines) keys.push_back(k);
  std::vector<std::string> expected = {"www.example.org",
                                       "ServerVersion",
                                       "ServerMPM",
                                       "Server Built",
                                       "CurrentTime",
                                       "RestartTime",
                                       "ParentServerConfigGeneration",
                                       "ParentServerMPMGeneration",
                                       "ServerUptimeSeconds",
                                       "ServerUptime",
                                       "Load1",
                                       "Load5",
                                       "Load15",
                                       "Total Accesses",
                                       "Total kBytes",
                                       "Total Duration",
                                       "CPUUser",
                                       "CPUSystem",
                                       "CPUChildrenUser",
                                       "CPUChildrenSystem",
                                       "Uptime",
                                       "ReqPerSec",
                                       "BytesPerSec",
                                       "BytesPerReq",
                                       "DurationPerReq",
                                       "BusyWorkers",
                                       "GracefulWorkers",
                                       "IdleWorkers",
                                       "Processes",
                                       "Stopping",
                                       "ConnsTotal",
                                       "ConnsAsyncWriting",
                                       "ConnsAsyncKeepAlive",
                                       "ConnsAsyncClosing",
                                       "Scoreboard"};
  // CPULoad appears only once this process has used measurable CPU time.
  if (value_of(lines, "CPULoad") != "<missing>") {
    expected.insert(expected.begin() + 20, "CPULoad");
  }
  EXPECT_EQ(keys, expected);
}

TEST(StatusAuto, ValuesMatchTheScoreboard) {
  Board b;
  const auto lines = auto_lines(serve(b, "auto").body());
  EXPECT_EQ(value_of(lines, "ServerVersion"), "mpmd/0.1.0");
  EXPECT_EQ(value_of(lines, "ServerMPM"), "event");
  EXPECT_EQ(value_of(lines, "ParentServerConfigGeneration"), "3");
  EXPECT_EQ(value_of(lines, "ParentServerMPMGeneration"), "2");
  EXPECT_EQ(value_of(lines, "ServerUptimeSeconds"), "3725");
  EXPECT_EQ(value_of(lines, "ServerUptime"), "1 hour 2 minutes 5 seconds");
  EXPECT_EQ(value_of(lines, "Uptime"), "3725");
  EXPECT_EQ(value_of(lines, "Total Accesses"), "120");
  EXPECT_EQ(value_of(lines, "Total kBytes"), "2048");
  EXPECT_EQ(value_of(lines, "Total Duration"), "2000");
  EXPECT_EQ(value_of(lines, "ReqPerSec"), "0.0322148");
  EXPECT_EQ(value_of(lines, "BytesPerSec"), "562.994");
  EXPECT_EQ(value_of(lines, "BytesPerReq"), "17476.3");
  EXPECT_EQ(value_of(lines, "DurationPerReq"), "16.6667");
  EXPECT_EQ(value_of(lines, "BusyWorkers"), "3");  // W, K, R
  EXPECT_EQ(value_of(lines, "GracefulWorkers"), "1");
  EXPECT_EQ(value_of(lines, "IdleWorkers"), "1");  // the old process's '_' is not idle
  EXPECT_EQ(value_of(lines, "Processes"), "2");
  EXPECT_EQ(value_of(lines, "Stopping"), "1");
  EXPECT_EQ(value_of(lines, "ConnsTotal"), "7");
  EXPECT_EQ(value_of(lines, "ConnsAsyncWriting"), "1");
  EXPECT_EQ(value_of(lines, "ConnsAsyncKeepAlive"), "2");
  EXPECT_EQ(value_of(lines, "ConnsAsyncClosing"), "1");
  // Slot 2 is beyond MaxRequestWorkers/ThreadsPerChild and empty: left out.
  EXPECT_EQ(value_of(lines, "Scoreboard"), "_WKRG_..");
}

TEST(StatusAuto, NonAsyncMpmHasNoConnectionKeys) {
  Board b;
  b.facts.async = false;
  b.facts.mpm = "worker";
  const std::string body = serve(b, "auto").body();
  EXPECT_EQ(body.find("ConnsTotal"), std::string::npos);
  EXPECT_EQ(body.find("Processes:"), std::string::npos);
  EXPECT_NE(body.find("ServerMPM: worker\n"), std::string::npos);
}

TEST(StatusPages, ShowTheEventBackendOnlyWhenThereIsOne) {
  Board b;
  EXPECT_EQ(serve(b, "auto").body().find("EventBackend"), std::string::npos);
  EXPECT_EQ(serve(b, "json").body().find("event_backend"), std::string::npos);
  b.facts.event_backend = "io_uring";
  const std::string body = serve(b, "auto").body();
  const auto lines = auto_lines(body);
  EXPECT_EQ(value_of(lines, "EventBackend"), "io_uring");
  // Right after ServerMPM; Apache's keys keep their order around it.
  EXPECT_NE(body.find("ServerMPM: event\nEventBackend: io_uring\nServer Built:"), std::string::npos)
      << body;
  EXPECT_NE(serve(b, "json").body().find("\"server_mpm\":\"event\",\"event_backend\":\"io_uring\""),
            std::string::npos);
  EXPECT_NE(serve(b, "").body().find("Event Backend: io_uring"), std::string::npos);
}

// Lines an access log lost, and a child the master found stuck (pid 1000, slot 0).
void lose_lines_and_stop_a_child(Board& b) {
  b.board->global().log_loss[1].dropped = 17;
  b.board->global().log_loss[1].failing = true;
  b.board->worker(0, 1).log_lines_dropped = 17;
  b.board->process(0).stuck_seconds = 42;
}

TEST(StatusAuto, LostLogLinesAndStuckChildrenOnlyWhenThereAreAny) {
  Board b;
  std::string body = serve(b, "auto").body();
  EXPECT_EQ(body.find("AccessLog"), std::string::npos);
  EXPECT_EQ(body.find("Stuck"), std::string::npos);
  lose_lines_and_stop_a_child(b);
  const auto lines = auto_lines(serve(b, "auto").body());
  EXPECT_EQ(value_of(lines, "AccessLogLinesDropped"), "17");
  EXPECT_EQ(value_of(lines, "AccessLogsFailing"), "1");
  EXPECT_EQ(value_of(lines, "StuckChildren"), "1");
  EXPECT_EQ(lines.back().first, "Scoreboard");  // still last, as exporters expect
}

TEST(StatusHtml, ShowsLostLogLinesAndStuckChildren) {
  Board b;
  lose_lines_and_stop_a_child(b);
  const std::string body = serve(b, "").body();
  EXPECT_NE(body.find("Access log: 17 lines dropped because writing failed - 1 file(s) failing "
                      "now"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("Stuck children: pid 1000 (slot 0): no progress for 42 s"), std::string::npos)
      << body;
}

TEST(StatusJson, CarriesLostLogLinesAndStuckChildren) {
  Board b;
  lose_lines_and_stop_a_child(b);
  const std::string body = serve(b, "json").body();
  EXPECT_NE(body.find("\"access_log\":{\"lines_dropped\":17,\"files_failing\":1}"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("\"stuck_children\":1,\"stuck_processes\":[{\"slot\":0,\"pid\":1000,"
                      "\"seconds_without_progress\":42}]"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("\"stuck_seconds\":42,\"log_lines_dropped\":17"), std::string::npos) << body;
}

TEST(StatusAuto, FirstLineIsACleanHostName) {
  Board b;
  Exchange ex("auto");
  ex.request.host = "evil: 1\nTotal Accesses: x";
  StatusHandler(*b.board, b.facts).handle(ex.request, ex.response);
  const std::string body = ex.body();
  const std::string first = body.substr(0, body.find('\n'));
  EXPECT_EQ(first.find(' '), std::string::npos) << first;
  Exchange v6("auto");
  v6.request.host = "[::1]:8080";
  StatusHandler(*b.board, b.facts).handle(v6.request, v6.response);
  EXPECT_EQ(v6.body().substr(0, 6), "[::1]\n");
}

TEST(StatusHtml, PageShowsCountsTablesAndEscapesRequestText) {
  Board b;
  const Exchange ex = serve(b, "");
  EXPECT_EQ(ex.response.status, 200);
  EXPECT_EQ(ex.response.header("Content-Type"), "text/html; charset=utf-8");
  const std::string body = ex.body();
  EXPECT_NE(body.find("Server Status for www.example.org (via 127.0.0.1)"), std::string::npos);
  EXPECT_NE(body.find("3 requests currently being processed, 1 workers gracefully restarting, "
                      "1 idle workers"),
            std::string::npos);
  EXPECT_NE(body.find("<pre>_WKRG_..</pre>"), std::string::npos);
  EXPECT_NE(body.find("yes (old gen)"), std::string::npos);  // the per-process table
  EXPECT_NE(body.find("<th>Srv</th>"), std::string::npos);   // the per-worker table
  EXPECT_NE(body.find("<td>192.0.2.7</td>"), std::string::npos);
  EXPECT_NE(body.find("GET /&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"),
            std::string::npos);
  EXPECT_EQ(body.find("<script>"), std::string::npos);
  EXPECT_EQ(ex.response.header("Refresh"), "");
}

TEST(StatusHtml, NotableLeavesOutTheWorkerTable) {
  Board b;
  const std::string body = serve(b, "notable").body();
  EXPECT_EQ(body.find("<th>Srv</th>"), std::string::npos);
  EXPECT_NE(body.find("<pre>"), std::string::npos);
}

TEST(StatusHtml, ScoreboardWrapsAt64Letters) {
  Board b;
  std::string error;
  auto big = scoreboard::Scoreboard::create(2, 40, error);
  b.facts.threads_per_child = 40;
  b.facts.max_request_workers = 80;
  Exchange ex("");
  StatusHandler(*big, b.facts).handle(ex.request, ex.response);
  const std::string body = ex.body();
  EXPECT_NE(body.find("<pre>" + std::string(64, '.') + "\n" + std::string(16, '.') + "</pre>"),
            std::string::npos);
}

TEST(StatusJson, ParsesAndCarriesTheSameData) {
  Board b;
  const Exchange ex = serve(b, "json");
  EXPECT_EQ(ex.response.header("Content-Type"), "application/json");
  if (!testing::have_python3()) GTEST_SKIP() << "python3 is not installed";
  const auto r = testing::run_python(
      "import json, sys\n"
      "d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
      "assert d['server_version'] == 'mpmd/0.1.0', d['server_version']\n"
      "assert d['total_accesses'] == 120\n"
      "assert d['total_kbytes'] == 2048\n"
      "assert d['workers'] == {'busy': 3, 'graceful': 1, 'idle': 1}, d['workers']\n"
      "assert d['connections']['total'] == 7\n"
      "assert d['scoreboard'] == '_WKRG_..'\n"
      "assert [p['slot'] for p in d['process_table']] == [0, 1]\n"
      "w = [w for w in d['worker_table'] if w['slot_accesses'] == 20][0]\n"
      "assert w['request'] == 'GET /<script>alert(\"x\")</script>&\\x01\\ufffd HTTP/1.1', "
      "repr(w['request'])\n"
      "assert w['client'] == '192.0.2.7'\n"
      "print('OK')\n",
      ex.body());
  EXPECT_EQ(r.status, 0) << r.output << "\n" << ex.body();
  EXPECT_EQ(r.output, "OK\n");
}

TEST(StatusJson, NotableHasNoWorkerTable) {
  Board b;
  const std::string body = serve(b, "json&notable").body();
  EXPECT_EQ(body.find("worker_table"), std::string::npos);
  EXPECT_NE(body.find("\"scoreboard\":\"_WKRG_..\""), std::string::npos);
}

TEST(StatusQueryTest, RefreshRules) {
  EXPECT_FALSE(parse_status_query("").refresh);
  EXPECT_EQ(parse_status_query("refresh=5").refresh, 5u);
  EXPECT_EQ(parse_status_query("refresh=0").refresh, 10u);
  EXPECT_EQ(parse_status_query("refresh=abc").refresh, 10u);
  EXPECT_EQ(parse_status_query("refresh").refresh, 1u);
  const StatusQuery q = parse_status_query("auto&refresh=3;notable");
  EXPECT_EQ(q.format, StatusQuery::Format::text);
  EXPECT_TRUE(q.notable);
  EXPECT_EQ(q.refresh, 3u);
  EXPECT_EQ(parse_status_query("json").format, StatusQuery::Format::json);
  EXPECT_EQ(parse_status_query("automatic").format, StatusQuery::Format::html);
}

TEST(StatusHandlerTest, RefreshHeader) {
  Board b;
  EXPECT_EQ(serve(b, "refresh=7").response.header("Refresh"), "7");
  EXPECT_EQ(serve(b, "auto&refresh=0").response.header("Refresh"), "10");
}

TEST(StatusHandlerTest, OtherMethodsGet405WithAllow) {
  Board b;
  const Exchange ex = serve(b, "auto", http::Method::post);
  EXPECT_EQ(ex.response.status, 405);
  EXPECT_EQ(ex.response.header("Allow"), "GET, HEAD");
}

// The page lists client addresses and request lines: no cache may keep a copy.
TEST(StatusHandlerTest, EveryFormatIsNeverStored) {
  Board b;
  for (std::string_view query : {"", "auto", "json", "notable", "refresh=5", "json&notable"}) {
    for (http::Method m : {http::Method::get, http::Method::head}) {
      const Exchange ex = serve(b, query, m);
      EXPECT_EQ(ex.response.status, 200) << query;
      EXPECT_EQ(ex.response.header("Cache-Control"), "no-store") << query;
    }
  }
}

TEST(StatusHandlerTest, HeadSendsNoBody) {
  Board b;
  const Exchange ex = serve(b, "auto", http::Method::head);
  EXPECT_EQ(ex.response.status, 200);
  EXPECT_TRUE(ex.response.head_only);
}

TEST(StatusEscape, HtmlAndJson) {
  std::string html;
  util::append_html_escaped(html, "<a href=\"x\">'&'</a>");
  EXPECT_EQ(html, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  std::string json;
  util::append_json_string(json, "a\"b\\c\n\x01\xc3\xa9\xe2\x82");  // é, then a cut-off sequence
  EXPECT_EQ(json, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\\ufffd\\ufffd\"");
}

TEST(StatusReport, UptimeText) {
  EXPECT_EQ(uptime_text(0), "");
  EXPECT_EQ(uptime_text(1), " 1 second");
  EXPECT_EQ(uptime_text(86400 + 7200 + 60), " 1 day 2 hours 1 minute");
}

}  // namespace
}  // namespace mpmd::handlers::status
