// Which responses are compressed, and how their header fields change: the
// rules of mod_deflate (what it leaves alone) with the settings of one host
// (AddOutputFilterByType, SetOutputFilter, CompressStatic per <Location> and
// <Directory>), resolved per request path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "handlers/compress/codec.hpp"
#include "handlers/compress/coding.hpp"
#include "http/response.hpp"

namespace mpmd::compress {

// Bodies shorter than this are sent as they are, with no Vary (Debian's
// Apache 2.4 with mod_deflate compresses 69 bytes and more, not 68).
constexpr uint64_t kMinLength = 69;

// What decides whether a response may be compressed, before Accept-Encoding.
struct Candidate {
  int status = 200;
  std::string_view content_encoding;  // the response's Content-Encoding ("" = none)
  std::string_view cache_control;     // the response's Cache-Control
  bool content_range = false;         // a part of the representation (206)
  std::optional<uint64_t> length;     // the body's length, when known
};

// 2xx except 204 and 206; not already encoded (identity counts as not);
// no Cache-Control: no-transform; no body shorter than kMinLength.
bool eligible(const Candidate& c);

// The media type of a Content-Type value, lower case, without parameters.
std::string media_type(std::string_view content_type);

// "\"abc\"" -> "\"abc-gzip\"" (W/ kept); an empty or unquoted tag is returned as is.
std::string tagged_etag(std::string_view etag, Coding coding);

// Adds Accept-Encoding to the response's Vary field (once; not after "*").
void add_vary(http::Response& response);
// Whether the response's Vary already names Accept-Encoding.
bool varies_on_encoding(const http::Response& response);

class Policy {
 public:
  // `files` and `aliases` map <Directory> sections to URL-paths (DocumentRoot
  // and each Alias directory).
  Policy(const config::Compress& settings, const config::StaticFiles& files,
         const std::vector<config::AliasRule>& aliases);

  // Whether anything could be compressed or a sidecar served.
  bool active() const { return active_; }
  // Does the DEFLATE filter apply to `content_type` at request path `path`?
  bool filters(std::string_view path, std::string_view content_type) const;
  // CompressStatic in force at `path`?
  bool precompressed(std::string_view path) const;

  const Levels& levels() const { return levels_; }
  unsigned encodings() const { return encodings_; }
  size_t buffer_size() const { return buffer_size_; }

 private:
  struct Scope {
    std::string prefix;  // URL-path, as <Location> matches
    const config::CompressSection* section;
  };
  config::Compress settings_;
  std::vector<Scope> scopes_;  // <Directory> ones (shortest first), then <Location> ones
  Levels levels_;
  unsigned encodings_ = kAllCodings;
  size_t buffer_size_ = 8096;
  bool active_ = false;
};

}  // namespace mpmd::compress
