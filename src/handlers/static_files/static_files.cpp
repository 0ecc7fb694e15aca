#include "handlers/static_files/static_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <map>
#include <mutex>
#include <vector>

#include "handlers/compress/stream.hpp"
#include "handlers/static_files/path.hpp"
#include "handlers/static_files/preconditions.hpp"
#include "handlers/static_files/preopened.hpp"
#include "handlers/static_files/responses.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/strings.hpp"

namespace mpmd::static_files {

namespace {

// Request paths longer than this are served but not cached.
constexpr size_t kMaxKeyLength = 512;

// The conditional and range fields of a request, found in one pass.
struct Conditions {
  std::string_view if_match, if_none_match, if_modified_since, if_unmodified_since, range, if_range;
  bool has_if_match = false, has_if_none_match = false;
};

Conditions scan_conditions(const http::Headers& headers) {
  Conditions c;
  for (const http::Header& h : headers.fields()) {
    std::string_view n = h.name;
    switch (n.size()) {
      case 5:
        if (c.range.empty() && util::iequals(n, "Range")) c.range = h.value;
        break;
      case 8:
        if (util::iequals(n, "If-Match")) {
          if (!c.has_if_match) c.if_match = h.value;
          c.has_if_match = true;
        } else if (c.if_range.empty() && util::iequals(n, "If-Range")) {
          c.if_range = h.value;
        }
        break;
      case 13:
        if (util::iequals(n, "If-None-Match")) {
          if (!c.has_if_none_match) c.if_none_match = h.value;
          c.has_if_none_match = true;
        }
        break;
      case 17:
        if (c.if_modified_since.empty() && util::iequals(n, "If-Modified-Since"))
          c.if_modified_since = h.value;
        break;
      case 19:
        if (c.if_unmodified_since.empty() && util::iequals(n, "If-Unmodified-Since"))
          c.if_unmodified_since = h.value;
        break;
      default:
        break;
    }
  }
  return c;
}

// If-Range (RFC 9110 13.1.5): a strong entity-tag equal to ours, or a date equal
// to Last-Modified. Anything else means "send the whole representation".
bool if_range_holds(std::string_view value, const FileEntry& e) {
  value = util::trim_ows(value);
  if (value.empty()) return false;
  if (value.front() == '"' || value.substr(0, 2) == "W/") {
    return !e.etag.empty() && value == e.etag;
  }
  auto date = util::parse_http_date(value);
  return date && *date == e.mtime;
}

void append_range(http::Response& r, const std::shared_ptr<const FileEntry>& e, uint64_t offset,
                  uint64_t length) {
  if (e->in_memory) {
    // Aliasing: the body keeps the whole entry alive, no copy of the bytes.
    r.body.append_shared(std::shared_ptr<const std::string>(e, &e->content), size_t(offset),
                         size_t(length));
  } else {
    r.body.append_file(e->file, offset, length);
  }
}

void append_content_range(std::string& out, const ByteRange& range, uint64_t size) {
  out += "bytes ";
  util::append_u64(out, range.first);
  out += '-';
  util::append_u64(out, range.last);
  out += '/';
  util::append_u64(out, size);
}

uint64_t mix64(uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string_view last_segment(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

StaticFiles::StaticFiles(const config::StaticFiles& settings, const util::Clock& clock,
                         Options options)
    : settings_(settings),
      clock_(clock),
      cache_(settings.max_cached_file_size == 0 ? CacheLimits{0, 0} : options.cache),
      compress_(options.compress) {
  boundary_seed_ = mix64(uint64_t(clock.now()) ^ uint64_t(reinterpret_cast<uintptr_t>(this)) ^
                         uint64_t(::getpid()) << 32);
  mime_ = shared_mime_types(settings_, error_);
  if (!mime_) return;
  if (settings_.document_root.empty()) {
    error_ = "DocumentRoot is not set";
    return;
  }
  // A DocumentRoot that is missing (or unreadable) is not a broken handler:
  // every request gets 404, and the reason is logged once a minute.
  root_error_ = opener_.init(settings_.document_root, settings_.follow_symlinks,
                             options.force_realpath_fallback);
}

void StaticFiles::root_unavailable(http::Response& response) {
  util::Usec now = clock_.now();
  util::Usec last = root_logged_at_.load(std::memory_order_relaxed);
  if ((last == 0 || now - last >= kRootLogInterval || now < last) &&
      root_logged_at_.compare_exchange_strong(last, now == 0 ? 1 : now)) {
    log::emit(log::LogLevel::error, log::ids::kDocumentRootMissing,
              root_error_ + "; every request gets 404 (logged once a minute)");
  }
  http::error_page(response, 404);
}

std::unique_ptr<StaticFiles> StaticFiles::create(const config::StaticFiles& settings,
                                                 const util::Clock& clock, std::string& error,
                                                 Options options) {
  auto handler = std::make_unique<StaticFiles>(settings, clock, options);
  if (!handler->ok()) {
    error = handler->error();
    return nullptr;
  }
  return handler;
}

void StaticFiles::handle(const http::Request& request, http::Response& response) {
  handle_at(request, response, request.path);
}

void StaticFiles::handle_at(const http::Request& request, http::Response& response,
                            std::string_view path) {
  switch (request.method) {
    case http::Method::get:
      break;
    case http::Method::head:
      response.head_only = true;
      break;
    case http::Method::options:
      response.status = 200;
      add_field(response, "Allow", kAllow);
      return;
    default:
      http::error_page(response, 405);
      add_field(response, "Allow", kAllow);
      return;
  }
  if (!ok()) return http::error_page(response, 500);
  if (!root_error_.empty()) return root_unavailable(response);
  util::Usec now = clock_.now();
  std::shared_ptr<const FileEntry> entry = cache_.find(request.path);
  if (entry && now - entry->validated_at.load(std::memory_order_relaxed) < kRevalidateAfter &&
      now >= entry->validated_at.load(std::memory_order_relaxed)) {
    if (!entry->referenced.load(std::memory_order_relaxed))
      entry->referenced.store(true, std::memory_order_relaxed);
  } else {
    entry = resolve(request, path, response, now, entry);
    if (!entry) return;
  }
  serve(request, entry, response, now);
}

std::shared_ptr<const FileEntry> StaticFiles::resolve(
    const http::Request& request, std::string_view path, http::Response& response, util::Usec now,
    const std::shared_ptr<const FileEntry>& cached, bool fallback) {
  auto fail = [&](int status) -> std::shared_ptr<const FileEntry> {
    if (cached) cache_.erase(request.path);
    http::error_page(response, status);
    return nullptr;
  };
  std::string clean;
  switch (clean_path(path, clean)) {
    case PathError::none:
      break;
    case PathError::bad_request:
      return fail(400);
    case PathError::not_found:
      return fail(404);
  }
  std::string_view name = last_segment(clean);  // "" for a directory request
  // Apache's default config denies .htaccess, .htpasswd, ... (<Files ".ht*">).
  if (name.substr(0, 3) == ".ht") return fail(403);

  // Below an Alias: the path after its URL-path (the router matched it).
  std::string_view prefix = settings_.url_prefix;
  if (clean.compare(0, prefix.size(), prefix) != 0) return fail(404);
  size_t skip = prefix.size();
  while (skip < clean.size() && clean[skip] == '/') ++skip;
  std::string rel = clean.substr(skip);
  util::Result<util::UniqueFd> opened = opener_.open(rel);
  if (!opened && !fallback && !settings_.fallback_resource.empty() &&
      opened.error().code == ENOENT) {
    // mod_dir's FallbackResource: a path that names no file is answered
    // with that local URL (a front controller), never cached as this path.
    // Not ENOTDIR: /file.html/x names a file (with path info), a 404 in
    // Apache too.
    if (cached) cache_.erase(request.path);
    return resolve(request, settings_.fallback_resource, response, now, nullptr, true);
  }
  if (!opened) return fail(status_for_open_error(opened.error()));
  util::UniqueFd fd = std::move(*opened);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return fail(500);
  std::string index_name;
  if (S_ISDIR(st.st_mode)) {
    if (clean.back() != '/' && !settings_.directory_slash) {
      // DirectorySlash Off: mod_dir neither redirects nor serves an index
      // here, and no handler serves a directory.
      return fail(403);
    }
    if (clean.back() != '/') {
      if (cached) cache_.erase(request.path);
      std::string location = encode_path(clean);
      location += '/';
      if (!request.query.empty()) {
        location += '?';
        location += request.query;
      }
      redirect(response, location);
      return nullptr;
    }
    util::UniqueFd dir_fd = std::move(fd);
    for (const std::string& index : settings_.directory_index) {
      if (index.empty() || index.find('/') != std::string::npos) continue;
      util::Result<util::UniqueFd> index_fd = opener_.open(rel + index);
      if (!index_fd && index_fd.error().code == ENOENT) continue;
      if (!index_fd) return fail(status_for_open_error(index_fd.error()));
      if (::fstat(index_fd->get(), &st) == 0 && S_ISREG(st.st_mode)) {
        fd = std::move(*index_fd);
        index_name = index;
        break;
      }
    }
    if (!fd) {
      if (cached) cache_.erase(request.path);
      if (settings_.indexes && directory_listing(response, std::move(dir_fd), clean)) {
        return nullptr;
      }
      return fail(403);
    }
    name = index_name;
  } else if (!S_ISREG(st.st_mode)) {
    return fail(403);
  }

  if (cached && cached->id == FileIdentity::of(st)) {
    cached->validated_at.store(now, std::memory_order_relaxed);
    return cached;
  }
  std::shared_ptr<FileEntry> entry = make_entry(std::move(fd), st, name, now);
  if (!entry) return fail(500);
  entry->rel_path = rel + index_name;
  if (entry->in_memory && !fallback && request.path.size() <= kMaxKeyLength) {
    cache_.put(request.path, entry);
  } else if (cached) {
    cache_.erase(request.path);
  }
  return entry;
}

std::shared_ptr<FileEntry> StaticFiles::make_entry(util::UniqueFd fd, const struct stat& st,
                                                   std::string_view name, util::Usec now) const {
  auto e = std::make_shared<FileEntry>();
  e->id = FileIdentity::of(st);
  e->mtime = st.st_mtim.tv_sec;
  std::string_view type = mime_->lookup(name);
  e->content_type = type.empty() ? settings_.default_type : std::string(type);
  if (settings_.file_etag) e->etag = make_etag(e->id.size, e->id.mtime_ns);
  // Never claim a modification later than the response's Date (RFC 9110 8.8.2.1).
  std::time_t now_sec = std::time_t(now / 1'000'000);
  e->last_modified = util::format_http_date(e->mtime < now_sec ? e->mtime : now_sec);
  e->validated_at.store(now, std::memory_order_relaxed);

  if (e->id.size <= settings_.max_cached_file_size) {
    e->content.resize(size_t(e->id.size));
    size_t done = 0;
    while (done < e->content.size()) {
      ssize_t n =
          ::pread(fd.get(), e->content.data() + done, e->content.size() - done, off_t(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += size_t(n);
    }
    struct stat after;
    // Keep the bytes only if the file did not change while we read it.
    if (done == e->content.size() && ::fstat(fd.get(), &after) == 0 &&
        FileIdentity::of(after) == e->id) {
      e->in_memory = true;
      return e;
    }
    e->content.clear();
    e->content.shrink_to_fit();
  }
  e->file = std::make_shared<const http::OpenFile>(fd.release());  // http::OpenFile owns it
  return e;
}

void StaticFiles::serve(const http::Request& request, const std::shared_ptr<const FileEntry>& entry,
                        http::Response& response, util::Usec now) {
  const FileEntry& e = *entry;
  const uint64_t size = e.id.size;
  response.headers.reserve(7);
  Conditions c = scan_conditions(request.headers);

  // A range is of the file as it is; a full answer may be compressed.
  std::vector<ByteRange> ranges;
  RangeResult range_result = RangeResult::ignore;
  if (!c.range.empty() && (c.if_range.empty() || if_range_holds(c.if_range, e))) {
    range_result = parse_range(c.range, size, ranges);
  }
  // SetEnvIf ... no-gzip: sent as it is, as mod_deflate does.
  Variant v = response.env("no-gzip") != nullptr
                  ? Variant{}
                  : choose_variant(request, e, range_result != RangeResult::ignore);

  // RFC 9110 13.2.2: If-Match, else If-Unmodified-Since; If-None-Match, else
  // If-Modified-Since; then Range / If-Range.
  if (c.has_if_match) {
    if (!etag_matches(c.if_match, v.etag, false)) return http::error_page(response, 412);
  } else if (!c.if_unmodified_since.empty()) {
    auto date = util::parse_http_date(util::trim_ows(c.if_unmodified_since));
    if (date && e.mtime > *date) return http::error_page(response, 412);
  }
  bool not_modified = false;
  if (c.has_if_none_match) {
    // The compressed representation's tag, or the file's (as Apache answers that).
    not_modified =
        etag_matches(c.if_none_match, v.etag, true) ||
        (v.coding != compress::Coding::identity && etag_matches(c.if_none_match, e.etag, true));
  } else if (!c.if_modified_since.empty()) {
    auto date = util::parse_http_date(util::trim_ows(c.if_modified_since));
    // Like Apache: a date in the future is ignored.
    not_modified = date && e.mtime <= *date && *date <= std::time_t(now / 1'000'000);
  }
  if (not_modified) {
    response.status = 304;
    add_field(response, "Last-Modified", e.last_modified);
    if (!v.etag.empty()) add_field(response, "ETag", v.etag);
    if (v.vary) add_field(response, "Vary", "Accept-Encoding");
    return;
  }

  add_field(response, "Last-Modified", e.last_modified);
  if (!v.etag.empty()) add_field(response, "ETag", v.etag);
  add_field(response, "Accept-Ranges", "bytes");
  if (v.vary) add_field(response, "Vary", "Accept-Encoding");

  if (range_result != RangeResult::ignore) {
    switch (range_result) {
      case RangeResult::ignore:
        break;
      case RangeResult::unsatisfiable: {
        response.headers.clear();
        http::error_page(response, 416);
        std::string value = "bytes */";
        util::append_u64(value, size);
        add_field(response, "Content-Range", value);
        return;
      }
      case RangeResult::satisfiable: {
        response.status = 206;
        if (ranges.size() == 1) {
          std::string value;
          append_content_range(value, ranges[0], size);
          add_field(response, "Content-Range", value);
          add_field(response, "Content-Type", e.content_type);
          append_range(response, entry, ranges[0].first, ranges[0].length());
          return;
        }
        std::string boundary = next_boundary();
        add_field(response, "Content-Type", "multipart/byteranges; boundary=" + boundary);
        for (const ByteRange& r : ranges) {
          std::string part =
              "\r\n--" + boundary + "\r\nContent-Type: " + e.content_type + "\r\nContent-Range: ";
          append_content_range(part, r, size);
          part += "\r\n\r\n";
          response.body.append(std::move(part));
          append_range(response, entry, r.first, r.length());
        }
        response.body.append("\r\n--" + boundary + "--\r\n");
        return;
      }
    }
  }
  response.status = 200;
  add_field(response, "Content-Type", e.content_type);
  if (v.coding != compress::Coding::identity) {
    if (v.stream) {  // a large file, compressed as it is sent
      append_range(response, entry, 0, size);
      if (!compress::compress_body(response.body, v.coding, compress_->levels(),
                                   compress_->buffer_size())) {
        return;  // the codec could not be set up: the file as it is
      }
    }
    add_field(response, "Content-Encoding", compress::token(v.coding));
    if (v.memory) {
      response.body.append_shared(std::shared_ptr<const std::string>(v.memory, &v.memory->content),
                                  0, v.memory->content.size());
    } else if (v.sidecar) {
      response.body.append_file(v.sidecar, 0, v.sidecar_size);
    }
    return;
  }
  if (size > 0) append_range(response, entry, 0, size);
}

std::string StaticFiles::next_boundary() {
  uint64_t v = mix64(boundary_seed_ + boundary_counter_.fetch_add(1, std::memory_order_relaxed));
  char buf[17];
  auto res = std::to_chars(buf, buf + 16, v, 16);
  std::string b(size_t(16 - (res.ptr - buf)), '0');
  b.append(buf, res.ptr);
  return b;
}

}  // namespace mpmd::static_files
