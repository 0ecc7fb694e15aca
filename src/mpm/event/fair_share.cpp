#include "mpm/event/fair_share.hpp"

#include <limits>

namespace mpmd::mpm::event {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;
constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

uint64_t even_share(uint64_t own, const Peers& peers) {
  return (own + peers.connections) / (uint64_t(peers.children) + 1);
}

}  // namespace

Peers read_peers(const scoreboard::Scoreboard& board, int self_slot) {
  Peers peers;
  for (int i = 0; i < board.server_limit(); ++i) {
    if (i == self_slot) continue;
    const scoreboard::Process& p = board.process(i);
    if (p.pid.load(kRelaxed) == 0 || p.quiescing.load(kRelaxed)) continue;
    // The master marks a new child's slot `starting`; the loop overwrites it
    // before it first waits. Until then the child accepts nothing.
    const char state = board.worker(i, 0).state.load(kRelaxed);
    if (state == char(scoreboard::State::starting) || state == char(scoreboard::State::dead)) {
      continue;
    }
    ++peers.children;
    peers.connections += p.connections.load(kRelaxed);
    if (!p.not_accepting.load(kRelaxed)) ++peers.accepting;
    peers.accepted += p.accepted.load(kRelaxed);
  }
  return peers;
}

uint64_t share_limit(uint64_t own, const Peers& peers) {
  const uint64_t share = even_share(own, peers);
  return share + share / 10 + 16;
}

uint64_t resume_limit(uint64_t own, const Peers& peers) {
  const uint64_t share = even_share(own, peers);
  return share + share / 20 + 8;
}

uint64_t FairShare::room(uint64_t own) {
  if (!board_) return kUnlimited;
  const Peers peers = read_peers(*board_, slot_);
  others_accepted_ = peers.accepted;  // resume() compares with the last look
  // Alone, or the only one accepting (the others are full, out of
  // descriptors or above their share too): this child takes them all.
  if (peers.accepting == 0) return kUnlimited;
  const uint64_t limit = share_limit(own, peers);
  return own < limit ? limit - own : 0;
}

bool FairShare::resume(uint64_t own, uint32_t queued) {
  if (!board_) return true;
  const Peers peers = read_peers(*board_, slot_);
  if (peers.accepting == 0 || own < resume_limit(own, peers)) return true;
  // Connections wait, yet no other child took one since the last look
  // (busy in a long handler, stopped, stuck): take them.
  const bool stalled = queued > 0 && peers.accepted == others_accepted_;
  others_accepted_ = peers.accepted;
  return stalled;
}

}  // namespace mpmd::mpm::event
