#include "offload/example_functions.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace mpmd::offload::examples {
namespace {

TEST(ExampleFunctions, FactorialKnownValues) {
  EXPECT_EQ(factorial("0"), "1");
  EXPECT_EQ(factorial("1"), "1");
  EXPECT_EQ(factorial("5"), "120");
  EXPECT_EQ(factorial("20"), "2432902008176640000");
  EXPECT_EQ(factorial("25"), "15511210043330985984000000");
  EXPECT_EQ(factorial("50"), "30414093201713378043612608166064768844377641568960512000000000000");
  EXPECT_EQ(factorial("12\n"), "479001600");  // a trailing newline (from a shell) is fine
}

TEST(ExampleFunctions, FactorialOfAThousandIsTheKnownNumber) {
  std::string f = factorial("1000");
  EXPECT_EQ(f.size(), 2568u);  // 1000! has 2,568 digits
  EXPECT_EQ(f.substr(0, 20), "40238726007709377354");
  EXPECT_EQ(f.substr(f.size() - 249), std::string(249, '0'));  // 249 trailing zeros
  EXPECT_NE(f[f.size() - 250], '0');
  // Limbs are zero-padded inside the number: 10000! has 35,660 digits.
  EXPECT_EQ(factorial("10000").size(), 35660u);
}

TEST(ExampleFunctions, FactorialRejectsBadInput) {
  EXPECT_THROW(factorial(""), std::invalid_argument);
  EXPECT_THROW(factorial("-3"), std::invalid_argument);
  EXPECT_THROW(factorial("12a"), std::invalid_argument);
  EXPECT_THROW(factorial("100001"), std::invalid_argument);
}

TEST(ExampleFunctions, Sha256KnownValues) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // FIPS 180-2's long message: one million 'a'.
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(ExampleFunctions, BurnAndWhoamiNameTheProcess) {
  std::string pid = std::to_string(getpid());
  EXPECT_EQ(whoami(""), "pid=" + pid);
  EXPECT_EQ(burn("1"), "pid=" + pid + " ms=1");
  EXPECT_THROW(burn("60001"), std::invalid_argument);
}

TEST(ExampleFunctions, TableListsEveryFunction) {
  std::string names;
  for (const Example& e : all()) names += std::string(e.name) + " ";
  EXPECT_EQ(names, "factorial sha256 burn whoami crash ");
}

}  // namespace
}  // namespace mpmd::offload::examples
