#include "handlers/compress/stream.hpp"

#include <unistd.h>

#include <cerrno>

namespace mpmd::compress {

CompressingSource::CompressingSource(std::vector<http::Segment> input,
                                     std::unique_ptr<Encoder> encoder, size_t buffer_size,
                                     bool flush_on_wait)
    : input_(std::move(input)),
      encoder_(std::move(encoder)),
      buffer_size_(buffer_size),
      flush_on_wait_(flush_on_wait) {}

void CompressingSource::cancel() {
  for (const http::Segment& s : input_) {
    if (http::BodySource* src = s.source()) src->cancel();
  }
}

bool CompressingSource::busy() const {
  for (const http::Segment& s : input_) {
    if (http::BodySource* src = s.source(); src && src->busy()) return true;
  }
  return false;
}

http::BodySource::Pull CompressingSource::emit(std::string& out, size_t max) {
  size_t n = std::min(max, pending_.size() - pending_at_);
  out.append(pending_, pending_at_, n);
  pending_at_ += n;
  if (pending_at_ == pending_.size()) {
    pending_.clear();
    pending_at_ = 0;
    if (state_ == State::done) return Pull::end;
  }
  return Pull::data;
}

http::BodySource::Pull CompressingSource::produce(const std::shared_ptr<http::Waker>& waker) {
  using Op = Encoder::Op;
  while (pending_.empty()) {
    if (state_ == State::finishing) {
      if (!encoder_->write({}, Op::finish, pending_)) return Pull::error;
      state_ = State::done;
      return Pull::data;
    }
    if (segment_ >= input_.size()) {
      state_ = State::finishing;
      continue;
    }
    const http::Segment& s = input_[segment_];
    if (s.is_memory()) {
      std::string_view bytes = s.bytes();
      std::string_view part = bytes.substr(size_t(offset_), buffer_size_);
      offset_ += part.size();
      if (offset_ >= bytes.size()) {
        ++segment_;
        offset_ = 0;
      }
      if (!part.empty() && !encoder_->write(part, Op::process, pending_)) return Pull::error;
      unflushed_ += part.size();
    } else if (const http::Segment::File* f = s.file()) {
      uint64_t left = f->length - offset_;
      chunk_.resize(size_t(std::min<uint64_t>(left, buffer_size_)));
      ssize_t n;
      do {
        n = ::pread(f->file->fd(), chunk_.data(), chunk_.size(), off_t(f->offset + offset_));
      } while (n < 0 && errno == EINTR);
      if (n <= 0 && !chunk_.empty()) return Pull::error;  // the file shrank or failed
      offset_ += uint64_t(n);
      if (offset_ >= f->length) {
        ++segment_;
        offset_ = 0;
      }
      if (!encoder_->write(std::string_view(chunk_.data(), size_t(n)), Op::process, pending_))
        return Pull::error;
      unflushed_ += size_t(n);
    } else if (http::BodySource* src = s.source()) {
      chunk_.clear();
      Pull p = src->pull(chunk_, buffer_size_, waker);
      if (p == Pull::error) return Pull::error;
      if (!chunk_.empty()) {
        if (!encoder_->write(chunk_, Op::process, pending_)) return Pull::error;
        unflushed_ += chunk_.size();
      }
      if (p == Pull::end) {
        ++segment_;
      } else if (p == Pull::again && pending_.empty()) {
        // The producer waits: what it wrote so far reaches the client now,
        // or once enough has gathered.
        if (unflushed_ > 0 && (flush_on_wait_ || unflushed_ >= buffer_size_)) {
          if (!encoder_->write({}, Op::flush, pending_)) return Pull::error;
          unflushed_ = 0;
        }
        if (pending_.empty()) return Pull::again;
      }
    } else {
      ++segment_;
    }
  }
  return Pull::data;
}

http::BodySource::Pull CompressingSource::pull(std::string& out, size_t max,
                                               const std::shared_ptr<http::Waker>& waker) {
  if (state_ == State::failed) return Pull::error;
  if (pending_.size() == pending_at_ && state_ != State::done) {
    pending_.clear();
    pending_at_ = 0;
    Pull p = produce(waker);
    if (p == Pull::error) {
      state_ = State::failed;
      return p;
    }
    if (p == Pull::again) return p;
  }
  if (pending_.size() == pending_at_ && state_ == State::done) return Pull::end;
  return emit(out, max);
}

bool compress_body(http::Body& body, Coding coding, const Levels& levels, size_t buffer_size,
                   bool flush_on_wait) {
  bool memory_only = true;
  for (const http::Segment& s : body.segments()) memory_only = memory_only && s.is_memory();
  if (memory_only) {
    std::string in;
    if (body.segments().size() == 1) {
      std::string out;
      if (!encode(coding, levels, body.segments()[0].bytes(), out)) return false;
      body.clear();
      body.append(std::move(out));
      return true;
    }
    for (const http::Segment& s : body.segments()) in += s.bytes();
    std::string out;
    if (!encode(coding, levels, in, out)) return false;
    body.clear();
    body.append(std::move(out));
    return true;
  }
  std::unique_ptr<Encoder> encoder = make_encoder(coding, levels);
  if (!encoder) return false;
  std::vector<http::Segment> input = body.segments();
  body.clear();
  body.append_stream(std::make_shared<CompressingSource>(std::move(input), std::move(encoder),
                                                         buffer_size, flush_on_wait));
  return true;
}

}  // namespace mpmd::compress
