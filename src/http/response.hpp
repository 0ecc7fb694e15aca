// What a handler produces: a status, header fields and a body made of
// segments. A segment is memory (owned text or a slice of shared bytes), a
// file range, or a stream (a BodySource the connection pulls from when the
// socket can take more). Only net/ decides between writev and sendfile.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/unique_fd.hpp"

namespace mpmd::http {

class Waker;  // http/waker.hpp

// An open file shared by every response that sends part of it.
class OpenFile {
 public:
  explicit OpenFile(int fd) : fd_(fd) {}
  int fd() const { return fd_.get(); }

 private:
  util::UniqueFd fd_;
};

// A producer of body bytes that the connection pulls from when the socket can
// take more, so a slow client makes the producer wait instead of memory grow.
class BodySource {
 public:
  enum class Pull : uint8_t {
    data,   // bytes were appended to `out`
    again,  // nothing now: the source calls waker.wake() once it has more
    end,    // the body is complete (bytes may have been appended too)
    error,  // the body cannot be completed: the connection is closed
  };

  virtual ~BodySource() = default;

  // On the connection's thread. Appends at most `max` bytes to `out`.
  virtual Pull pull(std::string& out, size_t max, const std::shared_ptr<Waker>& waker) = 0;
  // The body's length if known before it is produced (Content-Length);
  // nullopt: chunked for HTTP/1.1, close-delimited for HTTP/1.0.
  virtual std::optional<uint64_t> length() const { return std::nullopt; }
  // The connection gives up on the body (client gone, HEAD, an error): a
  // producer on another thread learns it at its next write.
  virtual void cancel() {}
  // True while a producer on another thread may still touch the request the
  // body answers: the Connection keeps the request (and the engine the
  // Connection) until it turns false; the producer then wakes the connection.
  virtual bool busy() const { return false; }
};

// One piece of a body. Views of its bytes are computed on demand, so moving
// a Segment (or the vector holding it) never leaves a view dangling.
class Segment {
 public:
  struct Text {
    std::string text;
  };
  struct Shared {
    std::shared_ptr<const std::string> data;
    size_t offset = 0;
    size_t length = 0;
  };
  struct File {
    std::shared_ptr<const OpenFile> file;
    uint64_t offset = 0;
    uint64_t length = 0;
  };
  struct Stream {
    std::shared_ptr<BodySource> source;
  };
  using Kind = std::variant<Text, Shared, File, Stream>;

  explicit Segment(Kind kind) : kind_(std::move(kind)) {}

  bool is_memory() const { return kind_.index() <= 1; }
  bool is_file() const { return std::holds_alternative<File>(kind_); }
  bool is_stream() const { return std::holds_alternative<Stream>(kind_); }
  // Memory segments: their bytes; others: empty.
  std::string_view bytes() const;
  // Bytes in the segment; a stream's length if known, else 0.
  uint64_t size() const;
  const File* file() const { return std::get_if<File>(&kind_); }
  BodySource* source() const;

 private:
  Kind kind_;
};

// A response body. Move-only: it may own descriptors and producers.
class Body {
 public:
  Body() = default;
  Body(Body&&) = default;
  Body& operator=(Body&&) = default;
  Body(const Body&) = delete;
  Body& operator=(const Body&) = delete;

  void append(std::string text);
  // Shared, immutable memory (e.g. a cached file): no copy is made.
  void append_shared(std::shared_ptr<const std::string> data, size_t offset, size_t length);
  void append_file(std::shared_ptr<const OpenFile> file, uint64_t offset, uint64_t length);
  // A stream, after which nothing may be appended.
  void append_stream(std::shared_ptr<BodySource> source);
  void clear();

  // Bytes of the segments of known size (memory, files, streams of known length).
  uint64_t size() const { return size_; }
  // The whole length when known before sending; nullopt with a stream of unknown length.
  std::optional<uint64_t> length() const;
  bool empty() const { return segments_.empty(); }
  bool has_stream() const { return !segments_.empty() && segments_.back().is_stream(); }
  // The stream a body ends with, or null.
  BodySource* stream() const { return has_stream() ? segments_.back().source() : nullptr; }
  const std::vector<Segment>& segments() const { return segments_; }

 private:
  std::vector<Segment> segments_;
  uint64_t size_ = 0;
};

struct ResponseHeader {
  std::string name;
  std::string value;
};

struct Response {
  Response() = default;
  Response(Response&&) = default;
  Response& operator=(Response&&) = default;
  Response(const Response&) = delete;
  Response& operator=(const Response&) = delete;

  int status = 200;
  // Header fields set by the handler. The Connection adds Date, Server,
  // Content-Length / Transfer-Encoding and Connection itself.
  std::vector<ResponseHeader> headers;
  Body body;
  // HEAD: headers (including Content-Length of `body`) are sent, the body is not.
  bool head_only = false;
  // The handler asks for the connection to be closed after this response.
  bool close = false;
  // The handler answers later through Request::completion (see Completion in
  // http/handler.hpp).
  bool deferred = false;
  // Who the client said it was (AuthType Basic), even when refused: the
  // access log's %u ("-" when unset, "\"\"" when empty, as Apache's),
  // REMOTE_USER once admitted.
  std::optional<std::string> remote_user;
  // The request's environment variables (SetEnvIf, SetEnv): CustomLog
  // env=VAR, %{VAR}e, WSGI's environ. Apache's r->subprocess_env.
  std::vector<std::pair<std::string, std::string>> environment;
  // Which host of the site answers (the main server or a vhost), chosen once
  // in the site's handle() for its later steps (header rules, access log);
  // -1 until chosen (a request the core refused never gets one).
  int site_host = -1;
  // The value of `name` in environment, if set.
  const std::string* env(std::string_view name) const;
  // What the handler's request points into when the site handed it a copy
  // (mod_rewrite's internal rewrite: src/rewrite/): kept while the response
  // may still be answered, replaced by the next such copy, freed with
  // release_memory().
  std::shared_ptr<const void> keep;

  void set_header(std::string_view name, std::string value);
  void add_header(std::string_view name, std::string value);
  // The same with copies of `name` and `value` made in strings kept from
  // earlier responses of this Response (see clear()): no allocation once a
  // connection has served a response with as many fields.
  void add_header_copy(std::string_view name, std::string_view value);
  // Value of the first field with this name (ASCII case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
  // Ready for the next request. The header fields' strings are kept (up to
  // kSpareHeaders fields of at most kSpareCapacity bytes) for
  // add_header_copy() to reuse.
  void clear();
  // Frees the kept strings too (an idle connection).
  void release_memory();

 private:
  static constexpr size_t kSpareHeaders = 16;
  static constexpr size_t kSpareCapacity = 256;
  std::vector<ResponseHeader> spare_headers_;
};

// Canonical reason phrase ("Not Found"); "Unknown" for codes without one.
std::string_view reason_phrase(int status);

}  // namespace mpmd::http
