#include "session/shm_table.hpp"

#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>

namespace mpmd::session {

namespace detail {

constexpr uint64_t kMagic = 0x6d706d6473657331;  // "mpmdses1"

struct ShmHeader {
  uint64_t magic;
  std::atomic<uint64_t> recovered_locks;
  std::atomic<uint64_t> dropped_entries;
};

struct alignas(64) ShmStripe {
  pthread_mutex_t mutex;
  // The slot a lock holder is writing, -1 when none: what a holder that died
  // may have left half-written.
  std::atomic<int32_t> writing;
  std::atomic<uint32_t> used;  // slots in state kUsed (read without the lock by used())
  uint32_t begin;              // slots [begin, end) belong to this stripe
  uint32_t end;
};

enum SlotState : uint32_t { kFree = 0, kUsed = 1, kDeleted = 2 };

// Slot metadata, apart from the values so that a probe touches one cache line
// per slot, not a whole value.
struct ShmSlot {
  uint32_t state;
  uint32_t length;
  int64_t expires;
  uint64_t checksum;  // of id, length, expiry and value
  char id[kSessionIdLength];
};

}  // namespace detail

using detail::ShmSlot;
using detail::ShmStripe;

namespace {

uint64_t fnv1a(std::string_view bytes, uint64_t h = 0xcbf29ce484222325) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3;
  }
  return h;
}

uint64_t checksum(const ShmSlot& s, const char* value) {
  uint64_t h = fnv1a(std::string_view(s.id, sizeof s.id));
  h = fnv1a(std::string_view(reinterpret_cast<const char*>(&s.length), sizeof s.length), h);
  h = fnv1a(std::string_view(reinterpret_cast<const char*>(&s.expires), sizeof s.expires), h);
  return fnv1a(std::string_view(value, s.length), h);
}

size_t round_up(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}

// A death can strike between any two instructions: keep the compiler from
// moving the slot writes across the `writing` marks. A compiler barrier is
// enough: the slot is only read under the same lock, and the lock (or, after a
// death, the kernel's robust-futex hand-over) orders memory between processes.
// (atomic_thread_fence would also be rejected by -fsanitize=thread.)
void barrier() {
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

}  // namespace

std::shared_ptr<ShmTable> ShmTable::create(const ShmOptions& options, std::string& error) {
  if (options.slots == 0 || options.value_size == 0) {
    error = "session table needs at least one slot of at least one byte";
    return nullptr;
  }
  if (options.slots > UINT32_MAX / 2 || options.value_size > UINT32_MAX / 2) {
    error = "session table too large";
    return nullptr;
  }
  // Enough locks that children rarely wait for each other, enough slots per
  // stripe (128 or more) that no stripe fills up long before the table does.
  size_t stripes =
      options.stripes ? options.stripes : std::clamp<size_t>(options.slots / 128, 1, 64);
  stripes = std::min(stripes, options.slots);

  size_t header_size = round_up(sizeof(detail::ShmHeader), 64);
  size_t stripes_size = round_up(stripes * sizeof(ShmStripe), 64);
  size_t slots_size = round_up(options.slots * sizeof(ShmSlot), 64);
  size_t values_size = options.slots * options.value_size;
  size_t length = header_size + stripes_size + slots_size + values_size;

  // Zero-filled and allocated on first touch: unused slots cost no memory.
  void* base = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    error = "cannot map " + std::to_string(length >> 20) + " MB of shared memory for sessions (" +
            std::to_string(options.slots) + " slots of " + std::to_string(options.value_size) +
            " bytes): " + std::strerror(errno);
    return nullptr;
  }
  std::shared_ptr<ShmTable> t(new ShmTable());
  t->base_ = base;
  t->length_ = length;
  t->slots_ = options.slots;
  t->value_size_ = options.value_size;
  t->stripes_ = stripes;
  t->lock_timeout_ = options.lock_timeout;
  char* p = static_cast<char*>(base);
  t->header_ = new (p) detail::ShmHeader{detail::kMagic, {0}, {0}};
  t->stripe_array_ = reinterpret_cast<ShmStripe*>(p + header_size);
  t->slot_array_ = reinterpret_cast<ShmSlot*>(p + header_size + stripes_size);
  t->values_ = p + header_size + stripes_size + slots_size;

  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  for (size_t i = 0; i < stripes; ++i) {
    ShmStripe* s = new (&t->stripe_array_[i]) ShmStripe;
    int rc = pthread_mutex_init(&s->mutex, &attr);
    if (rc != 0) {
      pthread_mutexattr_destroy(&attr);
      error = std::string("cannot initialise a process-shared robust mutex: ") + std::strerror(rc);
      return nullptr;  // the destructor unmaps
    }
    s->writing.store(-1);
    s->used.store(0);
    s->begin = uint32_t(i * options.slots / stripes);
    s->end = uint32_t((i + 1) * options.slots / stripes);
  }
  pthread_mutexattr_destroy(&attr);
  return t;
}

