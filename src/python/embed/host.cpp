// mpmd_python.so: CPython embedded for mpmd (python/api.hpp).
//
// The GIL: the interpreter starts in the master, which then releases the GIL
// and holds it only around fork() (pthread_atfork handlers, so that any fork
// of a process with Python leaves the child a consistent interpreter). A
// serving thread keeps one thread state per interpreter for its whole life
// (thread-locals survive between requests, as with mod_wsgi), takes the GIL
// when a request starts and gives it up whenever the server does I/O
// (reading the body, sending the response, logging), so other threads run
// Python meanwhile. The time spent waiting to take it is counted per request.
//
// Application groups: "" is the main interpreter (%{GLOBAL}); any other name
// is a sub-interpreter made on first use in the process that serves it.
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include "python/embed/environ_cache.hpp"
#include "python/embed/errors.hpp"
#include "python/embed/request_ctx.hpp"
#include "python/embed/respond.hpp"

namespace mpmd::python::embed {

namespace {

struct Script {
  PyObject* module = nullptr;  // strong
  int64_t mtime_ns = 0;
  std::string callable;               // the name last looked up in it
  PyObject* callable_name = nullptr;  // the same, interned (strong)
};

struct Interp {
  PyInterpreterState* state = nullptr;
  Types types;
  EnvironCache environ_strings;           // under the GIL
  std::map<std::string, Script> scripts;  // under the GIL
  std::mutex loading;                     // one import of a script at a time
};

// This thread's state in each interpreter it has run.
thread_local std::vector<std::pair<PyInterpreterState*, PyThreadState*>> t_states;
// Whether the fork handlers took the GIL (so the parent and child handlers release it).
thread_local bool t_fork_took_gil = false;

int64_t mtime_of(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::string module_name(const std::string& path) {
  // mod_wsgi's naming: a module per script file, never clashing with a real one.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : path) h = (h ^ c) * 1099511628211ull;
  char buf[40];
  snprintf(buf, sizeof buf, "_mpmd_wsgi_%016llx", static_cast<unsigned long long>(h));
  return buf;
}

bool read_source(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    PyErr_Format(PyExc_OSError, "cannot open the WSGI script %s", path.c_str());
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::string library_prefix() {
  Dl_info info;
  if (!dladdr(reinterpret_cast<void*>(&Py_InitializeFromConfig), &info) || !info.dli_fname) {
    return "";
  }
  // /lib/x86_64-linux-gnu/... is /usr/lib/... on a merged-/usr system.
  char real[PATH_MAX];
  std::string path = realpath(info.dli_fname, real) ? real : info.dli_fname;
  size_t lib = path.rfind("/lib/");
  return lib == std::string::npos || lib == 0 ? "" : path.substr(0, lib);
}

class HostImpl;
HostImpl* g_host = nullptr;

class HostImpl final : public api::Host {
 public:
  std::string initialize(const api::Options& options) override {
    if (Py_IsInitialized()) return "";
    options_path_ = options.python_path;
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 0;  // the server owns the signals
    config.parse_argv = 0;
    PyStatus status = PyStatus_Ok();
    // Without WSGIPythonHome, the installation libpython belongs to (the
    // directory above its lib/): Python would otherwise look for a `python3`
    // on PATH, which may be another installation than the one linked.
    std::string home = options.python_home.empty() ? library_prefix() : options.python_home;
    if (!home.empty()) status = PyConfig_SetBytesString(&config, &config.home, home.c_str());
    // sys.executable: that installation's interpreter (multiprocessing runs it).
    std::string python = home + "/bin/python3";
    if (!home.empty() && !PyStatus_Exception(status) && access(python.c_str(), X_OK) == 0) {
      status = PyConfig_SetBytesString(&config, &config.executable, python.c_str());
    }
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
      return std::string("Python did not start: ") + (status.err_msg ? status.err_msg : "?");
    }
    t_holds_gil = true;
    std::string error = setup_interpreter(options.python_path);
    main_.state = PyInterpreterState_Main();
    if (error.empty() && !make_types(main_.types)) error = take_error().summary;
    // What a new generation keeps: everything imported so far.
    PyObject* modules = PyImport_GetModuleDict();
    PyObject* keys = PyDict_Keys(modules);
    for (Py_ssize_t i = 0; keys && i < PyList_GET_SIZE(keys); ++i) {
      if (const char* k = PyUnicode_AsUTF8(PyList_GET_ITEM(keys, i))) initial_modules_.insert(k);
    }
    Py_XDECREF(keys);
    PyErr_Clear();
    t_states.emplace_back(main_.state, PyEval_SaveThread());
    t_holds_gil = false;
    pthread_atfork(&HostImpl::before_fork, &HostImpl::after_fork_parent,
                   &HostImpl::after_fork_child);
    return error;
  }

  std::string import_script(const std::string& script, const std::string& group,
                            bool freeze) override {
    Interp* in = interpreter(group);
    if (!in) return "cannot create the Python sub-interpreter " + group;
    Gil gil(*in);
    Script* s = load(*in, script, true);
    if (!s) return take_error().summary;
    if (freeze) {
      // Objects that exist now are never collected nor touched by the
      // collector's bookkeeping in children (gc.freeze()), so the pages
      // they share with the master stay shared.
      PyObject* gc = PyImport_ImportModule("gc");
      PyObject* r = gc ? PyObject_CallMethod(gc, "collect", nullptr) : nullptr;
      Py_XDECREF(r);
      r = gc ? PyObject_CallMethod(gc, "freeze", nullptr) : nullptr;
      Py_XDECREF(r);
      Py_XDECREF(gc);
      PyErr_Clear();
    }
    return "";
  }

  std::string check_script(const std::string& script) override {
    Gil gil(main_);
    std::string source;
    if (!read_source(script, source)) return take_error().summary;
    PyObject* code =
        Py_CompileStringExFlags(source.c_str(), script.c_str(), Py_file_input, nullptr, -1);
    if (!code) return take_error().summary;
    Py_DECREF(code);
    return "";
  }

  std::string add_path(const std::vector<std::string>& dirs) override {
    Gil gil(main_);
    options_path_.insert(options_path_.begin(), dirs.begin(), dirs.end());
    return setup_interpreter(dirs);
  }

  void forget_modules() override {
    Gil gil(main_);
    PyObject* modules = PyImport_GetModuleDict();
    PyObject* keys = PyDict_Keys(modules);
    for (Py_ssize_t i = 0; keys && i < PyList_GET_SIZE(keys); ++i) {
      PyObject* k = PyList_GET_ITEM(keys, i);
      const char* name = PyUnicode_AsUTF8(k);
      if (name && !initial_modules_.count(name)) PyDict_DelItem(modules, k);
    }
    Py_XDECREF(keys);
    for (auto& [path, s] : main_.scripts) {
      Py_CLEAR(s.module);
      Py_CLEAR(s.callable_name);
    }
    main_.scripts.clear();
    PyObject* gc = PyImport_ImportModule("gc");
    if (gc) {
      PyObject* r = PyObject_CallMethod(gc, "unfreeze", nullptr);
      Py_XDECREF(r);
      r = PyObject_CallMethod(gc, "collect", nullptr);
      Py_XDECREF(r);
    }
    Py_XDECREF(gc);
    PyErr_Clear();
  }

  api::Stats handle(const api::Call& call, api::Exchange& exchange) override {
    api::Stats stats;
    Interp* in = interpreter(call.group);
    if (!in) {
      exchange.log(api::Level::error, "cannot create the Python sub-interpreter " + call.group);
      exchange.fail();
      return stats;
    }
    std::string status, body;
    api::Fields headers;
    bool whole = false;
    {
      uint64_t t0 = monotonic_usec();
      Gil gil(*in);
      RequestCtx ctx(exchange, in->types);
      ctx.gil_wait = monotonic_usec() - t0;
      serve(*in, call, ctx);
      stats.gil_wait_usec = ctx.gil_wait;
      if (ctx.whole_pending) {
        whole = true;
        status = std::move(ctx.status);
        headers = std::move(ctx.headers);
        body = std::move(ctx.whole_body);
      }
    }  // the objects of the request are detached, then the GIL is released
    if (whole) exchange.respond(status, std::move(headers), std::move(body), true);
    return stats;
  }

 private:
  // Holds the GIL in `in` with this thread's state there, for a scope.
  class Gil {
   public:
    explicit Gil(Interp& in) : ts_(state_in(in)) {
      PyEval_RestoreThread(ts_);
      t_holds_gil = true;
    }
    ~Gil() {
      t_holds_gil = false;
      PyEval_SaveThread();
    }
    Gil(const Gil&) = delete;
    Gil& operator=(const Gil&) = delete;

   private:
    PyThreadState* ts_;
  };

  static PyThreadState* state_in(Interp& in) {
    for (auto& [interp, ts] : t_states) {
      if (interp == in.state) return ts;
    }
    PyThreadState* ts = PyThreadState_New(in.state);
    t_states.emplace_back(in.state, ts);
    return ts;
  }

  // sys.path additions. GIL held.
  static std::string setup_interpreter(const std::vector<std::string>& python_path) {
    PyObject* path = PySys_GetObject("path");  // borrowed
    for (size_t i = python_path.size(); path && i-- > 0;) {
      PyObject* dir = PyUnicode_DecodeFSDefault(python_path[i].c_str());
      if (dir) PyList_Insert(path, 0, dir);
      Py_XDECREF(dir);
    }
    if (PyErr_Occurred()) return take_error().summary;
    return "";
  }

  Interp* interpreter(const std::string& group) {
    if (group.empty()) return &main_;
    std::lock_guard lock(interps_mutex_);
    auto& slot = subs_[group];
    if (slot) return slot.get();
    auto in = std::make_unique<Interp>();
    PyEval_RestoreThread(state_in(main_));
    t_holds_gil = true;
    PyThreadState* ts = Py_NewInterpreter();
    if (!ts) {
      t_holds_gil = false;
      PyEval_SaveThread();
      subs_.erase(group);
      return nullptr;
    }
    in->state = PyThreadState_GetInterpreter(ts);
    setup_interpreter(options_path_);
    if (!make_types(in->types)) PyErr_Clear();
    t_states.emplace_back(in->state, ts);
    t_holds_gil = false;
    PyEval_SaveThread();
    slot = std::move(in);
    return slot.get();
  }

  // The script's module, imported now if it is not yet (or changed and
  // `reload`). Null with a Python error set. GIL held.
  Script* load(Interp& in, const std::string& path, bool reload, RequestCtx* ctx = nullptr) {
    int64_t mtime = mtime_of(path);
    auto it = in.scripts.find(path);
    if (it != in.scripts.end() && it->second.module && (!reload || it->second.mtime_ns == mtime)) {
      return &it->second;
    }
    // Import outside the GIL's protection of this map: another thread may
    // import the same script meanwhile; the lock makes it wait for ours.
    auto lock_loading = [&] {
      in.loading.lock();
      return 0;
    };
    if (ctx) {
      ctx->without_gil(lock_loading);
    } else {
      Py_BEGIN_ALLOW_THREADS lock_loading();
      Py_END_ALLOW_THREADS
    }
    std::unique_lock lock(in.loading, std::adopt_lock);
    it = in.scripts.find(path);
    if (it != in.scripts.end() && it->second.module && (!reload || it->second.mtime_ns == mtime)) {
      return &it->second;
    }
    std::string source;
    if (!read_source(path, source)) return nullptr;
    PyObject* code =
        Py_CompileStringExFlags(source.c_str(), path.c_str(), Py_file_input, nullptr, -1);
    if (!code) return nullptr;
    std::string name = module_name(path);
    // A fresh module each time (a reload does not run the new code over the old).
    PyObject* modules = PyImport_GetModuleDict();
    if (PyDict_GetItemString(modules, name.c_str())) PyDict_DelItemString(modules, name.c_str());
    PyObject* module = PyImport_ExecCodeModuleEx(name.c_str(), code, path.c_str());
    Py_DECREF(code);
    if (!module) return nullptr;
    Script& s = in.scripts[path];
    Py_XSETREF(s.module, module);
    s.mtime_ns = mtime;
    return &s;
  }

  PyObject* environ(const api::Call& call, RequestCtx& ctx, Interp& in) {
    PyObject* env = PyDict_New();
    if (!env) return nullptr;
    EnvironCache& cache = in.environ_strings;
    cache.begin();
    bool ok = true;
    for (const auto& [k, v] : call.environ) ok = ok && cache.put(env, k, v);
    auto own = [&](std::string_view name, PyObject* value) {
      bool put = cache.put_object(env, name, value);
      Py_XDECREF(value);
      return put;
    };
    // wsgi.input and wsgi.errors are this request's; the rest is shared.
    ok = ok && cache.put_object(env, "wsgi.version", in.types.version) &&
         own("wsgi.input", ctx.adopt(new_ctx_object(in.types.input, &ctx))) &&
         own("wsgi.errors", ctx.adopt(new_ctx_object(in.types.errors, &ctx))) &&
         cache.put_object(env, "wsgi.multithread", call.multithread ? Py_True : Py_False) &&
         cache.put_object(env, "wsgi.multiprocess", call.multiprocess ? Py_True : Py_False) &&
         cache.put_object(env, "wsgi.run_once", Py_False) &&
         cache.put_object(env, "wsgi.input_terminated", Py_True) &&
         cache.put_object(env, "wsgi.file_wrapper", in.types.file_wrapper);
    if (!ok || PyErr_Occurred()) Py_CLEAR(env);
    return env;
  }

  void serve(Interp& in, const api::Call& call, RequestCtx& ctx) {
    Script* s = load(in, call.script, call.reload, &ctx);
    if (!s) return fail_request(ctx, ("the WSGI script " + call.script + " failed").c_str());
    if (!s->callable_name || s->callable != call.callable) {
      Py_XSETREF(s->callable_name, PyUnicode_InternFromString(call.callable.c_str()));
      s->callable = s->callable_name ? call.callable : std::string();
    }
    // Looked up per request: an application may rebind it (as with mod_wsgi).
    PyObject* app = s->callable_name ? PyObject_GetAttr(s->module, s->callable_name) : nullptr;
    if (!app) {
      PyErr_Clear();
      PyErr_Format(PyExc_AttributeError, "the WSGI script %s has no callable '%s'",
                   call.script.c_str(), call.callable.c_str());
      return fail_request(ctx, "no WSGI application");
    }
    PyObject* start_response = ctx.adopt(new_ctx_object(in.types.start_response, &ctx));
    PyObject* env = start_response ? environ(call, ctx, in) : nullptr;
    if (env) {
      run_application(app, env, start_response, ctx, in.types);
    } else {
      fail_request(ctx, "building the WSGI environ failed");
    }
    Py_XDECREF(env);
    Py_XDECREF(start_response);
    Py_DECREF(app);
  }

  // ---- fork (pthread_atfork) ----------------------------------------------------

  static void before_fork() {
    t_fork_took_gil = false;
    // A fork from Python code (os.fork) holds the GIL and runs Python's own
    // handlers: nothing to add.
    if (!g_host || t_holds_gil) return;
    PyEval_RestoreThread(state_in(g_host->main_));
    PyOS_BeforeFork();
    t_fork_took_gil = true;
  }
  static void after_fork_parent() {
    if (!t_fork_took_gil) return;
    t_fork_took_gil = false;
    PyOS_AfterFork_Parent();
    PyEval_SaveThread();
  }
  static void after_fork_child() {
    if (!t_fork_took_gil) return;
    t_fork_took_gil = false;
    PyOS_AfterFork_Child();
    // The child has the main interpreter only, and only this thread's state.
    PyInterpreterState* main = PyInterpreterState_Main();
    std::erase_if(t_states, [main](const auto& p) { return p.first != main; });
    for (auto& [group, in] : g_host->subs_) in.release();  // freed by Python already
    g_host->subs_.clear();
    new (&g_host->interps_mutex_) std::mutex;
    PyEval_SaveThread();
  }

  Interp main_;
  std::mutex interps_mutex_;
  std::map<std::string, std::unique_ptr<Interp>> subs_;
  std::vector<std::string> options_path_;
  std::set<std::string> initial_modules_;
};

}  // namespace

api::Host* make_host() {
  static HostImpl host;
  g_host = &host;
  return &host;
}

}  // namespace mpmd::python::embed

extern "C" __attribute__((visibility("default"))) mpmd::python::api::Host* mpmd_python_host(
    int version) {
  if (version != mpmd::python::api::kVersion) return nullptr;
  return mpmd::python::embed::make_host();
}
