// The Python objects of a WSGI request: wsgi.input (read, readline,
// readlines, iteration over the streamed body), wsgi.errors (lines to the
// error log), start_response with its write() callable, and
// wsgi.file_wrapper. Heap types, made once per interpreter.
#include <algorithm>
#include <cstring>

#include "python/embed/request_ctx.hpp"

namespace mpmd::python::embed {

thread_local bool t_holds_gil = false;

namespace {

struct CtxObject {
  PyObject_HEAD RequestCtx* ctx;
};

struct FileWrapperObject {
  PyObject_HEAD PyObject* filelike;
  Py_ssize_t blksize;
};

RequestCtx* live(PyObject* self) {
  RequestCtx* ctx = reinterpret_cast<CtxObject*>(self)->ctx;
  if (!ctx) PyErr_SetString(PyExc_ValueError, "the WSGI request this object belongs to is over");
  return ctx;
}

void ctx_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  type->tp_free(self);
  Py_DECREF(type);
}

Py_ssize_t size_arg(PyObject* const* args, Py_ssize_t nargs, bool& ok) {
  ok = true;
  if (nargs == 0 || args[0] == Py_None) return -1;
  Py_ssize_t n = PyNumber_AsSsize_t(args[0], PyExc_OverflowError);
  if (n == -1 && PyErr_Occurred()) ok = false;
  return n;
}

PyObject* take(RequestCtx& c, size_t n) {
  PyObject* out = PyBytes_FromStringAndSize(c.in_buf.data() + c.in_pos, Py_ssize_t(n));
  c.in_pos += n;
  if (c.in_pos == c.in_buf.size()) {
    c.in_buf.clear();
    c.in_pos = 0;
  }
  return out;
}

// ---- wsgi.input ------------------------------------------------------------

PyObject* input_read(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  RequestCtx* c = live(self);
  bool ok;
  Py_ssize_t size = size_arg(args, nargs, ok);
  if (!c || !ok) return nullptr;
  if (size < 0) {
    while (!c->in_eof) {
      if (!c->fill()) return nullptr;
    }
    return take(*c, c->in_buf.size() - c->in_pos);
  }
  // As a file's read(size): `size` bytes unless the body ends first.
  while (c->in_buf.size() - c->in_pos < size_t(size) && !c->in_eof) {
    if (!c->fill()) return nullptr;
  }
  return take(*c, std::min(size_t(size), c->in_buf.size() - c->in_pos));
}

PyObject* readline(RequestCtx& c, Py_ssize_t size) {
  for (;;) {
    size_t avail = c.in_buf.size() - c.in_pos;
    const char* start = c.in_buf.data() + c.in_pos;
    const void* nl = std::memchr(start, '\n', avail);
    size_t want = nl ? size_t(static_cast<const char*>(nl) - start) + 1 : avail;
    if (size >= 0 && want > size_t(size)) return take(c, size_t(size));
    if (nl || c.in_eof) return take(c, want);
    if (!c.fill()) return nullptr;
  }
}

PyObject* input_readline(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  RequestCtx* c = live(self);
  bool ok;
  Py_ssize_t size = size_arg(args, nargs, ok);
  if (!c || !ok) return nullptr;
  return readline(*c, size);
}

PyObject* input_readlines(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  RequestCtx* c = live(self);
  bool ok;
  Py_ssize_t hint = size_arg(args, nargs, ok);
  if (!c || !ok) return nullptr;
  PyObject* lines = PyList_New(0);
  Py_ssize_t total = 0;
  while (lines) {
    PyObject* line = readline(*c, -1);
    if (!line) {
      Py_CLEAR(lines);
      break;
    }
    Py_ssize_t n = PyBytes_GET_SIZE(line);
    if (n == 0) {
      Py_DECREF(line);
      break;
    }
    int rc = PyList_Append(lines, line);
    Py_DECREF(line);
    if (rc != 0) Py_CLEAR(lines);
    total += n;
    if (hint > 0 && total >= hint) break;
  }
  return lines;
}

PyObject* input_iter(PyObject* self) {
  Py_INCREF(self);
  return self;
}

PyObject* input_next(PyObject* self) {
  RequestCtx* c = live(self);
  if (!c) return nullptr;
  PyObject* line = readline(*c, -1);
  if (line && PyBytes_GET_SIZE(line) == 0) {
    Py_DECREF(line);
    return nullptr;  // StopIteration
  }
  return line;
}

PyMethodDef input_methods[] = {
    {"read", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_read)), METH_FASTCALL,
     "read([size]) -> bytes"},
    {"readline", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_readline)),
     METH_FASTCALL, "readline([size]) -> bytes"},
    {"readlines", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_readlines)),
     METH_FASTCALL, "readlines([hint]) -> list of bytes"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot input_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(ctx_dealloc)},
    {Py_tp_methods, input_methods},
    {Py_tp_iter, reinterpret_cast<void*>(input_iter)},
    {Py_tp_iternext, reinterpret_cast<void*>(input_next)},
    {0, nullptr},
};

