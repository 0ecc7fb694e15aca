// Spreading an event server's connections over its children. The children
// wait on one shared listening socket with EPOLLEXCLUSIVE, and the kernel
// wakes the first idle child in the socket's wait queue: left alone, one child
// takes nearly every connection (it holds them all, and loses them all when it
// dies) while a replacement child, queued behind it, takes none. Two remedies,
// both in each child and neither waking more than one child per connection:
// a child that has accepted goes back to the end of the wait queue
// (event_child.cpp), and a child that holds clearly more than its share of the
// open connections stops accepting until the others catch up (FairShare).
#pragma once

#include <cstdint>

#include "scoreboard/scoreboard.hpp"

namespace mpmd::mpm::event {

// The other children of the server, as the scoreboard shows them. Only those
// that take new connections count: started (their loop runs) and not stopping.
struct Peers {
  uint32_t children = 0;     // how many
  uint64_t connections = 0;  // their open connections
  uint32_t accepting = 0;    // of them, how many are accepting now
  uint64_t accepted = 0;     // connections they have accepted, ever (shows progress)
};

// Every process slot but `self_slot`.
Peers read_peers(const scoreboard::Scoreboard& board, int self_slot);

// A child holding `own` open connections stops accepting once it holds this
// many: its even share of everyone's open connections, plus 10 % and 16 (so
// that a few connections more or less do not make it stop and start).
uint64_t share_limit(uint64_t own, const Peers& peers);
// Having stopped, it accepts again below this: its share plus 5 % and 8.
uint64_t resume_limit(uint64_t own, const Peers& peers);

// One child's decisions, from the scoreboard (shared memory, relaxed reads: a
// picture a loop iteration old is good enough). The queue is never stranded:
// a child keeps or resumes accepting when no other child accepts, and when
// connections wait in the listen queue while the others accept none.
class FairShare {
 public:
  // `board` null (loops without a master): no limit.
  FairShare(const scoreboard::Scoreboard* board, int slot) : board_(board), slot_(slot) {}

  // How many more connections this child, holding `own`, accepts now;
  // 0: it should stop accepting and let the others take the new ones.
  uint64_t room(uint64_t own);

  // Asked while stopped, at intervals: whether to accept again. `queued`:
  // connections waiting in the listen queues now.
  bool resume(uint64_t own, uint32_t queued);

 private:
  const scoreboard::Scoreboard* board_;
  int slot_;
  uint64_t others_accepted_ = 0;  // the peers' `accepted` at the last look
};

}  // namespace mpmd::mpm::event
