// The mpmd application API: write a C++ shared object, load it with
//
//   LoadApplication hello /path/to/hello.so [KEY=VALUE ...]
//   <Location /hello>
//       SetHandler hello
//   </Location>
//
// and its routes answer below /hello. A complete application:
//
//   #include <mpmd/app.hpp>
//
//   MPMD_APPLICATION(app) {
//     auto greeting = std::make_shared<std::string>(app.option("greeting", "hello"));
//     app.get("/users/{id}", [greeting](const mpmd::app::Request& req,
//                                       mpmd::app::Response& res) {
//       res.send(*greeting + ", user " + std::string(req.param("id")) + "\n");
//     }, mpmd::app::non_blocking);
//   }
//
// Build it against the C++ standard library mpmd uses (libstdc++), with g++
// or clang++:
//   g++ -std=c++20 -O2 -fPIC -shared -fvisibility=hidden -I mpmd/include hello.cpp -o hello.so
// Test its handlers without a server with <mpmd/testing.hpp>.
//
// Life of an application (one "generation" per configuration load):
//   1. `mpmd -t` and every (re)load of the configuration open the shared
//      object and check its API version; nothing of the application runs yet.
//   2. In the master, before any child is forked: the MPMD_APPLICATION body
//      (registration: routes and hooks), then every `preload` hook. Memory
//      built here is shared copy-on-write by all children: build big
//      read-only tables here. Do not leave threads running: children only
//      inherit the thread that forks them.
//   3. In every child, before it serves: every `child_init` hook (per-child
//      state: connections to databases, thread pools, caches).
//   4. Per request: the handler of the matching route.
//   A graceful restart (`mpmd -k graceful`) runs 2 and 3 again for the new
//   generation, with the new configuration, while the old children finish
//   their requests with the old state. If the shared object file was
//   replaced (a new inode: install(1), mv, cp to a new name then mv), the new
//   code is loaded; otherwise the loaded code is reused. Never overwrite a
//   loaded .so in place (cp over it): running children would crash.
//
// Blocking or not: every route says how it may be run.
//   blocking (the default): may wait (sleep, disk, database, another
//     server). Under the event engine it runs on the child's pool of
//     ThreadsPerChild threads while the event loop keeps serving other
//     connections; under prefork and worker it runs in place.
//   non_blocking: returns quickly without waiting on anything. Under the
//     event engine it runs inside the event loop (no thread hop); a slow
//     non_blocking handler delays every connection of that child.
//   Either kind may answer later instead: Response::defer() (app_http.hpp)
//     hands the response to a callback (an offload result) and the handler
//     returns at once; under the event engine nothing waits meanwhile.
// Handlers of one child may run concurrently (worker threads, the event
// engine's pool): state they share must be read-only or synchronised.
//
// Errors: a handler that throws, or calls Response::fail(), gives that
// request a 500 and one error-log line (MPMD0028) naming the application and
// route; the child keeps serving. A throwing registration or preload hook is a
// configuration error (the server does not start, or a restart is refused and
// the old generation keeps serving); a throwing child_init stops that child
// (the master backs off and retries).
//
// Routes: a pattern is a path relative to the <Location> prefix, split at '/'.
// A segment is literal text, `{name}` (one non-empty segment, available as
// Request::param("name")) or, last only, `{name...}` (the rest of the path,
// at least one segment). When several patterns match, literal segments beat
// `{name}`, which beats `{name...}`. GET routes also answer HEAD; OPTIONS is
// answered with 204 and Allow unless a route handles it; a path that matches
// only routes of other methods gives 405 with Allow; no match gives 404.
//
// ABI: the application and mpmd share C++ types (std::string, std::function),
// so both must use the same C++ standard library; the compiler may differ
// (see "the ABI check" below). The shared object exports exactly two C
// symbols (made by MPMD_APPLICATION): mpmd_app_abi() and mpmd_app_register().
// mpmd refuses to load an object whose kApiVersion, standard library,
// std::string ABI or type layout differs.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mpmd/app_http.hpp"

namespace mpmd::app {

// Raised whenever a type in include/mpmd/ changes in a way that breaks
// already-built applications. 3: request bodies stream (Request::body(),
// read(), read_async() replace the `body` view), responses stream
// (Response::flush(), generate()). 4: Request::env (HTTPS, SSL_* variables).
inline constexpr uint32_t kApiVersion = 4;

enum class Mode : uint8_t { blocking, non_blocking };
inline constexpr Mode blocking = Mode::blocking;
inline constexpr Mode non_blocking = Mode::non_blocking;

using Handler = std::function<void(const Request&, Response&)>;

// Writes to the server's error log (one line per call, with the application's
// name, ID MPMD0030). Cheap to copy; valid while the generation that created
// it lives. Safe from any thread.
class Logger {
 public:
  enum class Level : int { error = 3, warn = 4, notice = 5, info = 6, debug = 7 };
  using Sink = void (*)(const void* context, int level, const char* text, size_t size);

