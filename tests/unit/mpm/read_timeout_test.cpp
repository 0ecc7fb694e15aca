#include "mpm/common/read_timeout.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "http/request_body.hpp"

namespace mpmd::mpm {
namespace {

// Answers "ok", after reading the request's body as it arrives.
class OkHandler : public http::Handler {
 public:
  void handle(const http::Request& q, http::Response& r) override {
    r.body.append("ok");
    if (!q.body) return;
    r.deferred = true;
    q.body->on_ready([&q] {
      char buf[65536];
      while (true) {
        auto got = q.body->read(buf);
        if (got.status == http::RequestBody::Status::data) continue;
        if (got.status != http::RequestBody::Status::again) q.completion->complete();
        return;
      }
    });
  }
};

class ReadTimerTest : public ::testing::Test {
 protected:
  // Reads `bytes` the way an engine does: as much as the buffer takes at once.
  void feed(std::string_view bytes) {
    while (!bytes.empty() && conn_.wants_read()) {
      auto buf = conn_.read_buffer();
      size_t n = std::min(buf.size(), bytes.size());
      std::memcpy(buf.data(), bytes.data(), n);
      conn_.on_read(n);
      bytes.remove_prefix(n);
    }
    ASSERT_TRUE(bytes.empty()) << "the connection stopped reading";
  }
  void drain_output() {
    while (conn_.has_output()) {
      uint64_t n = 0;
      for (const auto& s : conn_.output()) n += s.size();
      conn_.on_written(size_t(n));
    }
  }

  config::Http http_;  // Apache's defaults: header=20-40,MinRate=500 body=20,MinRate=500
  OkHandler handler_;
  http::Settings settings_;
  util::ManualClock clock_;
  util::DateCache dates_;
  http::Peer peer_;
  http::Connection conn_{settings_, handler_, nullptr, clock_, dates_, peer_};
  ReadTimer timer_{&http_};
};

constexpr util::Usec kSec = 1'000'000;

TEST_F(ReadTimerTest, FirstRequestIsTimedFromTheAccept) {
  EXPECT_EQ(timer_.update(conn_, 100 * kSec), 120 * kSec);
  // Still nothing received: the deadline does not move.
  EXPECT_EQ(timer_.update(conn_, 105 * kSec), 120 * kSec);
}

TEST_F(ReadTimerTest, TlsHandshakeHasItsOwnStageThenTheHeaderStageStarts) {
  // Apache's default handshake=0: no deadline of its own (Timeout applies).
  EXPECT_EQ(timer_.update(conn_, 100 * kSec, true), 0);
  http_.handshake_read = config::ReadStage{5, 0, 0};
  ReadTimer timer(&http_);
  EXPECT_EQ(timer.update(conn_, 100 * kSec, true), 105 * kSec);
  EXPECT_EQ(timer.update(conn_, 103 * kSec, true), 105 * kSec);
  // Handshake done: the request head gets its 20 s from now.
  EXPECT_EQ(timer.update(conn_, 104 * kSec, false), 124 * kSec);
}

TEST_F(ReadTimerTest, EachMinRateBytesExtendTheHeaderDeadline) {
  timer_.update(conn_, 100 * kSec);
  feed(std::string(1000, 'G'));  // 1000 bytes of a (long) method: +2 s
  EXPECT_EQ(timer_.update(conn_, 101 * kSec), 122 * kSec);
  feed(std::string(7000, 'E'));  // 8000 bytes in all: +16 s
  EXPECT_EQ(timer_.update(conn_, 102 * kSec), 136 * kSec);
}

TEST_F(ReadTimerTest, ExtensionStopsAtTheMaximum) {
  http_.header_read = config::ReadStage{20, 25, 500};
  timer_.update(conn_, 100 * kSec);
  feed(std::string(5000, 'G'));  // +10 s would pass the 25 s maximum
  EXPECT_EQ(timer_.update(conn_, 101 * kSec), 125 * kSec);
}

TEST_F(ReadTimerTest, BodyHasItsOwnStageWithoutMaximum) {
  timer_.update(conn_, 100 * kSec);
  feed("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  EXPECT_EQ(conn_.phase(), http::Connection::Phase::body);
  EXPECT_EQ(timer_.update(conn_, 110 * kSec), 130 * kSec);
  feed(std::string(10000, 'b'));  // +20 s, no maximum for the body
  EXPECT_EQ(timer_.update(conn_, 111 * kSec), 150 * kSec);
}

TEST_F(ReadTimerTest, NoDeadlineWhileRespondingOrWaitingForTheNextKeepAliveRequest) {
  timer_.update(conn_, 100 * kSec);
  feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(timer_.update(conn_, 100 * kSec), 0);  // responding
  drain_output();
  EXPECT_TRUE(conn_.idle());
  EXPECT_EQ(timer_.update(conn_, 101 * kSec), 0);  // KeepAliveTimeout governs
  feed("GET / HT");
  EXPECT_EQ(timer_.update(conn_, 150 * kSec), 170 * kSec);  // timed from its first byte
}

TEST_F(ReadTimerTest, ZeroTurnsAStageOff) {
  http_.header_read = config::ReadStage{0, 0, 0};
  EXPECT_EQ(timer_.update(conn_, 100 * kSec), 0);
}

TEST(ReadTimerWithoutConfig, NeverTimesOut) {
  OkHandler handler;
  http::Settings settings;
  util::ManualClock clock;
  util::DateCache dates;
  http::Peer peer;
  http::Connection conn(settings, handler, nullptr, clock, dates, peer);
  ReadTimer timer;
  EXPECT_EQ(timer.update(conn, 5 * kSec), 0);
}

}  // namespace
}  // namespace mpmd::mpm
