#include "app/library.hpp"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string_view>

namespace mpmd::app {

namespace {

// Every object this process opened, by path, to share it between
// configurations and to notice a replaced file.
struct Opened {
  std::mutex mutex;
  std::map<std::string, std::weak_ptr<const Library>> by_path;
  // The file dlopen()ed under its own path, per path: dlopen(path) returns
  // that object for as long as it stays loaded, whatever the file is now.
  std::map<std::string, Library::FileId> plain;
};

Opened& opened() {
  static Opened* o = new Opened;  // never destroyed: libraries may outlive static destruction
  return *o;
}

std::string dl_error() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

}  // namespace

namespace {

// "libstdc++ 12", "libc++ 17".
std::string describe_library(uint32_t id) {
  const uint32_t release = id & 0xffffffu;
  switch (StandardLibrary(id >> 24)) {
    case StandardLibrary::libstdcxx:
      return "libstdc++ " + std::to_string(release);
    case StandardLibrary::libcxx:
      // _LIBCPP_VERSION is MMmmm up to 15 (14000), MMmmpp from 16 (170000).
      return "libc++ " + std::to_string(release >= 100000 ? release / 10000 : release / 1000);
    default:
      return "an unknown C++ standard library";
  }
}

}  // namespace

std::string abi_mismatch(const AbiInfo& info) {
  const AbiInfo ours = abi_info();
  if (info.api_version != ours.api_version) {
    return "it was built for application API version " + std::to_string(info.api_version) +
           ", this mpmd has version " + std::to_string(ours.api_version) +
           ": rebuild it against this mpmd's include/mpmd/app.hpp";
  }
  if (info.library >> 24 == 0) {
    // Those headers reported __GXX_ABI_VERSION here and a layout without a table.
    return "it was built against the include/mpmd headers of an earlier mpmd (they report the "
           "compiler ABI, " +
           std::to_string(info.library) +
           ", where this mpmd checks the standard library): rebuild it against this mpmd's headers";
  }
  const std::string theirs = describe_library(info.library);
  const std::string mine = describe_library(ours.library);
  if (info.library >> 24 != ours.library >> 24) {
    std::string how = StandardLibrary(ours.library >> 24) == StandardLibrary::libstdcxx
                          ? " (g++, or clang++ without -stdlib=libc++)"
                          : "";
    return "it was built against " + theirs + ", mpmd against " + mine +
           ": their std::string, std::function, ... differ; build it against " + mine + how;
  }
  if (info.cxx11_abi != ours.cxx11_abi) {
    auto name = [](uint32_t abi) {
      return abi ? std::string("the C++11 std::string ABI (_GLIBCXX_USE_CXX11_ABI=1)")
                 : std::string("the old std::string ABI (_GLIBCXX_USE_CXX11_ABI=0)");
    };
    return "it was built with " + name(info.cxx11_abi) + ", mpmd with " + name(ours.cxx11_abi) +
           ": rebuild it with -D_GLIBCXX_USE_CXX11_ABI=" + std::to_string(ours.cxx11_abi) +
           " or without that option";
  }
  // The same library family: another release is fine as long as the shared
  // types are laid out alike (libstdc++ and libc++ keep theirs stable).
  constexpr uint32_t kMaxTypes = 256;
  if (!info.types || info.type_count > kMaxTypes) return "it reports no type layout";
  std::string differs;
  bool standard = false;  // a std:: type differs, not only mpmd's own
  auto note = [&](std::string_view name, std::string what) {
    if (!differs.empty()) differs += "; ";
    differs += std::string(name) + " " + what;
    standard |= name.starts_with("std::");
  };
  auto shape = [](const TypeLayout& t) {
    return std::to_string(t.size) + " bytes (align " + std::to_string(t.align) + ")";
  };
  for (uint32_t i = 0; i < ours.type_count; ++i) {
    const TypeLayout& mine_t = ours.types[i];
    const TypeLayout* other = nullptr;
    for (uint32_t j = 0; j < info.type_count && !other; ++j) {
      if (info.types[j].name && std::string_view(info.types[j].name) == mine_t.name) {
        other = &info.types[j];
      }
    }
    if (!other) {
      note(mine_t.name, "is missing there");
    } else if (other->size != mine_t.size || other->align != mine_t.align) {
      note(mine_t.name, "is " + shape(*other) + " there, " + shape(mine_t) + " here");
    }
  }
  if (differs.empty() && info.type_count != ours.type_count) {
    differs = "it lists " + std::to_string(info.type_count) + " shared types, mpmd " +
              std::to_string(ours.type_count);
  }
  if (differs.empty()) return "";
  if (standard) {
    return "its standard library's types differ from mpmd's (" + theirs + " there, " + mine +
           " here): " + differs + "; build it against the standard library mpmd was built with";
  }
  return "its include/mpmd headers differ from this mpmd's: " + differs +
         "; rebuild it against this mpmd's headers";
}

Library::~Library() {
  if (handle_) dlclose(handle_);
}

std::shared_ptr<const Library> Library::open(const std::string& path, std::string& error) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    error = "cannot load " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  if (!S_ISREG(st.st_mode)) {
    error = "cannot load " + path + ": not a regular file";
    return nullptr;
  }
  FileId id{st.st_dev, st.st_ino, st.st_size, long(st.st_mtim.tv_sec), long(st.st_mtim.tv_nsec)};
  Opened& o = opened();
  std::lock_guard lock(o.mutex);
  auto it = o.by_path.find(path);
  if (it != o.by_path.end()) {
    if (auto lib = it->second.lock(); lib && lib->id_ == id) return lib;
  }
  // dlopen() returns an object already loaded under the same name even when
  // the file changed (and objects with unique C++ symbols are never really
  // unloaded), so a replaced file is opened under a fresh name.
  auto plain = o.plain.find(path);
  bool fresh = plain != o.plain.end() && !(plain->second == id);
  bool dlopened = false;
  auto lib = load(path, id, fresh, dlopened, error);
  // Even an object refused below may stay resident under its name.
  if (dlopened && !fresh) o.plain[path] = id;
  if (!lib) return nullptr;
  o.by_path[path] = lib;
  return lib;
}

