// Test helpers for the static file handler: a temporary directory tree that
// removes itself, requests that own their strings, and reading a response body
// back (file segments with pread), the way net/ would send it.
#pragma once

#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"

namespace mpmd::test {

class TempTree {
 public:
  TempTree() {
    char tmpl[] = "/tmp/mpmd-static-XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    root_ = dir ? dir : "";
  }
  ~TempTree() {
    if (root_.empty()) return;
    // Make everything removable again (tests chmod 000 some entries).
    ::nftw(
        root_.c_str(),
        [](const char* p, const struct stat* st, int type, struct FTW*) {
          if (type == FTW_D || type == FTW_DNR) ::chmod(p, 0700);
          (void)st;
          return 0;
        },
        16, FTW_PHYS);
    ::nftw(
        root_.c_str(),
        [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::string& root() const { return root_; }
  std::string path(const std::string& rel) const { return root_ + "/" + rel; }

  void dir(const std::string& rel) const { ::mkdir(path(rel).c_str(), 0755); }
  void file(const std::string& rel, const std::string& content) const {
    int fd = ::open(path(rel).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    size_t done = 0;
    while (done < content.size()) {
      ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n <= 0) break;
      done += size_t(n);
    }
    ::close(fd);
  }
  void symlink(const std::string& target, const std::string& rel) const {
    (void)::symlink(target.c_str(), path(rel).c_str());
  }
  // Sets the modification time (seconds since the epoch).
  void touch(const std::string& rel, time_t mtime) const {
    struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
    ::utimensat(AT_FDCWD, path(rel).c_str(), times, 0);
  }

 private:
  std::string root_;
};

// A request whose string_views point into its own storage.
struct OwnedRequest {
  std::string path, query;
  std::vector<std::pair<std::string, std::string>> fields;
  http::Peer peer;
  http::Request request;

  OwnedRequest(http::Method method, std::string target,
               std::vector<std::pair<std::string, std::string>> headers = {})
      : fields(std::move(headers)) {
    size_t q = target.find('?');
    path = target.substr(0, q);
    if (q != std::string::npos) query = target.substr(q + 1);
    request.method = method;
    request.path = path;
    request.query = query;
    request.target = path;
    request.peer = &peer;
    for (auto& [name, value] : fields) request.headers.add(name, value);
  }
  OwnedRequest(const OwnedRequest&) = delete;
  OwnedRequest& operator=(const OwnedRequest&) = delete;
};

// The body bytes as they would go on the wire.
inline std::string body_bytes(const http::Response& response) {
  std::string out;
  for (const http::Segment& seg : response.body.segments()) {
    if (!seg.is_file()) {
      out.append(seg.bytes());
      continue;
    }
    const http::Segment::File& f = *seg.file();
    std::string buf(size_t(f.length), '\0');
    size_t done = 0;
    while (done < buf.size()) {
      ssize_t n =
          ::pread(f.file->fd(), buf.data() + done, buf.size() - done, off_t(f.offset + done));
      if (n <= 0) break;
      done += size_t(n);
    }
    buf.resize(done);
    out += buf;
  }
  return out;
}

}  // namespace mpmd::test
