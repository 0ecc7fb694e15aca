// The state of one WSGI request inside the Python host: the server's
// Exchange, the request body buffer behind wsgi.input, the response head set
// by start_response, and the GIL accounting. Lives on the stack of
// Host::handle(); the Python objects handed to the application (wsgi.input,
// wsgi.errors, start_response) point to it only while the request runs and
// are detached afterwards, so an application that keeps them gets an error,
// never a dangling pointer.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <time.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "python/api.hpp"

namespace mpmd::python::embed {

// Whether the calling thread holds the GIL through the host (fork handlers
// must not take it again).
extern thread_local bool t_holds_gil;

inline uint64_t monotonic_usec() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000u + uint64_t(ts.tv_nsec) / 1000u;
}

// Per-interpreter heap types and constants (types.cpp).
struct Types {
  PyObject* input = nullptr;
  PyObject* errors = nullptr;
  PyObject* start_response = nullptr;
  PyObject* file_wrapper = nullptr;
  PyObject* version = nullptr;  // wsgi.version: (1, 0)
  PyObject* write = nullptr;    // interned names of the methods called per request
  PyObject* close = nullptr;
};

class RequestCtx {
 public:
  RequestCtx(api::Exchange& exchange, const Types& types) : ex(exchange), types(types) {
    objects_.reserve(4);  // start_response, wsgi.input, wsgi.errors
  }
  ~RequestCtx();  // detaches the objects (GIL held)
  RequestCtx(const RequestCtx&) = delete;
  RequestCtx& operator=(const RequestCtx&) = delete;

  // Runs `f` with the GIL released and counts the wait to take it back.
  template <class F>
  auto without_gil(F&& f) {
    PyThreadState* ts = PyEval_SaveThread();
    t_holds_gil = false;
    auto result = f();
    uint64_t t0 = monotonic_usec();
    PyEval_RestoreThread(ts);
    t_holds_gil = true;
    gil_wait += monotonic_usec() - t0;
    return result;
  }

  // Keeps `object` until the request ends, then cuts it off from this request.
  PyObject* adopt(PyObject* object);

  // ---- wsgi.input --------------------------------------------------------
  // Reads more of the body into in_buf; false with a Python error set.
  bool fill();
  std::string in_buf;
  size_t in_pos = 0;
  bool in_eof = false;

  // ---- response ----------------------------------------------------------
  // Sends `bytes` (non-empty) as the next piece of the body; the head goes
  // with the first. False with a Python error set when nothing can be sent.
  bool send(std::string bytes);
  // The end of the response: the head if nothing was sent yet, else the
  // end of the stream (`ok` false: broken, the client sees it cut short).
  void end(bool ok);
  // The whole response (head and `body`): kept until the request ends and
  // the GIL goes anyway, then Host::handle() hands it over. Releasing the
  // GIL only to give the server a response it sends later cost two GIL
  // transfers per request, each a futex wake-up when threads contend.
  void respond_whole(std::string body);
  bool whole_pending = false;
  std::string whole_body;

  api::Exchange& ex;
  const Types& types;
  uint64_t gil_wait = 0;
  std::string err_line;  // wsgi.errors text without its newline yet
  bool status_set = false;
  std::string status;
  api::Fields headers;
  std::optional<uint64_t> content_length;  // from the application's Content-Length
  bool headers_sent = false;
  bool done = false;         // the whole body went out (Content-Length reached)
  bool client_gone = false;  // a write failed: stop producing
  bool streaming = false;    // respond() started a stream that end() must close
  uint64_t body_sent = 0;

 private:
  std::vector<PyObject*> objects_;
};

bool make_types(Types& out);                                // false with a Python error set
PyObject* new_ctx_object(PyObject* type, RequestCtx* ctx);  // new reference

// FileWrapper's parts, for the sendfile path of the response.
bool is_file_wrapper(const Types& types, PyObject* object);
PyObject* file_wrapper_filelike(PyObject* wrapper);  // borrowed

}  // namespace mpmd::python::embed
