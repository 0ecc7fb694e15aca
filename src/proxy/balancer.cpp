#include "proxy/balancer.hpp"

#include <algorithm>

namespace mpmd::proxy {

Balancer::Balancer(const config::ProxyBalancer& settings, config::Millis timeout)
    : name_(settings.name), by_busyness_(settings.lbmethod == "bybusyness") {
  for (const config::ProxyRoute& m : settings.members) {
    members_.push_back(std::make_unique<Backend>(m, timeout));
  }
  lbstatus_.assign(members_.size(), 0);
}

Backend* Balancer::pick(util::Usec now, const std::vector<Backend*>& tried) {
  std::lock_guard lock(mutex_);
  for (bool standby : {false, true}) {
    // Apache's byrequests: every usable member gains its loadfactor, the
    // richest is picked and pays the total. bybusyness: the fewest in flight,
    // byrequests among equals.
    int total = 0;
    size_t best = members_.size();
    for (size_t i = 0; i < members_.size(); ++i) {
      Backend& m = *members_[i];
      if (m.route().hot_standby != standby || m.in_error(now) ||
          std::find(tried.begin(), tried.end(), &m) != tried.end()) {
        continue;
      }
      lbstatus_[i] += m.route().loadfactor;
      total += m.route().loadfactor;
      if (best == members_.size()) {
        best = i;
        continue;
      }
      if (by_busyness_ && m.busy() != members_[best]->busy()) {
        if (m.busy() < members_[best]->busy()) best = i;
      } else if (lbstatus_[i] > lbstatus_[best]) {
        best = i;
      }
    }
    if (best != members_.size()) {
      lbstatus_[best] -= total;
      return members_[best].get();
    }
  }
  return nullptr;
}

std::string member_target(const config::ProxyRoute& member, std::string_view target) {
  std::string out = member.base_path;
  while (!out.empty() && out.back() == '/') out.pop_back();
  if (target.empty() || target[0] != '/') out += '/';
  out += target;
  return out;
}

}  // namespace mpmd::proxy
