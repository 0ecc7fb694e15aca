#include "scoreboard/summary.hpp"

#include <gtest/gtest.h>

namespace mpmd::scoreboard {
namespace {

void set_states(Scoreboard& board, int slot, std::string_view letters) {
  for (size_t j = 0; j < letters.size(); ++j) board.worker(slot, int(j)).state = letters[j];
}

// ServerLimit 4, ThreadLimit 4; MaxRequestWorkers/ThreadsPerChild = 2 active
// processes of 3 threads. Slot 1 is an old-generation process finishing up;
// slot 3 is a stopping process in an extra slot beyond the active ones.
std::unique_ptr<Scoreboard> sample() {
  std::string error;
  auto board = Scoreboard::create(4, 4, error);
  board->process(0).pid = 100;
  board->process(0).generation = 1;
  board->process(0).connections = 5;
  board->process(0).keep_alive = 2;
  board->process(0).write_completion = 1;
  set_states(*board, 0, "_WK.");
  board->process(1).pid = 101;
  board->process(1).generation = 0;
  board->process(1).quiescing = true;
  board->process(1).connections = 3;
  board->process(1).lingering_close = 1;
  set_states(*board, 1, "G_R.");
  set_states(*board, 2, "....");
  board->process(3).pid = 103;
  board->process(3).generation = 1;
  board->process(3).quiescing = true;
  set_states(*board, 3, "W...");
  board->worker(0, 1).access_count = 10;
  board->worker(0, 1).bytes_served = 1000;
  board->worker(0, 1).duration_usec = 5000;
  board->worker(1, 2).access_count = 4;
  board->worker(1, 2).bytes_served = 24;
  board->global().accesses_dead = 100;
  board->global().bytes_dead = 2048;
  return board;
}

TEST(Summary, CountsWorkersByApacheRules) {
  auto board = sample();
  const Summary s = summarize(*board, 1, 2, 3);
  EXPECT_EQ(s.idle, 1);      // the READY slot of slot 1 belongs to an old, quiescing process
  EXPECT_EQ(s.busy, 4);      // W, K (keep-alive counts as busy), R, W
  EXPECT_EQ(s.graceful, 1);  // G
  EXPECT_EQ(s.processes, 3);
  EXPECT_EQ(s.stopping, 2);
}

TEST(Summary, LeavesOutDeadSlotsBeyondTheActiveProcessesAndThreads) {
  auto board = sample();
  const Summary s = summarize(*board, 1, 2, 3);
  EXPECT_EQ(s.letters, "_WKG_RW");
  EXPECT_EQ(s.state_counts[state_index(State::ready)], 2);
  EXPECT_EQ(s.state_counts[state_index(State::write)], 2);
  EXPECT_EQ(s.state_counts[state_index(State::dead)], 0);
  // Inside the active area, open slots are shown.
  const Summary all = summarize(*board, 1, 4, 4);
  EXPECT_EQ(all.letters, "_WK.G_R.....W...");
  EXPECT_EQ(all.state_counts[state_index(State::dead)], 9);
}

TEST(Summary, TotalsIncludeSlotsSinceReused) {
  auto board = sample();
  const Summary s = summarize(*board, 1, 2, 3);
  EXPECT_EQ(s.total_accesses, 114u);
  EXPECT_EQ(s.total_bytes, 3072u);
  EXPECT_EQ(s.total_duration_usec, 5000u);
}

TEST(Summary, SumsConnectionsOfLiveProcesses) {
  auto board = sample();
  board->process(2).connections = 99;  // no pid: a stale value must not count
  const Summary s = summarize(*board, 1, 2, 3);
  EXPECT_EQ(s.conns_total, 8u);
  EXPECT_EQ(s.conns_keepalive, 2u);
  EXPECT_EQ(s.conns_writing, 1u);
  EXPECT_EQ(s.conns_closing, 1u);
  ASSERT_EQ(s.process_rows.size(), 3u);
  EXPECT_EQ(s.process_rows[0].slot, 0);
  EXPECT_EQ(s.process_rows[0].busy, 2);
  EXPECT_EQ(s.process_rows[0].idle, 1);
  EXPECT_FALSE(s.process_rows[0].old_generation);
  EXPECT_EQ(s.process_rows[1].slot, 1);
  EXPECT_TRUE(s.process_rows[1].old_generation);
  EXPECT_EQ(s.process_rows[1].graceful, 1);
  EXPECT_EQ(s.process_rows[2].slot, 3);
}

TEST(Summary, WorkersOfProcessSlotsWithoutPidDoNotCount) {
  std::string error;
  auto board = Scoreboard::create(1, 2, error);
  set_states(*board, 0, "_W");
  const Summary s = summarize(*board, 0, 1, 2);
  EXPECT_EQ(s.idle + s.busy, 0);
  EXPECT_EQ(s.letters, "_W");
}

TEST(Summary, StateLabelsMatchTheApacheExporter) {
  EXPECT_EQ(state_label(State::ready), "idle");
  EXPECT_EQ(state_label(State::write), "reply");
  EXPECT_EQ(state_label(State::dead), "open_slot");
  EXPECT_EQ(state_label(State::graceful), "graceful_stop");
  for (State s : kAllStates) EXPECT_FALSE(state_description(s).empty());
}

}  // namespace
}  // namespace mpmd::scoreboard
