// The compressed representations of static files: cached encodings of each
// file version, precompressed sidecar files (CompressStatic), and large files
// compressed as they are sent.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "handlers/compress/codec.hpp"
#include "handlers/static_files/static_files.hpp"
#include "util/strings.hpp"

namespace mpmd::static_files {

namespace {

// Files up to this size are encoded whole, once per version and coding, and
// the result kept in the file cache; larger ones are compressed as they are
// sent, DeflateBufferSize bytes at a time.
constexpr uint64_t kEncodeWholeMax = 1u << 20;

// The cache key of a file version's encoding: never a request path (those
// start with '/'), and a new version of the file gets a new key.
std::string variant_key(const FileEntry& e, compress::Coding coding, const compress::Levels& l) {
  std::string key = "\x01";
  key += compress::token(coding);
  key += ':';
  int level = coding == compress::Coding::gzip ? l.gzip
              : coding == compress::Coding::br ? l.brotli
                                               : l.zstd;
  util::append_u64(key, uint64_t(level));
  for (uint64_t v :
       {e.id.dev, e.id.ino, e.id.size, uint64_t(e.id.mtime_ns), uint64_t(e.id.ctime_ns)}) {
    key += ':';
    util::append_u64(key, v);
  }
  return key;
}

bool read_whole(const FileEntry& e, std::string& out) {
  out.resize(size_t(e.id.size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(e.file->fd(), out.data() + done, out.size() - done, off_t(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

}  // namespace

StaticFiles::Variant StaticFiles::choose_variant(const http::Request& request, const FileEntry& e,
                                                 bool ranged) {
  Variant v;
  v.etag = e.etag;
  if (compress_ == nullptr || !compress_->active() || e.id.size < compress::kMinLength) return v;
  bool typed = compress_->filters(request.path, e.content_type);
  bool sidecars = compress_->precompressed(request.path);
  if (!typed && !sidecars) return v;
  v.vary = true;
  if (ranged) return v;
  unsigned enabled = compress_->encodings();
  while (enabled != 0) {
    v.coding = compress::choose(request.headers, enabled);
    if (v.coding == compress::Coding::identity) break;
    if (load_variant(request, e, v, typed)) {
      v.etag = compress::tagged_etag(e.etag, v.coding);
      return v;
    }
    enabled &= ~compress::bit_of(v.coding);  // no such sidecar: the next coding the client takes
  }
  v.coding = compress::Coding::identity;
  return v;
}

bool StaticFiles::load_variant(const http::Request& request, const FileEntry& e, Variant& v,
                               bool typed) {
  if (compress_->precompressed(request.path) && !e.rel_path.empty()) {
    std::string name = e.rel_path;
    name += compress::file_suffix(v.coding);
    util::Result<util::UniqueFd> fd = opener_.open(name);
    struct stat st;
    if (fd && ::fstat(fd->get(), &st) == 0 && S_ISREG(st.st_mode) &&
        int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec >= e.id.mtime_ns) {
      v.sidecar = std::make_shared<const http::OpenFile>(fd->release());
      v.sidecar_size = uint64_t(st.st_size);
      return true;
    }
  }
  if (!typed) return false;
  if (e.id.size > kEncodeWholeMax) {
    v.stream = true;
    return true;
  }
  const compress::Levels& levels = compress_->levels();
  std::string key = variant_key(e, v.coding, levels);
  if (auto cached = cache_.find(key)) {
    v.memory = std::move(cached);
    return true;
  }
  std::string plain;
  if (!e.in_memory && !read_whole(e, plain)) return false;
  auto entry = std::make_shared<FileEntry>();
  entry->id = e.id;
  if (!compress::encode(v.coding, levels, e.in_memory ? std::string_view(e.content) : plain,
                        entry->content)) {
    return false;
  }
  entry->in_memory = true;
  cache_.put(key, entry);
  v.memory = std::move(entry);
  return true;
}

}  // namespace mpmd::static_files