PyType_Spec input_spec = {"mpmd.Input", sizeof(CtxObject), 0, Py_TPFLAGS_DEFAULT, input_slots};

// ---- wsgi.errors -----------------------------------------------------------

void log_lines(RequestCtx& c, bool flush) {
  size_t start = 0;
  for (size_t nl; (nl = c.err_line.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string line = c.err_line.substr(start, nl - start);
    c.without_gil([&] {
      c.ex.log(api::Level::error, line);
      return 0;
    });
  }
  c.err_line.erase(0, start);
  if (flush && !c.err_line.empty()) {
    std::string line = std::move(c.err_line);
    c.err_line.clear();
    c.without_gil([&] {
      c.ex.log(api::Level::error, line);
      return 0;
    });
  }
}

PyObject* errors_write(PyObject* self, PyObject* text) {
  RequestCtx* c = live(self);
  if (!c) return nullptr;
  Py_ssize_t n = 0;
  const char* s = PyUnicode_Check(text) ? PyUnicode_AsUTF8AndSize(text, &n) : nullptr;
  if (!s) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "wsgi.errors.write() takes a str");
    return nullptr;
  }
  c->err_line.append(s, size_t(n));
  log_lines(*c, false);
  return PyLong_FromSsize_t(n);
}

PyObject* errors_writelines(PyObject* self, PyObject* seq) {
  PyObject* it = PyObject_GetIter(seq);
  if (!it) return nullptr;
  while (PyObject* item = PyIter_Next(it)) {
    PyObject* r = errors_write(self, item);
    Py_DECREF(item);
    if (!r) {
      Py_DECREF(it);
      return nullptr;
    }
    Py_DECREF(r);
  }
  Py_DECREF(it);
  if (PyErr_Occurred()) return nullptr;
  Py_RETURN_NONE;
}

PyObject* errors_flush(PyObject* self, PyObject*) {
  RequestCtx* c = live(self);
  if (!c) return nullptr;
  log_lines(*c, true);
  Py_RETURN_NONE;
}

PyMethodDef errors_methods[] = {
    {"write", errors_write, METH_O, "write(str): to the server's error log"},
    {"writelines", errors_writelines, METH_O, "writelines(seq)"},
    {"flush", errors_flush, METH_NOARGS, "flush()"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot errors_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(ctx_dealloc)},
    {Py_tp_methods, errors_methods},
    {0, nullptr},
};

PyType_Spec errors_spec = {"mpmd.Log", sizeof(CtxObject), 0, Py_TPFLAGS_DEFAULT, errors_slots};

// ---- start_response and write ------------------------------------------------

