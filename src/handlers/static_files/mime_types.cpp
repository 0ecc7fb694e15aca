#include "handlers/static_files/mime_types.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/strings.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::static_files {

namespace {

constexpr std::string_view kBuiltin = R"(
text/html html htm
text/css css
text/javascript js mjs
text/plain txt text log
text/csv csv
text/markdown md
text/xml
application/xml xml xsl
application/json json map
application/ld+json jsonld
application/manifest+json webmanifest
application/wasm wasm
application/pdf pdf
application/zip zip
application/gzip gz tgz
application/x-tar tar
application/x-bzip2 bz2
application/x-xz xz
application/zstd zst
application/rss+xml rss
application/atom+xml atom
application/octet-stream bin exe dll iso img
image/png png
image/jpeg jpg jpeg jpe
image/gif gif
image/webp webp
image/avif avif
image/svg+xml svg svgz
image/vnd.microsoft.icon ico
image/bmp bmp
image/tiff tif tiff
font/woff woff
font/woff2 woff2
font/ttf ttf
font/otf otf
audio/mpeg mp3
audio/ogg ogg oga
audio/wav wav
audio/flac flac
video/mp4 mp4 m4v
video/webm webm
video/ogg ogv
video/quicktime mov
)";

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

}  // namespace

std::string MimeTypes::load_file(const std::string& path) {
  util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return "cannot open TypesConfig " + path + ": " + std::strerror(errno);
  std::string text;
  char buf[16384];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return "cannot read TypesConfig " + path + ": " + std::strerror(errno);
    if (n == 0) break;
    text.append(buf, size_t(n));
  }
  load_text(text);
  return "";
}

void MimeTypes::load_text(std::string_view text) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::string_view type;
    while (!line.empty()) {
      while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
      size_t n = 0;
      while (n < line.size() && !is_space(line[n])) ++n;
      if (n == 0) break;
      std::string_view word = line.substr(0, n);
      line.remove_prefix(n);
      if (type.empty()) {
        type = word;
      } else {
        add(word, type);
      }
    }
  }
}

void MimeTypes::load_builtin() {
  load_text(kBuiltin);
}

void MimeTypes::add(std::string_view ext, std::string_view type) {
  if (!ext.empty() && ext.front() == '.') ext.remove_prefix(1);
  if (ext.empty()) return;
  by_ext_.insert_or_assign(util::to_lower(ext), std::string(type));
}

std::string_view MimeTypes::lookup(std::string_view filename) const {
  size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos) return {};
  std::string_view ext = filename.substr(dot + 1);
  if (ext.empty() || ext.size() > 32 || ext.find('/') != std::string_view::npos) return {};
  char lower[32];
  for (size_t i = 0; i < ext.size(); ++i) lower[i] = util::ascii_lower(ext[i]);
  auto it = by_ext_.find(std::string_view(lower, ext.size()));
  return it == by_ext_.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace mpmd::static_files
