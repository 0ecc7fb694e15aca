#include "supervisor/stuck_watch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/directive.hpp"
#include "supervisor/directives.hpp"
#include "support/temp_dir.hpp"
#include "util/error_log.hpp"

namespace mpmd::supervisor {
namespace {

using scoreboard::State;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr util::Usec kNow = 1'000'000'000'000;  // monotonic µs
constexpr util::Usec kSecond = 1'000'000;

// Two children of two threads each, both threads serving and on time.
struct Fixture {
  std::unique_ptr<scoreboard::Scoreboard> board;
  std::vector<Child> children;
  std::vector<pid_t> killed;
  StuckWatch watch{[this](pid_t pid) { killed.push_back(pid); }};

  Fixture() {
    std::string error;
    board = scoreboard::Scoreboard::create(2, 2, error);
    for (int slot = 0; slot < 2; ++slot) {
      children.push_back(Child{pid_t(500 + slot), slot, 0, {}, false, false});
      for (int t = 0; t < 2; ++t) {
        board->worker(slot, t).state = char(State::ready);
        scoreboard::report_progress(&board->worker(slot, t), kNow, kSecond);
      }
    }
  }
  void check(util::Usec now, bool kill = false, milliseconds timeout = seconds(30)) {
    watch.check(children, *board, 2, timeout, kill, now);
  }
};

TEST(ChildProgress, TheMostOverdueThreadCounts) {
  Fixture f;
  EXPECT_EQ(child_progress(*f.board, 0, 2, kNow).overdue, 0);
  scoreboard::report_progress(&f.board->worker(0, 1), kNow - 40 * kSecond);
  ChildProgress p = child_progress(*f.board, 0, 2, kNow);
  EXPECT_EQ(p.overdue, 40 * kSecond);
  EXPECT_EQ(p.thread, 1);
  // A thread that has ended, or not served yet, promises nothing.
  f.board->worker(0, 1).state = char(State::dead);
  EXPECT_EQ(child_progress(*f.board, 0, 2, kNow).overdue, 0);
  f.board->worker(0, 1).state = char(State::starting);
  f.board->worker(0, 1).progress_due_usec = 0;
  EXPECT_EQ(child_progress(*f.board, 0, 2, kNow).overdue, 0);
}

TEST(StuckWatch, LongWaitsThatWereAnnouncedAreNotStuck) {
  Fixture f;
  // Waiting up to Timeout 60 s for a slow client, as promised (and an idle thread gone).
  scoreboard::report_progress(&f.board->worker(1, 0), kNow, 60 * kSecond);
  f.board->worker(1, 1).state = char(State::dead);
  f.check(kNow + 59 * kSecond + 900'000);
  EXPECT_FALSE(f.children[1].stuck);
  EXPECT_TRUE(f.children[0].stuck);  // its threads promised 1 s and went silent
}

TEST(StuckWatch, ShowsLogsOnceAndSeesTheChildMoveAgain) {
  test::TempDir dir;
  log::ErrorLog& errors = log::error_log();
  ASSERT_EQ(errors.open(dir.file("error.log")), "");
  Fixture f;
  auto& g = f.board->global();
  f.check(kNow + 20 * kSecond);
  EXPECT_FALSE(f.children[0].stuck);
  scoreboard::report_progress(&f.board->worker(1, 0), kNow + 20 * kSecond, kSecond);
  scoreboard::report_progress(&f.board->worker(1, 1), kNow + 20 * kSecond, kSecond);
  // Child 0 (SIGSTOPped at kNow) is now 34 s past its promise; child 1 is not.
  f.check(kNow + 35 * kSecond);
  f.check(kNow + 36 * kSecond);
  EXPECT_TRUE(f.children[0].stuck);
  EXPECT_FALSE(f.children[1].stuck);
  EXPECT_EQ(f.board->process(0).stuck_seconds.load(), 35u);
  EXPECT_EQ(f.board->process(1).stuck_seconds.load(), 0u);
  EXPECT_EQ(g.children_stuck.load(), 1u);
  EXPECT_TRUE(f.killed.empty()) << "StuckChildAction log kills nothing";
  // SIGCONT: it reports progress again.
  scoreboard::report_progress(&f.board->worker(0, 0), kNow + 37 * kSecond, kSecond);
  scoreboard::report_progress(&f.board->worker(0, 1), kNow + 37 * kSecond, kSecond);
  f.check(kNow + 37 * kSecond);
  EXPECT_FALSE(f.children[0].stuck);
  EXPECT_EQ(f.board->process(0).stuck_seconds.load(), 0u);
  ASSERT_EQ(errors.open("-"), "");
  std::string text = test::slurp(dir.file("error.log"));
  EXPECT_NE(text.find("MPMD0044: child pid 500 (slot 0) has made no progress for 34 s: its "
                      "serving thread 0"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("MPMD0044: child pid 500 (slot 0) makes progress again"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("pid 501"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << text;
}

TEST(StuckWatch, KillActionKillsEachStuckChildOnce) {
  Fixture f;
  f.check(kNow + 31 * kSecond, true);
  f.check(kNow + 32 * kSecond, true);
  EXPECT_EQ(f.killed, (std::vector<pid_t>{500, 501}));
  EXPECT_EQ(f.board->global().stuck_children_killed.load(), 2u);
}

TEST(StuckWatch, TimeoutZeroWatchesNothing) {
  Fixture f;
  f.check(kNow + 3600 * kSecond, true, milliseconds(0));
  EXPECT_FALSE(f.children[0].stuck);
  EXPECT_TRUE(f.killed.empty());
}

// The directive rows (supervisor/directives.cpp).
std::string set(config::Config& c, const std::string& name, const std::string& arg) {
  for (const config::Directive& d : directives()) {
    if (d.name != name) continue;
    config::DirectiveCall call;
    call.name = name;
    call.args = {arg};
    return d.set(c, call);
  }
  return "no such directive";
}

TEST(StuckWatch, Directives) {
  config::Config c;
  EXPECT_EQ(c.mpm.stuck_child_timeout, seconds(60));
  EXPECT_FALSE(c.mpm.stuck_child_kill);
  EXPECT_EQ(set(c, "StuckChildTimeout", "5"), "");
  EXPECT_EQ(c.mpm.stuck_child_timeout, seconds(5));
  EXPECT_EQ(set(c, "StuckChildTimeout", "0"), "");
  EXPECT_EQ(c.mpm.stuck_child_timeout, seconds(0));
  EXPECT_NE(set(c, "StuckChildTimeout", "500ms"), "");
  EXPECT_NE(set(c, "StuckChildTimeout", "soon"), "");
  EXPECT_EQ(set(c, "StuckChildAction", "kill"), "");
  EXPECT_TRUE(c.mpm.stuck_child_kill);
  EXPECT_EQ(set(c, "StuckChildAction", "LOG"), "");
  EXPECT_FALSE(c.mpm.stuck_child_kill);
  EXPECT_NE(set(c, "StuckChildAction", "restart"), "");
}

}  // namespace
}  // namespace mpmd::supervisor
