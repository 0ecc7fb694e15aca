#include "handlers/compress/policy.hpp"

#include <algorithm>

#include "handlers/router.hpp"
#include "util/strings.hpp"

namespace mpmd::compress {

bool eligible(const Candidate& c) {
  if (c.status < 200 || c.status > 299 || c.status == 204 || c.status == 206) return false;
  if (c.content_range) return false;
  std::string_view ce = util::trim_ows(c.content_encoding);
  if (!ce.empty() && !util::iequals(ce, "identity")) return false;
  if (!c.cache_control.empty()) {
    std::string lower = util::to_lower(c.cache_control);
    if (lower.find("no-transform") != std::string::npos) return false;
  }
  return !c.length || *c.length >= kMinLength;
}

std::string media_type(std::string_view content_type) {
  return util::to_lower(util::trim_ows(content_type.substr(0, content_type.find(';'))));
}

std::string tagged_etag(std::string_view etag, Coding coding) {
  if (etag.size() < 2 || etag.back() != '"' || coding == Coding::identity) {
    return std::string(etag);
  }
  std::string out(etag.substr(0, etag.size() - 1));
  out += etag_suffix(coding);
  out += '"';
  return out;
}

bool varies_on_encoding(const http::Response& response) {
  for (const http::ResponseHeader& h : response.headers) {
    if (!util::iequals(h.name, "Vary")) continue;
    std::string lower = util::to_lower(h.value);
    if (lower.find("accept-encoding") != std::string::npos || util::trim_ows(lower) == "*") {
      return true;
    }
  }
  return false;
}

void add_vary(http::Response& response) {
  if (varies_on_encoding(response)) return;
  for (http::ResponseHeader& h : response.headers) {
    if (util::iequals(h.name, "Vary") && !util::trim_ows(h.value).empty()) {
      h.value += ", Accept-Encoding";
      return;
    }
  }
  response.add_header_copy("Vary", "Accept-Encoding");
}

namespace {

// The URL-path of directory `dir` below `root` served at `url` ("" if not below).
std::string url_below(const std::string& dir, const std::string& root, std::string_view url) {
  if (root.empty()) return "";
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  std::string d = dir;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  if (d != r && !(d.starts_with(r) && (r == "/" || d[r.size()] == '/'))) return "";
  std::string rest = d.substr(r == "/" ? 0 : r.size());
  std::string out(url);
  while (!out.empty() && out.back() == '/') out.pop_back();
  out += rest;
  return out.empty() ? "/" : out;
}

}  // namespace

Policy::Policy(const config::Compress& settings, const config::StaticFiles& files,
               const std::vector<config::AliasRule>& aliases)
    : settings_(settings) {
  levels_ = {settings_.gzip_level, settings_.brotli_level, settings_.zstd_level};
  encodings_ = settings_.encodings & kAllCodings;
  buffer_size_ = size_t(std::clamp<uint64_t>(settings_.buffer_size, 1024, 1u << 20));
  std::vector<Scope> dirs, locations;
  for (const config::CompressSection& s : settings_.sections) {
    if (!s.directory) {
      locations.push_back({s.path, &s});
      continue;
    }
    std::string url = url_below(s.path, files.document_root, "/");
    if (!url.empty()) dirs.push_back({url, &s});
    for (const config::AliasRule& a : aliases) {
      if (a.status != 0) continue;
      url = url_below(s.path, a.target, a.url);
      if (!url.empty()) dirs.push_back({url, &s});
    }
    active_ = active_ || s.all == 1 || !s.types.empty() || s.precompressed == 1;
  }
  std::stable_sort(dirs.begin(), dirs.end(), [](const Scope& a, const Scope& b) {
    return a.prefix.size() < b.prefix.size();
  });
  scopes_ = std::move(dirs);
  scopes_.insert(scopes_.end(), locations.begin(), locations.end());
  for (const Scope& s : locations) {
    active_ = active_ || s.section->all == 1 || !s.section->types.empty() ||
              s.section->precompressed == 1;
  }
  active_ = active_ || settings_.all || !settings_.types.empty() || settings_.precompressed;
  if (encodings_ == 0) active_ = false;
}

bool Policy::filters(std::string_view path, std::string_view content_type) const {
  bool all = settings_.all;
  std::string type = media_type(content_type);
  bool typed =
      std::find(settings_.types.begin(), settings_.types.end(), type) != settings_.types.end();
  for (const Scope& s : scopes_) {
    if (!handlers::location_matches(s.prefix, path)) continue;
    if (s.section->all >= 0) all = s.section->all == 1;
    if (!typed) {
      typed = std::find(s.section->types.begin(), s.section->types.end(), type) !=
              s.section->types.end();
    }
  }
  return all || typed;
}

bool Policy::precompressed(std::string_view path) const {
  bool on = settings_.precompressed;
  for (const Scope& s : scopes_) {
    if (s.section->precompressed >= 0 && handlers::location_matches(s.prefix, path)) {
      on = s.section->precompressed == 1;
    }
  }
  return on;
}

}  // namespace mpmd::compress
