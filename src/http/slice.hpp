// One slice of a connection's pending output, as engines write it.
#pragma once

#include <cstdint>
#include <string_view>

namespace mpmd::http {

// Memory slices can be gathered into one writev; a file slice is sent with
// sendfile (or pread+write).
struct OutputSlice {
  std::string_view bytes;  // memory slice when fd < 0
  int fd = -1;             // file slice when >= 0
  uint64_t offset = 0;     // file offset of the slice's first byte
  uint64_t length = 0;     // file slice length
  uint64_t size() const { return fd >= 0 ? length : bytes.size(); }
};

}  // namespace mpmd::http
