#include "scoreboard/scoreboard.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace mpmd::scoreboard {
namespace {

std::unique_ptr<Scoreboard> make(int server_limit, int thread_limit) {
  std::string error;
  auto board = Scoreboard::create(server_limit, thread_limit, error);
  EXPECT_TRUE(board) << error;
  return board;
}

TEST(Scoreboard, CreateGivesEmptySlotsAndLimits) {
  auto board = make(3, 5);
  ASSERT_TRUE(board);
  EXPECT_EQ(board->server_limit(), 3);
  EXPECT_EQ(board->thread_limit(), 5);
  EXPECT_EQ(board->global().server_limit.load(), 3);
  EXPECT_EQ(board->global().thread_limit.load(), 5);
  EXPECT_GT(board->global().restart_usec.load(), 0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(board->process(i).pid.load(), 0);
    for (int j = 0; j < 5; ++j) {
      EXPECT_EQ(board->worker(i, j).state.load(), char(State::dead));
      EXPECT_EQ(board->worker(i, j).request.get(), "");
    }
  }
  // Slots are distinct objects: writing one leaves its neighbours alone.
  board->worker(1, 4).access_count = 7;
  board->worker(2, 0).request.set("GET / HTTP/1.1");
  EXPECT_EQ(board->worker(1, 3).access_count.load(), 0u);
  EXPECT_EQ(board->worker(2, 1).request.get(), "");
  EXPECT_EQ(board->worker(1, 4).request.get(), "");
}

TEST(Scoreboard, RejectsNonPositiveLimits) {
  std::string error;
  EXPECT_FALSE(Scoreboard::create(0, 4, error));
  EXPECT_FALSE(error.empty());
  error.clear();
  EXPECT_FALSE(Scoreboard::create(4, -1, error));
  EXPECT_FALSE(error.empty());
}

TEST(Scoreboard, WritesInAForkedChildAreSeenByTheParent) {
  auto board = make(2, 2);
  ASSERT_TRUE(board);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    Worker& w = board->worker(1, 1);
    w.state = char(State::write);
    w.access_count = 42;
    w.request.set("GET /from-child HTTP/1.1");
    board->process(1).pid = int32_t(getpid());
    board->global().children_spawned += 3;
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(board->worker(1, 1).state.load(), char(State::write));
  EXPECT_EQ(board->worker(1, 1).access_count.load(), 42u);
  EXPECT_EQ(board->worker(1, 1).request.get(), "GET /from-child HTTP/1.1");
  EXPECT_EQ(board->process(1).pid.load(), pid);
  EXPECT_EQ(board->global().children_spawned.load(), 3u);
}

TEST(SeqText, TruncatesToCapacityMinusOne) {
  SeqText<16> text;
  text.set("0123456789abcdefXYZ");
  EXPECT_EQ(text.get(), "0123456789abcde");
  text.set("short");
  EXPECT_EQ(text.get(), "short");
  text.set("");
  EXPECT_EQ(text.get(), "");
}

TEST(SeqText, ReaderNeverSeesATornString) {
  auto board = make(1, 1);
  ASSERT_TRUE(board);
  SeqText<64>& text = board->worker(0, 0).request;
  const std::string a(63, 'a');
  const std::string b = "GET /b HTTP/1.1";
  text.set(a);
  std::atomic<bool> stop{false};
  // The writer rewrites the text in bursts of 101 back-to-back writes (an odd
  // count, so the text left between bursts alternates) with a pause
  // after each, as workers do between requests: reads overlap writes all the
  // time, and still find the text still now and then. Writing without any
  // pause, a reader on the other core may never find it still (seqlock
  // starvation, not tearing): it gives up after its bounded attempts ("").
  std::thread writer([&] {
    for (uint64_t i = 0; !stop.load(std::memory_order_relaxed);) {
      for (int burst = 0; burst < 101; ++burst, ++i) text.set(i % 2 ? b : a);
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  });
  int seen_a = 0, seen_b = 0, gave_up = 0, torn = 0;
  // On a loaded machine the writer may not get the other core for a while:
  // reads go on (a bounded count) until both texts were seen.
  for (long i = 0; i < 200000 || ((seen_a == 0 || seen_b == 0) && i < 100'000'000); ++i) {
    const std::string got = text.get();
    if (got == a) {
      ++seen_a;
    } else if (got == b) {
      ++seen_b;
    } else if (got.empty()) {
      ++gave_up;  // both texts are non-empty: "" is get()'s give-up, never a mix
    } else {
      if (torn == 0) ADD_FAILURE() << "torn: '" << got << "'";
      ++torn;
    }
  }
  stop = true;
  writer.join();
  EXPECT_EQ(torn, 0);
  EXPECT_GT(seen_a, 0) << "gave up " << gave_up << " times";
  EXPECT_GT(seen_b, 0) << "gave up " << gave_up << " times";
}

}  // namespace
}  // namespace mpmd::scoreboard
