// What a handler produces: a status, header fields and a body made of segments.
// Segments are memory or file ranges; only net/ decides between writev and sendfile.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mpmd::http {

// An open file shared by every response that sends part of it. Closes on destruction.
class OpenFile {
 public:
  explicit OpenFile(int fd) : fd_(fd) {}
  ~OpenFile();
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

struct Segment {
  // Memory: `bytes` points into `owner`'s data, or into `text` when owner is null.
  std::string text;
  std::shared_ptr<const void> owner;
  std::string_view bytes;
  // File range: used when `file` is set; `bytes` is then empty.
  std::shared_ptr<const OpenFile> file;
  uint64_t offset = 0;
  uint64_t length = 0;

  uint64_t size() const { return file ? length : bytes.size(); }
  bool is_file() const { return bool(file); }
};

class Body {
 public:
  void append(std::string text);
  // Shared, immutable memory (e.g. a cached file): no copy is made.
  void append_shared(std::shared_ptr<const std::string> data, size_t offset, size_t length);
  void append_file(std::shared_ptr<const OpenFile> file, uint64_t offset, uint64_t length);
  void clear();
  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::vector<Segment>& segments() const { return segments_; }
  std::vector<Segment>& segments() { return segments_; }

 private:
  std::vector<Segment> segments_;
  uint64_t size_ = 0;
};

struct ResponseHeader {
  std::string name;
  std::string value;
};

struct Response {
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
  // http/handler.hpp); only allowed when Request::completion is not null.
  bool deferred = false;

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

 private:
  static constexpr size_t kSpareHeaders = 16;
  static constexpr size_t kSpareCapacity = 256;
  std::vector<ResponseHeader> spare_headers_;
};

// Canonical reason phrase ("Not Found"); "Unknown" for codes without one.
std::string_view reason_phrase(int status);

}  // namespace mpmd::http
