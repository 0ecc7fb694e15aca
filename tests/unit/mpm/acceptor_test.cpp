#include "mpm/common/acceptor.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "net/listener.hpp"

namespace mpmd::mpm {
namespace {

util::UniqueFd connect_to(uint16_t port) {
  util::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

class AcceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(net::open_listener("127.0.0.1", 0, 16, listener_, error)) << error;
    listener_.port = net::local_port(listener_.fd.get());
  }
  net::Listener listener_;
};

TEST_F(AcceptorTest, AcceptsWithThePeerAndTheListenersAddress) {
  Acceptor acceptor(listener_);
  ASSERT_TRUE(acceptor.ok());
  EXPECT_NE(acceptor.fd(), listener_.fd.get());  // its own descriptor
  util::UniqueFd client = connect_to(listener_.port);
  util::Result<Accepted> a = acceptor.accept();
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_TRUE(a->fd);
  EXPECT_EQ(a->peer.address, "127.0.0.1");
  EXPECT_NE(a->peer.port, 0);
  EXPECT_EQ(a->peer.local_port, listener_.port);
  EXPECT_EQ(a->peer.local_address, "127.0.0.1");
  EXPECT_TRUE(fcntl(a->fd.get(), F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(a->fd.get(), F_GETFD) & FD_CLOEXEC);
}

TEST_F(AcceptorTest, NothingWaitingIsEagainWithoutAMessage) {
  Acceptor acceptor(listener_);
  util::Result<Accepted> a = acceptor.accept();
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, EAGAIN);
  EXPECT_FALSE(Acceptor::out_of_resources(a.error()));
}

TEST_F(AcceptorTest, CountsTheQueueAndStopsWhenClosed) {
  Acceptor acceptor(listener_);
  util::UniqueFd c1 = connect_to(listener_.port);
  util::UniqueFd c2 = connect_to(listener_.port);
  EXPECT_EQ(acceptor.queued(), 2u);
  ASSERT_TRUE(acceptor.accept());
  EXPECT_EQ(acceptor.queued(), 1u);
  acceptor.close();
  EXPECT_FALSE(acceptor.ok());
  EXPECT_EQ(acceptor.queued(), 0u);
  EXPECT_FALSE(acceptor.accept());
  // The listener itself (the master's) is still open.
  Acceptor other(listener_);
  EXPECT_TRUE(other.accept());
}

TEST(AcceptorErrors, LackOfResourcesIsTold) {
  for (int e : {EMFILE, ENFILE, ENOBUFS, ENOMEM}) {
    EXPECT_TRUE(Acceptor::out_of_resources(util::Error{"", e}));
  }
  EXPECT_FALSE(Acceptor::out_of_resources(util::Error{"", ECONNABORTED}));
}

}  // namespace
}  // namespace mpmd::mpm
