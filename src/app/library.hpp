// An application's shared object, opened with dlopen(3) and checked: the two
// entry symbols exist and its API version, C++ standard library, std::string
// ABI and type layout are ours (include/mpmd/app.hpp, "the ABI check").
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "mpmd/app.hpp"

namespace mpmd::app {

class Library {
 public:
  ~Library();  // dlclose
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  const std::string& path() const { return path_; }
  RegisterFunction register_function() const { return register_; }

  // Opens `path` (absolute). Returns null with `error` ("cannot load PATH:
  // ...") when the file is missing, dlopen fails, an entry symbol is missing
  // or the ABI differs. An object already opened by this process is shared;
  // one whose file was replaced since (new inode, size or mtime) is loaded
  // anew, so a graceful restart picks up new code.
  static std::shared_ptr<const Library> open(const std::string& path, std::string& error);

  // What identifies the file behind a path (public for the loader's bookkeeping).
  struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    long mtime_sec = 0;
    long mtime_nsec = 0;
    bool operator==(const FileId&) const = default;
  };

 private:
  Library() = default;
  static std::shared_ptr<const Library> load(const std::string& path, const FileId& id,
                                             bool fresh_copy, bool& dlopened, std::string& error);

  std::string path_;
  FileId id_;
  void* handle_ = nullptr;
  RegisterFunction register_ = nullptr;
};

// "" if `info` (what an object's mpmd_app_abi() returned) matches this
// server's, else what differs.
std::string abi_mismatch(const AbiInfo& info);

}  // namespace mpmd::app
