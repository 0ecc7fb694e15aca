#include "http/response.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>

namespace mpmd::http {
namespace {

TEST(Body, AppendedShortTextsStayValidAcrossGrowth) {
  Body b;
  for (int i = 0; i < 50; ++i) b.append("t" + std::to_string(i));
  ASSERT_EQ(b.segments().size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(b.segments()[i].bytes(), "t" + std::to_string(i));
  EXPECT_EQ(b.size(), 140u);  // 10*2 + 40*3
}

TEST(Body, SharedMemoryIsNotCopied) {
  auto data = std::make_shared<const std::string>("0123456789");
  Body b;
  b.append_shared(data, 2, 5);
  ASSERT_EQ(b.segments().size(), 1u);
  EXPECT_EQ(b.segments()[0].bytes(), "23456");
  EXPECT_EQ(b.segments()[0].bytes().data(), data->data() + 2);
  EXPECT_EQ(b.size(), 5u);
  EXPECT_FALSE(b.segments()[0].is_file());
}

TEST(Body, FileRangesAndEmptyAppends) {
  int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  auto file = std::make_shared<const OpenFile>(fd);
  Body b;
  b.append("");
  b.append_file(file, 10, 0);
  EXPECT_TRUE(b.empty());
  b.append_file(file, 10, 90);
  ASSERT_EQ(b.segments().size(), 1u);
  EXPECT_TRUE(b.segments()[0].is_file());
  EXPECT_EQ(b.segments()[0].size(), 90u);
  EXPECT_EQ(b.size(), 90u);
  b.clear();
  EXPECT_TRUE(b.empty());
  EXPECT_TRUE(b.segments().empty());
}

TEST(OpenFile, ClosesItsDescriptor) {
  int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  { OpenFile f(fd); }
  errno = 0;
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);
}

TEST(Response, SetHeaderReplacesAllCaseInsensitively) {
  Response r;
  r.add_header("X-A", "1");
  r.add_header("x-a", "2");
  r.add_header("Other", "o");
  r.set_header("X-a", "3");
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.header("x-A"), "3");
  EXPECT_EQ(r.header("other"), "o");
  EXPECT_EQ(r.header("missing"), "");
  r.set_header("New", "n");
  EXPECT_EQ(r.headers.back().name, "New");
}

TEST(Response, ClearResetsEverything) {
  Response r;
  r.status = 404;
  r.add_header("A", "b");
  r.body.append("x");
  r.head_only = true;
  r.close = true;
  r.clear();
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.headers.empty());
  EXPECT_TRUE(r.body.empty());
  EXPECT_FALSE(r.head_only);
  EXPECT_FALSE(r.close);
}

TEST(ReasonPhrase, KnownAndUnknown) {
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(404), "Not Found");
  EXPECT_EQ(reason_phrase(413), "Content Too Large");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(505), "HTTP Version Not Supported");
  EXPECT_EQ(reason_phrase(299), "Unknown");
}

}  // namespace
}  // namespace mpmd::http
