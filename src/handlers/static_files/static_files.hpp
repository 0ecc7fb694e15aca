// The static file handler: DocumentRoot, DirectoryIndex, Options
// FollowSymLinks / Indexes, TypesConfig / AddType, FileETag, conditional and
// range requests (RFC 9110), for GET, HEAD and OPTIONS.
//
// handle() may run on several threads at once. Small files
// (<= max_cached_file_size) are kept in memory with their header values
// precomputed; a hit is one hash lookup under a shard mutex, no system call.
// Entries are revalidated (path resolved again, identity compared) once they
// are a second old by the given clock. Larger files are resolved per request
// and sent as a file segment, for sendfile.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "handlers/compress/policy.hpp"
#include "handlers/static_files/file_cache.hpp"
#include "handlers/static_files/mime_types.hpp"
#include "handlers/static_files/opener.hpp"
#include "http/handler.hpp"
#include "util/clock.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::static_files {

struct Options {
  CacheLimits cache;
  bool force_realpath_fallback = false;  // tests: behave as on a kernel without openat2
  // The host's compression settings (AddOutputFilterByType DEFLATE, CompressStatic);
  // null or inactive: files are sent as they are. Must outlive the handler.
  const compress::Policy* compress = nullptr;
};

class StaticFiles final : public http::Handler {
 public:
  // Never throws for bad settings: check ok() / error() (TypesConfig
  // unreadable, no DocumentRoot set). A handler that is not ok() answers 500.
  // A DocumentRoot that does not exist (or cannot be opened) leaves it ok():
  // requests get 404 and root_error() is logged at most once a minute.
  StaticFiles(const config::StaticFiles& settings, const util::Clock& clock, Options options = {});

  // Returns null and sets `error` if the settings can't be used.
  static std::unique_ptr<StaticFiles> create(const config::StaticFiles& settings,
                                             const util::Clock& clock, std::string& error,
                                             Options options = {});

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // Why the DocumentRoot cannot be served from ("" = it can).
  const std::string& root_error() const { return root_error_; }

  void handle(const http::Request& request, http::Response& response) override;
  // The same for the file at URL-path `path` below the root instead of the
  // request's own (AliasMatch); cached under the request's path.
  void handle_at(const http::Request& request, http::Response& response, std::string_view path);

  const FileCache& cache() const { return cache_; }
  // Valid when ok(); shared with the other handlers of the process that use
  // the same TypesConfig and AddType lines.
  const MimeTypes& mime_types() const { return *mime_; }
  OpenMode open_mode() const { return opener_.mode(); }

 private:
  // Resolves the request path to a file entry (maybe `cached`, revalidated), or
  // fills `response` with an error, redirect or listing and returns null.
  // `path` is the request's (or FallbackResource's, `fallback` true).
  std::shared_ptr<const FileEntry> resolve(const http::Request& request, std::string_view path,
                                           http::Response& response, util::Usec now,
                                           const std::shared_ptr<const FileEntry>& cached,
                                           bool fallback = false);
  std::shared_ptr<FileEntry> make_entry(util::UniqueFd fd, const struct stat& st,
                                        std::string_view name, util::Usec now) const;
  void serve(const http::Request& request, const std::shared_ptr<const FileEntry>& entry,
             http::Response& response, util::Usec now);
  // The representation a full (200 or 304) answer sends: compressed (from
  // the cache, a sidecar file, or encoded now) when the policy and the
  // client's Accept-Encoding say so (handlers/static_files/compressed.cpp).
  struct Variant {
    compress::Coding coding = compress::Coding::identity;
    bool vary = false;                              // the choice depended on Accept-Encoding
    std::string etag;                               // the representation's ("" = none)
    std::shared_ptr<const FileEntry> memory;        // compressed bytes in memory (content)
    std::shared_ptr<const http::OpenFile> sidecar;  // FILE.br / .zst / .gz
    uint64_t sidecar_size = 0;
    bool stream = false;  // compress the file as it is sent (large files)
  };
  // `ranged`: a range is sent, of the file as it is (only Vary is decided).
  Variant choose_variant(const http::Request& request, const FileEntry& e, bool ranged);
  // Fills in v's body source for v.coding; false if none can be had (send identity).
  bool load_variant(const http::Request& request, const FileEntry& e, Variant& v, bool typed);
  std::string next_boundary();
  void root_unavailable(http::Response& response);

  static constexpr util::Usec kRootLogInterval = 60 * 1000000;

  config::StaticFiles settings_;
  const util::Clock& clock_;
  std::shared_ptr<const MimeTypes> mime_;
  Opener opener_;
  FileCache cache_;
  const compress::Policy* compress_ = nullptr;
  std::string error_;
  std::string root_error_;
  std::atomic<util::Usec> root_logged_at_{0};
  uint64_t boundary_seed_ = 0;
  std::atomic<uint64_t> boundary_counter_{0};
};

}  // namespace mpmd::static_files
