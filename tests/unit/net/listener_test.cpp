#include "net/listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace mpmd::net {
namespace {

int tcp_option(int fd, int name) {
  int value = -1;
  socklen_t len = sizeof value;
  EXPECT_EQ(getsockopt(fd, IPPROTO_TCP, name, &value, &len), 0);
  return value;
}

// Connects to the listener over IPv4 loopback and returns the accepted socket.
util::UniqueFd accept_one(const Listener& l, util::UniqueFd& client) {
  client.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(l.port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  pollfd p{l.fd.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 5000), 1);
  return util::UniqueFd(::accept4(l.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
}

class ListenerTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ListenerTest, AcceptedConnectionsHaveNoDelayAndABoundOnUnsentBytes) {
  Listener l;
  std::string error;
  ASSERT_TRUE(open_listener(GetParam(), 0, 16, l, error)) << error;
  ASSERT_NE(l.port, 0);
  util::UniqueFd client;
  util::UniqueFd conn = accept_one(l, client);
  ASSERT_TRUE(conn) << std::strerror(errno);
  EXPECT_EQ(tcp_option(conn.get(), TCP_NODELAY), 1);
  EXPECT_EQ(tcp_option(conn.get(), TCP_NOTSENT_LOWAT), kNotSentLowat);
}

// "127.0.0.1" (IPv4 only) and "" (every address: [::] dual-stack).
INSTANTIATE_TEST_SUITE_P(Hosts, ListenerTest, ::testing::Values("127.0.0.1", ""));

TEST(Listener, RefusesAnAddressItCannotParse) {
  Listener l;
  std::string error;
  EXPECT_FALSE(open_listener("not-an-address", 0, 16, l, error));
  EXPECT_NE(error.find("cannot resolve not-an-address"), std::string::npos) << error;
}

}  // namespace
}  // namespace mpmd::net
