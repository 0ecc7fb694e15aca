#include "logscan/literal_finder.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace mpmd::logscan {
namespace {

// Every needle, at every position near the 32-byte steps and the buffer's end,
// is found exactly where std::string::find finds it.
TEST(LiteralFinder, AgreesWithStringFind) {
  std::mt19937 rng(42);
  const std::string alphabet = "ab \"/-0x";
  for (int round = 0; round < 3000; ++round) {
    std::string hay(rng() % 200, ' ');
    for (char& c : hay) c = alphabet[rng() % alphabet.size()];
    std::string needle(1 + rng() % 6, ' ');
    for (char& c : needle) c = alphabet[rng() % alphabet.size()];
    if (rng() % 2 && hay.size() >= needle.size())
      hay.replace(rng() % (hay.size() - needle.size() + 1), needle.size(), needle);
    LiteralFinder finder(needle);
    for (size_t from = 0; from <= hay.size(); from += 1 + rng() % 40) {
      size_t want = hay.find(needle, from);
      const char* got = finder.find(hay.data() + from, hay.data() + hay.size());
      ASSERT_EQ(got ? size_t(got - hay.data()) : std::string::npos, want)
          << "needle '" << needle << "' in '" << hay << "' from " << from;
    }
  }
}

TEST(LiteralFinder, EdgeCases) {
  std::string hay = "xxxx alice [";
  EXPECT_EQ(LiteralFinder("").find(hay.data(), hay.data() + hay.size()), hay.data());
  EXPECT_EQ(LiteralFinder(" alice [").find(hay.data(), hay.data() + hay.size()), hay.data() + 4);
  EXPECT_EQ(LiteralFinder("alice [x").find(hay.data(), hay.data() + hay.size()), nullptr);
  EXPECT_EQ(LiteralFinder("[").find(hay.data(), hay.data() + hay.size()), hay.data() + 11);
  EXPECT_EQ(LiteralFinder("long needle").find(hay.data(), hay.data() + 3), nullptr);
  EXPECT_LT(byte_frequency_rank('Q'), byte_frequency_rank(' '));
}

}  // namespace
}  // namespace mpmd::logscan
