#include "mpm/event/fair_share.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>

namespace mpmd::mpm::event {
namespace {

using scoreboard::State;

constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

// Slot 0 is the child deciding; the others are filled in by the tests.
class FairShareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    board_ = scoreboard::Scoreboard::create(6, 2, error);
    ASSERT_TRUE(board_) << error;
    child(0, 100, 0);
  }

  // A running child in `slot` holding `connections`, accepting.
  scoreboard::Process& child(int slot, int32_t pid, uint32_t connections) {
    scoreboard::Process& p = board_->process(slot);
    p.pid = pid;
    p.connections = connections;
    board_->worker(slot, 0).state = char(State::ready);
    return p;
  }

  std::unique_ptr<scoreboard::Scoreboard> board_;
};

TEST_F(FairShareTest, PeersAreTheOtherChildrenThatTakeConnections) {
  child(1, 101, 300).accepted = 500;
  child(2, 102, 40).not_accepting = true;  // at WorkerConnections: still counts
  child(3, 103, 0);
  board_->worker(3, 0).state = char(State::starting);  // forked, loop not yet running
  child(4, 104, 70).quiescing = true;                  // stopping: takes no new connections
  board_->process(5).connections = 9;                  // free slot (pid 0)
  const Peers peers = read_peers(*board_, 0);
  EXPECT_EQ(peers.children, 2u);
  EXPECT_EQ(peers.connections, 340u);
  EXPECT_EQ(peers.accepting, 1u);
  EXPECT_EQ(peers.accepted, 500u);
}

TEST_F(FairShareTest, LimitsAreTheEvenShareWithAMargin) {
  const Peers peers{3, 3000, 3, 0};
  // 4000 connections over 4 children: 1000 each.
  EXPECT_EQ(share_limit(1000, peers), 1000u + 100 + 16);
  EXPECT_EQ(resume_limit(1000, peers), 1000u + 50 + 8);
  // A few connections never make a child stop.
  EXPECT_EQ(share_limit(0, Peers{1, 0, 1, 0}), 16u);
}

TEST_F(FairShareTest, AChildWellAboveItsShareStopsAndResumesOnceTheOthersCatchUp) {
  child(1, 101, 100);
  FairShare share(board_.get(), 0);
  // 400 over 2: a share of 200, a limit of 236.
  EXPECT_EQ(share.room(300), 0u);
  EXPECT_FALSE(share.resume(300, 0));
  board_->process(1).connections = 250;  // 275 each: resumes below 275 + 13 + 8
  EXPECT_FALSE(share.resume(300, 0));
  board_->process(1).connections = 280;  // 290 each: below 290 + 14 + 8
  EXPECT_TRUE(share.resume(300, 0));
}

TEST_F(FairShareTest, AChildBelowItsShareTakesUpToTheLimit) {
  child(1, 101, 300);
  FairShare share(board_.get(), 0);
  EXPECT_EQ(share.room(100), 236u - 100);
}

TEST_F(FairShareTest, AChildAloneOrTheOnlyOneAcceptingIsNotLimited) {
  FairShare share(board_.get(), 0);
  EXPECT_EQ(share.room(5000), kUnlimited);  // no other child
  child(1, 101, 0).not_accepting = true;    // full, out of descriptors, or above its share
  EXPECT_EQ(share.room(5000), kUnlimited);
  board_->process(1).not_accepting = false;
  EXPECT_EQ(share.room(5000), 0u);
  // It stopped; then the other one stops accepting too: this one takes over.
  board_->process(1).not_accepting = true;
  EXPECT_TRUE(share.resume(5000, 0));
}

TEST_F(FairShareTest, ResumesWhenConnectionsWaitAndTheOthersTakeNone) {
  child(1, 101, 100).accepted = 500;
  FairShare share(board_.get(), 0);
  ASSERT_EQ(share.room(300), 0u);
  EXPECT_FALSE(share.resume(300, 0));  // nothing waits
  board_->process(1).accepted = 510;
  EXPECT_FALSE(share.resume(300, 7));  // waiting, but the other one is taking them
  EXPECT_TRUE(share.resume(300, 7));   // waiting, and it took none since
}

TEST_F(FairShareTest, WithoutAScoreboardNothingIsLimited) {
  FairShare share(nullptr, 0);
  EXPECT_EQ(share.room(100000), kUnlimited);
  EXPECT_TRUE(share.resume(100000, 0));
}

}  // namespace
}  // namespace mpmd::mpm::event
