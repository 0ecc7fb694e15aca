// The shm session table: a bounded hash table in anonymous shared memory,
// mapped by the master before it forks, so every child of the server reads
// and writes the same sessions.
//
// Geometry is fixed at creation: `slots` entries of at most `value_size`
// bytes. Slots are split into stripes, each a small open-addressing table
// with its own lock, so children rarely wait for each other. A key lives in
// the stripe its hash picks; a stripe with no free or expired slot is "full"
// (expired entries are reclaimed first, so only live sessions fill it).
//
// Locks are process-shared robust pthread mutexes, taken with a timeout:
//  * a child killed while holding one (SIGKILL, a crash) does not block the
//    others: the next locker gets EOWNERDEAD, makes the mutex consistent and
//    drops the one entry the dead child was writing (each stripe records the
//    slot under write; a checksum on every entry catches anything else);
//  * a lock held by a live but stuck process makes callers fail with
//    SessionErrc::timeout after `lock_timeout` instead of waiting forever.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "session/backend.hpp"

namespace mpmd::session {

namespace detail {
struct ShmHeader;
struct ShmStripe;
struct ShmSlot;
}  // namespace detail

struct ShmOptions {
  size_t slots = 10000;
  size_t value_size = 4096;
  size_t stripes = 0;  // 0 = slots / 128, from 1 to 64
  Millis lock_timeout{1000};
};

class ShmTable {
 public:
  // Maps and initialises the table (MAP_SHARED|MAP_ANONYMOUS: inherited by
  // children forked afterwards). Null and `error` set on failure.
  static std::shared_ptr<ShmTable> create(const ShmOptions& options, std::string& error);
  ~ShmTable();
  ShmTable(const ShmTable&) = delete;
  ShmTable& operator=(const ShmTable&) = delete;

  // `id` must be kSessionIdLength bytes. `now` and `expires` are on the
  // caller's clock (monotonic microseconds in the server).
  SessionStatus get(std::string_view id, std::string& value, util::Usec now);
  SessionStatus put(std::string_view id, std::string_view value, util::Usec expires,
                    util::Usec now);
  SessionStatus del(std::string_view id);

  size_t slots() const { return slots_; }
  size_t value_size() const { return value_size_; }
  size_t stripes() const { return stripes_; }
  Millis lock_timeout() const { return lock_timeout_; }
  // Entries in use (live or expired but not yet reclaimed), all stripes.
  size_t used() const;
  // Locks taken over from dead owners, and entries dropped as possibly torn.
  uint64_t recovered_locks() const;
  uint64_t dropped_entries() const;

  // Test hook, never called by the server: takes the lock of `id`'s stripe
  // and returns still holding it, as a process that then dies or hangs would.
  // With `begin_write`, also starts writing `id` and stops half-way (the slot
  // is marked as being written and holds half a value).
  SessionStatus lock_and_abandon_for_test(std::string_view id, bool begin_write);

 private:
  ShmTable() = default;
  detail::ShmStripe& stripe_of(uint64_t hash);
  detail::ShmSlot& slot(size_t i);
  char* value(size_t i);
  SessionStatus lock(detail::ShmStripe& s);
  void unlock(detail::ShmStripe& s);
  void recover(detail::ShmStripe& s);
  // The slot holding `id` in stripe `s` (-1 if none); `reusable` receives the
  // first free, deleted or expired slot met on the way (-1 if none).
  long find(detail::ShmStripe& s, uint64_t hash, std::string_view id, util::Usec now,
            long& reusable);
  void drop(detail::ShmStripe& s, size_t i);

  void* base_ = nullptr;
  size_t length_ = 0;
  size_t slots_ = 0;
  size_t value_size_ = 0;
  size_t stripes_ = 0;
  Millis lock_timeout_{1000};
  detail::ShmHeader* header_ = nullptr;
  detail::ShmStripe* stripe_array_ = nullptr;
  detail::ShmSlot* slot_array_ = nullptr;
  char* values_ = nullptr;
};

// SessionStore shm: a Backend over a ShmTable shared with the other children.
class ShmBackend final : public Backend {
 public:
  ShmBackend(std::shared_ptr<ShmTable> table, const util::Clock& clock = monotonic_clock())
      : table_(std::move(table)), clock_(clock) {}

  SessionStatus get(std::string_view id, std::string& value) override {
    return table_->get(id, value, clock_.now());
  }
  SessionStatus put(std::string_view id, std::string_view value, Millis ttl) override {
    util::Usec now = clock_.now();
    return table_->put(id, value, now + util::Usec(ttl.count()) * 1000, now);
  }
  SessionStatus del(std::string_view id) override { return table_->del(id); }
  std::string_view kind() const override { return "shm"; }

 private:
  std::shared_ptr<ShmTable> table_;
  const util::Clock& clock_;
};

}  // namespace mpmd::session