bool native_string(PyObject* o, std::string& out, const char* what) {
  if (!PyUnicode_Check(o)) {
    PyErr_Format(PyExc_TypeError, "%s must be a str, not %.100s", what, Py_TYPE(o)->tp_name);
    return false;
  }
  // An ASCII str (nearly every header) is read in place, without a copy
  // into a bytes object; others are encoded, which rejects what latin-1
  // cannot say.
  Py_ssize_t n = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(o, &n);
  if (!utf8) return false;
  if (std::all_of(utf8, utf8 + n, [](char ch) { return (ch & 0x80) == 0; })) {
    out.assign(utf8, size_t(n));
  } else {
    PyObject* b = PyUnicode_AsLatin1String(o);
    if (!b) return false;
    out.assign(PyBytes_AS_STRING(b), size_t(PyBytes_GET_SIZE(b)));
    Py_DECREF(b);
  }
  for (char ch : out) {
    if (ch == '\r' || ch == '\n' || ch == '\0') {
      PyErr_Format(PyExc_ValueError, "%s contains CR, LF or NUL", what);
      return false;
    }
  }
  return true;
}

PyObject* start_response_call(PyObject* self, PyObject* args, PyObject* kwargs) {
  RequestCtx* c = live(self);
  if (!c) return nullptr;
  static const char* kw[] = {"status", "headers", "exc_info", nullptr};
  PyObject *status, *headers, *exc_info = Py_None;
  Py_ssize_t nargs = PyTuple_GET_SIZE(args);
  if (!kwargs && (nargs == 2 || nargs == 3)) {
    // The usual call, positional: without the general parser (once per request).
    status = PyTuple_GET_ITEM(args, 0);
    headers = PyTuple_GET_ITEM(args, 1);
    if (nargs == 3) exc_info = PyTuple_GET_ITEM(args, 2);
  } else if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|O:start_response",
                                          const_cast<char**>(kw), &status, &headers, &exc_info)) {
    return nullptr;
  }
  if (exc_info != Py_None) {
    if (c->headers_sent) {
      // PEP 3333: too late to change the response; re-raise the original.
      PyObject *type, *value, *tb;
      if (!PyArg_ParseTuple(exc_info, "OOO", &type, &value, &tb)) return nullptr;
      Py_INCREF(type);
      Py_INCREF(value);
      Py_INCREF(tb);
      PyErr_Restore(type, value, tb);
      return nullptr;
    }
  } else if (c->status_set) {
    PyErr_SetString(PyExc_AssertionError, "start_response() was called already");
    return nullptr;
  }
  std::string st;
  if (!native_string(status, st, "status")) return nullptr;
  if (st.size() < 4 || !std::isdigit(static_cast<unsigned char>(st[0])) ||
      !std::isdigit(static_cast<unsigned char>(st[1])) ||
      !std::isdigit(static_cast<unsigned char>(st[2])) || st[3] != ' ') {
    PyErr_Format(PyExc_ValueError, "status '%s' is not 'NNN Reason'", st.c_str());
    return nullptr;
  }
  if (!PyList_Check(headers)) {
    PyErr_Format(PyExc_TypeError, "headers must be a list, not %.100s", Py_TYPE(headers)->tp_name);
    return nullptr;
  }
  api::Fields fields;
  std::optional<uint64_t> length;
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(headers); ++i) {
    PyObject* item = PyList_GET_ITEM(headers, i);
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
      PyErr_SetString(PyExc_TypeError, "each header must be a (name, value) tuple");
      return nullptr;
    }
    std::string name, value;
    if (!native_string(PyTuple_GET_ITEM(item, 0), name, "header name") ||
        !native_string(PyTuple_GET_ITEM(item, 1), value, "header value")) {
      return nullptr;
    }
    if (name.empty() || name.find_first_of(" \t:") != std::string::npos) {
      PyErr_Format(PyExc_ValueError, "'%s' is not a header name", name.c_str());
      return nullptr;
    }
    if (strcasecmp(name.c_str(), "content-length") == 0) {
      char* end = nullptr;
      unsigned long long v = std::strtoull(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0') {
        PyErr_Format(PyExc_ValueError, "Content-Length '%s' is not a number", value.c_str());
        return nullptr;
      }
      length = v;
    }
    fields.emplace_back(std::move(name), std::move(value));
  }
  c->status = std::move(st);
  c->headers = std::move(fields);
  c->content_length = length;
  c->status_set = true;
  return PyObject_GetAttr(self, c->types.write);
}

