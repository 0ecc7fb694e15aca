// A response body compressed as it is sent: the segments of the original
// body (memory, file ranges, a trailing stream) are read DeflateBufferSize
// bytes at a time and pass through an Encoder, so memory stays bounded by
// the buffer and the codec's window whatever the body's size.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "handlers/compress/codec.hpp"
#include "http/response.hpp"

namespace mpmd::compress {

class CompressingSource final : public http::BodySource {
 public:
  // `flush_on_wait`: whenever the producer waits, what it gave so far is
  // flushed to the client (server-sent events); otherwise only once
  // buffer_size bytes have gathered since the last flush (a generator that
  // yields line by line still compresses well).
  CompressingSource(std::vector<http::Segment> input, std::unique_ptr<Encoder> encoder,
                    size_t buffer_size, bool flush_on_wait);

  Pull pull(std::string& out, size_t max, const std::shared_ptr<http::Waker>& waker) override;
  void cancel() override;
  bool busy() const override;

 private:
  enum class State { reading, finishing, done, failed };
  // Encodes more input into pending_; returns `again` if the inner stream has nothing now.
  Pull produce(const std::shared_ptr<http::Waker>& waker);
  Pull emit(std::string& out, size_t max);

  std::vector<http::Segment> input_;
  std::unique_ptr<Encoder> encoder_;
  size_t buffer_size_;
  size_t segment_ = 0;     // input_[segment_] is being read
  uint64_t offset_ = 0;    // within it (memory and file segments)
  std::string pending_;    // encoded, not yet handed out
  size_t pending_at_ = 0;  // first byte of pending_ not handed out
  std::string chunk_;      // input read from a file or stream
  size_t unflushed_ = 0;   // input bytes encoded since the last flush
  bool flush_on_wait_;
  State state_ = State::reading;
};

// Replaces `body` with its compressed form: memory bodies are encoded at
// once (their length is then known); bodies with files or a stream become a
// CompressingSource. False (body untouched) if the codec cannot be set up.
bool compress_body(http::Body& body, Coding coding, const Levels& levels, size_t buffer_size,
                   bool flush_on_wait = false);

}  // namespace mpmd::compress
