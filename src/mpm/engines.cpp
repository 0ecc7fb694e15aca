#include "mpm/common/child.hpp"
#include "mpm/event/event_child.hpp"

namespace mpmd::mpm {

ChildMain find_engine(std::string_view name) {
  if (name == "event") return &event::run_child;
  return nullptr;
}

}  // namespace mpmd::mpm
