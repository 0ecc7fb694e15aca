#include "mpm/common/driver.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "http/handler.hpp"
#include "net/transport.hpp"
#include "support/http_driver.hpp"
#include "support/temp_dir.hpp"
#include "util/clock.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::mpm {
namespace {

constexpr std::string_view kGet = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

// "/big": 4 MB of memory; "/file": the file set by the test; else "ok".
class TestHandler final : public http::Handler {
 public:
  void handle(const http::Request& request, http::Response& response) override {
    if (request.path == "/big") {
      response.body.append(std::string(kBig, 'b'));
    } else if (request.path == "/file") {
      response.body.append_file(file, 0, file_size);
    } else {
      response.body.append("ok");
    }
  }

  static constexpr size_t kBig = 4 << 20;
  std::shared_ptr<const http::OpenFile> file;
  uint64_t file_size = 0;
};

// An http::Connection served over one end of a socketpair through a
// PlainTransport; the test is the client at the other end.
class DriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);  // as mpmd does: a closed peer is EPIPE, not a signal
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    ASSERT_EQ(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
    transport_ = std::make_unique<net::PlainTransport>(util::UniqueFd(sv[0]));
    client_.reset(sv[1]);
    conn_ = std::make_unique<http::Connection>(settings_, handler_, nullptr, clock_, dates_, peer_);
  }

  void send(std::string_view bytes) {
    ASSERT_EQ(::write(client_.get(), bytes.data(), bytes.size()), ssize_t(bytes.size()));
  }

  // What the server sent so far (without blocking).
  std::string receive() {
    std::string out;
    char buf[65536];
    while (true) {
      ssize_t n = ::recv(client_.get(), buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0) break;
      out.append(buf, size_t(n));
    }
    return out;
  }

  Wait pump() { return mpm::pump(*transport_, *conn_); }

  // Pumps while the server waits to write, reading as the client; returns
  // everything received and the last wait.
  std::pair<std::string, Wait> serve_fully() {
    std::string out;
    Wait w = pump();
    for (int i = 0; i < 10000 && w == Wait::write; ++i) {
      out += receive();
      w = pump();
    }
    out += receive();
    return {out, w};
  }

  http::Settings settings_;
  TestHandler handler_;
  util::ManualClock clock_;
  util::DateCache dates_;
  http::Peer peer_;
  std::unique_ptr<net::PlainTransport> transport_;
  util::UniqueFd client_;
  std::unique_ptr<http::Connection> conn_;
};

TEST_F(DriverTest, ReadsARequestAndWritesTheResponse) {
  send(kGet);
  EXPECT_EQ(pump(), Wait::read);  // answered; waiting for the next request
  auto rs = test::parse_responses(receive());
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_EQ(rs[0].body, "ok");
  EXPECT_TRUE(conn_->idle());
}

TEST_F(DriverTest, ARequestInPiecesWaitsForTheRest) {
  send(kGet.substr(0, 10));
  EXPECT_EQ(pump(), Wait::read);
  EXPECT_EQ(receive(), "");
  EXPECT_FALSE(conn_->idle());
  send(kGet.substr(10));
  EXPECT_EQ(pump(), Wait::read);
  EXPECT_EQ(test::parse_responses(receive()).size(), 1u);
}

TEST_F(DriverTest, PipelinedRequestsAreAllAnswered) {
  send(std::string(kGet) + std::string(kGet) + std::string(kGet));
  EXPECT_EQ(pump(), Wait::read);
  EXPECT_EQ(test::parse_responses(receive()).size(), 3u);
}

TEST_F(DriverTest, AFullSocketBufferWaitsForWrite) {
  send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(pump(), Wait::write);
  EXPECT_TRUE(conn_->has_output());
  auto [out, w] = serve_fully();
  EXPECT_EQ(w, Wait::read);
  auto rs = test::parse_responses(out);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body.size(), TestHandler::kBig);
  EXPECT_FALSE(conn_->has_output());
}

TEST_F(DriverTest, FileSlicesGoOutWithSendfile) {
  test::TempDir dir;
  std::string content;
  for (int i = 0; content.size() < 3 * 1024 * 1024 + 17; ++i) content += std::to_string(i) + ",";
  {
    util::UniqueFd f(::open(dir.file("f").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_TRUE(f);
    ASSERT_EQ(::write(f.get(), content.data(), content.size()), ssize_t(content.size()));
  }
  handler_.file = std::make_shared<http::OpenFile>(::open(dir.file("f").c_str(), O_RDONLY));
  handler_.file_size = content.size();
  send("GET /file HTTP/1.1\r\nHost: x\r\n\r\n");
  auto [out, w] = serve_fully();
  EXPECT_EQ(w, Wait::read);
  auto rs = test::parse_responses(out);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].header("Content-Length"), std::to_string(content.size()));
  EXPECT_TRUE(rs[0].body == content);
}

