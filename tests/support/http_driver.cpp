#include "http_driver.hpp"  // (mpmd_test_support has no tests/ include dir)

#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "util/strings.hpp"

namespace mpmd::test {

namespace {
Fields copy_fields(const http::Headers& h) {
  Fields out;
  for (const http::Header& f : h.fields()) out.emplace_back(f.name, f.value);
  return out;
}
}  // namespace

SeenRequest SeenRequest::from(const http::Request& r) {
  SeenRequest s;
  s.method = r.method;
  s.method_text = r.method_text;
  s.target = r.target;
  s.path = r.path;
  s.query = r.query;
  s.host = r.host;
  s.request_line = r.request_line;
  s.version = r.version;
  s.headers = copy_fields(r.headers);
  s.keep_alive = r.keep_alive;
  s.start = r.start;
  s.bytes_received = r.bytes_received;
  s.index_on_connection = r.index_on_connection;
  s.peer = r.peer;
  return s;
}

std::string ParsedResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (util::iequals(n, name)) return v;
  }
  return {};
}

bool ParsedResponse::has(std::string_view name) const {
  return count(name) > 0;
}

size_t ParsedResponse::count(std::string_view name) const {
  size_t n = 0;
  for (const auto& f : headers) n += util::iequals(f.first, name) ? 1 : 0;
  return n;
}

std::vector<ParsedResponse> parse_responses(std::string_view bytes,
                                            const std::vector<bool>& head_flags) {
  std::vector<ParsedResponse> out;
  size_t final_index = 0;
  while (!bytes.empty()) {
    size_t head_end = bytes.find("\r\n\r\n");
    if (head_end == std::string_view::npos) break;
    ParsedResponse r;
    r.raw_head = std::string(bytes.substr(0, head_end + 4));
    std::string_view head = bytes.substr(0, head_end + 2);
    size_t eol = head.find("\r\n");
    r.status_line = std::string(head.substr(0, eol));
    if (r.status_line.size() >= 12) r.status = std::stoi(r.status_line.substr(9, 3));
    head.remove_prefix(eol + 2);
    while (!head.empty()) {
      eol = head.find("\r\n");
      std::string_view line = head.substr(0, eol);
      size_t colon = line.find(':');
      r.headers.emplace_back(std::string(line.substr(0, colon)),
                             std::string(util::trim_ows(line.substr(colon + 1))));
      head.remove_prefix(eol + 2);
    }
    bytes.remove_prefix(head_end + 4);
    bool is_head = r.status >= 200 && final_index < head_flags.size() && head_flags[final_index];
    if (r.status >= 200) ++final_index;
    if (!is_head && !(r.status < 200 || r.status == 204 || r.status == 304) &&
        util::iequals(r.header("Transfer-Encoding"), "chunked")) {
      // Chunked: sizes in hex, no extensions or trailers (the core sends none).
      bool complete = false;
      while (true) {
        size_t eol = bytes.find("\r\n");
        if (eol == std::string_view::npos) break;
        size_t size = std::stoul(std::string(bytes.substr(0, eol)), nullptr, 16);
        if (bytes.size() < eol + 2 + size + 2) break;
        r.body.append(bytes.substr(eol + 2, size));
        bytes.remove_prefix(eol + 2 + size + 2);
        ++r.chunks;
        if (size == 0) {
          complete = true;
          break;
        }
      }
      if (!complete) break;
    } else if (!is_head && !(r.status < 200 || r.status == 204 || r.status == 304)) {
      std::string cl = r.header("Content-Length");
      size_t len = cl.empty() ? bytes.size() : std::stoul(cl);
      if (len > bytes.size()) break;
      r.body = std::string(bytes.substr(0, len));
      bytes.remove_prefix(len);
    }
    out.push_back(std::move(r));
  }
  return out;
}

class Driver::Recorder final : public http::Handler, public http::ExchangeObserver {
 public:
  Recorder(Driver& d, HandlerFn fn) : d_(d), fn_(std::move(fn)) {}
  void handle(const http::Request& request, http::Response& response) override {
    d_.handled_.push_back(SeenRequest::from(request));
    if (!request.body || d_.stream_body) return answer(request, response);
    // The whole body first, as handlers that want it do: read as it
    // arrives (answering later if it is not all here yet), and let the
    // Connection answer 413/400/408 when reading it fails.
    seen_ = d_.handled_.size() - 1;
    if (read_body(request)) return answer(request, response);
    response.deferred = true;
    request.body->on_ready([this, &request, &response] {
      if (!read_body(request)) return;
      answer(request, response);
      if (!response.deferred) request.completion->complete();
    });
  }

  // True when the body is complete (or failed).
  bool read_body(const http::Request& request) {
    SeenRequest& seen = d_.handled_[seen_];
    char buf[4096];
    while (true) {
      auto r = request.body->read(buf);
      if (r.status == http::RequestBody::Status::data) {
        seen.body.append(buf, r.size);
        continue;
      }
      if (r.status == http::RequestBody::Status::again) return false;
      if (r.status == http::RequestBody::Status::error) seen.body_error = r.error;
      seen.trailers = copy_fields(request.body->trailers());
      return true;
    }
  }

