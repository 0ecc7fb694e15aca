#include "http/chunked.hpp"

#include <algorithm>

namespace mpmd::http::detail {

namespace {
constexpr uint64_t kMaxTotal = uint64_t(1) << 63;

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

inline bool is_ctl(char c) {
  return (uint8_t(c) < 0x20 && c != '\t') || c == 0x7f;
}
}  // namespace

void ChunkedDecoder::reset() {
  state_ = State::size;
  chunk_left_ = 0;
  total_ = 0;
  digits_ = 0;
  ext_len_ = 0;
  line_len_ = 0;
  trailer_lines_ = 0;
  status_ = 0;
  trailers_.clear();
}

ChunkedDecoder::Status ChunkedDecoder::decode(std::string_view data, size_t& consumed,
                                              std::string* body, size_t max_data,
                                              uint64_t body_limit, const Limits& limits) {
  size_t i = 0;
  size_t produced = 0;
  const size_t n = data.size();
  Status result = Status::need_more;
  while (i < n && state_ != State::done) {
    const char c = data[i];
    switch (state_) {
      case State::size: {
        int h = hex_value(c);
        if (h >= 0) {
          if ((chunk_left_ >> 59) != 0 || ++digits_ > kMaxSizeDigits) return fail(400);
          chunk_left_ = (chunk_left_ << 4) | uint64_t(h);
          if (chunk_left_ >= kMaxTotal) return fail(400);
          ++i;
          break;
        }
        if (digits_ == 0) return fail(400);
        if (c == ' ' || c == '\t') {
          state_ = State::size_ws;
        } else if (c == ';') {
          state_ = State::ext;
        } else if (c == '\r') {
          state_ = State::size_lf;
        } else {
          return fail(400);
        }
        ++i;
        break;
      }
      case State::size_ws:
        // RFC 9112 7.1.1: whitespace (BWS) may only precede a chunk extension;
        // "3 \r\n" is malformed, and lenient parsers disagree on it.
        if (c == ';') {
          state_ = State::ext;
        } else if (c != ' ' && c != '\t') {
          return fail(400);
        }
        ++i;
        break;
      case State::ext:
        if (c == '\r') {
          state_ = State::size_lf;
        } else if (is_ctl(c) || ++ext_len_ > kMaxExtension) {
          return fail(400);
        }
        ++i;
        break;
      case State::size_lf:
        if (c != '\n') return fail(400);
        ++i;
        if (chunk_left_ == 0) {
          state_ = State::trailer;
          line_len_ = 0;
          break;
        }
        if (total_ + chunk_left_ >= kMaxTotal) return fail(400);
        if (body_limit != 0 && total_ + chunk_left_ > body_limit) return fail(413);
        total_ += chunk_left_;
        state_ = State::data;
        break;
      case State::data: {
        size_t take = size_t(std::min<uint64_t>(chunk_left_, n - i));
        take = std::min(take, max_data - produced);
        if (take == 0) {  // the caller's window is full
          consumed = i;
          return Status::need_more;
        }
        if (body) body->append(data.data() + i, take);
        produced += take;
        i += take;
        chunk_left_ -= take;
        if (chunk_left_ == 0) state_ = State::data_cr;
        break;
      }
      case State::data_cr:
        if (c != '\r') return fail(400);
        state_ = State::data_lf;
        ++i;
        break;
      case State::data_lf:
        if (c != '\n') return fail(400);
        state_ = State::size;
        digits_ = 0;
        ext_len_ = 0;
        ++i;
        break;
      case State::trailer:
        if (c == '\r') {
          state_ = State::trailer_lf;
        } else if (is_ctl(c)) {
          return fail(400);  // bare LF, NUL, ...
        } else {
          if (++line_len_ > limits.request_field_size) return fail(431);
          trailers_.push_back(c);
        }
        ++i;
        break;
      case State::trailer_lf:
        if (c != '\n') return fail(400);
        ++i;
        if (line_len_ == 0) {
          state_ = State::done;
          break;
        }
        trailers_.push_back('\n');
        ++trailer_lines_;
        if (limits.request_fields != 0 && trailer_lines_ > limits.request_fields) return fail(431);
        line_len_ = 0;
        state_ = State::trailer;
        break;
      case State::done:
        break;
    }
  }
  if (state_ == State::done) result = Status::done;
  consumed = i;
  return result;
}

}  // namespace mpmd::http::detail
