// The site of one child: the router with static files, the status pages, the
// application dispatchers, the access log and the scoreboard recorders, put
// together for the engine behind mpm::Site (mpm/common/site.hpp).
#pragma once

#include <memory>

#include "mpm/common/child.hpp"
#include "mpm/common/site.hpp"

namespace mpmd::app {
class Applications;  // app/applications.hpp
}  // namespace mpmd::app

namespace mpmd::python {
class Hosting;  // python/hosting.hpp
}  // namespace mpmd::python

namespace mpmd::site {

struct SiteOptions {
  // The applications of this child's generation, already child-initialised;
  // each is mounted as a SetHandler. Null = none. Must outlive the site.
  const app::Applications* applications = nullptr;
  // Python hosting (WSGIScriptAlias ...) of this generation; null = none.
  const python::Hosting* python = nullptr;
  // Whether the engine lets handlers answer later (the status page's "async").
  bool async_handlers = false;
};

// Builds the site for the child described by `env` (config, scoreboard slot,
// sizing); `env.config` and `env.scoreboard` must outlive it. Static files
// (their cache, MIME table and root) are one per child, shared by its threads.
std::unique_ptr<mpm::Site> make_site(const mpm::ChildEnv& env, const SiteOptions& options);

}  // namespace mpmd::site
