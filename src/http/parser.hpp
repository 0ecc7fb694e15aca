// Request-head parsing: an incremental scanner that finds the end of the head
// and enforces Apache's size limits byte-by-byte-resumably, and a one-pass
// parser for a complete head. Internals of http::Connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/connection.hpp"
#include "http/request.hpp"

namespace mpmd::http::detail {

// Character classes (RFC 9110 5.6.2 tchar, 5.5 field-vchar, request-target).
bool is_tchar(char c);
bool is_field_char(char c);   // field-value byte: HT, SP, VCHAR, obs-text
bool is_target_char(char c);  // request-target byte: VCHAR or obs-text

enum class ScanResult { incomplete, complete, error };

// Finds the empty line that ends a request head. Resumable: call scan() again
// with the same bytes plus more; only the new bytes are examined. Leading empty
// lines before the request line are skipped (RFC 9112 2.2).
class HeadScanner {
 public:
  void reset() { *this = HeadScanner(); }
  // `data` holds the request from its first byte (including skipped lines).
  ScanResult scan(std::string_view data, const Limits& limits);
  // Valid after complete: the head is data[head_begin(), head_end()).
  size_t head_begin() const { return skip_; }
  size_t head_end() const { return head_end_; }
  // Valid after error: 400, 414 or 431.
  int status() const { return status_; }
  // The request line seen so far (for logging a rejected request).
  std::string_view partial_line(std::string_view data) const;

 private:
  size_t pos_ = 0;         // next byte to examine
  size_t line_start_ = 0;  // first byte of the line being scanned
  size_t skip_ = 0;        // bytes of leading empty lines
  size_t head_end_ = 0;
  uint32_t lines_ = 0;  // complete non-empty lines (request line + fields)
  int status_ = 0;
};

// Framing facts a complete head tells the Connection.
struct HeadInfo {
  bool chunked = false;
  uint64_t content_length = 0;
  bool expect_continue = false;  // HTTP/1.1 "Expect: 100-continue"
  bool must_close = false;       // e.g. HTTP/1.0 with Transfer-Encoding
};

// Parses a complete head (request line, fields, empty line). Fills `request`
// as far as it gets, so a rejected request can still be logged. Returns 0, or
// the status to answer with: 400, 417, 501 or 505.
int parse_head(std::string_view head, Request& request, HeadInfo& info);

// Parses field lines ("name: value" ending in LF or CRLF) up to an empty line
// or the end of `block`. Returns 0 or 400.
int parse_fields(std::string_view block, Headers& out);

}  // namespace mpmd::http::detail
