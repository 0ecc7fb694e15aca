#include "session/service.hpp"

namespace mpmd::session {

namespace {

// The master's last prepared generation (weak: a generation that is dropped
// releases its table unless a newer one kept it).
std::weak_ptr<const StoreFactory>& last_generation() {
  static std::weak_ptr<const StoreFactory> last;
  return last;
}

// Set once per child before its threads start, read-only afterwards.
std::unique_ptr<SessionStore>& store() {
  static std::unique_ptr<SessionStore> s;
  return s;
}

}  // namespace

std::shared_ptr<const StoreFactory> prepare_generation(const config::Sessions& cfg,
                                                       std::string& error) {
  std::shared_ptr<const StoreFactory> previous = last_generation().lock();
  std::shared_ptr<const StoreFactory> next = StoreFactory::prepare(cfg, previous.get(), error);
  if (next) last_generation() = next;
  return next;
}

void start_child(const StoreFactory& factory) {
  store() = factory.open();
}

SessionStore* child_store() {
  return store().get();
}

}  // namespace mpmd::session

extern "C" __attribute__((visibility("default"))) mpmd::SessionStore* mpmd_session_store(
    uint32_t api_version) {
  if (api_version != mpmd::kSessionApiVersion) return nullptr;
  return mpmd::session::child_store();
}