TEST_F(DriverTest, EndOfInputBetweenRequestsFinishes) {
  send(kGet);
  EXPECT_EQ(pump(), Wait::read);
  ASSERT_EQ(::shutdown(client_.get(), SHUT_WR), 0);
  EXPECT_EQ(pump(), Wait::done);
  EXPECT_TRUE(conn_->finished());
  EXPECT_EQ(test::parse_responses(receive()).size(), 1u);
}

TEST_F(DriverTest, APeerThatGoesAwayMidResponseEndsTheConnection) {
  send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(pump(), Wait::write);
  client_.reset();  // reset: the rest of the response has nowhere to go
  EXPECT_EQ(pump(), Wait::done);
  EXPECT_TRUE(conn_->finished());
}

TEST_F(DriverTest, LingeringCloseEndsWhenThePeerCloses) {
  send(kGet);
  EXPECT_EQ(pump(), Wait::read);
  EXPECT_FALSE(begin_linger(*transport_));  // the peer is still there
  receive();
  char c;
  EXPECT_EQ(::recv(client_.get(), &c, 1, MSG_DONTWAIT), 0);  // it saw our end of stream
  send("late bytes the server discards");
  EXPECT_FALSE(discard_input(*transport_));
  client_.reset();
  EXPECT_TRUE(discard_input(*transport_));
}

// A transport that, like TLS during a renegotiation, needs to read before it
// can write, and holds input the socket will not announce again.
class WantReadFirst final : public net::Transport {
 public:
  explicit WantReadFirst(net::Transport& inner) : inner_(inner) {}
  int fd() const override { return inner_.fd(); }
  net::IoResult handshake() override {
    if (handshakes_left_ > 0) {
      --handshakes_left_;
      return {net::Io::want_write};
    }
    return {};
  }
  // The socket's bytes first, then what is held (as if decrypted meanwhile).
  net::IoResult read(std::span<char> into) override {
    net::IoResult r = inner_.read(into);
    if (r.status != net::Io::want_read || held_.empty()) return r;
    size_t n = std::min(into.size(), held_.size());
    held_.copy(into.data(), n);
    held_.erase(0, n);
    return {net::Io::done, n};
  }
  net::IoResult write(std::span<const http::OutputSlice> slices) override {
    if (refuse_writes_ > 0) {
      --refuse_writes_;
      return {net::Io::want_read};
    }
    return inner_.write(slices);
  }
  bool has_buffered_input() const override { return !held_.empty(); }
  net::IoResult shutdown_write() override { return inner_.shutdown_write(); }
  void close() override { inner_.close(); }

  int handshakes_left_ = 1;
  int refuse_writes_ = 1;
  std::string held_;

 private:
  net::Transport& inner_;
};

TEST_F(DriverTest, TheTransportSaysWhatToWaitFor) {
  WantReadFirst t(*transport_);
  send(kGet);
  EXPECT_EQ(mpm::pump(t, *conn_), Wait::write);  // handshake: wants to write
  EXPECT_EQ(mpm::pump(t, *conn_), Wait::read);   // has a response, but must read first
  EXPECT_TRUE(conn_->has_output());
  EXPECT_EQ(mpm::pump(t, *conn_), Wait::read);  // written; waiting for the next request
  EXPECT_FALSE(conn_->has_output());
  EXPECT_EQ(test::parse_responses(receive()).size(), 1u);
}

TEST_F(DriverTest, InputHeldByTheTransportIsReadBeforeWaiting) {
  WantReadFirst t(*transport_);
  t.handshakes_left_ = 0;
  t.refuse_writes_ = 0;
  // The socket has a short read's worth (which ends the reads on a plain
  // socket); the transport holds a second request behind it.
  t.held_ = std::string(kGet);
  send(kGet);
  EXPECT_EQ(mpm::pump(t, *conn_), Wait::read);
  EXPECT_EQ(test::parse_responses(receive()).size(), 2u);
}

}  // namespace
}  // namespace mpmd::mpm
