// regex_router: an application whose routing table is 10,000 compiled regular
// expressions, the kind of state that takes seconds to build. It shows what
// building it once buys (README "Applications"):
//
//   LoadApplication regex build/apps/regex_router.so mode=preload count=10000
//   <Location /rx>
//       SetHandler regex
//   </Location>
//
//   mode=preload  built once in the master before fork; children share the
//                 pages copy-on-write (the default)
//   mode=child    built in every child (child_init): N copies, N builds
//   mode=naive    built for every request, as code that keeps no state does
//   count=N       how many expressions (default 10000)
// Without a mode= option, the environment variable REGEX_ROUTER_MODE decides.
//
//   GET /rx/info          which mode, how many, where and how fast it was built
//   GET /rx/{path...}     the number of the first expression matching /{path...}:
//                         /rx/api/item-42/widget-7/view -> "route 42"
//
// Expression i is
//   ^/(api|v[0-9]+)/(item|product|article)-i/([a-z][a-z0-9_]{1,15})-([0-9]{1,8})
//    (/(view|edit|delete|history|raw|json|xml|csv))?/?$
// compiled with std::regex (POSIX extended grammar). libstdc++ matches without
// writing to the compiled automaton, so pages built in the master stay shared.
#include <unistd.h>
#include <mpmd/app.hpp>

#include <chrono>
#include <cstdlib>
#include <memory>
// GCC 12 with -fsanitize=address reports -Wmaybe-uninitialized inside
// std::regex's std::function members (a false positive in libstdc++).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using mpmd::app::Request;
using mpmd::app::Response;

enum class Mode { preload, child, naive };

struct Table {
  std::vector<std::regex> expressions;
  double build_ms = 0;
  pid_t built_by = 0;
};

std::string expression(size_t i) {
  return "^/(api|v[0-9]+)/(item|product|article)-" + std::to_string(i) +
         "/([a-z][a-z0-9_]{1,15})-([0-9]{1,8})(/(view|edit|delete|history|raw|json|xml|csv))?/?$";
}

void build(Table& table, size_t count) {
  auto start = std::chrono::steady_clock::now();
  table.expressions.clear();
  table.expressions.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    table.expressions.emplace_back(expression(i), std::regex::extended);
  }
  table.build_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  table.built_by = getpid();
}

// The number of the first expression matching `path`, or -1.
long first_match(const Table& table, const std::string& path) {
  for (size_t i = 0; i < table.expressions.size(); ++i) {
    if (std::regex_match(path, table.expressions[i])) return long(i);
  }
  return -1;
}

Mode parse_mode(const std::string& text) {
  if (text == "preload" || text.empty()) return Mode::preload;
  if (text == "child" || text == "per-child") return Mode::child;
  if (text == "naive") return Mode::naive;
  throw std::invalid_argument("mode must be preload, child or naive, not '" + text + "'");
}

const char* mode_name(Mode m) {
  return m == Mode::preload ? "preload" : m == Mode::child ? "child" : "naive";
}

struct State {
  Mode mode = Mode::preload;
  size_t count = 10000;
  uint32_t generation = 0;
  Table table;  // preload and child modes
};

}  // namespace

MPMD_APPLICATION(app) {
  auto state = std::make_shared<State>();
  std::string mode = app.option("mode");
  if (mode.empty()) {
    const char* env = std::getenv("REGEX_ROUTER_MODE");
    mode = env ? env : "";
  }
  state->mode = parse_mode(mode);
  std::string count = app.option("count", "10000");
  state->count = std::stoul(count);
  if (state->count == 0 || state->count > 1000000) {
    throw std::invalid_argument("count must be 1..1000000, not " + count);
  }

  app.on_preload([state, log = app.logger()](const mpmd::app::Environment& env) {
    state->generation = env.generation;
    if (state->mode != Mode::preload) return;
    build(state->table, state->count);
    log.notice("preload: " + std::to_string(state->count) + " expressions compiled in " +
               std::to_string(long(state->table.build_ms)) + " ms");
  });
  app.on_child_init([state](const mpmd::app::Environment&) {
    if (state->mode == Mode::child) build(state->table, state->count);
  });

  // Fast and allocation-light: fine inside the event loop.
  app.get(
      "/info",
      [state](const Request&, Response& res) {
        res.set_header("X-Generation", std::to_string(state->generation));
        res.send("mode " + std::string(mode_name(state->mode)) + "\ncount " +
                 std::to_string(state->count) + "\ngeneration " +
                 std::to_string(state->generation) + "\nbuilt_by " +
                 std::to_string(state->table.built_by) + "\nbuild_ms " +
                 std::to_string(long(state->table.build_ms)) + "\npid " + std::to_string(getpid()) +
                 "\n");
      },
      mpmd::app::non_blocking);

  // Up to count regex_match calls (milliseconds), or a whole build in naive
  // mode: CPU-bound, so blocking (the event engine runs it on its pool).
  app.get("/{path...}", [state](const Request& req, Response& res) {
    std::string path = "/" + std::string(req.param("path"));
    long hit;
    if (state->mode == Mode::naive) {
      Table table;
      build(table, state->count);
      hit = first_match(table, path);
    } else {
      hit = first_match(state->table, path);
    }
    res.set_header("X-Generation", std::to_string(state->generation));
    if (hit < 0) {
      res.status = 404;
      res.send("no route matches " + path + "\n");
      return;
    }
    res.send("route " + std::to_string(hit) + "\n");
  });
}