PyObject* write_call(PyObject* self, PyObject* data) {
  RequestCtx* c = live(self);
  if (!c) return nullptr;
  if (!PyBytes_Check(data)) {
    PyErr_Format(PyExc_TypeError, "write() takes bytes, not %.100s", Py_TYPE(data)->tp_name);
    return nullptr;
  }
  if (!c->status_set) {
    PyErr_SetString(PyExc_AssertionError, "write() before start_response()");
    return nullptr;
  }
  if (PyBytes_GET_SIZE(data) == 0) Py_RETURN_NONE;
  if (!c->send(std::string(PyBytes_AS_STRING(data), size_t(PyBytes_GET_SIZE(data))))) {
    return nullptr;
  }
  Py_RETURN_NONE;
}

PyMethodDef start_response_methods[] = {
    {"write", write_call, METH_O, "write(bytes): the body, before the iterable's"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot start_response_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(ctx_dealloc)},
    {Py_tp_call, reinterpret_cast<void*>(start_response_call)},
    {Py_tp_methods, start_response_methods},
    {0, nullptr},
};

PyType_Spec start_response_spec = {"mpmd.StartResponse", sizeof(CtxObject), 0, Py_TPFLAGS_DEFAULT,
                                   start_response_slots};

// ---- wsgi.file_wrapper -------------------------------------------------------

PyObject* file_wrapper_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  static const char* kw[] = {"filelike", "blksize", nullptr};
  PyObject* filelike;
  Py_ssize_t blksize = 8192;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|n:file_wrapper", const_cast<char**>(kw),
                                   &filelike, &blksize)) {
    return nullptr;
  }
  auto* self = reinterpret_cast<FileWrapperObject*>(type->tp_alloc(type, 0));
  if (!self) return nullptr;
  Py_INCREF(filelike);
  self->filelike = filelike;
  self->blksize = blksize > 0 ? blksize : 8192;
  return reinterpret_cast<PyObject*>(self);
}

void file_wrapper_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  Py_CLEAR(reinterpret_cast<FileWrapperObject*>(self)->filelike);
  type->tp_free(self);
  Py_DECREF(type);
}

PyObject* file_wrapper_next(PyObject* self) {
  auto* w = reinterpret_cast<FileWrapperObject*>(self);
  PyObject* data = PyObject_CallMethod(w->filelike, "read", "n", w->blksize);
  if (!data) return nullptr;
  if (PyBytes_Check(data) && PyBytes_GET_SIZE(data) == 0) {
    Py_DECREF(data);
    return nullptr;
  }
  return data;
}

PyObject* file_wrapper_close(PyObject* self, PyObject*) {
  auto* w = reinterpret_cast<FileWrapperObject*>(self);
  if (PyObject_HasAttrString(w->filelike, "close")) {
    PyObject* r = PyObject_CallMethod(w->filelike, "close", nullptr);
    if (!r) return nullptr;
    Py_DECREF(r);
  }
  Py_RETURN_NONE;
}

