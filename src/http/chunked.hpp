// Decoder for the chunked transfer coding of request bodies (RFC 9112 7.1),
// resumable at any byte. Internals of http::Connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/connection.hpp"

namespace mpmd::http::detail {

class ChunkedDecoder {
 public:
  enum class Status { need_more, done, error };

  // Longest chunk extension accepted per chunk (bytes after its first ";").
  static constexpr size_t kMaxExtension = 1024;
  // Most hex digits accepted in a chunk size (leading zeros included).
  static constexpr size_t kMaxSizeDigits = 32;

  void reset();
  // Consumes bytes from `data`, appending at most `max_data` bytes of chunk
  // data to `body` (null: the data is dropped). Stops early (need_more) when
  // `max_data` is reached. Sets `consumed` to the bytes used; on done, bytes
  // after the message are left untouched. `body_limit` is LimitRequestBody
  // (0 = unlimited); trailer lines obey the field limits.
  Status decode(std::string_view data, size_t& consumed, std::string* body, size_t max_data,
                uint64_t body_limit, const Limits& limits);
  // After error: 400, 413 or 431.
  int status() const { return status_; }
  // After done: the trailer field lines, each ending in LF (parse_fields).
  std::string_view trailer_block() const { return trailers_; }
  // Total chunk data bytes decoded so far.
  uint64_t total() const { return total_; }

 private:
  enum class State : uint8_t {
    size,
    size_ws,
    ext,
    size_lf,
    data,
    data_cr,
    data_lf,
    trailer,
    trailer_lf,
    done
  };
  Status fail(int status) {
    status_ = status;
    return Status::error;
  }

  State state_ = State::size;
  uint64_t chunk_left_ = 0;
  uint64_t total_ = 0;
  size_t digits_ = 0;
  size_t ext_len_ = 0;
  size_t line_len_ = 0;
  uint32_t trailer_lines_ = 0;
  int status_ = 0;
  std::string trailers_;
};

}  // namespace mpmd::http::detail
