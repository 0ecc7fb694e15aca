#include "mpm/event/directives.hpp"

#include <string>

#include "mpm/event/backend.hpp"
#include "util/strings.hpp"

namespace mpmd::mpm::event {

namespace {

std::string names_text() {
  std::string out;
  for (std::string_view n : backend_names()) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

std::vector<config::Directive> directives() {
  using config::Config;
  using config::DirectiveCall;
  return {
      {"EventBackend", 1, 1, config::kServer,
       [](Config& c, const DirectiveCall& call) {
         for (std::string_view n : backend_names()) {
           if (util::iequals(call.args[0], n)) {
             // A kernel or seccomp policy may refuse io_uring: say so at -t
             // and start, not in every child.
             if (n == "io_uring") {
               if (auto b = make_backend(n); !b) {
                 return "io_uring is not available here (" + b.error().message + "); use epoll";
               }
             }
             c.event_loop.backend = std::string(n);
             if (c.mpm.name != "event" && call.warn) {
               call.warn("applies to the event engine only; the " + c.mpm.name +
                         " engine ignores it");
             }
             return std::string();
           }
         }
         return "unknown event backend '" + call.args[0] + "': must be one of " + names_text();
       },
       "EventBackend select|poll|epoll|io_uring - event: how each child waits for its "
       "connections: select (below FD_SETSIZE descriptors, WorkerConnections capped to fit), "
       "poll, epoll (default) or io_uring (multishot poll; a loop turn's interest changes go "
       "with its wait in one io_uring_enter)"},
  };
}

}  // namespace mpmd::mpm::event
