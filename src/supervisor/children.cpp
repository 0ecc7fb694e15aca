#include "supervisor/children.hpp"

#include <algorithm>

namespace mpmd::supervisor {

int ChildTable::free_slot(int slot_limit) const {
  for (int s = 0; s < slot_limit; ++s) {
    bool used = std::any_of(children_.begin(), children_.end(),
                            [&](const Child& c) { return c.slot == s; });
    if (!used) return s;
  }
  return -1;
}

Child& ChildTable::add(const Child& child) {
  children_.push_back(child);
  return children_.back();
}

std::optional<Child> ChildTable::remove(pid_t pid) {
  auto it = std::find_if(children_.begin(), children_.end(),
                         [&](const Child& c) { return c.pid == pid; });
  if (it == children_.end()) return std::nullopt;
  Child child = *it;
  children_.erase(it);
  return child;
}

int ChildTable::count_current(uint32_t generation) const {
  return int(std::count_if(children_.begin(), children_.end(),
                           [&](const Child& c) { return current(c, generation); }));
}

RestartPolicy::Verdict RestartPolicy::on_crash(Clock::time_point started, Clock::time_point now,
                                               bool startup_failed) {
  Verdict v;
  v.early = now - started < kStartupWindow || startup_failed;
  if (v.early) {
    backoff_ = std::min(backoff_ == 0 ? 1 : backoff_ * 2, kMaxBackoffSeconds);
    next_spawn_allowed_ = now + std::chrono::seconds(backoff_);
    v.backoff_seconds = backoff_;
  } else {
    backoff_ = 0;
  }
  return v;
}

}  // namespace mpmd::supervisor