std::shared_ptr<const Library> Library::load(const std::string& path, const FileId& id,
                                             bool fresh_copy, bool& dlopened, std::string& error) {
  std::string name = path;
  std::string alias_dir;
  if (fresh_copy) {
    // A symlink with a name never used before: glibc matches loaded objects
    // by name first, then by device and inode (new here).
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/mpmd-app-XXXXXX";
    if (!mkdtemp(templ.data())) {
      error = "cannot load " + path + ": mkdtemp: " + std::strerror(errno);
      return nullptr;
    }
    alias_dir = templ;
    size_t slash = path.rfind('/');
    name = alias_dir + "/" + path.substr(slash == std::string::npos ? 0 : slash + 1);
    if (symlink(path.c_str(), name.c_str()) != 0) {
      error = "cannot load " + path + ": symlink: " + std::strerror(errno);
      rmdir(alias_dir.c_str());
      return nullptr;
    }
  }
  dlerror();
  void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  std::string open_error = handle ? "" : dl_error();
  if (!alias_dir.empty()) {
    unlink(name.c_str());
    rmdir(alias_dir.c_str());
  }
  if (!handle) {
    error = "cannot load " + path + ": " + open_error;
    return nullptr;
  }
  dlopened = true;
  std::shared_ptr<Library> lib(new Library);
  lib->path_ = path;
  lib->id_ = id;
  lib->handle_ = handle;  // from here on the destructor closes it
  auto abi = reinterpret_cast<AbiFunction>(dlsym(handle, kAbiSymbol));
  auto reg = reinterpret_cast<RegisterFunction>(dlsym(handle, kRegisterSymbol));
  if (!abi || !reg) {
    error = "cannot load " + path + ": no " + (abi ? kRegisterSymbol : kAbiSymbol) +
            "() in it: is it an mpmd application (MPMD_APPLICATION in <mpmd/app.hpp>)?";
    return nullptr;
  }
  const AbiInfo* info = abi();
  std::string mismatch = info ? abi_mismatch(*info) : "mpmd_app_abi() returned nothing";
  if (!mismatch.empty()) {
    error = "cannot load " + path + ": " + mismatch;
    return nullptr;
  }
  lib->register_ = reg;
  return lib;
}

}  // namespace mpmd::app
