#include "http/request.hpp"

#include <gtest/gtest.h>

namespace mpmd::http {
namespace {

TEST(MethodName, NamesEveryMethod) {
  EXPECT_EQ(method_name(Method::get), "GET");
  EXPECT_EQ(method_name(Method::head), "HEAD");
  EXPECT_EQ(method_name(Method::post), "POST");
  EXPECT_EQ(method_name(Method::put), "PUT");
  EXPECT_EQ(method_name(Method::delete_), "DELETE");
  EXPECT_EQ(method_name(Method::connect), "CONNECT");
  EXPECT_EQ(method_name(Method::options), "OPTIONS");
  EXPECT_EQ(method_name(Method::trace), "TRACE");
  EXPECT_EQ(method_name(Method::patch), "PATCH");
}

TEST(Headers, LookupIgnoresCaseAndReturnsFirst) {
  Headers h;
  h.add("Content-Type", "text/plain");
  h.add("X-A", "1");
  h.add("x-a", "2");
  EXPECT_EQ(h.get("content-type"), "text/plain");
  EXPECT_EQ(h.get("X-A"), "1");
  EXPECT_TRUE(h.has("CONTENT-TYPE"));
  EXPECT_FALSE(h.has("Host"));
  EXPECT_EQ(h.get("Host"), "");
  EXPECT_EQ(h.size(), 3u);
}

TEST(Headers, PresentButEmptyIsDistinguishedByHas) {
  Headers h;
  h.add("Host", "");
  EXPECT_TRUE(h.has("host"));
  EXPECT_EQ(h.get("host"), "");
  h.clear();
  EXPECT_FALSE(h.has("host"));
}

}  // namespace
}  // namespace mpmd::http
