// Opens files beneath DocumentRoot so that no path, ".." or symlink can reach
// outside it (unless FollowSymLinks allows symlinks to go anywhere).
//
// Strategy, chosen at run time (no preprocessor paths):
//  * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) relative to an fd of the
//    root, when the kernel has it (Linux >= 5.6). The kernel refuses escapes
//    atomically. An absolute symlink is refused by the kernel even when it
//    points inside the root; for that case the path is canonicalised with
//    realpath() and, if inside the root, opened again beneath the root (still
//    with RESOLVE_BENEATH, so a symlink swapped in meanwhile is refused too).
//  * Otherwise realpath() + prefix check, then open of the canonical path
//    (racy against a concurrent symlink swap; only used on old kernels).
// With follow_symlinks, a plain openat() relative to the root fd is used.
#pragma once

#include <string>
#include <string_view>

#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::static_files {

enum class OpenMode { openat2, realpath, follow };

class Opener {
 public:
  Opener() = default;
  Opener(const Opener&) = delete;
  Opener& operator=(const Opener&) = delete;

  // Opens the root directory. Returns "" or an error message.
  // `force_fallback` disables openat2 (tests of the realpath path).
  std::string init(const std::string& root, bool follow_symlinks, bool force_fallback = false);

  // Opens `relative` (no leading '/'; "" is the root itself) read-only,
  // O_CLOEXEC | O_NONBLOCK. Fails with the errno as the error's code (and no
  // message: this is the hot path): ENOENT/ENOTDIR (missing), EACCES/EPERM
  // (permission), EXDEV (escapes the root), ELOOP, ...
  util::Result<util::UniqueFd> open(std::string_view relative) const;

  OpenMode mode() const { return mode_; }
  const std::string& root() const { return root_real_; }

 private:
  util::Result<util::UniqueFd> open_realpath(std::string_view relative, bool beneath) const;

  util::UniqueFd root_fd_;
  std::string root_real_;  // canonical root, no trailing '/'
  OpenMode mode_ = OpenMode::realpath;
};

// Maps an error of Opener::open to an HTTP status (404, 403 or 500).
int status_for_open_error(const util::Error& error);

}  // namespace mpmd::static_files
