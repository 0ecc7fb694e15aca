#include "mpm/event/directives.hpp"

#include <gtest/gtest.h>

#include <string>

#include "config/parser.hpp"

namespace mpmd::mpm::event {
namespace {

config::ParseResult parse(const std::string& text) {
  config::Parser parser({directives()}, {"event", "worker", "prefork"});
  return parser.parse_text(text, "/srv/mpmd.conf", "/srv");
}

TEST(EventBackendDirective, DefaultsToEpoll) {
  config::ParseResult r = parse("MPM event\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.config.event_loop.backend, "epoll");
}

TEST(EventBackendDirective, TakesEachBackendInAnyCase) {
  for (const char* name : {"select", "poll", "epoll", "io_uring", "IO_URING", "Poll"}) {
    config::ParseResult r = parse(std::string("MPM event\nEventBackend ") + name + "\n");
    ASSERT_TRUE(r.ok) << name;
    std::string lower(name);
    for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(r.config.event_loop.backend, lower);
    EXPECT_TRUE(r.warnings.empty()) << name;
  }
}

TEST(EventBackendDirective, UnknownNameIsAnErrorWithFileLineAndTheChoices) {
  config::ParseResult r = parse("MPM event\nEventBackend kqueue\n");
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.errors.size(), 1u);
  const std::string& e = r.errors[0];
  EXPECT_NE(e.find("mpmd.conf:2"), std::string::npos) << e;
  EXPECT_NE(e.find("kqueue"), std::string::npos) << e;
  EXPECT_NE(e.find("select, poll, epoll, io_uring"), std::string::npos) << e;
}

TEST(EventBackendDirective, OtherEnginesWarnThatTheyIgnoreIt) {
  config::ParseResult r = parse("MPM worker\nEventBackend poll\n");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("event engine only"), std::string::npos) << r.warnings[0];
}

}  // namespace
}  // namespace mpmd::mpm::event
