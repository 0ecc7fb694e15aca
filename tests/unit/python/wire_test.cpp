#include "python/wire.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace mpmd::python {
namespace {

TEST(WsgiWire, CallRoundTrip) {
  api::Call call;
  call.script = "/srv/app.wsgi";
  call.group = "host|/app";
  call.reload = false;
  call.multithread = true;
  call.environ = {{"REQUEST_METHOD", "POST"}, {"PATH_INFO", std::string("/a\0b", 4)}};
  api::Call back;
  ASSERT_TRUE(wire::decode_call(wire::encode_call(call), back));
  EXPECT_EQ(back.script, call.script);
  EXPECT_EQ(back.group, call.group);
  EXPECT_FALSE(back.reload);
  EXPECT_TRUE(back.multithread);
  EXPECT_EQ(back.environ, call.environ);
  // Every truncation is refused, never read past the end.
  std::string bytes = wire::encode_call(call);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(wire::decode_call(std::string_view(bytes).substr(0, n), back)) << n;
  }
}

TEST(WsgiWire, HeadRoundTrip) {
  api::Fields fields = {{"Content-Type", "text/plain"}, {"X-A", ""}};
  std::string status, body;
  api::Fields out;
  bool complete = false;
  ASSERT_TRUE(wire::decode_head(wire::encode_head("201 Created", fields, true, "hi"), status, out,
                                complete, body));
  EXPECT_EQ(status, "201 Created");
  EXPECT_EQ(out, fields);
  EXPECT_TRUE(complete);
  EXPECT_EQ(body, "hi");
}

TEST(WsgiWire, FramesOverASocketAndTheirEnd) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  std::string big(1 << 20, 'x');
  std::thread writer([&] {
    EXPECT_TRUE(wire::send(sv[0], wire::Frame::data, big));
    EXPECT_TRUE(wire::send(sv[0], wire::Frame::end, ""));
    ::close(sv[0]);
  });
  wire::Frame type;
  std::string payload;
  ASSERT_EQ(wire::receive(sv[1], type, payload, 5000), wire::Got::frame);
  EXPECT_EQ(type, wire::Frame::data);
  EXPECT_EQ(payload, big);
  ASSERT_EQ(wire::receive(sv[1], type, payload, 5000), wire::Got::frame);
  EXPECT_EQ(type, wire::Frame::end);
  EXPECT_EQ(wire::receive(sv[1], type, payload, 5000), wire::Got::eof);
  writer.join();
  ::close(sv[1]);
}

TEST(WsgiWire, ReceiveTimesOut) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  wire::Frame type;
  std::string payload;
  EXPECT_EQ(wire::receive(sv[1], type, payload, 50), wire::Got::timeout);
  ::close(sv[0]);
  ::close(sv[1]);
}

}  // namespace
}  // namespace mpmd::python
