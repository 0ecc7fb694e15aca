// A connection's input bytes, parsed in place. Internals of http::Connection.
//
//   buf[begin, end)      unconsumed input: the request being parsed and any
//                        pipelined after it
//   buf[begin, head_end) once pinned: the current request's head, which the
//                        Request's views point into. It never moves while
//                        pinned; body bytes are read into the space after it
//                        and that space is reused once they are decoded.
//   buf[pos, end)        once pinned: body bytes not decoded yet (then, once the
//                        body is complete, the next request's first bytes)
//
// Between requests the buffer goes back to the pool when nothing is left in
// it, so idle keep-alive connections hold none.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "http/buffer_pool.hpp"

namespace mpmd::http::detail {

class InputBuffer {
 public:
  // `max_cap`: the largest buffer a head may need (from the limits).
  InputBuffer(BufferPool* pool, size_t max_cap) : pool_(pool), max_cap_(max_cap) {}
  InputBuffer(const InputBuffer&) = delete;
  InputBuffer& operator=(const InputBuffer&) = delete;
  ~InputBuffer() { release(); }

  // Room to read into; empty when the buffer is full and may not move or grow
  // (a pinned head with undecoded body bytes behind it, or a head at max_cap).
  std::span<char> space();
  void commit(size_t n) { end_ += n; }
  // Whether space() would give room (without allocating).
  bool can_read() const { return !buf_ || end_ < cap_ || !pinned_ || pos_ > head_end_; }

  // Not pinned: the unconsumed bytes, from the start of the next request.
  std::string_view unparsed() const { return {buf_.get() + begin_, end_ - begin_}; }
  // Drops `n` bytes at the front (leading empty lines).
  void skip(size_t n) { begin_ += n; }
  // Pins the first `head_size` unconsumed bytes as the current head, first
  // making sure at least `body_room` bytes fit after them. The buffer moves
  // only here, so views into a head pinned before must be made again.
  std::string_view pin_head(size_t head_size, size_t body_room);
  bool pinned() const { return pinned_; }
  // Pinned: space after the head (decoded body bytes make it free again).
  size_t room_after_head() const { return cap_ - head_end_; }

  // Pinned: bytes after the head not decoded yet.
  std::string_view pending() const { return {buf_.get() + pos_, end_ - pos_}; }
  void consume(size_t n);
  // The request is done: drop its head; what follows it becomes unparsed
  // input. The buffer goes back to the pool if nothing is left.
  void unpin();

  bool empty() const { return begin_ == end_; }
  size_t capacity() const { return cap_; }
  // Gives the memory back (nothing may be unconsumed, nothing pinned).
  void release();

 private:
  void grow(size_t at_least);

  BufferPool* pool_;
  size_t max_cap_;
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t begin_ = 0;
  size_t head_end_ = 0;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool pinned_ = false;
};

}  // namespace mpmd::http::detail
