// Runs tasks somewhere else than the calling thread: the event engine's
// per-child pool of ThreadsPerChild threads for blocking application handlers.
#pragma once

#include <functional>

namespace mpmd::util {

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `task` on another thread, eventually. Never blocks the caller.
  virtual void submit(std::function<void()> task) = 0;
};

}  // namespace mpmd::util
