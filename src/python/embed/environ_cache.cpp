#include "python/embed/environ_cache.hpp"

#include <cstring>

namespace mpmd::python::embed {

namespace {

// Header names are the client's to choose: the table stops growing here
// (names beyond it are decoded per request, as without the cache).
constexpr size_t kMaxNames = 256;
// Longer values are rarely repeated; keeping them would only hold memory.
constexpr size_t kMaxValue = 256;

PyObject* decode(std::string_view s) {
  return PyUnicode_DecodeLatin1(s.data(), Py_ssize_t(s.size()), nullptr);
}

// `str` was made by decode(): one byte per character.
bool same(PyObject* str, std::string_view value) {
  return PyUnicode_GET_LENGTH(str) == Py_ssize_t(value.size()) &&
         std::memcmp(PyUnicode_1BYTE_DATA(str), value.data(), value.size()) == 0;
}

// Credentials are not kept beyond the request that sent them.
bool keeps_values(std::string_view name) {
  return name != "HTTP_COOKIE" && name != "HTTP_AUTHORIZATION" &&
         name != "HTTP_PROXY_AUTHORIZATION";
}

}  // namespace

EnvironCache::Entry* EnvironCache::entry(std::string_view name) {
  size_t at = next_++;
  if (at < sequence_.size() && sequence_[at] && sequence_[at]->text == name) return sequence_[at];
  Entry* e = nullptr;
  if (auto it = entries_.find(name); it != entries_.end()) {
    e = &it->second;
  } else if (entries_.size() < kMaxNames) {
    PyObject* key = decode(name);
    if (!key) {
      PyErr_Clear();  // the caller's own decode reports it
      return nullptr;
    }
    PyUnicode_InternInPlace(&key);
    auto [it, added] = entries_.try_emplace(std::string(name));
    e = &it->second;
    e->name = key;
    e->keep_values = keeps_values(name);
    e->text = it->first;
  }
  if (e && at < kMaxNames) {
    if (at >= sequence_.size()) sequence_.resize(at + 1, nullptr);
    sequence_[at] = e;
  }
  return e;
}

PyObject* EnvironCache::value_for(Entry& e, std::string_view value) {
  if (e.last && same(e.last, value)) return Py_NewRef(e.last);
  PyObject* v = decode(value);
  if (v && e.keep_values && value.size() <= kMaxValue) {
    Py_XSETREF(e.last, Py_NewRef(v));
  }
  return v;
}

bool EnvironCache::put(PyObject* environ, std::string_view name, std::string_view value) {
  Entry* e = entry(name);
  PyObject* key = e ? Py_NewRef(e->name) : decode(name);
  PyObject* v = !key ? nullptr : e ? value_for(*e, value) : decode(value);
  int rc = v ? PyDict_SetItem(environ, key, v) : -1;
  Py_XDECREF(key);
  Py_XDECREF(v);
  return rc == 0;
}

bool EnvironCache::put_object(PyObject* environ, std::string_view name, PyObject* value) {
  if (!value) return false;
  Entry* e = entry(name);
  PyObject* key = e ? Py_NewRef(e->name) : decode(name);
  int rc = key ? PyDict_SetItem(environ, key, value) : -1;
  Py_XDECREF(key);
  return rc == 0;
}

}  // namespace mpmd::python::embed