  Logger() = default;
  Logger(Sink sink, const void* context) : sink_(sink), context_(context) {}

  void log(Level level, std::string_view text) const {
    if (sink_) sink_(context_, int(level), text.data(), text.size());
  }
  void error(std::string_view text) const { log(Level::error, text); }
  void warn(std::string_view text) const { log(Level::warn, text); }
  void notice(std::string_view text) const { log(Level::notice, text); }
  void info(std::string_view text) const { log(Level::info, text); }
  void debug(std::string_view text) const { log(Level::debug, text); }

 private:
  Sink sink_ = nullptr;
  const void* context_ = nullptr;
};

// What a hook learns about where it runs.
struct Environment {
  uint32_t generation = 0;    // 0 at start, +1 per restart
  std::string_view engine;    // "event", "worker" or "prefork"
  int threads_per_child = 1;  // worker threads, or the event engine's blocking pool
  int child_slot = -1;        // child_init: the child's scoreboard slot; preload: -1
};

using Hook = std::function<void(const Environment&)>;

// Handed to the application's MPMD_APPLICATION body; collects its routes and
// hooks. The server reads the public "for the server" part afterwards.
class Registry {
 public:
  struct Route {
    std::string method;   // "GET", ... or "*" for any method
    std::string pattern;  // "/users/{id}"
    Handler handler;
    Mode mode = Mode::blocking;
  };
  using Options = std::vector<std::pair<std::string, std::string>>;

  Registry(std::string name, Options options, Logger logger)
      : name_(std::move(name)), options_(std::move(options)), logger_(logger) {}
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // ---- for the application ---------------------------------------------------

  // A route for `method` ("GET", "POST", any token, or "*" for all methods).
  void route(std::string_view method, std::string_view pattern, Handler handler,
             Mode mode = Mode::blocking) {
    routes_.push_back({std::string(method), std::string(pattern), std::move(handler), mode});
  }
  void get(std::string_view p, Handler h, Mode m = Mode::blocking) {
    route("GET", p, std::move(h), m);
  }
  void post(std::string_view p, Handler h, Mode m = Mode::blocking) {
    route("POST", p, std::move(h), m);
  }
  void put(std::string_view p, Handler h, Mode m = Mode::blocking) {
    route("PUT", p, std::move(h), m);
  }
  void patch(std::string_view p, Handler h, Mode m = Mode::blocking) {
    route("PATCH", p, std::move(h), m);
  }
  void del(std::string_view p, Handler h, Mode m = Mode::blocking) {
    route("DELETE", p, std::move(h), m);
  }

  // Runs once in the master before children are forked (see the top of this file).
  void on_preload(Hook hook) { preload_.push_back(std::move(hook)); }
  // Runs once in every child before it serves.
  void on_child_init(Hook hook) { child_init_.push_back(std::move(hook)); }

  // The NAME given to LoadApplication.
  const std::string& name() const { return name_; }
  // The value of KEY=VALUE given to LoadApplication after the path, or `fallback`.
  std::string option(std::string_view key, std::string_view fallback = {}) const {
    for (const auto& [k, v] : options_) {
      if (k == key) return v;
    }
    return std::string(fallback);
  }
  const Options& options() const { return options_; }
  Logger logger() const { return logger_; }

  // Registration failed: mpmd reports `message` as a configuration error.
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

  // ---- for the server ----------------------------------------------------------
  const std::vector<Route>& routes() const { return routes_; }
  const std::vector<Hook>& preload_hooks() const { return preload_; }
  const std::vector<Hook>& child_init_hooks() const { return child_init_; }
  const std::string& error() const { return error_; }

