// Request bodies in http::Connection: decoding into the handler's window,
// dropping what nobody reads (judged before the answer when small), and 100
// Continue when the body is wanted.
#include "http/connection_impl.hpp"

namespace mpmd::http {

using detail::kContinue;
using detail::kDiscardMax;

void Connection::Impl::start_body() {
  if (!info.chunked && info.content_length == 0) {
    input = Input::done;
    return;
  }
  body_left = info.content_length;
  if (info.chunked) chunked.reset();
  // The client waits for 100 Continue only if it has sent nothing of the body.
  const bool waits = info.expect_continue && in.pending().empty();
  continue_sent = !waits;
  body.start(info.chunked ? std::nullopt : std::optional<uint64_t>(info.content_length), waits,
             waker);
  request.body = &body;
  input = Input::body;
}

void Connection::Impl::body_failed(int status) {
  body.fail(status);
  input = Input::closed;
  close_after = true;
}

bool Connection::Impl::decode_body() {
  if (input == Input::body && body.complete()) {
    // The reader gave up (its own limit): read no more of it.
    input = Input::closed;
    close_after = true;
    return true;
  }
  const std::string_view data = in.pending();
  const bool drop = input == Input::discard;
  size_t used = 0;
  bool complete = false;
  if (!info.chunked) {
    size_t take = size_t(std::min<uint64_t>(body_left, data.size()));
    if (!drop) {
      take = body.produce([&](std::string& buf, size_t room) {
        size_t n = std::min(take, room);
        buf.append(data.data(), n);
        return n;
      });
    }
    used = take;
    body_left -= take;
    complete = body_left == 0;
  } else {
    auto st = detail::ChunkedDecoder::Status::need_more;
    const uint64_t limit = settings.limits.request_body;
    if (drop) {
      st = chunked.decode(data, used, nullptr, SIZE_MAX, limit, settings.limits);
    } else {
      st = body.produce([&](std::string& buf, size_t room) {
        return chunked.decode(data, used, &buf, room, limit, settings.limits);
      });
    }
    if (st == detail::ChunkedDecoder::Status::error) {
      in.consume(used);
      if (drop) return end_discard(chunked.status());
      body_failed(chunked.status());
      return true;
    }
    complete = st == detail::ChunkedDecoder::Status::done;
  }
  in.consume(used);
  request.bytes_received += used;
  if (drop) discarded += used;
  if (complete) {
    if (drop) {
      // Trailers are judged as when a handler reads the body.
      Headers trailers;
      if (info.chunked && detail::parse_fields(chunked.trailer_block(), trailers) != 0) {
        return end_discard(400);
      }
      input = Input::done;
      return end_discard(0);
    }
    std::string trailers = info.chunked ? std::string(chunked.trailer_block()) : std::string();
    if (int st = body.finish_status(std::move(trailers)); st != 0) {
      body_failed(st);
    } else {
      input = Input::done;
    }
    return true;
  }
  if (eof && in.pending().empty()) {
    // The client ended its side in the middle of the body.
    if (drop) return end_discard(400);
    body_failed(400);
    return true;
  }
  if (drop && discarded > kDiscardMax) {
    // A chunked body longer than is worth reading for nothing.
    input = Input::closed;
    close_after = true;
    return end_discard(0);
  }
  return used > 0;
}

bool Connection::Impl::end_discard(int error) {
  if (error != 0) {
    input = Input::closed;
    if (stage == Stage::discarding) replace_with_error(error);
    close_after = true;
  }
  if (stage == Stage::discarding) {
    stage = Stage::responding;
    queue_response(false);
  }
  return true;
}

void Connection::Impl::send_continue() {
  if (continue_sent || input != Input::body || response_queued || broken) return;
  if (!body.continue_wanted()) return;
  continue_sent = true;
  body.continue_sent();
  out.push_interim(kContinue);
}

void Connection::Impl::settle_input() {
  if (request.body) body.forget_reader();
  if (input != Input::body) return;
  const bool small = info.chunked || body_left <= kDiscardMax;
  if (!continue_sent) {
    // The client waits for 100 Continue: only a request that will succeed
    // gets it (and its body is then read and dropped); any other answer
    // goes out at once and the body is never sent.
    if (response.status >= 300 || !small || stage != Stage::responding || response_queued) {
      input = Input::closed;
      close_after = true;
      return;
    }
    continue_sent = true;
    body.continue_sent();
    out.push_interim(kContinue);
  }
  if (!small) {
    input = Input::closed;
    close_after = true;
    return;
  }
  input = Input::discard;
  if (stage == Stage::responding && !response_queued) stage = Stage::discarding;
}

}  // namespace mpmd::http
