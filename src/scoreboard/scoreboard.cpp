#include "scoreboard/scoreboard.hpp"

#include <sched.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <new>

#include "util/clock.hpp"

namespace mpmd::scoreboard {

namespace {

// Readers retry while a write is in progress. A writer that keeps writing is
// alive, so its readers keep trying (up to kMaxReadAttempts, a safety net that
// a writer updating once per request never reaches). A writer that died
// mid-write (kill -9) leaves the sequence odd and unchanging: after
// kStuckSpins quick checks the reader sleeps between checks, and gives up
// (empty text) after kStuckSleeps sleeps, about 100 ms.
constexpr long kMaxReadAttempts = 1L << 22;
constexpr int kStuckSpins = 64;
constexpr int kStuckSleeps = 2000;
constexpr long kStuckSleepNsec = 50'000;

size_t round_up(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}

}  // namespace

template <size_t N>
void SeqText<N>::set(std::string_view s) {
  if (s.size() > N - 1) s = s.substr(0, N - 1);
  const uint32_t seq = seq_.load(std::memory_order_relaxed);
  // Odd while writing: readers that see it, or see it change, retry. The text
  // is stored with release and loaded with acquire (free on x86): a reader that
  // sees any byte of this write then sees the odd sequence too. No fences, so
  // the code also builds under ThreadSanitizer.
  seq_.store(seq | 1u, std::memory_order_relaxed);
  for (size_t i = 0; i < s.size(); ++i) text_[i].store(s[i], std::memory_order_release);
  text_[s.size()].store('\0', std::memory_order_release);
  seq_.store((seq | 1u) + 1, std::memory_order_release);
}

template <size_t N>
std::string SeqText<N>::get() const {
  char buf[N];
  uint32_t stuck_seq = 0;
  int stuck = 0;
  for (long attempt = 0; attempt < kMaxReadAttempts; ++attempt) {
    const uint32_t before = seq_.load(std::memory_order_acquire);
    if (before & 1u) {
      if (before != stuck_seq) {
        stuck_seq = before;
        stuck = 0;
      } else if (++stuck > kStuckSpins) {
        if (stuck > kStuckSpins + kStuckSleeps) break;
        const struct timespec pause = {0, kStuckSleepNsec};
        nanosleep(&pause, nullptr);
      }
      continue;
    }
    size_t len = 0;
    while (len < N - 1) {
      const char c = text_[len].load(std::memory_order_acquire);
      if (c == '\0') break;
      buf[len++] = c;
    }
    if (seq_.load(std::memory_order_relaxed) == before) return std::string(buf, len);
    if (attempt > 64) sched_yield();
  }
  return std::string();
}

template class SeqText<16>;
template class SeqText<32>;
template class SeqText<48>;
template class SeqText<64>;

std::unique_ptr<Scoreboard> Scoreboard::create(int server_limit, int thread_limit,
                                               std::string& error) {
  if (server_limit < 1 || thread_limit < 1) {
    error = "scoreboard: ServerLimit and ThreadLimit must be at least 1";
    return nullptr;
  }
  const size_t workers = size_t(server_limit) * size_t(thread_limit);
  if (workers > (size_t(1) << 32) / sizeof(Worker)) {
    error = "scoreboard: ServerLimit x ThreadLimit is too large";
    return nullptr;
  }
  const size_t global_size = round_up(sizeof(Global), 64);
  const size_t processes_size = round_up(sizeof(Process) * size_t(server_limit), 64);
  const size_t size = global_size + processes_size + sizeof(Worker) * workers;

  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    error = std::string("scoreboard: cannot map ") + std::to_string(size) +
            " bytes of shared memory: " + std::strerror(errno);
    return nullptr;
  }
  auto* bytes = static_cast<unsigned char*>(base);
  std::unique_ptr<Scoreboard> board(new Scoreboard());
  board->base_ = base;
  board->size_ = size;
  board->server_limit_ = server_limit;
  board->thread_limit_ = thread_limit;
  board->global_ = new (bytes) Global();
  board->processes_ = reinterpret_cast<Process*>(bytes + global_size);
  for (int i = 0; i < server_limit; ++i) new (&board->processes_[i]) Process();
  board->workers_ = reinterpret_cast<Worker*>(bytes + global_size + processes_size);
  for (size_t i = 0; i < workers; ++i) new (&board->workers_[i]) Worker();

  Global& g = *board->global_;
  g.server_limit.store(server_limit, std::memory_order_relaxed);
  g.thread_limit.store(thread_limit, std::memory_order_relaxed);
  const int64_t now = util::wall_usec();
  g.start_usec.store(now, std::memory_order_relaxed);
  g.restart_usec.store(now, std::memory_order_relaxed);
  return board;
}

Scoreboard::~Scoreboard() {
  // Atomics are trivially destructible; unmapping ends the objects' lifetime.
  if (base_) munmap(base_, size_);
}

}  // namespace mpmd::scoreboard
