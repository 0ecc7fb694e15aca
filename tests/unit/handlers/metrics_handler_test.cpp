#include "handlers/status/metrics_handler.hpp"

#include <gtest/gtest.h>

#include "unit/handlers/status_test_support.hpp"

namespace mpmd::handlers::status {
namespace {

using testing::Board;
using testing::Exchange;

Exchange serve(Board& b, http::Method method = http::Method::get) {
  Exchange ex("", method);
  MetricsHandler handler(*b.board, b.facts);
  handler.handle(ex.request, ex.response);
  return ex;
}

// Prints every family as "family NAME TYPE" and every sample as
// "NAME{k=v,...} VALUE" (labels sorted), as prometheus_client parses them.
constexpr const char* kParse = R"(import sys
try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print('NO_PROMETHEUS_CLIENT')
    sys.exit(3)
text = open(sys.argv[1], encoding='utf-8').read()
for f in text_string_to_metric_families(text):
    print('family', f.name, f.type)
    for s in f.samples:
        labels = ','.join('%s=%s' % kv for kv in sorted(s.labels.items()))
        print('%s{%s} %g' % (s.name, labels, s.value))
)";

TEST(MetricsHandler, TextFormatHeaders) {
  Board b;
  const Exchange ex = serve(b);
  EXPECT_EQ(ex.response.status, 200);
  EXPECT_EQ(ex.response.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(ex.body().find("# TYPE mpmd_requests_total counter\n"), std::string::npos);
  EXPECT_NE(ex.body().find("# HELP mpmd_up "), std::string::npos);
}

// Metrics name the server's state (and its clients' load): never cached.
TEST(MetricsHandler, NeverStored) {
  Board b;
  for (http::Method m : {http::Method::get, http::Method::head}) {
    EXPECT_EQ(serve(b, m).response.header("Cache-Control"), "no-store");
  }
}

TEST(MetricsHandler, PrometheusClientParsesTheValues) {
  Board b;
  const Exchange ex = serve(b);
  if (!testing::have_python3()) GTEST_SKIP() << "python3 is not installed";
  const auto r = testing::run_python(kParse, ex.body());
  ASSERT_NE(r.output, "NO_PROMETHEUS_CLIENT\n")
      << "install python3-prometheus-client (scripts/deps/status.txt)";
  ASSERT_EQ(r.status, 0) << r.output << "\n" << ex.body();
  const std::string& out = r.output;
  const auto has = [&](const std::string& line) {
    EXPECT_NE(out.find(line + "\n"), std::string::npos) << line << "\nin:\n" << out;
  };
  has("family mpmd_up gauge");
  has("mpmd_up{} 1");
  has("family mpmd_requests counter");
  has("mpmd_requests_total{} 120");
  has("mpmd_sent_bytes_total{} 2.09715e+06");
  has("mpmd_uptime_seconds{} 3725");
  has("mpmd_generation{} 2");
  has("mpmd_workers{state=busy} 3");
  has("mpmd_workers{state=idle} 1");
  has("mpmd_workers{state=graceful} 1");
  has("mpmd_scoreboard{state=idle} 2");
  has("mpmd_scoreboard{state=reply} 1");
  has("mpmd_scoreboard{state=keepalive} 1");
  has("mpmd_scoreboard{state=open_slot} 2");
  has("mpmd_processes{state=active} 1");
  has("mpmd_processes{state=stopping} 1");
  has("mpmd_connections{state=total} 7");
  has("mpmd_connections{state=keepalive} 2");
  has("mpmd_connections{state=writing} 1");
  has("mpmd_connections{state=closing} 1");
  has("mpmd_listen_queue{} 5");
  has("mpmd_max_request_workers{} 8");
  has("family mpmd_max_request_workers_reached counter");
  has("mpmd_max_request_workers_reached_total{} 7");
  has("mpmd_keepalive_closed_early_total{} 3");
  has("mpmd_connections_refused_total{} 0");
  has("mpmd_children_spawned_total{} 4");
  has("mpmd_children_crashed_total{} 0");
  has("mpmd_request_duration_seconds_total{} 2");
  has("mpmd_info{mpm=event,version=mpmd/0.1.0} 1");
  has("mpmd_stuck_children{} 0");
  has("family mpmd_stuck_children_found counter");
  has("mpmd_stuck_children_found_total{} 0");
  has("mpmd_stuck_children_killed_total{} 0");
  has("family mpmd_access_log_lines_dropped counter");
  has("mpmd_access_log_lines_dropped_total{} 0");
  has("mpmd_access_logs_failing{} 0");
}

TEST(MetricsHandler, LostLogLinesAndStuckChildren) {
  Board b;
  auto& g = b.board->global();
  g.log_loss[0].dropped = 40;
  g.log_loss[0].failing = true;
  g.log_loss[3].dropped = 2;
  g.children_stuck = 3;
  g.stuck_children_killed = 1;
  b.board->process(0).stuck_seconds = 12;
  const std::string text = serve(b).body();
  for (const char* line :
       {"mpmd_access_log_lines_dropped_total 42\n", "mpmd_access_logs_failing 1\n",
        "mpmd_stuck_children 1\n", "mpmd_stuck_children_found_total 3\n",
        "mpmd_stuck_children_killed_total 1\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "in:\n" << text;
  }
}

TEST(MetricsHandler, OtherMethodsGet405WithAllow) {
  Board b;
  const Exchange ex = serve(b, http::Method::delete_);
  EXPECT_EQ(ex.response.status, 405);
  EXPECT_EQ(ex.response.header("Allow"), "GET, HEAD");
}

}  // namespace
}  // namespace mpmd::handlers::status
