#include "site/site.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "app/applications.hpp"
#include "app/dispatcher.hpp"
#include "handlers/alias.hpp"
#include "handlers/compress/filter.hpp"
#include "handlers/router.hpp"
#include "handlers/static_files/responses.hpp"
#include "handlers/static_files/static_files.hpp"
#include "handlers/status/metrics_handler.hpp"
#include "handlers/status/status_handler.hpp"
#include "http/error_page.hpp"
#include "http/tls_session.hpp"
#include "log/access_log.hpp"
#include "proxy/handler.hpp"
#include "python/hosting.hpp"
#include "python/wsgi_handler.hpp"
#include "rewrite/host_rewriter.hpp"
#include "site/directory_rules.hpp"
#include "site/environment.hpp"
#include "site/headers.hpp"
#include "site/recorders.hpp"
#include "site/vhosts.hpp"
#include "util/error_log.hpp"
#include "util/version.hpp"

namespace mpmd::site {

namespace {

std::string server_name(const config::Config& config) {
  if (!config.server_name.empty()) return config.server_name;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

handlers::status::StatusFacts status_facts(const mpm::ChildEnv& env, bool async) {
  handlers::status::StatusFacts f;
  f.server_name = env.config->server_name;
  f.server_version = std::string(kName) + "/" + std::string(kVersion);
  f.mpm = env.config->mpm.name;
  if (f.mpm == "event") f.event_backend = env.config->event_loop.backend;  // EventBackend
  f.server_limit = env.server_limit;
  f.threads_per_child = env.threads_per_child;
  f.max_request_workers = env.max_request_workers;
  f.async = async;
  return f;
}

class ChildSite;

// What one serving thread answers one host (the main server or a
// <VirtualHost>) with: its router, its applications' dispatchers, its
// access log.
struct HostThread {
  HostThread(const std::vector<config::Location>& locations, http::Handler& files,
             const std::map<int, std::string>& error_documents,
             const std::vector<config::EnvRule>& env_rules)
      : router(locations, files),
        files(files),
        error_documents(error_documents),
        env_rules(env_rules) {}
  handlers::Router router;
  http::Handler& files;                               // the host's static files (DocumentRoot)
  const compress::Policy* compress = nullptr;         // null: nothing to compress in this host
  const std::map<int, std::string>& error_documents;  // ErrorDocument
  const std::vector<config::EnvRule>& env_rules;      // SetEnvIf, SetEnv, ...
  const std::vector<config::HeaderRule>* headers = nullptr;  // Header; null = none
  std::vector<std::unique_ptr<app::Dispatcher>> apps;        // one per LoadApplication
  log::AccessLog access;
};

// The handler chain and access logs of one serving thread.
class ThreadSite final : public mpm::SiteThread,
                         public http::Handler,
                         public http::ExchangeObserver {
 public:
  ThreadSite(ChildSite& site, int thread, util::Executor* blocking_pool);
  ~ThreadSite() override { flush(); }

  http::Handler& handler() override {
    if (recording_) return *recording_;
    return *this;
  }
  http::ExchangeObserver* observer() override {
    if (recorder_) return &*recorder_;
    return logging_ || headers_ ? this : nullptr;
  }
  void tick(util::Usec now) override {
    if (now - last_flush_ >= 1'000'000) {
      last_flush_ = now;
      flush();
    }
  }
  void flush() override {
    for (auto& h : hosts_) h->access.flush();
  }

  // http::Handler: the host's router answers.
  void handle(const http::Request& request, http::Response& response) override {
    if (misdirected(request)) return http::error_page(response, 421);
    size_t h = host_index(request);
    response.site_host = int(h);
    if (worker_) show_vhost(h, request);
    HostThread& host = *hosts_[h];
    if (!host.env_rules.empty()) apply_environment(host.env_rules, request, response.environment);
    compress::DeferredFilter* later =
        host.compress ? compress::DeferredFilter::install(*host.compress, request, response)
                      : nullptr;
    if (const rewrite::HostRewriter& rw = rewriters_[h]; rw.active()) {  // mod_rewrite
      rw.handle(request, response, host.router);
    } else {
      host.router.handle(request, response);
    }
    if (host.compress && compress::DeferredFilter::settle(later, response.deferred)) {
      compress::filter_response(*host.compress, request, response);
    }
    if (!host.error_documents.empty() && response.status >= 400 && !response.deferred) {
      error_document(host, request, response);
    }
  }
  // http::ExchangeObserver: the host's Header rules have the last word.
  void before_head(const http::Request& request, http::Response& response) override {
    if (!headers_) return;
    const HostThread& host = *hosts_[host_of(request, response)];
    if (host.headers) apply_headers(*host.headers, response);
  }
  // http::ExchangeObserver: the host's access log writes.
  void on_exchange(const http::Request& request, const http::Response& response,
                   const http::Exchange& exchange) override {
    log::AccessLog& access = hosts_[host_of(request, response)]->access;
    if (access.sink_count() > 0) access.on_exchange(request, response, exchange);
  }

 private:
  size_t host_index(const http::Request& request) const;  // in hosts_
  // The host handle() chose, or host_index() for a request it never saw.
  size_t host_of(const http::Request& request, const http::Response& response) const {
    return response.site_host >= 0 ? size_t(response.site_host) : host_index(request);
  }
  bool misdirected(const http::Request& request) const;
  // ErrorDocument: replaces an error's body (message, local URL) or the error
  // itself (a redirect to a remote URL).
  void error_document(HostThread& host, const http::Request& request, http::Response& response);
  // Apache's VHost column: the vhost's ServerName and the connection's port.
  void show_vhost(size_t host, const http::Request& request);

  const VhostMap& vhosts_;
  const std::vector<rewrite::HostRewriter>& rewriters_;  // per host, as hosts_
  std::vector<std::unique_ptr<HostThread>> hosts_;       // [0] the main server, [1 + v] vhost v
  bool logging_ = false;                                 // whether any host has an access log
  bool headers_ = false;                                 // whether any host has Header rules
  scoreboard::Worker* worker_ = nullptr;                 // this thread's scoreboard slot, if any
  std::optional<handlers::status::StatusHandler> status_;
  std::optional<handlers::status::MetricsHandler> metrics_;
  std::unique_ptr<http::Handler> wsgi_;                // WSGIScriptAlias
  std::vector<std::unique_ptr<http::Handler>> proxy_;  // ProxyPass, one per host that has one
  std::optional<ScoreboardRecorder> recorder_;
  std::optional<RecordingHandler> recording_;
  util::Usec last_flush_ = 0;
};

// What the serving threads of one child share: the static-file handler of
// each host (thread-safe: its cache, MIME table and root directory), so a
// worker child holds one of each instead of one per thread (with a full
// mime.types, 256 copies cost ~55 MB), and a hot file is read and revalidated
// once per child.
class ChildSite final : public mpm::Site {
 public:
  ChildSite(const mpm::ChildEnv& env, const SiteOptions& options)
      : config_(*env.config),
        scoreboard_(env.scoreboard),
        slot_(env.slot),
        applications_(options.applications),
        python_(options.python),
        threads_per_child_(env.threads_per_child),
        facts_(status_facts(env, options.async_handlers)),
        vhosts_(config_.virtual_hosts, server_name(config_)) {
    for (int v = -1; v < int(config_.virtual_hosts.size()); ++v)
      rewriters_.emplace_back(config_, v);
    add_host(config_.files, config_.aliases, "", config_.compress);
    locations_.push_back(effective_locations(config_.files, config_.aliases, config_.directories,
                                             config_.locations));
    for (const auto& vh : config_.virtual_hosts) {
      add_host(vh.site.files, vh.site.aliases, " (" + vh.origin + ")", vh.site.compress);
      locations_.push_back(effective_locations(vh.site.files, vh.site.aliases, vh.site.directories,
                                               vh.site.locations));
    }
    for (size_t h = 0; h < files_.size(); ++h) {  // the reverse proxy (ProxyPass)
      const config::Proxy& p = h == 0 ? config_.proxy : config_.virtual_hosts[h - 1].site.proxy;
      proxies_.push_back(p.routes.empty() ? nullptr
                                          : std::make_unique<proxy::HostProxy>(
                                                p, config_.http.timeout, vhosts_.name(int(h) - 1)));
    }
  }

  std::unique_ptr<mpm::SiteThread> open_thread(int thread, util::Executor* blocking_pool) override {
    return std::make_unique<ThreadSite>(*this, thread, blocking_pool);
  }

  void child_stop() override {
    if (applications_) applications_->child_stop();
  }

 private:
  friend class ThreadSite;

  // What a thread routes by in a host: mod_alias's rule -> handler.
  using AliasHandlers =
      std::vector<std::pair<const config::AliasRule*, std::unique_ptr<http::Handler>>>;

  std::unique_ptr<static_files::StaticFiles> make_files(const config::StaticFiles& settings,
                                                        const std::string& where) {
    static_files::Options options;
    if (compress_.back()->active()) options.compress = compress_.back().get();
    auto files = std::make_unique<static_files::StaticFiles>(settings, clock_, options);
    if (!files->ok()) {
      log::emit(log::LogLevel::error, log::ids::kConfigError,
                "static files" + where + ": " + files->error() + "; answering 500");
    }
    return files;
  }

  // A host's files, and its Redirect and Alias rules: every Redirect before
  // any Alias, each kind in file order (mod_alias).
  void add_host(const config::StaticFiles& settings, const std::vector<config::AliasRule>& rules,
                const std::string& where, const config::Compress& compress) {
    compress_.push_back(std::make_unique<compress::Policy>(compress, settings, rules));
    files_.push_back(make_files(settings, where));
    AliasHandlers handlers;
    for (bool redirects : {true, false}) {
      for (const config::AliasRule& rule : rules) {
        if ((rule.status != 0) != redirects) continue;
        if (redirects) {
          handlers.emplace_back(&rule, std::make_unique<handlers::RedirectHandler>(rule));
          continue;
        }
        config::StaticFiles aliased = settings;
        std::string where =
            " (" + std::string(rule.regex ? "AliasMatch" : "Alias") + " at " + rule.origin + ")";
        if (!rule.regex) {
          aliased.document_root = rule.target;
          aliased.url_prefix = rule.url;
          handlers.emplace_back(&rule, make_files(aliased, where));
          continue;
        }
        aliased.document_root = handlers::alias_match_root(rule.target);
        match_files_.push_back(make_files(aliased, where));
        handlers.emplace_back(
            &rule, std::make_unique<handlers::AliasMatchHandler>(rule, *match_files_.back()));
      }
    }
    aliases_.push_back(std::move(handlers));
  }

  const config::Config& config_;
  scoreboard::Scoreboard* scoreboard_;
  int slot_;
  const app::Applications* applications_;
  const python::Hosting* python_;
  int threads_per_child_;
  handlers::status::StatusFacts facts_;
  util::SystemClock clock_;
  VhostMap vhosts_;
  // [0] the main server's, [1 + v] vhost v's; each thread-safe.
  std::vector<std::unique_ptr<compress::Policy>> compress_;  // as files_
  std::vector<std::unique_ptr<static_files::StaticFiles>> files_;
  std::vector<AliasHandlers> aliases_;  // per host, as files_
  // The files of the AliasMatch rules (of every host): the directory before
  // any $N of each target.
  std::vector<std::unique_ptr<static_files::StaticFiles>> match_files_;
  // Per host, as files_: its ProxyPass backends and their pools; null = none.
  std::vector<std::unique_ptr<proxy::HostProxy>> proxies_;
  std::vector<rewrite::HostRewriter> rewriters_;  // per host, as files_
  // Per host, as files_: its <Directory> rules as URL prefixes, then its <Location>s.
  std::vector<std::vector<config::Location>> locations_;
};

ThreadSite::ThreadSite(ChildSite& site, int thread, util::Executor* blocking_pool)
    : vhosts_(site.vhosts_), rewriters_(site.rewriters_) {
  const config::Config& config = site.config_;
  for (size_t h = 0; h < site.files_.size(); ++h) {
    const auto& documents =
        h == 0 ? config.error_documents : config.virtual_hosts[h - 1].site.error_documents;
    const auto& env_rules = h == 0 ? config.env_rules : config.virtual_hosts[h - 1].site.env_rules;
    hosts_.push_back(
        std::make_unique<HostThread>(site.locations_[h], *site.files_[h], documents, env_rules));
    if (site.compress_[h]->active()) hosts_.back()->compress = site.compress_[h].get();
  }
  if (site.scoreboard_) {
    scoreboard::Worker& worker = site.scoreboard_->worker(site.slot_, thread);
    worker_ = &worker;
    recorder_.emplace(worker, *this);
    recording_.emplace(worker, *this);
    // Lost access-log lines count in the scoreboard, per file for the whole
    // server and per thread (the status page's and /metrics' figures).
    for (auto& h : hosts_) {
      h->access.count_losses(site.scoreboard_->global().log_loss, &worker.log_lines_dropped);
    }
    status_.emplace(*site.scoreboard_, site.facts_);
    metrics_.emplace(*site.scoreboard_, site.facts_);
  }
  if (site.python_) {
    scoreboard::Worker* w =
        site.scoreboard_ ? &site.scoreboard_->worker(site.slot_, thread) : nullptr;
    // wsgi.multithread: the engine's serving threads, or the handler pool's.
    int threads = blocking_pool ? config.mpm.threads_per_child : site.threads_per_child_;
    wsgi_ = python::make_handler(*site.python_, {blocking_pool, w, threads > 1, true});
  }
  std::set<std::string> unknown;  // SetHandler names without a handler, in any host
  for (size_t h = 0; h < hosts_.size(); ++h) {
    HostThread& host = *hosts_[h];
    const std::vector<config::Location>& locations = site.locations_[h];
    if (status_) {
      host.router.add("server-status", &*status_);
      host.router.add("metrics", &*metrics_);
    }
    if (site.applications_) {
      for (const auto& a : site.applications_->all()) {
        host.apps.push_back(std::make_unique<app::Dispatcher>(*a, locations, blocking_pool));
        host.router.add(a->name(), host.apps.back().get());
      }
    }
    if (wsgi_) {
      for (const auto& a : site.python_->wsgi().aliases) host.router.mount(a.url, wsgi_.get());
    }
    if (site.proxies_[h]) {
      proxy_.push_back(proxy::make_handler(*site.proxies_[h], host.files, blocking_pool));
      for (const auto& p : site.proxies_[h]->mount_points()) {
        const proxy::HostProxy* hp = site.proxies_[h].get();
        host.router.mount(p, proxy_.back().get(),
                          [hp](std::string_view x) { return hp->claims(x); });
      }
    }
    for (const auto& [rule, handler] : site.aliases_[h]) host.router.alias(*rule, handler.get());
    const std::vector<config::CustomLog>& logs =
        h == 0 ? config.logs.custom_logs : config.virtual_hosts[h - 1].site.custom_logs;
    if (std::string error = host.access.add_all(logs); !error.empty()) {
      log::emit(log::LogLevel::error, log::ids::kFileOpenFailed, error);
    }
    host.access.set_server_name(site.vhosts_.name(int(h) - 1));
    logging_ = logging_ || host.access.sink_count() > 0;
    const auto& headers = h == 0 ? config.headers : config.virtual_hosts[h - 1].site.headers;
    if (!headers.empty()) {
      host.headers = &headers;
      headers_ = true;
    }
    for (const auto& name : host.router.unknown_handlers()) unknown.insert(name);
  }
  for (const auto& name : unknown) {
    log::emit(log::LogLevel::warn, log::ids::kConfigWarning,
              "SetHandler " + name + ": no such handler; serving files there");
  }
}

// Apache's 421: over TLS, the Host header names another vhost than the one
// SNI chose for the connection (its certificate and TLS settings).
bool ThreadSite::misdirected(const http::Request& request) const {
  const http::Peer* peer = request.peer;
  if (hosts_.size() == 1 || peer == nullptr || peer->tls == nullptr || peer->tls->sni.empty()) {
    return false;
  }
  return vhosts_.select(peer->local_address, peer->local_port, request.host) !=
         vhosts_.select(peer->local_address, peer->local_port, peer->tls->sni);
}

size_t ThreadSite::host_index(const http::Request& request) const {
  if (hosts_.size() == 1 || request.peer == nullptr) return 0;
  int v = vhosts_.select(request.peer->local_address, request.peer->local_port, request.host);
  return size_t(v + 1);
}

void ThreadSite::error_document(HostThread& host, const http::Request& request,
                                http::Response& response) {
  auto it = host.error_documents.find(response.status);
  if (it == host.error_documents.end()) return;
  const std::string& doc = it->second;
  int status = response.status;
  bool head = response.head_only;
  // What the site learnt of the request outlives the page it answers with,
  // as Apache keeps r->user, r->subprocess_env and err_headers_out across
  // ErrorDocument: a 401 still asks for a login.
  struct Kept {
    http::Response& r;
    std::optional<std::string> user = std::move(r.remote_user);
    std::vector<std::pair<std::string, std::string>> env = std::move(r.environment);
    int host = r.site_host;
    std::string challenge = std::string(r.header("WWW-Authenticate"));
    ~Kept() {
      r.remote_user = std::move(user);
      r.environment = std::move(env);
      r.site_host = host;
      if (!challenge.empty() && r.header("WWW-Authenticate").empty()) {
        r.add_header("WWW-Authenticate", std::move(challenge));
      }
    }
  } kept{response};
  if (doc[0] == '"') {  // a message
    response.clear();
    response.status = status;
    response.head_only = head;
    response.set_header("Content-Type", "text/html; charset=iso-8859-1");
    response.body.append(doc.substr(1));
  } else if (doc[0] != '/') {  // a remote URL: Apache redirects there
    response.clear();
    response.status = 302;
    response.head_only = head;
    static_files::redirect(response, doc, 302);
  } else {  // a local URL below DocumentRoot, fetched with GET as Apache's internal redirect
    // From the static files only: a handler there could answer later
    // (Deferred) into a response that is gone by then.
    http::Request inner = request;
    inner.method = http::Method::get;
    inner.method_text = "GET";
    size_t q = doc.find('?');
    inner.path = std::string_view(doc).substr(0, q);
    inner.query = q == std::string::npos ? std::string_view() : std::string_view(doc).substr(q + 1);
    inner.body = nullptr;
    http::Response page;
    host.files.handle(inner, page);
    if (page.status != 200 || page.deferred) return;  // Apache keeps its own page then
    page.status = status;
    page.head_only = head;
    response = std::move(page);
  }
}

void ThreadSite::show_vhost(size_t host, const http::Request& request) {
  const std::string& name = vhosts_.name(int(host) - 1);
  char buf[80];
  size_t n = std::min(name.size(), sizeof buf - 8);
  std::memcpy(buf, name.data(), n);
  buf[n++] = ':';
  uint16_t port = request.peer ? request.peer->local_port : 0;
  n = size_t(std::to_chars(buf + n, buf + sizeof buf, port).ptr - buf);
  worker_->vhost.set(std::string_view(buf, n));
}

}  // namespace

std::unique_ptr<mpm::Site> make_site(const mpm::ChildEnv& env, const SiteOptions& options) {
  return std::make_unique<ChildSite>(env, options);
}

}  // namespace mpmd::site
