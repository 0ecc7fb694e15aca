// The shm table across processes: children share it, and a child killed
// while holding a lock (even half-way through a write) blocks nobody.
#include "session/shm_table.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace mpmd::session {
namespace {

using namespace std::chrono_literals;

constexpr util::Usec kNow = 1'000'000;
constexpr util::Usec kLater = kNow + 3600'000'000;

std::string id_of(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%032x", n);
  return buf;
}

std::shared_ptr<ShmTable> make_table(size_t slots, size_t stripes, Millis lock_timeout = 5000ms) {
  ShmOptions o;
  o.slots = slots;
  o.value_size = 128;
  o.stripes = stripes;
  o.lock_timeout = lock_timeout;
  std::string error;
  auto t = ShmTable::create(o, error);
  EXPECT_TRUE(t) << error;
  return t;
}

// A child that runs `body` (returning its exit code) and reports through a
// pipe when it is ready to be killed.
class Child {
 public:
  template <typename Body>
  explicit Child(Body body) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(fds[0]);
      ready_fd_ = fds[1];
      _exit(body(*this));
    }
    ::close(fds[1]);
    read_fd_ = fds[0];
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (read_fd_ >= 0) ::close(read_fd_);
  }

  // In the child: tell the parent, then wait to be killed.
  [[noreturn]] void ready_and_wait() {
    char c = 'r';
    (void)!::write(ready_fd_, &c, 1);
    for (;;) ::pause();
  }
  // In the parent: true once the child said it is ready.
  bool wait_ready() {
    char c = 0;
    return ::read(read_fd_, &c, 1) == 1;
  }
  void kill9() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status));
    pid_ = -1;
  }
  // Waits for a normal exit; the exit code, or -1.
  int join() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int ready_fd_ = -1;
  int read_fd_ = -1;
};

TEST(ShmTable, ChildKilledHoldingALockBlocksNobody) {
  auto table = make_table(16, 1);  // one stripe: every key behind the same lock
  ASSERT_TRUE(table->put(id_of(1), "one", kLater, kNow));
  ASSERT_TRUE(table->put(id_of(2), "two", kLater, kNow));

  Child child([&](Child& self) {
    if (!table->lock_and_abandon_for_test(id_of(1), false)) return 1;
    self.ready_and_wait();
  });
  ASSERT_TRUE(child.wait_ready());
  child.kill9();

  std::string v;
  SessionStatus st = table->get(id_of(1), v, kNow);
  ASSERT_TRUE(st) << st.message;
  EXPECT_EQ(v, "one");
  EXPECT_EQ(table->recovered_locks(), 1u);
  EXPECT_EQ(table->dropped_entries(), 0u) << "the dead child was not writing";
  ASSERT_TRUE(table->get(id_of(2), v, kNow));
  EXPECT_EQ(v, "two");
  ASSERT_TRUE(table->put(id_of(3), "three", kLater, kNow));
  ASSERT_TRUE(table->get(id_of(3), v, kNow));
  EXPECT_EQ(v, "three");
  EXPECT_EQ(table->used(), 3u);
}

TEST(ShmTable, ChildKilledHalfWayThroughAWriteLosesOnlyThatEntry) {
  auto table = make_table(16, 1);
  ASSERT_TRUE(table->put(id_of(1), "one", kLater, kNow));
  ASSERT_TRUE(table->put(id_of(2), "two", kLater, kNow));

  Child child([&](Child& self) {
    if (!table->lock_and_abandon_for_test(id_of(1), true)) return 1;
    self.ready_and_wait();
  });
  ASSERT_TRUE(child.wait_ready());
  child.kill9();

  std::string v;
  SessionStatus st = table->get(id_of(1), v, kNow);
  EXPECT_EQ(st.code, SessionErrc::not_found) << "a torn entry is never served: " << st.message;
  EXPECT_EQ(table->recovered_locks(), 1u);
  EXPECT_EQ(table->dropped_entries(), 1u);
  ASSERT_TRUE(table->get(id_of(2), v, kNow));
  EXPECT_EQ(v, "two");
  EXPECT_EQ(table->used(), 1u);
  ASSERT_TRUE(table->put(id_of(1), "one again", kLater, kNow));
  ASSERT_TRUE(table->get(id_of(1), v, kNow));
  EXPECT_EQ(v, "one again");
}

TEST(ShmTable, ANewEntryTornByADeadWriterIsDropped) {
  auto table = make_table(16, 1);
  Child child([&](Child& self) {
    if (!table->lock_and_abandon_for_test(id_of(9), true)) return 1;
    self.ready_and_wait();
  });
  ASSERT_TRUE(child.wait_ready());
  child.kill9();
  std::string v;
  EXPECT_EQ(table->get(id_of(9), v, kNow).code, SessionErrc::not_found);
  EXPECT_EQ(table->used(), 0u);
}

TEST(ShmTable, ALockHeldByAStuckProcessTimesOutThenRecovers) {
  auto table = make_table(16, 1, 100ms);
  ASSERT_TRUE(table->put(id_of(1), "one", kLater, kNow));
  Child child([&](Child& self) {
    if (!table->lock_and_abandon_for_test(id_of(1), false)) return 1;
    self.ready_and_wait();  // alive, holding the lock
  });
  ASSERT_TRUE(child.wait_ready());

  std::string v;
  SessionStatus st = table->get(id_of(1), v, kNow);
  EXPECT_EQ(st.code, SessionErrc::timeout) << st.message;
  EXPECT_EQ(table->put(id_of(2), "x", kLater, kNow).code, SessionErrc::timeout);

  child.kill9();
  st = table->get(id_of(1), v, kNow);
  ASSERT_TRUE(st) << st.message;
  EXPECT_EQ(v, "one");
}

