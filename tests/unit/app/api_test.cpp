// The header-only public API (include/mpmd/app.hpp): the helpers handlers
// call on a Request and Response, and the ABI check the loader does.
#include "mpmd/app.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <iterator>
#include <string_view>
#include <vector>

#include "app/library.hpp"

namespace mpmd::app {
namespace {

TEST(Api, PercentDecode) {
  EXPECT_EQ(percent_decode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
}

TEST(Api, QueryParameters) {
  Request r;
  r.query = "a=1&b=x+y&c&a=2&d=%26";
  EXPECT_EQ(r.query_param("a"), "1");
  EXPECT_EQ(r.query_param("b"), "x y");
  EXPECT_EQ(r.query_param("c"), "");
  EXPECT_EQ(r.query_param("d"), "&");
  EXPECT_EQ(r.query_param("z"), std::nullopt);
  EXPECT_EQ(parse_query(r.query).size(), 5u);
}

TEST(Api, HeadersAndCookies) {
  Request r;
  r.headers = {{"Content-Type", "text/plain"}, {"Cookie", "a=1; sid=abc ; b=2"}};
  EXPECT_EQ(r.header("content-type"), "text/plain");
  EXPECT_TRUE(r.has_header("COOKIE"));
  EXPECT_EQ(r.header("missing"), "");
  EXPECT_EQ(r.cookie("sid"), "abc");
  EXPECT_EQ(r.cookie("b"), "2");
  EXPECT_EQ(r.cookie("c"), std::nullopt);
}

TEST(Api, ResponseHeadersAndFile) {
  Response res;
  res.add_header("X-A", "1");
  res.add_header("x-a", "2");
  res.set_header("X-A", "3");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.header("x-a"), "3");
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  res.send_fd(fd, 1, 2);
  EXPECT_TRUE(res.has_file());
  EXPECT_EQ(res.take_fd(), fd);
  EXPECT_EQ(res.take_fd(), -1);
  ::close(fd);
}

TEST(Api, AbiCheckAcceptsOursAndNamesWhatDiffers) {
  EXPECT_EQ(abi_mismatch(abi_info()), "");
  AbiInfo other = abi_info();
  other.api_version += 1;
  EXPECT_NE(abi_mismatch(other).find("API version"), std::string::npos);
}

// What an object built by another toolchain reports, from ours.
AbiInfo built_with(uint32_t library, uint32_t cxx11_abi) {
  AbiInfo info = abi_info();
  info.library = library;
  info.cxx11_abi = cxx11_abi;
  return info;
}

TEST(Api, AbiCheckIgnoresTheCompilerBrand) {
  // clang++ against libstdc++ reports what g++ does: the library, its
  // std::string ABI and the layout, never __GXX_ABI_VERSION (1002 vs 1017).
  const AbiInfo ours = abi_info();
  EXPECT_EQ(StandardLibrary(ours.library >> 24), StandardLibrary::libstdcxx);
  EXPECT_EQ(ours.library & 0xffffffu, uint32_t(_GLIBCXX_RELEASE));
  EXPECT_EQ(ours.cxx11_abi, 1u);
  // Another libstdc++ release whose shared types are laid out alike loads.
  EXPECT_EQ(abi_mismatch(built_with(standard_library_id(StandardLibrary::libstdcxx, 13), 1)), "");
}

TEST(Api, AbiCheckRefusesLibcxx) {
  std::string why =
      abi_mismatch(built_with(standard_library_id(StandardLibrary::libcxx, 14000), 0));
  EXPECT_NE(why.find("built against libc++ 14, mpmd against libstdc++ " +
                     std::to_string(_GLIBCXX_RELEASE)),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("without -stdlib=libc++"), std::string::npos) << why;
  why = abi_mismatch(built_with(standard_library_id(StandardLibrary::libcxx, 170000), 0));
  EXPECT_NE(why.find("libc++ 17,"), std::string::npos) << why;
}

TEST(Api, AbiCheckRefusesTheOldStringAbi) {
  std::string why = abi_mismatch(built_with(abi_info().library, 0));
  EXPECT_NE(why.find("built with the old std::string ABI (_GLIBCXX_USE_CXX11_ABI=0), mpmd with "
                     "the C++11 std::string ABI"),
            std::string::npos)
      << why;
}

TEST(Api, AbiCheckRefusesObjectsOfEarlierHeaders) {
  // API 3 headers before the standard library field put __GXX_ABI_VERSION there.
  std::string why = abi_mismatch(built_with(1017, 1));
  EXPECT_NE(why.find("headers of an earlier mpmd"), std::string::npos) << why;
}

TEST(Api, AbiCheckNamesTheTypesWhoseLayoutDiffers) {
  std::vector<TypeLayout> types(detail::kSharedTypes, std::end(detail::kSharedTypes));
  AbiInfo other = abi_info();
  other.types = types.data();
  EXPECT_EQ(abi_mismatch(other), "");
  // A libstdc++ release whose std::string differs (as GCC 5's did).
  for (TypeLayout& t : types) {
    if (std::string_view(t.name) == "std::string") t.size = 8;
  }
  other.library = standard_library_id(StandardLibrary::libstdcxx, 4);
  std::string why = abi_mismatch(other);
  EXPECT_NE(why.find("standard library's types differ from mpmd's (libstdc++ 4 there"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("std::string is 8 bytes (align 8) there, 32 bytes (align 8) here"),
            std::string::npos)
      << why;
  // Stale include/mpmd headers: one of mpmd's own types differs.
  types.assign(detail::kSharedTypes, std::end(detail::kSharedTypes));
  types[1].size += 8;  // mpmd::app::Request
  other.library = abi_info().library;
  why = abi_mismatch(other);
  EXPECT_NE(why.find("include/mpmd headers differ"), std::string::npos) << why;
  EXPECT_NE(why.find("mpmd::app::Request is "), std::string::npos) << why;
  other.types = nullptr;
  EXPECT_NE(abi_mismatch(other), "");
}

TEST(Api, LibraryOpenErrors) {
  std::string error;
  EXPECT_EQ(Library::open("/nonexistent/app.so", error), nullptr);
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
  EXPECT_EQ(Library::open("/etc/hostname", error), nullptr);  // not an ELF object
  EXPECT_NE(error.find("cannot load /etc/hostname"), std::string::npos) << error;
}

}  // namespace
}  // namespace mpmd::app
