// The header-only public API (include/mpmd/app.hpp): the helpers handlers
// call on a Request and Response, and the ABI check the loader does.
#include "mpmd/app.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

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
  other = abi_info();
  other.layout += 1;
  EXPECT_NE(abi_mismatch(other).find("headers differ"), std::string::npos);
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
