#include "offload/functions.hpp"

#include "offload/frame.hpp"

namespace mpmd::offload {

std::string FunctionTable::add(std::string_view name, Function fn) {
  if (!valid_function_name(name)) {
    return "'" + std::string(name) + "' is not a function name (1-64 of A-Z a-z 0-9 _ . : -)";
  }
  if (!fn) return "function '" + std::string(name) + "' is empty";
  auto f = std::make_shared<const Function>(std::move(fn));
  std::lock_guard lock(mutex_);
  auto it = functions_.find(name);
  if (it != functions_.end()) {
    retired_.push_back(std::move(it->second));
    it->second = std::move(f);
  } else {
    functions_.emplace(std::string(name), std::move(f));
  }
  return "";
}

std::shared_ptr<const Function> FunctionTable::find(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : it->second;
}

void FunctionTable::begin_generation() {
  std::lock_guard lock(mutex_);
  for (auto& [name, f] : functions_) retired_.push_back(std::move(f));
  functions_.clear();
}

std::vector<std::string> FunctionTable::names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, f] : functions_) out.push_back(name);
  return out;
}

FunctionTable& functions() {
  // Never destroyed: see begin_generation().
  static FunctionTable* table = new FunctionTable;
  return *table;
}

}  // namespace mpmd::offload
