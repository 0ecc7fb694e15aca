#include "mpm/event/backend.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "util/unique_fd.hpp"

namespace mpmd::mpm::event {
namespace {

using util::UniqueFd;

struct Pair {
  UniqueFd a, b;
};

Pair socket_pair() {
  int fds[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void send_byte(int fd) {
  ASSERT_EQ(::write(fd, "x", 1), 1);
}

void drain(int fd) {
  char buf[4096];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
}

// Fills the socket's send buffer: it stops being writable.
void fill(int fd) {
  std::string chunk(65536, 'x');
  while (::write(fd, chunk.data(), chunk.size()) > 0) {
  }
}

std::vector<Ready> wait_for(Backend& b, int timeout_ms = 200) {
  std::array<Ready, 64> out{};
  util::Result<size_t> n = b.wait(out, timeout_ms);
  EXPECT_TRUE(n) << (n ? "" : n.error().message);
  return n ? std::vector<Ready>(out.begin(), out.begin() + long(*n)) : std::vector<Ready>{};
}

// The events reported for `tag` (0: not reported).
uint32_t events_of(const std::vector<Ready>& got, void* tag) {
  uint32_t e = 0;
  for (const Ready& r : got) {
    if (r.tag == tag) e |= r.events;
  }
  return e;
}

class BackendTest : public ::testing::TestWithParam<std::string_view> {
 protected:
  void SetUp() override {
    util::Result<std::unique_ptr<Backend>> b = make_backend(GetParam());
    ASSERT_TRUE(b) << b.error().message;
    backend = std::move(*b);
    ASSERT_EQ(backend->name(), GetParam());
  }
  std::unique_ptr<Backend> backend;
  int tag1 = 1, tag2 = 2;
};

TEST_P(BackendTest, ReportsReadableOnlyOnceDataArrives) {
  Pair p = socket_pair();
  ASSERT_TRUE(backend->add(p.a.get(), kReadable, &tag1));
  EXPECT_EQ(events_of(wait_for(*backend, 0), &tag1), 0u);
  send_byte(p.b.get());
  EXPECT_TRUE(events_of(wait_for(*backend), &tag1) & kReadable);
  backend->before_close(p.a.get());
}

TEST_P(BackendTest, ReportsWritableWhenAskedAndRoomReturns) {
  Pair p = socket_pair();
  fill(p.a.get());
  ASSERT_TRUE(backend->add(p.a.get(), kReadable | kWritable, &tag1));
  EXPECT_FALSE(events_of(wait_for(*backend, 0), &tag1) & kWritable);
  drain(p.b.get());
  EXPECT_TRUE(events_of(wait_for(*backend), &tag1) & kWritable);
  backend->before_close(p.a.get());
}

TEST_P(BackendTest, ReportsTheHangUpOfThePeer) {
  Pair p = socket_pair();
  ASSERT_TRUE(backend->add(p.a.get(), kReadable, &tag1));
  p.b.reset();
  EXPECT_TRUE(events_of(wait_for(*backend), &tag1) & kReadable);
  backend->before_close(p.a.get());
}

TEST_P(BackendTest, RemovedDescriptorIsNotReportedAndCanBeAddedAgain) {
  Pair p = socket_pair();
  Pair q = socket_pair();
  ASSERT_TRUE(backend->add(p.a.get(), kReadable, &tag1));
  ASSERT_TRUE(backend->add(q.a.get(), kReadable, &tag2));
  backend->remove(p.a.get());
  send_byte(p.b.get());
  send_byte(q.b.get());
  std::vector<Ready> got = wait_for(*backend);
  EXPECT_EQ(events_of(got, &tag1), 0u);
  EXPECT_TRUE(events_of(got, &tag2) & kReadable);
  // Added again under another tag: reported under the new one only.
  ASSERT_TRUE(backend->add(p.a.get(), kReadable, &tag2));
  got = wait_for(*backend);
  EXPECT_EQ(events_of(got, &tag1), 0u);
  EXPECT_TRUE(events_of(got, &tag2) & kReadable);
  backend->before_close(p.a.get());
  backend->before_close(q.a.get());
}

TEST_P(BackendTest, ADescriptorNumberReusedAfterCloseBelongsToItsNewOwner) {
  Pair p = socket_pair();
  const int number = p.a.get();
  ASSERT_TRUE(backend->add(number, kReadable, &tag1));
  send_byte(p.b.get());
  backend->before_close(number);
  p.a.reset();
  Pair q = socket_pair();  // takes the lowest free numbers: `number` again
  ASSERT_EQ(q.a.get(), number);
  ASSERT_TRUE(backend->add(number, kReadable, &tag2));
  std::vector<Ready> got = wait_for(*backend, 50);
  EXPECT_EQ(events_of(got, &tag1), 0u);
  EXPECT_EQ(events_of(got, &tag2), 0u);  // nothing sent to the new one yet
  send_byte(q.b.get());
  got = wait_for(*backend);
  EXPECT_EQ(events_of(got, &tag1), 0u);
  EXPECT_TRUE(events_of(got, &tag2) & kReadable);
  backend->before_close(number);
}

// A listening socket shared by the children, as the loop registers it.
TEST_P(BackendTest, ReportsASharedListenerWhenAConnectionWaits) {
  UniqueFd listener(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener.get(), 16), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
  util::Status s = backend->add(listener.get(), kReadable | kExclusive, &tag1);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(events_of(wait_for(*backend, 0), &tag1), 0u);
  UniqueFd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_EQ(connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_TRUE(events_of(wait_for(*backend), &tag1) & kReadable);
  // Not accepted yet: reported again (level-triggered, in every backend).
  EXPECT_TRUE(events_of(wait_for(*backend), &tag1) & kReadable);
  UniqueFd accepted(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  ASSERT_TRUE(accepted);
  EXPECT_EQ(events_of(wait_for(*backend, 50), &tag1), 0u);
  backend->remove(listener.get());
}

TEST_P(BackendTest, AddingTwiceFails) {
  Pair p = socket_pair();
  ASSERT_TRUE(backend->add(p.a.get(), kReadable, &tag1));
  util::Status again = backend->add(p.a.get(), kReadable, &tag1);
  EXPECT_FALSE(again);
  EXPECT_EQ(again.error().code, EEXIST);
  backend->before_close(p.a.get());
}

TEST_P(BackendTest, ModifyChangesWhatIsWaitedFor) {
  if (backend->edge_triggered()) GTEST_SKIP() << "edge-triggered backends are never modified";
  Pair p = socket_pair();
  ASSERT_TRUE(backend->add(p.a.get(), kWritable, &tag1));
  EXPECT_TRUE(events_of(wait_for(*backend, 0), &tag1) & kWritable);
  ASSERT_TRUE(backend->modify(p.a.get(), kReadable, &tag1));
  EXPECT_EQ(events_of(wait_for(*backend, 0), &tag1), 0u);
  // Waiting for nothing (a handler has the connection): not even a hang-up.
  ASSERT_TRUE(backend->modify(p.a.get(), 0, &tag1));
  p.b.reset();
  EXPECT_EQ(events_of(wait_for(*backend, 50), &tag1), 0u);
  ASSERT_TRUE(backend->modify(p.a.get(), kReadable, &tag1));
  EXPECT_TRUE(events_of(wait_for(*backend), &tag1) & kReadable);
  backend->before_close(p.a.get());
}

TEST_P(BackendTest, EdgeTriggeredReportsAChangeOnce) {
  if (!backend->edge_triggered()) GTEST_SKIP() << "level-triggered";
  Pair p = socket_pair();
  ASSERT_TRUE(backend->add(p.a.get(), kReadable | kWritable, &tag1));
  wait_for(*backend, 50);  // the first report: writable
  EXPECT_EQ(events_of(wait_for(*backend, 50), &tag1), 0u);
  send_byte(p.b.get());
  EXPECT_TRUE(events_of(wait_for(*backend), &tag1) & kReadable);
  backend->before_close(p.a.get());
}

TEST_P(BackendTest, ManyDescriptorsAreAllReportedOverSeveralWaits) {
  // More than one wait's room (64), so the backend hands out the rest later.
  constexpr int kCount = 300;
  std::vector<Pair> pairs;
  std::vector<int> tags(kCount);
  for (int i = 0; i < kCount; ++i) {
    pairs.push_back(socket_pair());
    ASSERT_TRUE(backend->add(pairs.back().a.get(), kReadable, &tags[size_t(i)]));
    send_byte(pairs.back().b.get());
  }
  std::vector<bool> seen(kCount);
  int distinct = 0;
  for (int round = 0; round < 50 && distinct < kCount; ++round) {
    for (const Ready& r : wait_for(*backend)) {
      size_t i = size_t(static_cast<int*>(r.tag) - tags.data());
      ASSERT_LT(i, size_t(kCount));
      if (!seen[i]) ++distinct;
      seen[i] = true;
      drain(pairs[i].a.get());  // level-triggered: stop reporting it
    }
  }
  EXPECT_EQ(distinct, kCount);
  for (Pair& p : pairs) backend->before_close(p.a.get());
}

TEST_P(BackendTest, TimesOutWhenNothingIsReady) {
  Pair p = socket_pair();
  ASSERT_TRUE(backend->add(p.a.get(), kReadable, &tag1));
  EXPECT_TRUE(wait_for(*backend, 20).empty());
  backend->before_close(p.a.get());
}

INSTANTIATE_TEST_SUITE_P(Each, BackendTest, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) {
                           std::string n(info.param);
                           n.erase(std::remove(n.begin(), n.end(), '_'), n.end());
                           return n;
                         });

TEST(SelectBackend, RefusesDescriptorsAtOrAboveFdSetSize) {
  util::Result<std::unique_ptr<Backend>> b = make_backend("select");
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)->fd_limit(), FD_SETSIZE);
  Pair p = socket_pair();
  // A descriptor past FD_SETSIZE: the soft open-file limit raised to the hard
  // one, as mpmd does at start; where the hard limit is lower, skipped.
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  UniqueFd high(fcntl(p.a.get(), F_DUPFD_CLOEXEC, FD_SETSIZE + 5));
  if (!high) GTEST_SKIP() << "cannot open a descriptor past FD_SETSIZE here";
  int tag = 0;
  util::Status s = (*b)->add(high.get(), kReadable, &tag);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("FD_SETSIZE"), std::string::npos) << s.error().message;
  // FD_SETSIZE itself too, and the ones below still work.
  UniqueFd at(fcntl(p.a.get(), F_DUPFD_CLOEXEC, FD_SETSIZE));
  if (at.get() == FD_SETSIZE) {
    EXPECT_FALSE((*b)->add(at.get(), kReadable, &tag));
  }
  EXPECT_TRUE((*b)->add(p.a.get(), kReadable, &tag));
  send_byte(p.b.get());
  EXPECT_TRUE(events_of(wait_for(**b), &tag) & kReadable);
}

TEST(Backends, NamesAndUnknownName) {
  EXPECT_TRUE(known_backend("io_uring"));
  EXPECT_TRUE(known_backend(kDefaultBackend));
  EXPECT_FALSE(known_backend("kqueue"));
  util::Result<std::unique_ptr<Backend>> b = make_backend("kqueue");
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("kqueue"), std::string::npos);
}

}  // namespace
}  // namespace mpmd::mpm::event
