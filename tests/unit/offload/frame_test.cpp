#include "offload/frame.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mpmd::offload {
namespace {

struct Got {
  FrameType type;
  std::string payload;
};

// Feeds `wire` split at `cut` and returns every frame read.
std::vector<Got> read_all(const std::string& wire, size_t cut, size_t max = 1 << 20) {
  FrameReader r(max);
  std::vector<Got> out;
  auto drain = [&] {
    FrameType t;
    std::string_view p;
    while (r.next(t, p) == FrameReader::State::frame) out.push_back({t, std::string(p)});
  };
  r.feed(std::string_view(wire).substr(0, cut));
  drain();
  r.feed(std::string_view(wire).substr(cut));
  drain();
  EXPECT_EQ(r.pending(), 0u);
  return out;
}

TEST(Frame, TaskRoundTripsAtEverySplit) {
  std::string input("a\0b\xff", 4);
  std::string wire = encode_task("factorial", input) + encode_frame(FrameType::result, "") +
                     encode_frame(FrameType::error, "boom");
  for (size_t cut = 0; cut <= wire.size(); ++cut) {
    auto frames = read_all(wire, cut);
    ASSERT_EQ(frames.size(), 3u) << "cut at " << cut;
    EXPECT_EQ(frames[0].type, FrameType::task);
    std::string_view name, in;
    ASSERT_TRUE(decode_task(frames[0].payload, name, in));
    EXPECT_EQ(name, "factorial");
    EXPECT_EQ(in, input);
    EXPECT_EQ(frames[1].type, FrameType::result);
    EXPECT_EQ(frames[1].payload, "");
    EXPECT_EQ(frames[2].type, FrameType::error);
    EXPECT_EQ(frames[2].payload, "boom");
  }
}

TEST(Frame, LargePayloadByteByByteChunks) {
  std::string big(300000, 'x');
  std::string wire = encode_frame(FrameType::result, big);
  FrameReader r(big.size());
  FrameType t;
  std::string_view p;
  size_t off = 0;
  while (off + 4096 < wire.size()) {
    r.feed(std::string_view(wire).substr(off, 4096));
    off += 4096;
    ASSERT_EQ(r.next(t, p), FrameReader::State::need_more);
  }
  r.feed(std::string_view(wire).substr(off));
  ASSERT_EQ(r.next(t, p), FrameReader::State::frame);
  EXPECT_EQ(p.size(), big.size());
}

TEST(Frame, OversizedLengthIsAnErrorBeforeThePayloadArrives) {
  FrameReader r(10);
  std::string wire = encode_frame(FrameType::result, std::string(11, 'y'));
  r.feed(std::string_view(wire).substr(0, kFrameHeader));
  FrameType t;
  std::string_view p;
  EXPECT_EQ(r.next(t, p), FrameReader::State::error);
  EXPECT_NE(r.error().find("exceeds"), std::string::npos);
  // Exactly at the limit is fine.
  FrameReader ok(10);
  ok.feed(encode_frame(FrameType::result, std::string(10, 'y')));
  EXPECT_EQ(ok.next(t, p), FrameReader::State::frame);
}

TEST(Frame, UnknownTypeAndEmptyFrameAreErrors) {
  FrameType t;
  std::string_view p;
  FrameReader bad_type(100);
  bad_type.feed(std::string("\0\0\0\1\x09", 5));
  EXPECT_EQ(bad_type.next(t, p), FrameReader::State::error);
  FrameReader empty(100);
  empty.feed(std::string("\0\0\0\0", 4) + "x");
  EXPECT_EQ(empty.next(t, p), FrameReader::State::error);
}

TEST(Frame, MalformedTasksAreRejected) {
  std::string_view name, input;
  EXPECT_FALSE(decode_task("", name, input));
  EXPECT_FALSE(decode_task(std::string("\0abc", 4), name, input));  // empty name
  EXPECT_FALSE(
      decode_task("\x05"
                  "abc",
                  name, input));  // name runs past the end
  EXPECT_TRUE(
      decode_task("\x03"
                  "abc",
                  name, input));
  EXPECT_EQ(name, "abc");
  EXPECT_EQ(input, "");
}

TEST(Frame, FunctionNames) {
  EXPECT_TRUE(valid_function_name("sha256"));
  EXPECT_TRUE(valid_function_name("app.resize:v2-x_y"));
  EXPECT_FALSE(valid_function_name(""));
  EXPECT_FALSE(valid_function_name("has space"));
  EXPECT_FALSE(valid_function_name(std::string(65, 'a')));
  EXPECT_TRUE(valid_function_name(std::string(64, 'a')));
}

}  // namespace
}  // namespace mpmd::offload
