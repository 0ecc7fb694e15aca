// Sends the server's error log to a private file for a test's duration.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "support/temp_dir.hpp"
#include "util/error_log.hpp"

namespace mpmd::test {

class CapturedLog {
 public:
  CapturedLog() { EXPECT_EQ(log::error_log().open(dir_.file("error.log")), ""); }
  ~CapturedLog() { log::error_log().open(""); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  // Everything logged so far.
  std::string text() const { return slurp(dir_.file("error.log")); }

 private:
  TempDir dir_;
};

}  // namespace mpmd::test
