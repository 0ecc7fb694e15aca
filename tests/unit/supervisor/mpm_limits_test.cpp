#include "supervisor/mpm_limits.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace mpmd::supervisor {
namespace {

// One of Apache's sizing cases (apache-mpm.md §1.1, §1.2): settings in, the
// effective sizing and the warnings out.
struct Case {
  const char* what;
  const char* engine;
  std::function<void(config::Mpm&)> set;
  Sizing want;  // every field compared
  std::vector<std::string> warnings;
};

Sizing sizing(int start, int server_limit, int thread_limit, int tpc, int mrw, int max_processes,
              int min_spare, int max_spare, bool spare_pool) {
  return Sizing{start,         server_limit, thread_limit, tpc,       mrw,
                max_processes, min_spare,    max_spare,    spare_pool};
}

const Case kCases[] = {
    // prefork: one thread per child, MaxRequestWorkers counts children.
    {"prefork defaults",
     "prefork",
     [](config::Mpm&) {},
     sizing(5, 256, 1, 1, 256, 256, 5, 10, true),
     {}},
    {"prefork MaxRequestWorkers above ServerLimit is lowered to it",
     "prefork",
     [](config::Mpm& m) { m.max_request_workers = 300; },
     sizing(5, 256, 1, 1, 256, 256, 5, 10, true),
     {"WARNING: MaxRequestWorkers of 300 exceeds ServerLimit value of 256 servers, decreasing "
      "MaxRequestWorkers to 256."}},
    {"prefork ServerLimit is capped at the hard limit 200000",
     "prefork",
     [](config::Mpm& m) { m.server_limit = 300000; },
     sizing(5, 200000, 1, 1, 200000, 200000, 5, 10, true),
     {}},
    {"prefork MaxSpareServers not above MinSpareServers becomes Min+1, silently",
     "prefork",
     [](config::Mpm& m) {
       m.min_spare_servers = 8;
       m.max_spare_servers = 3;
     },
     sizing(5, 256, 1, 1, 256, 256, 8, 9, true),
     {}},
    {"prefork MinSpareServers below 1 becomes 1",
     "prefork",
     [](config::Mpm& m) { m.min_spare_servers = 0; },
     sizing(5, 256, 1, 1, 256, 256, 1, 10, true),
     {"WARNING: MinSpareServers of 0 is below 1, increasing to 1"}},
    {"prefork StartServers is capped at the process limit, silently",
     "prefork",
     [](config::Mpm& m) {
       m.start_servers = 20;
       m.max_request_workers = 10;
     },
     sizing(10, 256, 1, 1, 10, 10, 5, 10, true),
     {}},

    // worker: ThreadsPerChild threads per child, spare threads.
    {"worker defaults",
     "worker",
     [](config::Mpm&) {},
     sizing(3, 16, 64, 25, 400, 16, 75, 250, true),
     {}},
    {"worker ThreadsPerChild above ThreadLimit is lowered to it",
     "worker",
     [](config::Mpm& m) { m.threads_per_child = 100; },
     sizing(3, 16, 64, 64, 1024, 16, 75, 250, true),
     {"WARNING: ThreadsPerChild of 100 exceeds ThreadLimit of 64 threads, decreasing to 64."}},
    {"worker MaxRequestWorkers below ThreadsPerChild is raised to it",
     "worker",
     [](config::Mpm& m) { m.max_request_workers = 10; },
     sizing(1, 16, 64, 25, 25, 1, 75, 250, true),
     {"WARNING: MaxRequestWorkers of 10 is less than ThreadsPerChild of 25, increasing to 25."}},
    {"worker MaxRequestWorkers rounds down to a multiple of ThreadsPerChild",
     "worker",
     [](config::Mpm& m) { m.max_request_workers = 110; },
     sizing(3, 16, 64, 25, 100, 4, 75, 250, true),
     {"WARNING: MaxRequestWorkers of 110 is not an integer multiple of ThreadsPerChild of 25, "
      "decreasing to nearest multiple 100, for a maximum of 4 servers."}},
    {"worker MaxRequestWorkers needing more than ServerLimit children is capped",
     "worker",
     [](config::Mpm& m) { m.max_request_workers = 1000; },
     sizing(3, 16, 64, 25, 400, 16, 75, 250, true),
     {"WARNING: MaxRequestWorkers of 1000 would require 40 servers and would exceed ServerLimit "
      "of 16, decreasing to 400."}},
    {"worker rounds down, then caps at ServerLimit",
     "worker",
     [](config::Mpm& m) {
       m.server_limit = 2;
       m.max_request_workers = 130;
     },
     sizing(2, 2, 64, 25, 50, 2, 75, 250, true),
     {"WARNING: MaxRequestWorkers of 130 is not an integer multiple of ThreadsPerChild of 25, "
      "decreasing to nearest multiple 125, for a maximum of 5 servers.",
      "WARNING: MaxRequestWorkers of 125 would require 5 servers and would exceed ServerLimit of "
      "2, decreasing to 50."}},
    {"worker MaxRequestWorkers defaults to ServerLimit x ThreadsPerChild",
     "worker",
     [](config::Mpm& m) {
       m.server_limit = 4;
       m.threads_per_child = 10;
     },
     sizing(3, 4, 64, 10, 40, 4, 75, 250, true),
     {}},
    {"worker MaxSpareThreads is raised to MinSpareThreads + ThreadsPerChild + 1",
     "worker",
     [](config::Mpm& m) { m.max_spare_threads = 80; },
     sizing(3, 16, 64, 25, 400, 16, 75, 101, true),
     {}},
    {"worker MinSpareThreads below 1 becomes 1",
     "worker",
     [](config::Mpm& m) { m.min_spare_threads = 0; },
     sizing(3, 16, 64, 25, 400, 16, 1, 250, true),
     {"WARNING: MinSpareThreads of 0 is below 1, increasing to 1"}},
    {"worker ServerLimit and ThreadLimit are capped at 20000",
     "worker",
     [](config::Mpm& m) {
       m.server_limit = 30000;
       m.thread_limit = 30000;
       m.threads_per_child = 1;
     },
     sizing(3, 20000, 20000, 1, 20000, 20000, 75, 250, true),
     {}},

    // event: a fixed set of one-loop children; ThreadsPerChild sizes the
    // blocking pool, not the sizing.
    {"event counts one loop per child",
     "event",
     [](config::Mpm& m) { m.start_servers = 4; },
     sizing(4, 16, 1, 1, 16, 16, 0, 0, false),
     {}},
    {"event MaxRequestWorkers limits the children",
     "event",
     [](config::Mpm& m) {
       m.start_servers = 8;
       m.max_request_workers = 5;
     },
     sizing(5, 16, 1, 1, 5, 5, 0, 0, false),
     {}},
};

TEST(MpmLimits, ApacheRoundingAndClamping) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.what);
    config::Config config;
    config.mpm.name = c.engine;
    c.set(config.mpm);
    const mpm::Engine* engine = mpm::find_engine(c.engine);
    ASSERT_NE(engine, nullptr);
    std::vector<std::string> warnings;
    Sizing s = compute_sizing(config, *engine, warnings);
    EXPECT_EQ(s.start_servers, c.want.start_servers);
    EXPECT_EQ(s.server_limit, c.want.server_limit);
    EXPECT_EQ(s.thread_limit, c.want.thread_limit);
    EXPECT_EQ(s.threads_per_child, c.want.threads_per_child);
    EXPECT_EQ(s.max_request_workers, c.want.max_request_workers);
    EXPECT_EQ(s.max_processes, c.want.max_processes);
    EXPECT_EQ(s.min_spare, c.want.min_spare);
    EXPECT_EQ(s.max_spare, c.want.max_spare);
    EXPECT_EQ(s.spare_pool, c.want.spare_pool);
    EXPECT_EQ(warnings, c.warnings);
  }
}

TEST(MpmLimits, EventStartsOneChildPerCoreByDefault) {
  config::Config config;
  std::vector<std::string> warnings;
  Sizing s = compute_sizing(config, *mpm::find_engine("event"), warnings);
  EXPECT_GE(s.start_servers, 1);
  EXPECT_LE(s.start_servers, s.max_processes);
  EXPECT_TRUE(warnings.empty());
}

}  // namespace
}  // namespace mpmd::supervisor