  void answer(const http::Request& request, http::Response& response) {
    response.deferred = false;
    if (fn_) return fn_(request, response);
    const std::string& body = d_.handled_.back().body;
    response.set_header("Content-Type", "text/plain");
    response.body.append(body.empty() ? std::string("ok") : body);
  }

  void on_exchange(const http::Request& request, const http::Response& response,
                   const http::Exchange& exchange) override {
    d_.exchanges_.push_back({SeenRequest::from(request), response.status, exchange});
  }

 private:
  Driver& d_;
  HandlerFn fn_;
  size_t seen_ = 0;  // the handled() entry whose body is being read
};

Driver::Driver(http::Settings settings, HandlerFn fn)
    : settings_(std::move(settings)), recorder_(std::make_unique<Recorder>(*this, std::move(fn))) {
  peer_.address = "127.0.0.1";
  peer_.port = 40000;
  peer_.local_address = "127.0.0.1";
  peer_.local_port = 8080;
  conn_ = std::make_unique<http::Connection>(settings_, *recorder_, recorder_.get(), clock_, dates_,
                                             peer_, this);
}

Driver::~Driver() = default;

bool Driver::write_once() {
  auto slices = conn_->output();
  size_t budget = write_size;
  size_t written = 0;
  for (const http::OutputSlice& s : slices) {
    if (budget == 0) break;
    size_t n = size_t(std::min<uint64_t>(s.size(), budget));
    if (s.fd >= 0) {
      std::string tmp(n, '\0');
      ssize_t got = ::pread(s.fd, tmp.data(), n, off_t(s.offset));
      if (got != ssize_t(n)) throw std::runtime_error("pread of a file slice failed");
      output_ += tmp;
    } else {
      output_.append(s.bytes.data(), n);
    }
    written += n;
    budget -= n;
  }
  if (written == 0) return false;  // the peer does not read (write_size == 0)
  conn_->on_written(written);
  return true;
}

bool Driver::read_once() {
  if (!conn_->wants_read() || input_pos_ == input_.size()) return false;
  auto span = conn_->read_buffer();
  if (span.empty()) throw std::runtime_error("read_buffer() returned no space");
  max_read_span = std::max(max_read_span, span.size());
  size_t n = std::min({span.size(), input_.size() - input_pos_, read_size});
  std::copy_n(input_.data() + input_pos_, n, span.data());
  input_pos_ += n;
  conn_->on_read(n);
  return true;
}

void Driver::run() {
  while (!conn_->finished()) {
    if (wakes_seen_ != wakes.load()) {  // as an engine does when its Port was woken
      wakes_seen_ = wakes.load();
      conn_->on_wake();
      continue;
    }
    if (conn_->has_output()) {
      if (!write_once()) break;
      continue;
    }
    if (!read_once()) break;
  }
}

bool Driver::pump_nested() {
  if (!nested_pump) return false;  // the event loop's answer
  conn_->on_wake();
  if (conn_->has_output()) return write_once();
  if (read_once()) return true;
  // Nothing more to read: the peer's queued input is used up. A blocking
  // engine would wait for the socket here; the test's peer sent all it will.
  if (pending_eof_ && conn_->wants_read()) {
    pending_eof_ = false;
    conn_->on_eof();
    return true;
  }
  return false;
}

void Driver::feed(std::string_view bytes) {
  input_.append(bytes);
  run();
}

void Driver::eof() {
  pending_eof_ = true;
  run();
  if (conn_->finished() || !pending_eof_) return;
  if (input_pos_ == input_.size() && conn_->wants_read()) {
    pending_eof_ = false;
    conn_->on_eof();
  }
  run();
}

void Driver::timeout() {
  conn_->on_timeout();
  run();
}

void Driver::resume() {
  conn_->on_wake();
  run();
}

void Driver::error() {
  conn_->on_error();
  run();
}

std::string Driver::take_output() {
  std::string out;
  out.swap(output_);
  return out;
}

std::vector<ParsedResponse> Driver::take_responses(const std::vector<bool>& head_flags) {
  return parse_responses(take_output(), head_flags);
}

std::string strip_continue(std::string bytes) {
  const std::string_view c = "HTTP/1.1 100 Continue\r\n\r\n";
  for (size_t p; (p = bytes.find(c)) != std::string::npos;) bytes.erase(p, c.size());
  return bytes;
}

std::string run_split(const http::Settings& settings, std::string_view input,
                      const std::vector<size_t>& cuts, bool send_eof) {
  return run_split(settings, input, cuts, send_eof, {}, false);
}

std::string run_split(const http::Settings& settings, std::string_view input,
                      const std::vector<size_t>& cuts, bool send_eof, Driver::HandlerFn fn,
                      bool stream_body) {
  Driver d(settings, std::move(fn));
  d.stream_body = stream_body;
  size_t prev = 0;
  for (size_t cut : cuts) {
    if (cut < prev || cut > input.size()) continue;
    d.feed(input.substr(prev, cut - prev));
    prev = cut;
  }
  d.feed(input.substr(prev));
  if (send_eof) d.eof();
  return d.take_output();
}

}  // namespace mpmd::test