ShmTable::~ShmTable() {
  // The mutexes live on in other processes' mappings; only this mapping goes.
  if (base_) munmap(base_, length_);
}

ShmStripe& ShmTable::stripe_of(uint64_t hash) {
  return stripe_array_[hash % stripes_];
}
ShmSlot& ShmTable::slot(size_t i) {
  return slot_array_[i];
}
char* ShmTable::value(size_t i) {
  return values_ + i * value_size_;
}

size_t ShmTable::used() const {
  size_t n = 0;
  for (size_t i = 0; i < stripes_; ++i) n += stripe_array_[i].used.load(std::memory_order_relaxed);
  return n;
}

uint64_t ShmTable::recovered_locks() const {
  return header_->recovered_locks.load();
}
uint64_t ShmTable::dropped_entries() const {
  return header_->dropped_entries.load();
}

SessionStatus ShmTable::lock(ShmStripe& s) {
  // Uncontended (the usual case) and dead owners are handled by trylock; only
  // a lock held by a live process waits, bounded. pthread_mutex_timedlock, not
  // clocklock(CLOCK_MONOTONIC): ThreadSanitizer intercepts only the former
  // (and understands EOWNERDEAD only from trylock and lock). A wall-clock step
  // can only stretch or shorten this safety timeout.
  int rc = pthread_mutex_trylock(&s.mutex);
  if (rc == EBUSY) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    int64_t ns = deadline.tv_nsec + int64_t(lock_timeout_.count() % 1000) * 1'000'000;
    deadline.tv_sec += time_t(lock_timeout_.count() / 1000 + ns / 1'000'000'000);
    deadline.tv_nsec = long(ns % 1'000'000'000);
    rc = pthread_mutex_timedlock(&s.mutex, &deadline);
  }
  if (rc == 0) return {};
  if (rc == EOWNERDEAD) {
    // The holder died inside its critical section: repair what it may have
    // left, then declare the mutex usable again.
    recover(s);
    pthread_mutex_consistent(&s.mutex);
    return {};
  }
  if (rc == ETIMEDOUT) {
    return SessionStatus::error(SessionErrc::timeout,
                                "shm session lock held by another process for more than " +
                                    std::to_string(lock_timeout_.count()) + " ms");
  }
  return SessionStatus::error(SessionErrc::internal,
                              std::string("shm session lock: ") + std::strerror(rc));
}

void ShmTable::unlock(ShmStripe& s) {
  pthread_mutex_unlock(&s.mutex);
}

void ShmTable::recover(ShmStripe& s) {
  header_->recovered_locks.fetch_add(1);
  int32_t w = s.writing.load();
  if (w >= 0 && uint32_t(w) >= s.begin && uint32_t(w) < s.end) {
    // Half-written, perhaps: no reader may ever see it.
    slot(size_t(w)).state = detail::kDeleted;
    header_->dropped_entries.fetch_add(1);
  }
  s.writing.store(-1);
  // The count may be off by the interrupted change: recount.
  uint32_t used = 0;
  for (uint32_t i = s.begin; i < s.end; ++i) used += slot(i).state == detail::kUsed;
  s.used.store(used);
}

long ShmTable::find(ShmStripe& s, uint64_t hash, std::string_view id, util::Usec now,
                    long& reusable) {
  reusable = -1;
  size_t n = s.end - s.begin;
  size_t start = (hash / stripes_) % n;
  for (size_t k = 0; k < n; ++k) {
    size_t i = s.begin + (start + k) % n;
    ShmSlot& e = slot(i);
    if (e.state == detail::kFree) {
      // Never used: the probe sequence of `id` ends here.
      if (reusable < 0) reusable = long(i);
      return -1;
    }
    if (e.state == detail::kUsed && std::memcmp(e.id, id.data(), kSessionIdLength) == 0) {
      return long(i);
    }
    if (reusable < 0 && (e.state == detail::kDeleted || e.expires <= now)) reusable = long(i);
  }
  return -1;
}

void ShmTable::drop(ShmStripe& s, size_t i) {
  slot(i).state = detail::kDeleted;
  s.used.fetch_sub(1, std::memory_order_relaxed);
}

SessionStatus ShmTable::get(std::string_view id, std::string& out, util::Usec now) {
  if (id.size() != kSessionIdLength) return {SessionErrc::invalid_id, "invalid session id"};
  uint64_t hash = fnv1a(id);
  ShmStripe& s = stripe_of(hash);
  if (SessionStatus st = lock(s); !st) return st;
  long reusable = -1;
  long i = find(s, hash, id, now, reusable);
  SessionStatus st;
  if (i < 0) {
    st = {SessionErrc::not_found, "not found"};
  } else if (slot(size_t(i)).expires <= now) {
    drop(s, size_t(i));
    st = {SessionErrc::not_found, "expired"};
  } else if (const ShmSlot& e = slot(size_t(i));
             e.length > value_size_ || checksum(e, value(size_t(i))) != e.checksum) {
    drop(s, size_t(i));
    header_->dropped_entries.fetch_add(1);
    st = SessionStatus::error(SessionErrc::corrupt, "shm slot failed its checksum; dropped");
  } else {
    out.assign(value(size_t(i)), e.length);
  }
  unlock(s);
  return st;
}

SessionStatus ShmTable::put(std::string_view id, std::string_view bytes, util::Usec expires,
                            util::Usec now) {
  if (id.size() != kSessionIdLength) return {SessionErrc::invalid_id, "invalid session id"};
  if (bytes.size() > value_size_) {
    return SessionStatus::error(
        SessionErrc::too_large,
        std::to_string(bytes.size()) + " bytes, shm slots hold " + std::to_string(value_size_));
  }
  uint64_t hash = fnv1a(id);
  ShmStripe& s = stripe_of(hash);
  if (SessionStatus st = lock(s); !st) return st;
  long reusable = -1;
  long i = find(s, hash, id, now, reusable);
  if (i < 0) {
    if (reusable < 0) {
      unlock(s);
      return SessionStatus::error(SessionErrc::full, "no free shm slot for this session (" +
                                                         std::to_string(used()) + " of " +
                                                         std::to_string(slots_) +
                                                         " slots in use; raise SessionSlots)");
    }
    i = reusable;
    if (slot(size_t(i)).state != detail::kUsed) s.used.fetch_add(1, std::memory_order_relaxed);
  }
  ShmSlot& e = slot(size_t(i));
  s.writing.store(int32_t(i));
  barrier();
  std::memcpy(e.id, id.data(), kSessionIdLength);
  e.length = uint32_t(bytes.size());
  e.expires = expires;
  std::memcpy(value(size_t(i)), bytes.data(), bytes.size());
  e.checksum = checksum(e, value(size_t(i)));
  e.state = detail::kUsed;
  barrier();
  s.writing.store(-1);
  unlock(s);
  return {};
}

SessionStatus ShmTable::del(std::string_view id) {
  if (id.size() != kSessionIdLength) return {SessionErrc::invalid_id, "invalid session id"};
  uint64_t hash = fnv1a(id);
  ShmStripe& s = stripe_of(hash);
  if (SessionStatus st = lock(s); !st) return st;
  long reusable = -1;
  long i = find(s, hash, id, INT64_MIN, reusable);
  if (i >= 0) drop(s, size_t(i));
  unlock(s);
  return {};
}

SessionStatus ShmTable::lock_and_abandon_for_test(std::string_view id, bool begin_write) {
  if (id.size() != kSessionIdLength) return {SessionErrc::invalid_id, "invalid session id"};
  uint64_t hash = fnv1a(id);
  ShmStripe& s = stripe_of(hash);
  if (SessionStatus st = lock(s); !st) return st;
  if (!begin_write) return {};
  long reusable = -1;
  long i = find(s, hash, id, INT64_MIN, reusable);
  if (i < 0) i = reusable;
  if (i < 0) return {};
  ShmSlot& e = slot(size_t(i));
  s.writing.store(int32_t(i));
  barrier();
  if (e.state != detail::kUsed) s.used.fetch_add(1);
  std::memcpy(e.id, id.data(), kSessionIdLength);
  e.state = detail::kUsed;
  e.length = uint32_t(value_size_);
  std::memset(value(size_t(i)), 'x', value_size_ / 2);  // ... and no checksum: torn
  barrier();
  return {};
}

}  // namespace mpmd::session
