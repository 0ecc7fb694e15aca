// The functions helper processes can run, by name: registered by applications
// in the master (registration or preload), inherited by every child and so by
// its helpers, which are forked from the child.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "mpmd/offload.hpp"

namespace mpmd::offload {

class FunctionTable {
 public:
  // "" or why `name` cannot be registered. A name registered again is replaced.
  std::string add(std::string_view name, Function fn);
  // The function named `name`, or null. The pointer stays valid until
  // begin_generation() or a later add() of the same name.
  std::shared_ptr<const Function> find(std::string_view name) const;
  // A new configuration generation is about to register its functions: the
  // current ones are forgotten. Their std::function objects are kept alive on
  // purpose and never destroyed: their code may live in an application's
  // shared object that the old generation unloads (dlclose) after this, and
  // destroying them then would jump into unmapped code.
  void begin_generation();
  std::vector<std::string> names() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const Function>, std::less<>> functions_;
  std::vector<std::shared_ptr<const Function>> retired_;
};

// The process-wide table the Service registers into.
FunctionTable& functions();

}  // namespace mpmd::offload
