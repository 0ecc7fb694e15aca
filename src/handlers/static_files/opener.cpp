#include "handlers/static_files/opener.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace mpmd::static_files {

namespace {

constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;

int sys_openat2(int dirfd, const char* path, uint64_t resolve) {
  struct open_how how;
  std::memset(&how, 0, sizeof how);
  how.flags = kOpenFlags;
  how.resolve = resolve;
  while (true) {
    long fd = ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0) return int(fd);
    if (errno != EINTR && errno != EAGAIN) return -errno;
  }
}

constexpr uint64_t kBeneath = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;

// Relative paths up to this length are copied to the stack for the NUL.
constexpr size_t kStackPath = 1024;

}  // namespace

Opener::~Opener() {
  if (root_fd_ >= 0) ::close(root_fd_);
}

std::string Opener::init(const std::string& root, bool follow_symlinks, bool force_fallback) {
  if (root_fd_ >= 0) ::close(root_fd_);
  root_fd_ = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd_ < 0) return "DocumentRoot " + root + ": " + std::strerror(errno);
  char buf[PATH_MAX];
  if (!::realpath(root.c_str(), buf)) return "DocumentRoot " + root + ": " + std::strerror(errno);
  root_real_ = buf;
  if (root_real_ == "/") root_real_.clear();
  if (follow_symlinks) {
    mode_ = OpenMode::follow;
    return "";
  }
  // Probe: ENOSYS on kernels before 5.6, EPERM/ENOSYS under some seccomp filters.
  int probe = force_fallback ? -ENOSYS : sys_openat2(root_fd_, ".", kBeneath);
  if (probe >= 0) ::close(probe);
  mode_ = probe >= 0 ? OpenMode::openat2 : OpenMode::realpath;
  return "";
}

int Opener::open(std::string_view relative) const {
  if (relative.size() >= kStackPath) return -ENAMETOOLONG;
  char path[kStackPath];
  if (relative.empty()) {
    path[0] = '.';
    path[1] = '\0';
  } else {
    std::memcpy(path, relative.data(), relative.size());
    path[relative.size()] = '\0';
  }
  switch (mode_) {
    case OpenMode::follow: {
      int fd = ::openat(root_fd_, path, kOpenFlags);
      return fd >= 0 ? fd : -errno;
    }
    case OpenMode::openat2: {
      int fd = sys_openat2(root_fd_, path, kBeneath);
      if (fd == -EXDEV) return open_realpath(relative, true);
      return fd;
    }
    case OpenMode::realpath:
      break;
  }
  return open_realpath(relative, false);
}

int Opener::open_realpath(std::string_view relative, bool beneath) const {
  std::string full = root_real_;
  full.push_back('/');
  full.append(relative);
  char buf[PATH_MAX];
  if (!::realpath(full.c_str(), buf)) return -errno;
  std::string_view canon(buf);
  if (!root_real_.empty()) {
    if (canon.substr(0, root_real_.size()) != root_real_) return -EXDEV;
    canon.remove_prefix(root_real_.size());
  }
  if (!canon.empty() && canon.front() != '/') return -EXDEV;  // "/rootx" is not inside "/root"
  while (!canon.empty() && canon.front() == '/') canon.remove_prefix(1);
  std::string rel(canon);
  // realpath drops a trailing '/'; keep it so "file/" still fails with ENOTDIR.
  if (!relative.empty() && relative.back() == '/' && !rel.empty()) rel.push_back('/');
  if (rel.empty()) rel = ".";
  if (beneath) return sys_openat2(root_fd_, rel.c_str(), kBeneath);
  int fd = ::openat(root_fd_, rel.c_str(), kOpenFlags | O_NOFOLLOW);
  return fd >= 0 ? fd : -errno;
}

int status_for_open_error(int neg_errno) {
  switch (-neg_errno) {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
      return 404;
    case EACCES:
    case EPERM:
    case EXDEV:
    case ELOOP:
    case ENXIO:  // socket, or FIFO opened non-blocking without a writer
      return 403;
    default:
      return 500;
  }
}

}  // namespace mpmd::static_files
