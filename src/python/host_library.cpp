#include "python/host_library.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace mpmd::python {

namespace {

std::string exe_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, size_t(n));
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

std::vector<std::string> host_candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("MPMD_PYTHON_MODULE"); env && *env) out.push_back(env);
  std::string dir = exe_dir();
  out.push_back(dir + "/mpmd_python.so");
  out.push_back(dir + "/../lib/mpmd/mpmd_python.so");
  return out;
}

api::Host* load_host(std::string& error) {
  static std::mutex mutex;
  static api::Host* host = nullptr;
  std::lock_guard lock(mutex);
  if (host) return host;
  std::string tried;
  for (const std::string& path : host_candidates()) {
    if (access(path.c_str(), R_OK) != 0) {
      tried += (tried.empty() ? "" : ", ") + path;
      continue;
    }
    // RTLD_GLOBAL: Python's extension modules are not linked with libpython;
    // they find its symbols in the global scope, as under the python binary.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (!handle) {
      error = std::string("cannot load the Python host: ") + dlerror();
      return nullptr;
    }
    auto entry = reinterpret_cast<api::EntryFunction>(dlsym(handle, api::kEntry));
    host = entry ? entry(api::kVersion) : nullptr;
    if (!host) {
      error = path + ": not an mpmd Python host of API version " + std::to_string(api::kVersion) +
              " (rebuild it with this mpmd)";
      return nullptr;
    }
    return host;
  }
  error = "the Python host mpmd_python.so was not found (tried " + tried +
          "; set MPMD_PYTHON_MODULE to its path)";
  return nullptr;
}

}  // namespace mpmd::python
