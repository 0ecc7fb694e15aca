// The boundary between mpmd and its Python host, mpmd_python.so (the only
// code linked with libpython). mpmd dlopens the host only when the
// configuration uses a WSGI directive, so a server without Python never maps
// libpython. Both sides are built from this tree with the same compiler, so
// the boundary is C++: abstract classes and standard types, no symbol of one
// side is linked by the other (the host is linked with -z defs against
// libpython and libstdc++ only). The server implements Exchange (one request,
// over an HTTP connection or a daemon socket); the host implements Host.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mpmd::python::api {

// Bumped whenever a declaration below changes.
inline constexpr int kVersion = 1;
// extern "C" Host* mpmd_python_host(int version): null on a version mismatch.
inline constexpr const char* kEntry = "mpmd_python_host";

using Fields = std::vector<std::pair<std::string, std::string>>;

// Error-log levels (syslog numbering, as util/log_level.hpp).
enum class Level : int { error = 3, warn = 4, notice = 5, info = 6, debug = 7 };

struct Options {
  std::string python_home;               // WSGIPythonHome / python-home= ("" = the default)
  std::vector<std::string> python_path;  // prepended to sys.path
};

// One request for a WSGI application.
struct Call {
  std::string script;                    // the WSGI script, absolute
  std::string group;                     // application group: "" = the main interpreter
  std::string callable = "application";  // the script's WSGI callable
  bool reload = true;                    // import the script again when its mtime changed
  bool multithread = false;              // wsgi.multithread
  bool multiprocess = true;              // wsgi.multiprocess
  Fields environ;                        // CGI variables (native strings, latin-1)
};

// What one request does to its client. Every method is called without the
// GIL (the host releases it first), so the server may wait in them.
class Exchange {
 public:
  virtual ~Exchange() = default;

  // wsgi.input: copies up to `size` body bytes, waiting for them; 0 at the
  // end of the body, -1 when it failed (client gone, over LimitRequestBody).
  virtual long read(char* into, size_t size) = 0;
  // The status line's text ("200 OK") and header fields, checked by the host
  // (native strings, no CR/LF). With `complete`, `body` is the whole body and
  // the response is done; otherwise it is the first piece, more come through
  // write() and the end through finish(). False: the client is gone.
  virtual bool respond(std::string_view status, Fields headers, std::string body,
                       bool complete) = 0;
  // The whole response body is `length` bytes of `fd` from `offset`
  // (wsgi.file_wrapper; sent with sendfile). The server owns `fd` from here.
  virtual bool respond_file(std::string_view status, Fields headers, int fd, uint64_t offset,
                            uint64_t length) = 0;
  // After respond(..., false): one more piece; waits while the client is slow.
  virtual bool write(std::string bytes) = 0;
  // After respond(..., false): the body is complete (ok) or broken (the
  // client sees the connection close early).
  virtual void finish(bool ok) = 0;
  // The application failed before it responded: the server answers 500.
  virtual void fail() = 0;
  // A line for the error log (tracebacks, wsgi.errors).
  virtual void log(Level level, std::string_view text) = 0;
};

// Counts of one request, for the scoreboard.
struct Stats {
  uint64_t gil_wait_usec = 0;  // waiting to hold the GIL (at the start and after each wait)
};

class Host {
 public:
  virtual ~Host() = default;

  // Once per process, before anything else: starts the interpreter and
  // releases the GIL. From here on fork() is safe in the thread that called
  // this (the host takes the GIL around it). "" or an error.
  virtual std::string initialize(const Options& options) = 0;
  // Imports `script` now into application group `group` and, with `freeze`,
  // moves every object that exists to the permanent generation (gc.freeze())
  // so that children forked later keep sharing their pages. "" or the error,
  // with the Python file and line for a syntax error.
  virtual std::string import_script(const std::string& script, const std::string& group,
                                    bool freeze) = 0;
  // Compiles `script` without running it: "" or "FILE:LINE: SyntaxError: ...".
  virtual std::string check_script(const std::string& script) = 0;
  // Prepends `dirs` to sys.path of the main interpreter (a daemon group's
  // python-path=). "" or an error.
  virtual std::string add_path(const std::vector<std::string>& dirs) = 0;
  // Forgets the modules imported since initialize() (a new generation
  // preloads the code anew).
  virtual void forget_modules() = 0;
  // Runs the application for one request on the calling thread, which keeps
  // its own thread state across requests; any thread, several at once.
  virtual Stats handle(const Call& call, Exchange& exchange) = 0;
};

using EntryFunction = Host* (*)(int version);

}  // namespace mpmd::python::api
