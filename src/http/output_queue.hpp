// A connection's pending output: the head and body of the response being
// written, as slices for the engine to write (memory gathered, files with
// sendfile), and a body stream pulled as the socket takes the rest. Counts
// head and body bytes for the access log. Internals of http::Connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/response.hpp"
#include "http/slice.hpp"

namespace mpmd::http {
class Waker;
}

namespace mpmd::http::detail {

class OutputQueue {
 public:
  // Most bytes pulled from a stream at a time: what waits in memory per
  // connection beyond the socket's own buffer.
  static constexpr size_t kPullSize = 64 * 1024;

  // An interim response (100 Continue), counted as head bytes.
  void push_interim(std::string_view bytes);
  // Queues a response: `head` (kept alive by the caller until done) and,
  // with `send_body`, the body's segments; a stream at the end is pulled by
  // refill(). `chunked`: stream bytes are sent as chunks.
  void start(std::string_view head, const Body& body, bool send_body, bool chunked);

  bool has_output() const { return next_ < slices_.size(); }
  std::span<const OutputSlice> output(size_t max) const;
  void written(size_t n);

  enum class Refill : uint8_t {
    none,     // no stream, or it already ended
    queued,   // bytes were queued
    waiting,  // the stream has nothing yet; it wakes the connection later
    ended,    // the stream ended (the last chunk marker may have been queued)
    failed,   // the stream failed, or produced more or less than its length
  };
  // Output drained and a stream is active: pulls its next bytes.
  Refill refill(const std::shared_ptr<Waker>& waker);
  // A stream is being sent and has not ended.
  bool streaming() const { return stream_ != nullptr; }
  // Gives up on the response: drops pending output and cancels the stream.
  void abandon();

  uint64_t header_bytes() const { return header_sent_; }
  uint64_t body_bytes() const { return body_sent_; }
  // Ready for the next response.
  void reset();
  // Frees what an idle connection holds.
  void release_memory();

 private:
  enum class Kind : uint8_t { head, body, framing };
  void push(std::string_view bytes, Kind kind);
  // "<hex size>\r\n" in chunk_line_ (one in use at a time: a new one is only
  // made once the slices of the last are written).
  std::string_view chunk_line(uint64_t size);

  std::vector<OutputSlice> slices_;
  std::vector<Kind> kinds_;  // parallel to slices_
  size_t next_ = 0;
  uint64_t header_sent_ = 0;
  uint64_t body_sent_ = 0;
  BodySource* stream_ = nullptr;  // owned by the Response's body
  bool chunked_ = false;
  bool known_length_ = false;
  uint64_t stream_left_ = 0;  // known length: bytes still to come
  std::string pulled_;        // the last pull's bytes, until written
  char chunk_line_[24];       // "<hex size>\r\n"
};

}  // namespace mpmd::http::detail
