// The two thread-safe windows between a connection and a handler on another
// thread (the event engine's pool, an offload callback): RequestBody (the
// connection produces, the handler reads) and BodyPipe (the handler writes,
// the connection pulls). Run under ThreadSanitizer in make test.
#include "http/body_pipe.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "http/request_body.hpp"
#include "http/waker.hpp"

namespace mpmd::http {
namespace {

// The engine side: the test's main thread is the connection's.
struct FakePort final : Port {
  std::thread::id owner = std::this_thread::get_id();
  std::atomic<int> wakes{0};
  void wake() override { wakes.fetch_add(1); }
  bool on_connection_thread() const override { return std::this_thread::get_id() == owner; }
  bool pump_nested() override { return false; }
};

char pattern(uint64_t i) {
  return char('a' + i % 23);
}

TEST(RequestBodyWindow, AReaderOnAnotherThreadGetsEveryByteInOrder) {
  FakePort port;
  auto waker = std::make_shared<Waker>(&port);
  RequestBody body;
  const uint64_t total = 3 << 20;
  body.start(total, false, waker);
  std::atomic<bool> ok{true};
  uint64_t got = 0;
  std::thread reader([&] {
    char buf[5000];
    while (true) {
      auto r = body.read_wait(buf);
      if (r.status == RequestBody::Status::end) return;
      if (r.status != RequestBody::Status::data) {
        ok = false;
        return;
      }
      for (size_t i = 0; i < r.size; ++i) ok = ok && buf[i] == pattern(got + i);
      got += r.size;
    }
  });
  // The connection's side: fill the window whenever the reader freed room,
  // never holding more than the window.
  uint64_t sent = 0;
  while (sent < total) {
    size_t room = body.room();
    ASSERT_LE(RequestBody::kWindow - room, RequestBody::kWindow);
    if (room == 0) {
      std::this_thread::yield();
      continue;
    }
    body.produce([&](std::string& buf, size_t space) {
      size_t n = size_t(std::min<uint64_t>({space, total - sent, 7777}));
      for (size_t i = 0; i < n; ++i) buf.push_back(pattern(sent + i));
      sent += n;
      return n;
    });
  }
  EXPECT_EQ(body.finish_status(), 0);
  reader.join();
  EXPECT_TRUE(ok);
  EXPECT_EQ(got, total);
  EXPECT_GT(port.wakes.load(), 0);  // a full window woke the connection when it freed
}

TEST(RequestBodyWindow, FailureReachesAWaitingReader) {
  FakePort port;
  auto waker = std::make_shared<Waker>(&port);
  RequestBody body;
  body.start(std::nullopt, false, waker);
  RequestBody::Read seen;
  std::thread reader([&] {
    char buf[16];
    seen = body.read_wait(buf);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  body.fail(408);
  reader.join();
  EXPECT_EQ(seen.status, RequestBody::Status::error);
  EXPECT_EQ(seen.error, 408);
}

TEST(RequestBodyWindow, OnTheConnectionsOwnEventLoopThreadNothingWaits) {
  FakePort port;  // pump_nested() answers false, as the event loop does
  auto waker = std::make_shared<Waker>(&port);
  RequestBody body;
  body.start(10, true, waker);
  char buf[4];
  EXPECT_EQ(body.read_wait(buf).status, RequestBody::Status::again);
  EXPECT_TRUE(body.continue_wanted());  // the reader asked: 100 Continue is due
  EXPECT_GE(port.wakes.load(), 1);
}

TEST(BodyPipeWindow, AWriterOnAnotherThreadWaitsForTheReader) {
  FakePort port;
  auto waker = std::make_shared<Waker>(&port);
  auto pipe = std::make_shared<BodyPipe>(waker);
  const uint64_t total = 3 << 20;
  std::thread writer([&] {
    uint64_t sent = 0;
    while (sent < total) {
      size_t n = size_t(std::min<uint64_t>(total - sent, 9999));
      std::string piece(n, '\0');
      for (size_t i = 0; i < n; ++i) piece[i] = pattern(sent + i);
      ASSERT_EQ(pipe->write_wait(std::move(piece)), BodyPipe::Write::ok);
      sent += n;
    }
    pipe->end();
  });
  uint64_t got = 0;
  bool ok = true;
  size_t most_queued = 0;
  while (true) {
    most_queued = std::max(most_queued, BodyPipe::kWindow - pipe->room());
    std::string out;
    auto p = pipe->pull(out, 64 * 1024, waker);
    for (size_t i = 0; i < out.size(); ++i) ok = ok && out[i] == pattern(got + i);
    got += out.size();
    if (p == BodySource::Pull::end) break;
    if (p == BodySource::Pull::again) std::this_thread::yield();
  }
  writer.join();
  EXPECT_TRUE(ok);
  EXPECT_EQ(got, total);
  EXPECT_FALSE(pipe->busy());
  EXPECT_LE(most_queued, BodyPipe::kWindow + 9999);  // one piece beyond the window at most
}

TEST(BodyPipeWindow, CancelReleasesAWaitingWriter) {
  FakePort port;
  auto waker = std::make_shared<Waker>(&port);
  auto pipe = std::make_shared<BodyPipe>(waker);
  ASSERT_EQ(pipe->write(std::string(BodyPipe::kWindow, 'x')), BodyPipe::Write::ok);
  BodyPipe::Write result = BodyPipe::Write::ok;
  std::thread writer([&] { result = pipe->write_wait("more"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  pipe->cancel();  // the client went away
  writer.join();
  EXPECT_EQ(result, BodyPipe::Write::closed);
  EXPECT_TRUE(pipe->busy());  // until the writer says it is done
  pipe->end();
  EXPECT_FALSE(pipe->busy());
}

TEST(BodyPipeWindow, EventLoopWritersAreToldInsteadOfWaiting) {
  FakePort port;
  auto waker = std::make_shared<Waker>(&port);
  auto pipe = std::make_shared<BodyPipe>(waker);
  ASSERT_EQ(pipe->write(std::string(BodyPipe::kWindow, 'x')), BodyPipe::Write::ok);
  EXPECT_EQ(pipe->write_wait("y"), BodyPipe::Write::full);  // queued, but told
  EXPECT_EQ(pipe->room(), 0u);
  int called = 0;
  pipe->on_room([&] { ++called; });
  std::string out;
  EXPECT_EQ(pipe->pull(out, 1000, waker), BodySource::Pull::data);
  EXPECT_EQ(called, 1);
}

TEST(Waker, DetachedCallsDoNothing) {
  FakePort port;
  auto waker = std::make_shared<Waker>(&port);
  waker->wake();
  waker->detach();
  waker->wake();
  EXPECT_EQ(port.wakes.load(), 1);
  EXPECT_FALSE(waker->on_connection_thread());
}

}  // namespace
}  // namespace mpmd::http
