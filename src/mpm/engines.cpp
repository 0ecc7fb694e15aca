#include "mpm/engines.hpp"

#include "mpm/event/event_child.hpp"
#include "mpm/prefork/prefork_child.hpp"
#include "mpm/worker/worker_child.hpp"

namespace mpmd::mpm {

namespace {
constexpr Engine kEngines[] = {
    {"event", &event::run_child, SparePool::none, "Threads", true},
    {"worker", &worker::run_child, SparePool::threads, "Threads", false},
    {"prefork", &prefork::run_child, SparePool::servers, "Servers", false},
};
}  // namespace

std::span<const Engine> engines() {
  return kEngines;
}

const Engine* find_engine(std::string_view name) {
  for (const Engine& e : kEngines) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

}  // namespace mpmd::mpm