TEST(ShmTable, OtherStripesDoNotWaitForAHeldLock) {
  auto table = make_table(64, 8, 100ms);
  Child child([&](Child& self) {
    if (!table->lock_and_abandon_for_test(id_of(1), false)) return 1;
    self.ready_and_wait();
  });
  ASSERT_TRUE(child.wait_ready());
  // Of 40 keys, those behind other locks work; those behind the held one time out.
  int ok = 0;
  int timed_out = 0;
  for (int i = 100; i < 140; ++i) {
    SessionStatus st = table->put(id_of(i), "v", kLater, kNow);
    ok += bool(st);
    timed_out += st.code == SessionErrc::timeout;
  }
  EXPECT_GT(ok, 20);
  EXPECT_EQ(ok + timed_out, 40);
}

TEST(ShmTable, WrittenByOneProcessReadByAnother) {
  auto table = make_table(1024, 0);
  Child writer([&](Child&) {
    for (int i = 0; i < 200; ++i) {
      if (!table->put(id_of(i), "from child " + std::to_string(i), kLater, kNow)) return 1;
    }
    return 0;
  });
  ASSERT_EQ(writer.join(), 0);
  for (int i = 0; i < 200; ++i) {
    std::string v;
    ASSERT_TRUE(table->get(id_of(i), v, kNow)) << i;
    EXPECT_EQ(v, "from child " + std::to_string(i));
  }

  ASSERT_TRUE(table->put(id_of(500), "from parent", kLater, kNow));
  Child reader([&](Child&) {
    std::string v;
    if (!table->get(id_of(500), v, kNow) || v != "from parent") return 1;
    return table->del(id_of(500)) ? 0 : 2;
  });
  ASSERT_EQ(reader.join(), 0);
  std::string v;
  EXPECT_EQ(table->get(id_of(500), v, kNow).code, SessionErrc::not_found) << "deleted by the child";
}

TEST(ShmTable, ManyChildrenWriteAtOnce) {
  auto table = make_table(2048, 0);
  std::vector<std::unique_ptr<Child>> children;
  for (int c = 0; c < 4; ++c) {
    children.push_back(std::make_unique<Child>([&, c](Child&) {
      for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 200; ++i) {
          int n = c * 1000 + i;
          std::string want = std::to_string(n) + "/" + std::to_string(round);
          std::string got;
          if (!table->put(id_of(n), want, kLater, kNow)) return 1;
          if (!table->get(id_of(n), got, kNow) || got != want) return 2;
        }
      }
      return 0;
    }));
  }
  for (auto& c : children) EXPECT_EQ(c->join(), 0);
  EXPECT_EQ(table->used(), 800u);
  for (int c = 0; c < 4; ++c) {
    for (int i = 0; i < 200; ++i) {
      std::string v;
      int n = c * 1000 + i;
      ASSERT_TRUE(table->get(id_of(n), v, kNow));
      EXPECT_EQ(v, std::to_string(n) + "/2");
    }
  }
}

TEST(ShmTable, StripedTableFillsUpWithAClearError) {
  auto table = make_table(8192, 0);
  EXPECT_EQ(table->stripes(), 64u);
  std::set<int> stored;
  SessionStatus st;
  for (int i = 0; i < 100000 && (st = table->put(id_of(i), "v", kLater, kNow)); ++i)
    stored.insert(i);
  EXPECT_EQ(st.code, SessionErrc::full);
  EXPECT_NE(st.message.find("raise SessionSlots"), std::string::npos) << st.message;
  EXPECT_LE(stored.size(), 8192u);
  EXPECT_GT(stored.size(), 8192u / 2) << "no stripe fills up long before the table";
  EXPECT_EQ(table->used(), stored.size());
  for (int i : stored) {
    std::string v;
    ASSERT_TRUE(table->get(id_of(i), v, kNow)) << i;
  }
  // Once they expire, their slots are as good as free: new sessions fit
  // exactly as they would in an empty table.
  auto fresh = make_table(8192, 0);
  util::Usec after = kLater + 1;
  for (int i = 200000; i < 210000; ++i) {
    SessionStatus reused = table->put(id_of(i), "v", after + 1000, after);
    SessionStatus empty = fresh->put(id_of(i), "v", after + 1000, after);
    ASSERT_EQ(reused.code, empty.code) << i;
  }
}

TEST(ShmTable, ASmallTableIsOneStripeAndHoldsExactlyItsSlots) {
  auto table = make_table(100, 0);
  EXPECT_EQ(table->stripes(), 1u);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(table->put(id_of(i), "v", kLater, kNow)) << i;
  EXPECT_EQ(table->put(id_of(100), "v", kLater, kNow).code, SessionErrc::full);
}

TEST(ShmTable, TooLargeAndBadIds) {
  auto table = make_table(4, 1);
  EXPECT_EQ(table->put(id_of(1), std::string(129, 'x'), kLater, kNow).code, SessionErrc::too_large);
  EXPECT_TRUE(table->put(id_of(1), std::string(128, 'x'), kLater, kNow));
  std::string v;
  EXPECT_EQ(table->get("short", v, kNow).code, SessionErrc::invalid_id);
}

TEST(ShmTable, ImpossibleGeometryIsAnError) {
  ShmOptions o;
  o.slots = 0;
  std::string error;
  EXPECT_FALSE(ShmTable::create(o, error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace mpmd::session
