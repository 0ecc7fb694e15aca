#include "session/codec.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mpmd::session {
namespace {

TEST(SessionCodec, RoundTripsAndIsReadable) {
  SessionData in{{"user", "ada"}, {"n", "10"}};
  std::string bytes = encode(in);
  EXPECT_EQ(bytes, "S1:1:n2:104:user3:ada");
  SessionData out;
  ASSERT_TRUE(decode(bytes, out));
  EXPECT_EQ(out, in);
  EXPECT_EQ(encode({}), "S1:");
}

TEST(SessionCodec, RejectsWhatItDidNotWrite) {
  SessionData out;
  for (std::string bad :
       {std::string(""), std::string("S2:"), std::string("S1:1:a"), std::string("S1:1:a1:"),
        std::string("S1:5:abc"), std::string("S1:x:a1:b"), std::string("S1:99999999999:a"),
        std::string("S1:1:a1:b1:c")}) {
    EXPECT_FALSE(decode(bad, out)) << bad;
    EXPECT_TRUE(out.empty()) << bad;
  }
}

TEST(SessionCodec, EveryTruncationIsRejected) {
  std::string bytes = encode({{"k1", "value one"}, {"k2", std::string("\0\1", 2)}});
  SessionData out;
  ASSERT_TRUE(decode(bytes, out));
  for (size_t n = 0; n < bytes.size(); ++n) {
    // Cuts at a pair boundary decode to fewer keys, which is fine; any other cut fails.
    if (decode(std::string_view(bytes).substr(0, n), out)) {
      EXPECT_LT(out.size(), 2u) << n;
    }
  }
}

}  // namespace
}  // namespace mpmd::session
