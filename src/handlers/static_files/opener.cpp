#include "handlers/static_files/opener.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "handlers/static_files/preopened.hpp"

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

util::Result<util::UniqueFd> opened(int fd) {
  return util::UniqueFd(fd);
}
// No message: a missing file is common and answered with a status, not logged.
util::Result<util::UniqueFd> failed(int neg_errno) {
  return util::Error{{}, -neg_errno};
}

}  // namespace

std::string Opener::init(const std::string& root, bool follow_symlinks, bool force_fallback) {
  if (const PreopenedRoot* pre = preopened_root(root)) {
    // The master's, opened as root: the directories above need not be
    // searchable by User.
    root_fd_.reset(::fcntl(pre->fd, F_DUPFD_CLOEXEC, 0));
    if (!root_fd_) return "DocumentRoot " + root + ": " + std::strerror(errno);
    root_real_ = pre->real;
  } else {
    root_fd_.reset(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd_) return "DocumentRoot " + root + ": " + std::strerror(errno);
    char buf[PATH_MAX];
    if (!::realpath(root.c_str(), buf)) {
      return "DocumentRoot " + root + ": " + std::strerror(errno);
    }
    root_real_ = buf;
    if (root_real_ == "/") root_real_.clear();
  }
  if (follow_symlinks) {
    mode_ = OpenMode::follow;
    return "";
  }
  // Probe: ENOSYS on kernels before 5.6, EPERM/ENOSYS under some seccomp filters.
  util::UniqueFd probe(force_fallback ? -ENOSYS : sys_openat2(root_fd_.get(), ".", kBeneath));
  mode_ = probe ? OpenMode::openat2 : OpenMode::realpath;
  return "";
}

util::Result<util::UniqueFd> Opener::open(std::string_view relative) const {
  if (relative.size() >= kStackPath) return failed(-ENAMETOOLONG);
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
      int fd = ::openat(root_fd_.get(), path, kOpenFlags);
      return fd >= 0 ? opened(fd) : failed(-errno);
    }
    case OpenMode::openat2: {
      int fd = sys_openat2(root_fd_.get(), path, kBeneath);
      if (fd == -EXDEV) return open_realpath(relative, true);
      return fd >= 0 ? opened(fd) : failed(fd);
    }
    case OpenMode::realpath:
      break;
  }
  return open_realpath(relative, false);
}

util::Result<util::UniqueFd> Opener::open_realpath(std::string_view relative, bool beneath) const {
  std::string full = root_real_;
  full.push_back('/');
  full.append(relative);
  char buf[PATH_MAX];
  if (!::realpath(full.c_str(), buf)) return failed(-errno);
  std::string_view canon(buf);
  if (!root_real_.empty()) {
    if (canon.substr(0, root_real_.size()) != root_real_) return failed(-EXDEV);
    canon.remove_prefix(root_real_.size());
  }
  // "/rootx" is not inside "/root"
  if (!canon.empty() && canon.front() != '/') return failed(-EXDEV);
  while (!canon.empty() && canon.front() == '/') canon.remove_prefix(1);
  std::string rel(canon);
  // realpath drops a trailing '/'; keep it so "file/" still fails with ENOTDIR.
  if (!relative.empty() && relative.back() == '/' && !rel.empty()) rel.push_back('/');
  if (rel.empty()) rel = ".";
  int fd = beneath ? sys_openat2(root_fd_.get(), rel.c_str(), kBeneath)
                   : ::openat(root_fd_.get(), rel.c_str(), kOpenFlags | O_NOFOLLOW);
  if (!beneath && fd < 0) fd = -errno;
  return fd >= 0 ? opened(fd) : failed(fd);
}

int status_for_open_error(const util::Error& error) {
  switch (error.code) {
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
