// <Proxy balancer://NAME>: its members (each a Backend with its pool) and
// how one is picked: byrequests (each member's share of requests follows its
// loadfactor, Apache's weighted round robin) or bybusyness (fewest requests
// in flight). Members in error state (retry=) are skipped; hot standbys
// (status=+H) are used only while no other member is usable. One per child,
// shared by its threads.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "proxy/backend.hpp"

namespace mpmd::proxy {

class Balancer {
 public:
  Balancer(const config::ProxyBalancer& settings, config::Millis timeout);

  const std::string& name() const { return name_; }
  bool empty() const { return members_.empty(); }
  // The member for the next request, not one of `tried`; null when every
  // member is in error state or tried.
  Backend* pick(util::Usec now, const std::vector<Backend*>& tried);

 private:
  std::string name_;
  bool by_busyness_ = false;
  std::vector<std::unique_ptr<Backend>> members_;
  std::mutex mutex_;
  std::vector<int> lbstatus_;  // byrequests' running credit per member
};

// A member's request-target: its URL's path, then the path below the balancer.
std::string member_target(const config::ProxyRoute& member, std::string_view target);

}  // namespace mpmd::proxy
