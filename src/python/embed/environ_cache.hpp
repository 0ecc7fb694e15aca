// The Python strings of the WSGI environ, kept across requests of one
// interpreter. Every request gets a fresh dict (PEP 3333), but what goes
// into it is mostly what went into the last one: the same ~30 names, and for
// most of them the same value (SERVER_SOFTWARE, SCRIPT_FILENAME, HTTP_HOST,
// HTTP_USER_AGENT, ...). Decoding each of them anew was a third of the host's
// own time per request. Python strings are immutable, so sharing them
// between requests is invisible to applications; names are interned, so the
// application's own lookups (environ["PATH_INFO"]) match by identity.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mpmd::python::embed {

// Used under the GIL of the interpreter its strings belong to.
class EnvironCache {
 public:
  EnvironCache() = default;
  EnvironCache(const EnvironCache&) = delete;
  EnvironCache& operator=(const EnvironCache&) = delete;
  // Leaks on purpose: the interpreter may be gone when a process exits.
  ~EnvironCache() = default;

  // Before the first put() of a request's environ.
  void begin() { next_ = 0; }
  // Sets environ[name] = value (latin-1 decoded, as PEP 3333's native
  // strings). False with a Python error set.
  bool put(PyObject* environ, std::string_view name, std::string_view value);
  // Sets environ[name] = value (borrowed) for a name of the server's own
  // (wsgi.*). False with a Python error set; `value` null: an error already.
  bool put_object(PyObject* environ, std::string_view name, PyObject* value);

 private:
  struct Entry {
    PyObject* name = nullptr;  // interned, strong
    PyObject* last = nullptr;  // the value of the last request, strong; may be null
    bool keep_values = true;
    std::string_view text;  // the key of its node in entries_ (which does not move)
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  // Null (no error) when the table is full: the caller decodes without it.
  Entry* entry(std::string_view name);
  PyObject* value_for(Entry& e, std::string_view value);  // new reference

  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
  // The names in the order the last requests put them: the server builds
  // each environ in the same order, so the entry at the same position is
  // almost always the one, found without hashing the name.
  std::vector<Entry*> sequence_;
  size_t next_ = 0;
};

}  // namespace mpmd::python::embed
