#include "offload/gearman.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>

namespace mpmd::offload {
namespace {

using namespace std::chrono_literals;

// A loopback TCP socket: listening (the kernel completes handshakes, nobody
// answers) or bound only (connections are refused).
struct Port {
  int fd = -1;
  int port = 0;
  explicit Port(bool listening) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    if (listening) listen(fd, 16);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Port() { close(fd); }
  std::string server() const { return "127.0.0.1:" + std::to_string(port); }
};

GearmanOptions options(const std::string& servers) {
  GearmanOptions o;
  o.servers = servers;
  o.timeout = 300'000;  // 0.3 s
  return o;
}

TEST(Gearman, RefusedConnectionIsUnavailable) {
  Port closed(false);
  GearmanClient client(options(closed.server()));
  Result r = client.run("factorial", "5", 300'000);
  EXPECT_EQ(r.status, Status::unavailable) << r.data;
  EXPECT_EQ(r.http_status, 503);
  Result b = client.background("factorial", "5", 300'000);
  EXPECT_EQ(b.status, Status::unavailable) << b.data;
}

TEST(Gearman, SilentServerIsUnavailableAfterTheTimeout) {
  Port silent(true);
  GearmanClient client(options(silent.server()));
  Result r = client.run("factorial", "5", 300'000);
  EXPECT_EQ(r.status, Status::unavailable) << r.data;  // never acknowledged the job
  EXPECT_EQ(r.http_status, 503);
}

TEST(Gearman, DispatcherCallsBackAndRefusesBadNames) {
  Port closed(false);
  GearmanDispatcher d(options(closed.server()));
  auto p = std::make_shared<std::promise<Result>>();
  auto f = p->get_future();
  d.submit("factorial", "5", false, [p](Result r) { p->set_value(r); });
  ASSERT_EQ(f.wait_for(60s), std::future_status::ready);
  EXPECT_EQ(f.get().status, Status::unavailable);
  Result bad;
  d.submit("no spaces", "", false, [&](Result r) { bad = r; });
  EXPECT_EQ(bad.status, Status::error);
  d.shutdown();
  Result late;
  d.submit("factorial", "5", false, [&](Result r) { late = r; });
  EXPECT_EQ(late.status, Status::unavailable);
}

}  // namespace
}  // namespace mpmd::offload
