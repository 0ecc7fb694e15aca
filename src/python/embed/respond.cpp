#include "python/embed/respond.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "python/embed/errors.hpp"

namespace mpmd::python::embed {

namespace {

void log(RequestCtx& ctx, api::Level level, const std::string& line) {
  ctx.without_gil([&] {
    ctx.ex.log(level, line);
    return 0;
  });
}

// The response body whole (a list or tuple, joined).
bool send_whole(RequestCtx& ctx, std::string body) {
  if (ctx.headers_sent) return body.empty() || ctx.send(std::move(body));
  ctx.respond_whole(std::move(body));
  return true;
}

bool bytes_item(PyObject* item) {
  if (PyBytes_Check(item)) return true;
  PyErr_Format(PyExc_TypeError, "the WSGI iterable yielded %.100s, not bytes",
               Py_TYPE(item)->tp_name);
  return false;
}

bool send_sequence(RequestCtx& ctx, PyObject* seq) {
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  PyObject** items = PySequence_Fast_ITEMS(seq);
  std::string body;
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (!bytes_item(items[i])) return false;
    body.append(PyBytes_AS_STRING(items[i]), size_t(PyBytes_GET_SIZE(items[i])));
  }
  if (!ctx.status_set) {
    PyErr_SetString(PyExc_AssertionError, "the application did not call start_response()");
    return false;
  }
  return send_whole(ctx, std::move(body));
}

bool send_iterable(RequestCtx& ctx, PyObject* result) {
  PyObject* it = PyObject_GetIter(result);
  if (!it) return false;
  bool ok = true;
  while (PyObject* item = PyIter_Next(it)) {
    ok = bytes_item(item);
    if (ok && PyBytes_GET_SIZE(item) > 0) {
      if (!ctx.status_set) {
        PyErr_SetString(PyExc_AssertionError, "the iterable yielded before start_response()");
        ok = false;
      } else {
        ok = ctx.send(std::string(PyBytes_AS_STRING(item), size_t(PyBytes_GET_SIZE(item))));
      }
    }
    Py_DECREF(item);
    // PEP 3333: stop iterating once Content-Length bytes went out (saves a
    // step of the generator and its StopIteration per request).
    if (!ok || ctx.client_gone || ctx.done) break;
  }
  Py_DECREF(it);
  if (ok && PyErr_Occurred()) ok = false;
  if (ok && !ctx.status_set) {
    PyErr_SetString(PyExc_AssertionError, "the application did not call start_response()");
    ok = false;
  }
  return ok;
}

// wsgi.file_wrapper of a regular file: a file range. False (no error set)
// when the file-like object has no usable descriptor: iterate it instead.
bool send_file(RequestCtx& ctx, PyObject* wrapper) {
  PyObject* filelike = file_wrapper_filelike(wrapper);
  PyObject* fileno = PyObject_CallMethod(filelike, "fileno", nullptr);
  if (!fileno) {
    PyErr_Clear();
    return false;
  }
  long fd = PyLong_AsLong(fileno);
  Py_DECREF(fileno);
  struct stat st;
  if (fd < 0 || PyErr_Occurred() || fstat(int(fd), &st) != 0 || !S_ISREG(st.st_mode)) {
    PyErr_Clear();
    return false;
  }
  // Where the application left the file (it may have read a header already).
  off_t offset = 0;
  if (PyObject* pos = PyObject_CallMethod(filelike, "tell", nullptr)) {
    offset = off_t(PyLong_AsLongLong(pos));
    Py_DECREF(pos);
  }
  if (PyErr_Occurred() || offset < 0) {
    PyErr_Clear();
    offset = lseek(int(fd), 0, SEEK_CUR);
  }
  if (offset < 0 || offset > st.st_size) offset = st.st_size;
  uint64_t length = uint64_t(st.st_size - offset);
  if (ctx.content_length && *ctx.content_length < length) length = *ctx.content_length;
  int copy = fcntl(int(fd), F_DUPFD_CLOEXEC, 3);
  if (copy < 0) return false;
  ctx.headers_sent = true;
  ctx.done = true;
  ctx.body_sent = length;
  ctx.without_gil(
      [&] { return ctx.ex.respond_file(ctx.status, ctx.headers, copy, uint64_t(offset), length); });
  return true;
}

void close_result(RequestCtx& ctx, PyObject* result) {
  if (PyList_CheckExact(result) || PyTuple_CheckExact(result)) return;
  if (!PyObject_HasAttr(result, ctx.types.close)) return;
  PyObject* r = PyObject_CallMethodNoArgs(result, ctx.types.close);
  if (r) {
    Py_DECREF(r);
    return;
  }
  Failure f = take_error();
  log(ctx, api::Level::error, "the iterable's close() raised: " + f.summary);
  for (const auto& line : f.traceback) log(ctx, api::Level::error, line);
}

}  // namespace

void fail_request(RequestCtx& ctx, const char* what) {
  Failure f = take_error();
  bool answered = ctx.headers_sent;
  log(ctx, api::Level::error,
      std::string(what) + ": " + f.summary +
          (answered ? " (after the response started: cut short)" : "; answered 500"));
  for (const auto& line : f.traceback) log(ctx, api::Level::error, line);
  if (!answered) {
    ctx.headers_sent = true;
    ctx.done = true;
    ctx.without_gil([&] {
      ctx.ex.fail();
      return 0;
    });
  } else {
    ctx.end(false);
  }
}

void run_application(PyObject* app, PyObject* environ, PyObject* start_response, RequestCtx& ctx,
                     const Types& types) {
  PyObject* result = PyObject_CallFunctionObjArgs(app, environ, start_response, nullptr);
  if (!result) return fail_request(ctx, "the WSGI application raised an exception");
  bool ok = true;
  bool sent = false;
  if (is_file_wrapper(types, result) && ctx.status_set && !ctx.headers_sent) {
    sent = send_file(ctx, result);
  }
  if (!sent) {
    if (PyList_CheckExact(result) || PyTuple_CheckExact(result)) {
      ok = send_sequence(ctx, result);
    } else {
      ok = send_iterable(ctx, result);
    }
  }
  if (!ok && ctx.client_gone) {
    PyErr_Clear();  // nobody to answer: not the application's failure
    ok = true;
  }
  if (!ok) {
    // close() runs after the failure is reported: it may raise too.
    fail_request(ctx, "the WSGI application's response failed");
    close_result(ctx, result);
  } else {
    close_result(ctx, result);
    ctx.end(true);
  }
  Py_DECREF(result);
}

}  // namespace mpmd::python::embed
