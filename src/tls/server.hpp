// The server's TLS: a context per TLS site, which listening sockets speak
// TLS, and the SNI choice among sites. Built by the master before it forks
// (keys are read there), inherited by every child, and handed to the engines
// as a net::TransportFactory (they never see OpenSSL).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "net/listener.hpp"
#include "net/transport.hpp"
#include "tls/context.hpp"
#include "tls/directives.hpp"
#include "tls/shared_state.hpp"
#include "util/result.hpp"

namespace mpmd::tls {

// What outlives a configuration: the shared session cache and ticket keys,
// kept by the master across graceful restarts.
struct Shared {
  std::unique_ptr<TicketKeys> ticket_keys;
  std::unique_ptr<SessionCache> session_cache;

  // Makes or keeps them for `config` (a new cache only when its size
  // changed; ticket keys re-read when a key file is named).
  util::Status update(const config::Tls& config);
  // Master, once a second: a new ticket key when the rotation is due.
  void tick(const config::Tls& config);
};

class Server final : public net::TransportFactory {
 public:
  // Null when the configuration has no TLS site. The children's listening
  // sockets are config.listen's, in its order (Accepted::listener indexes
  // them). `shared` may be null (-t). `warnings`: certificates near or past
  // expiry. Errors name file:line.
  static util::Result<std::unique_ptr<Server>> build(const config::Config& config, Shared* shared,
                                                     std::vector<std::string>& warnings);

  std::unique_ptr<net::Transport> wrap(util::UniqueFd fd, size_t listener) const override;

  // The SNI hook: the context of the site that answers `sni` on
  // `local_port`: a site whose ServerName or ServerAlias matches (exactly or
  // by a leading "*." wildcard), else the port's first site. Virtual hosts
  // plug their own matching in here.
  const Context* select(std::string_view sni, uint16_t local_port) const;

  // The listeners that speak TLS, by index.
  bool tls_listener(size_t index) const {
    return index < by_listener_.size() && by_listener_[index].context != nullptr;
  }

 private:
  struct PortSites {
    uint16_t port = 0;
    std::vector<const Context*> contexts;  // SNI order; [0] is the default
  };
  struct ListenerTls {
    uint16_t port = 0;
    const Context* context = nullptr;  // null: plain
  };
  const PortSites* sites_for(uint16_t port) const;

  Plan plan_;
  std::vector<std::unique_ptr<Context>> contexts_;  // one per plan_.sites entry
  std::vector<PortSites> ports_;
  std::vector<ListenerTls> by_listener_;
};

// `mpmd -t`: builds every context (reads certificates and keys) without
// keeping them. Errors and warnings are "FILE:LINE: Directive: message".
void check(const config::Config& config, std::vector<std::string>& errors,
           std::vector<std::string>& warnings);

// True when a name matches a ServerName/ServerAlias pattern (lower case).
bool name_matches(std::string_view pattern, std::string_view name);

}  // namespace mpmd::tls