 private:
  std::string name_;
  Options options_;
  Logger logger_;
  std::vector<Route> routes_;
  std::vector<Hook> preload_;
  std::vector<Hook> child_init_;
  std::string error_;
};

// ---- the ABI check ------------------------------------------------------------
// The application and mpmd hand each other C++ objects (Registry, Request,
// Response and the std::string, std::function, std::vector, std::shared_ptr
// and std::optional inside them), so both must use the same C++ standard
// library with the same type layout. The compiler brand does not matter:
// g++ and clang++ lay out classes by the same Itanium C++ ABI, and clang++
// uses GCC's libstdc++ unless told -stdlib=libc++. So mpmd_app_abi() reports
// the standard library, its std::string ABI and the size and alignment of
// every shared type, and mpmd refuses an object where any of them differs
// (README "Applications" lists the combinations).

// The size and alignment of one type the application and mpmd share.
struct TypeLayout {
  const char* name;
  uint32_t size;
  uint32_t align;
};

// Which C++ standard library a translation unit is built against: the family
// in the top byte, its release below (_GLIBCXX_RELEASE: 12; _LIBCPP_VERSION:
// 14000, 170000). Headers before this field put __GXX_ABI_VERSION (about
// 1002..1019) here, below 1 << 24, so such an object is told apart.
enum class StandardLibrary : uint32_t { libstdcxx = 1, libcxx = 2, other = 3 };

constexpr uint32_t standard_library_id(StandardLibrary family, uint32_t release) {
  return uint32_t(family) << 24 | (release & 0xffffffu);
}

constexpr uint32_t standard_library() {
#if defined(_LIBCPP_VERSION)
  return standard_library_id(StandardLibrary::libcxx, _LIBCPP_VERSION);
#elif defined(_GLIBCXX_RELEASE)
  return standard_library_id(StandardLibrary::libstdcxx, _GLIBCXX_RELEASE);
#else
  return standard_library_id(StandardLibrary::other, 0);
#endif
}

namespace detail {
template <class T>
constexpr TypeLayout layout_of(const char* name) {
  return TypeLayout{name, uint32_t(sizeof(T)), uint32_t(alignof(T))};
}

// Every type whose layout both sides must agree on: the API's own and the
// standard types they hold (a libstdc++ release that changed one of them, or
// stale include/mpmd headers, shows here).
inline constexpr TypeLayout kSharedTypes[] = {
    layout_of<Registry>("mpmd::app::Registry"),
    layout_of<Request>("mpmd::app::Request"),
    layout_of<Response>("mpmd::app::Response"),
    layout_of<Environment>("mpmd::app::Environment"),
    layout_of<Deferred>("mpmd::app::Deferred"),
    layout_of<Deferral>("mpmd::app::detail::Deferral"),
    layout_of<std::string>("std::string"),
    layout_of<std::function<void()>>("std::function"),
    layout_of<std::vector<std::string>>("std::vector"),
    layout_of<std::shared_ptr<void>>("std::shared_ptr"),
    layout_of<std::optional<std::string>>("std::optional<std::string>"),
    layout_of<std::mutex>("std::mutex"),
};
}  // namespace detail

// What mpmd_app_abi() reports; mpmd compares every field with its own.
struct AbiInfo {
  uint32_t api_version;     // kApiVersion
  uint32_t library;         // standard_library()
  uint32_t cxx11_abi;       // _GLIBCXX_USE_CXX11_ABI: 1 = the std::string of GCC 5 and later
  uint32_t type_count;      // entries of `types`
  const TypeLayout* types;  // the layout of the shared types, as this side sees them
};

constexpr AbiInfo abi_info() {
#if defined(_GLIBCXX_USE_CXX11_ABI)
  constexpr uint32_t cxx11_abi = _GLIBCXX_USE_CXX11_ABI;
#else
  constexpr uint32_t cxx11_abi = 0;
#endif
  return AbiInfo{kApiVersion, standard_library(), cxx11_abi,
                 uint32_t(std::size(detail::kSharedTypes)), detail::kSharedTypes};
}

// The names mpmd looks up with dlsym().
inline constexpr const char* kAbiSymbol = "mpmd_app_abi";
inline constexpr const char* kRegisterSymbol = "mpmd_app_register";
using AbiFunction = const AbiInfo* (*)();
using RegisterFunction = void (*)(Registry&);

}  // namespace mpmd::app

// Defines the application's entry: `MPMD_APPLICATION(app) { app.get(...); }`.
// Exceptions thrown by the body are caught here and reported through
// Registry::fail(), so none crosses the extern "C" boundary.
#define MPMD_APPLICATION(registry)                                                               \
  static void mpmd_app_register_body(::mpmd::app::Registry& registry);                           \
  extern "C" __attribute__((visibility("default"))) const ::mpmd::app::AbiInfo* mpmd_app_abi() { \
    static constexpr ::mpmd::app::AbiInfo info = ::mpmd::app::abi_info();                        \
    return &info;                                                                                \
  }                                                                                              \
  extern "C" __attribute__((visibility("default"))) void mpmd_app_register(                      \
      ::mpmd::app::Registry& registry) {                                                         \
    try {                                                                                        \
      mpmd_app_register_body(registry);                                                          \
    } catch (const std::exception& e) {                                                          \
      registry.fail(e.what());                                                                   \
    } catch (...) {                                                                              \
      registry.fail("registration threw an exception that is not a std::exception");             \
    }                                                                                            \
  }                                                                                              \
  static void mpmd_app_register_body(::mpmd::app::Registry& registry)
