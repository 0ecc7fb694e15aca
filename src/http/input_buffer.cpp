#include "http/input_buffer.hpp"

#include <algorithm>
#include <cstring>

namespace mpmd::http::detail {

namespace {
constexpr size_t kReadSlack = 16 * 1024;  // beyond max_cap, for one more read
}

void InputBuffer::grow(size_t at_least) {
  size_t grown = std::max(cap_ * 2, at_least);
  std::unique_ptr<char[]> bigger(new char[grown]);
  if (end_ > begin_) std::memcpy(bigger.get(), buf_.get() + begin_, end_ - begin_);
  if (cap_ == BufferPool::kBufferSize && pool_) pool_->release(std::move(buf_));
  buf_ = std::move(bigger);
  end_ -= begin_;
  pos_ -= std::min(pos_, begin_);
  head_end_ -= std::min(head_end_, begin_);
  begin_ = 0;
  cap_ = grown;
}

std::span<char> InputBuffer::space() {
  if (!buf_) {
    cap_ = std::min(BufferPool::kBufferSize, max_cap_);
    buf_ = pool_ && cap_ == BufferPool::kBufferSize ? pool_->acquire()
                                                    : std::unique_ptr<char[]>(new char[cap_]);
  }
  if (end_ < cap_) return {buf_.get() + end_, cap_ - end_};
  if (pinned_) {
    // The head stays; decoded body bytes make room after it.
    if (pos_ == head_end_) return {};
    std::memmove(buf_.get() + head_end_, buf_.get() + pos_, end_ - pos_);
    end_ -= pos_ - head_end_;
    pos_ = head_end_;
    return {buf_.get() + end_, cap_ - end_};
  }
  if (begin_ > 0) {
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    return {buf_.get() + end_, cap_ - end_};
  }
  // A head longer than the buffer: grow as the limits allow (beyond them
  // only if the caller reads on although the head scanner gave up).
  grow(cap_ < max_cap_ ? std::min(cap_ * 2, max_cap_) : cap_ + kReadSlack);
  return {buf_.get() + end_, cap_ - end_};
}

std::string_view InputBuffer::pin_head(size_t head_size, size_t body_room) {
  pinned_ = false;  // (pinned again with more room: the same head, nothing consumed)
  if (cap_ - begin_ < head_size + body_room) grow(head_size + body_room);
  head_end_ = begin_ + head_size;
  pos_ = head_end_;
  pinned_ = true;
  return {buf_.get() + begin_, head_size};
}

void InputBuffer::consume(size_t n) {
  pos_ += n;
  if (pos_ == end_) pos_ = end_ = head_end_;  // reuse the space after the head
}

void InputBuffer::unpin() {
  pinned_ = false;
  begin_ = pos_;
  head_end_ = pos_;
  if (begin_ == end_) {
    begin_ = head_end_ = pos_ = end_ = 0;
    // Back to the pool (or the heap, for a buffer grown for a large head).
    if (pool_ || cap_ > BufferPool::kBufferSize) release();
  }
}

void InputBuffer::release() {
  if (!buf_) return;
  if (pool_ && cap_ == BufferPool::kBufferSize) pool_->release(std::move(buf_));
  buf_.reset();
  cap_ = 0;
  begin_ = head_end_ = pos_ = end_ = 0;
  pinned_ = false;
}

}  // namespace mpmd::http::detail
