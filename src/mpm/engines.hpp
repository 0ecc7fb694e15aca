// The engines, as rows of one table: everything outside mpm/ that differs per
// engine (sizing rules, spare pools, messages, the status page) reads a row,
// never compares an engine's name.
#pragma once

#include <span>
#include <string_view>

#include "mpm/common/child.hpp"

namespace mpmd::mpm {

// How the master keeps the number of children (apache-mpm.md §2).
enum class SparePool {
  servers,  // idle single-threaded children between Min/MaxSpareServers (prefork)
  threads,  // idle threads of threaded children between Min/MaxSpareThreads (worker)
  none,     // a fixed set of StartServers children (event)
};

struct Engine {
  std::string_view name;  // the MPM directive's value; mpm_NAME_module
  ChildMain run;
  SparePool spare_pool;
  // What Min/MaxSpare directives count, as in their names: "Servers", "Threads".
  std::string_view sizing_unit;
  // Whether a handler may answer later, off the serving thread (Deferred).
  bool async_handlers;
};

// Every engine, in the order users are told about them.
std::span<const Engine> engines();

// The row named `name` (lower case, as the config stores it), or nullptr.
const Engine* find_engine(std::string_view name);

}  // namespace mpmd::mpm
