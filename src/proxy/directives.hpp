// mod_proxy's and mod_proxy_http's directives (ProxyPass, ProxyPassReverse,
// ProxyPreserveHost, ProxyTimeout, ProxyAddHeaders, ProxyRequests,
// ProxyIOBufferSize) as table rows filling config::Proxy.
#pragma once

#include "config/directive.hpp"

namespace mpmd::proxy {

config::DirectiveTable directives();

}  // namespace mpmd::proxy