PyMethodDef file_wrapper_methods[] = {
    {"close", file_wrapper_close, METH_NOARGS, "close(): closes the file"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot file_wrapper_slots[] = {
    {Py_tp_new, reinterpret_cast<void*>(file_wrapper_new)},
    {Py_tp_dealloc, reinterpret_cast<void*>(file_wrapper_dealloc)},
    {Py_tp_iter, reinterpret_cast<void*>(input_iter)},
    {Py_tp_iternext, reinterpret_cast<void*>(file_wrapper_next)},
    {Py_tp_methods, file_wrapper_methods},
    {0, nullptr},
};

PyType_Spec file_wrapper_spec = {"mpmd.FileWrapper", sizeof(FileWrapperObject), 0,
                                 Py_TPFLAGS_DEFAULT, file_wrapper_slots};

}  // namespace

bool make_types(Types& out) {
  out.input = PyType_FromSpec(&input_spec);
  out.errors = PyType_FromSpec(&errors_spec);
  out.start_response = PyType_FromSpec(&start_response_spec);
  out.file_wrapper = PyType_FromSpec(&file_wrapper_spec);
  out.version = Py_BuildValue("(ii)", 1, 0);
  out.write = PyUnicode_InternFromString("write");
  out.close = PyUnicode_InternFromString("close");
  return out.input && out.errors && out.start_response && out.file_wrapper && out.version &&
         out.write && out.close;
}

PyObject* new_ctx_object(PyObject* type, RequestCtx* ctx) {
  auto* t = reinterpret_cast<PyTypeObject*>(type);
  auto* o = reinterpret_cast<CtxObject*>(t->tp_alloc(t, 0));
  if (o) o->ctx = ctx;
  return reinterpret_cast<PyObject*>(o);
}

bool is_file_wrapper(const Types& types, PyObject* object) {
  return Py_TYPE(object) == reinterpret_cast<PyTypeObject*>(types.file_wrapper);
}

PyObject* file_wrapper_filelike(PyObject* wrapper) {
  return reinterpret_cast<FileWrapperObject*>(wrapper)->filelike;
}

// ---- RequestCtx ----------------------------------------------------------------

RequestCtx::~RequestCtx() {
  if (!err_line.empty()) ex.log(api::Level::error, err_line);
  for (PyObject* o : objects_) {
    reinterpret_cast<CtxObject*>(o)->ctx = nullptr;
    Py_DECREF(o);
  }
}

PyObject* RequestCtx::adopt(PyObject* object) {
  if (object) {
    Py_INCREF(object);
    objects_.push_back(object);
  }
  return object;
}

bool RequestCtx::fill() {
  if (in_eof) return true;
  if (in_pos > 0 && in_pos == in_buf.size()) {
    in_buf.clear();
    in_pos = 0;
  }
  constexpr size_t kChunk = 64 * 1024;
  size_t before = in_buf.size();
  in_buf.resize(before + kChunk);
  long n = without_gil([&] { return ex.read(in_buf.data() + before, kChunk); });
  in_buf.resize(before + size_t(n > 0 ? n : 0));
  if (n == 0) in_eof = true;
  if (n < 0) {
    in_eof = true;
    PyErr_SetString(PyExc_OSError,
                    "the request body could not be read (client gone, or over "
                    "LimitRequestBody)");
    return false;
  }
  return true;
}

bool RequestCtx::send(std::string bytes) {
  if (client_gone) {
    PyErr_SetString(PyExc_OSError, "the client is gone");
    return false;
  }
  if (done) return true;  // beyond Content-Length: dropped (the head said how long it is)
  body_sent += bytes.size();
  bool ok;
  if (!headers_sent) {
    headers_sent = true;
    // The whole body in its first piece (Content-Length reached): the server
    // answers at once, without a stream.
    if (content_length && *content_length == bytes.size()) {
      respond_whole(std::move(bytes));
      return true;
    }
    streaming = true;
    ok = without_gil([&] { return ex.respond(status, headers, std::move(bytes), false); });
  } else {
    ok = without_gil([&] { return ex.write(std::move(bytes)); });
    if (content_length && body_sent >= *content_length) done = true;
  }
  if (!ok) {
    client_gone = true;
    PyErr_SetString(PyExc_OSError, "the client is gone");
  }
  return ok;
}

void RequestCtx::respond_whole(std::string body) {
  headers_sent = true;
  done = true;
  body_sent = body.size();
  whole_pending = true;
  whole_body = std::move(body);
}

void RequestCtx::end(bool ok) {
  if (!headers_sent) return respond_whole(std::string());
  if (streaming) {
    streaming = false;
    ok = ok && !client_gone && (!content_length || body_sent >= *content_length);
    without_gil([&] {
      ex.finish(ok);
      return 0;
    });
  }
}

}  // namespace mpmd::python::embed
