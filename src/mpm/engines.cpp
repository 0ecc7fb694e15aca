#include "mpm/common/child.hpp"
#include "mpm/event/event_child.hpp"
#include "mpm/prefork/prefork_child.hpp"
#include "mpm/worker/worker_child.hpp"

namespace mpmd::mpm {

ChildMain find_engine(std::string_view name) {
  if (name == "event") return &event::run_child;
  if (name == "worker") return &worker::run_child;
  if (name == "prefork") return &prefork::run_child;
  return nullptr;
}

}  // namespace mpmd::mpm
