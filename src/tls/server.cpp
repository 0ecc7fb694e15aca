#include "tls/server.hpp"

#include <algorithm>

#include "tls/algorithms.hpp"
#include "tls/transport.hpp"
#include "util/clock.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/strings.hpp"

namespace mpmd::tls {

util::Status Shared::update(const config::Tls& config) {
  std::string error;
  if (!ticket_keys) {
    ticket_keys = TicketKeys::create(config.ticket_key_file, error);
    if (!ticket_keys)
      return util::Error{config.ticket_key_origin + ": SSLSessionTicketKeyFile: " + error};
  } else if (!ticket_keys->reload(config.ticket_key_file, error)) {
    return util::Error{config.ticket_key_origin + ": SSLSessionTicketKeyFile: " + error};
  }
  if (config.session_cache == config::TlsSessionCache::none) {
    session_cache.reset();
  } else if (!session_cache || session_cache->bytes() != config.session_cache_bytes) {
    // Sessions of the old size stay with the old children (their mapping);
    // the new generation starts an empty cache.
    session_cache = SessionCache::create(config.session_cache_bytes, error);
    if (!session_cache)
      return util::Error{config.session_cache_origin + ": SSLSessionCache: " + error};
  }
  return {};
}

void Shared::tick(const config::Tls& config) {
  if (!ticket_keys) return;
  if (ticket_keys->rotate_if_due(config.ticket_key_rotation, util::wall_usec() / 1'000'000)) {
    log::emit(log::LogLevel::info, log::ids::kTlsTicketKey,
              "new session ticket key (rotation " + std::to_string(ticket_keys->rotations()) +
                  "); the previous one still decrypts");
  }
}

bool name_matches(std::string_view pattern, std::string_view name) {
  if (pattern == name) return true;
  if (pattern.size() > 2 && pattern.starts_with("*.")) {
    size_t dot = name.find('.');
    return dot != std::string_view::npos && dot > 0 && name.substr(dot) == pattern.substr(1);
  }
  return false;
}

util::Result<std::unique_ptr<Server>> Server::build(const config::Config& config, Shared* shared,
                                                    std::vector<std::string>& warnings) {
  std::vector<std::string> errors;
  std::vector<std::string> plan_warnings;  // check() reports them
  Plan plan = tls::plan(config, errors, plan_warnings);
  if (!errors.empty()) {
    std::string all;
    for (const auto& e : errors) all += (all.empty() ? "" : "; ") + e;
    return util::Error{all};
  }
  if (plan.sites.empty()) return std::unique_ptr<Server>();
  // Before any context exists: every algorithm TLS uses, fetched once.
  prefetch_algorithms();
  std::unique_ptr<Server> server(new Server());
  server->plan_ = std::move(plan);
  ContextDeps deps;
  deps.tls = &config.tls;
  deps.session_timeout = config.tls.session_cache_timeout;
  deps.ticket_keys = shared ? shared->ticket_keys.get() : nullptr;
  deps.session_cache = shared ? shared->session_cache.get() : nullptr;
  deps.server = server.get();
  for (const Site& site : server->plan_.sites) {
    deps.server_name = (site.names.empty() ? std::string("localhost") : site.names[0]) + ":" +
                       std::to_string(site.ports.empty() ? 443 : site.ports[0]);
    auto made = config.tls.self_signed && site.settings.certificates.empty()
                    ? Context::self_signed(site, deps)
                    : Context::build(site, deps, warnings);
    if (!made) return made.error();
    server->contexts_.push_back(std::move(*made));
  }
  for (const config::ListenAddress& l : config.listen) {
    ListenerTls entry{l.port, nullptr};
    if (!server->sites_for(l.port)) {
      std::vector<const Site*> sites = server->plan_.sites_for(l.port);
      if (!sites.empty()) {
        PortSites ps{l.port, {}};
        for (const Site* s : sites) {
          size_t i = size_t(s - server->plan_.sites.data());
          ps.contexts.push_back(server->contexts_[i].get());
        }
        server->ports_.push_back(std::move(ps));
      }
    }
    if (const PortSites* ps = server->sites_for(l.port)) entry.context = ps->contexts[0];
    server->by_listener_.push_back(entry);
  }
  return server;
}

const Server::PortSites* Server::sites_for(uint16_t port) const {
  for (const PortSites& p : ports_) {
    if (p.port == port) return &p;
  }
  return nullptr;
}

const Context* Server::select(std::string_view sni, uint16_t local_port) const {
  const PortSites* ps = sites_for(local_port);
  if (!ps || ps->contexts.empty()) return nullptr;
  if (!sni.empty()) {
    std::string name = util::to_lower(sni);
    for (const Context* c : ps->contexts) {
      for (const auto& pattern : c->site().names) {
        if (name_matches(pattern, name)) return c;
      }
    }
  }
  return ps->contexts[0];
}

std::unique_ptr<net::Transport> Server::wrap(util::UniqueFd fd, size_t listener) const {
  if (listener < by_listener_.size() && by_listener_[listener].context) {
    const ListenerTls& l = by_listener_[listener];
    return std::make_unique<TlsTransport>(std::move(fd), l.context->get(), this, l.port);
  }
  return std::make_unique<net::PlainTransport>(std::move(fd));
}

void check(const config::Config& config, std::vector<std::string>& errors,
           std::vector<std::string>& warnings) {
  size_t before = errors.size();
  (void)plan(config, errors, warnings);
  if (errors.size() != before) return;
  // Without shared memory: -t only reads the files.
  auto built = Server::build(config, nullptr, warnings);
  if (!built) errors.push_back(built.error().message);
}

}  // namespace mpmd::tls
