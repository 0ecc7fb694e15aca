#include "http/output_queue.hpp"

#include <algorithm>
#include <charconv>

namespace mpmd::http::detail {

namespace {
constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";
}  // namespace

void OutputQueue::push(std::string_view bytes, Kind kind) {
  if (bytes.empty()) return;
  slices_.push_back(OutputSlice{bytes});
  kinds_.push_back(kind);
}

std::string_view OutputQueue::chunk_line(uint64_t size) {
  auto r = std::to_chars(chunk_line_, chunk_line_ + 20, size, 16);
  *r.ptr++ = '\r';
  *r.ptr++ = '\n';
  return std::string_view(chunk_line_, size_t(r.ptr - chunk_line_));
}

void OutputQueue::push_interim(std::string_view bytes) {
  push(bytes, Kind::head);  // counted with the head bytes, as %O does
}

void OutputQueue::start(std::string_view head, const Body& body, bool send_body, bool chunked) {
  push(head, Kind::head);
  stream_ = nullptr;
  if (!send_body) {
    // HEAD, 204, 304: a producer must not wait for a reader that never comes.
    if (BodySource* s = body.stream()) s->cancel();
    return;
  }
  chunked_ = chunked;
  if (chunked && body.size() > 0) {
    // What precedes the stream goes out as one chunk.
    uint64_t fixed = 0;
    for (const Segment& s : body.segments()) fixed += s.is_stream() ? 0 : s.size();
    push(chunk_line(fixed), Kind::framing);
  }
  for (const Segment& s : body.segments()) {
    if (const Segment::File* f = s.file()) {
      if (f->length == 0) continue;
      slices_.push_back(OutputSlice{{}, f->file->fd(), f->offset, f->length});
      kinds_.push_back(Kind::body);
    } else if (s.is_memory()) {
      push(s.bytes(), Kind::body);
    } else {
      stream_ = s.source();
    }
  }
  if (chunked && body.size() > 0) push(kCrlf, Kind::framing);
  if (stream_) {
    auto length = stream_->length();
    known_length_ = length.has_value();
    stream_left_ = length.value_or(0);
  }
}

std::span<const OutputSlice> OutputQueue::output(size_t max) const {
  return {slices_.data() + next_, std::min(max, slices_.size() - next_)};
}

void OutputQueue::written(size_t n) {
  while (n > 0 && next_ < slices_.size()) {
    OutputSlice& s = slices_[next_];
    const uint64_t size = s.size();
    const uint64_t take = std::min<uint64_t>(n, size);
    if (kinds_[next_] == Kind::head) header_sent_ += take;
    if (kinds_[next_] == Kind::body) body_sent_ += take;
    n -= size_t(take);
    if (take == size) {
      ++next_;
    } else if (s.fd >= 0) {
      s.offset += take;
      s.length -= take;
    } else {
      s.bytes.remove_prefix(size_t(take));
    }
  }
  if (next_ == slices_.size()) {
    slices_.clear();
    kinds_.clear();
    next_ = 0;
  }
}

OutputQueue::Refill OutputQueue::refill(const std::shared_ptr<Waker>& waker) {
  if (!stream_ || has_output()) return Refill::none;
  pulled_.clear();
  size_t max = kPullSize;
  if (known_length_) max = size_t(std::min<uint64_t>(max, stream_left_ + 1));
  BodySource::Pull p = stream_->pull(pulled_, max, waker);
  if (p == BodySource::Pull::error) {
    stream_ = nullptr;
    return Refill::failed;
  }
  if (known_length_) {
    if (pulled_.size() > stream_left_ ||
        (p == BodySource::Pull::end && pulled_.size() < stream_left_)) {
      stream_->cancel();
      stream_ = nullptr;
      return Refill::failed;  // the declared Content-Length would be a lie
    }
    stream_left_ -= pulled_.size();
  }
  if (!pulled_.empty()) {
    if (chunked_) push(chunk_line(pulled_.size()), Kind::framing);
    push(pulled_, Kind::body);
    if (chunked_) push(kCrlf, Kind::framing);
  }
  if (p == BodySource::Pull::end) {
    if (chunked_) push(kLastChunk, Kind::framing);
    stream_ = nullptr;
    return Refill::ended;
  }
  return p == BodySource::Pull::again && pulled_.empty() ? Refill::waiting : Refill::queued;
}

void OutputQueue::abandon() {
  slices_.clear();
  kinds_.clear();
  next_ = 0;
  if (stream_) stream_->cancel();
  stream_ = nullptr;
}

void OutputQueue::reset() {
  slices_.clear();
  kinds_.clear();
  next_ = 0;
  header_sent_ = body_sent_ = 0;
  stream_ = nullptr;
  chunked_ = known_length_ = false;
  stream_left_ = 0;
  if (pulled_.capacity() > kPullSize) std::string().swap(pulled_);
  pulled_.clear();
}

void OutputQueue::release_memory() {
  reset();
  std::vector<OutputSlice>().swap(slices_);
  std::vector<Kind>().swap(kinds_);
  std::string().swap(pulled_);
}

}  // namespace mpmd::http::detail
