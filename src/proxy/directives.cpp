#include "proxy/directives.hpp"

#include "proxy/message.hpp"
#include "util/strings.hpp"

namespace mpmd::proxy {

namespace {

using config::Config;
using config::DirectiveCall;

constexpr unsigned kContexts = config::kServer | config::kVirtualHost;

std::string set_key(config::ProxyRoute& r, const std::string& arg) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) return "options are KEY=VALUE, not '" + arg + "'";
  std::string key = util::to_lower(arg.substr(0, eq));
  std::string value = arg.substr(eq + 1);
  std::string e;
  if (key == "timeout") {
    e = config::parse_seconds(value, r.timeout);
  } else if (key == "connectiontimeout") {
    e = config::parse_seconds(value, r.connection_timeout);
  } else if (key == "retry") {
    e = config::parse_seconds(value, r.retry);
  } else if (key == "ttl") {
    e = config::parse_seconds(value, r.ttl);
  } else if (key == "keepalive") {
    e = config::parse_flag(value, r.keepalive);
  } else if (key == "disablereuse") {
    e = config::parse_flag(value, r.disable_reuse);
  } else if (key == "max") {
    int n = 0;
    e = config::parse_int(value, 0, 100000, n);
    r.max = uint32_t(n);
  } else {
    return "unknown key '" + key +
           "' (timeout=, connectiontimeout=, retry=, ttl=, keepalive=, disablereuse=, max=)";
  }
  return e.empty() ? "" : key + "=" + value + ": " + e;
}

std::string add_route(Config& c, const DirectiveCall& call, bool regex) {
  config::ProxyRoute r;
  size_t i = 0;
  if (regex) {
    if (call.args.size() < 2) return "takes a regular expression and a URL (or '!')";
    r.path = call.args[i++];
    auto re = util::Regex::compile(r.path);
    if (!re) return re.error().message;
    r.regex = std::move(*re);
  } else if (call.location) {
    r.path = call.location->path;
  } else {
    if (call.args.size() < 2) return "takes a URL-path and a URL (or '!') outside <Location>";
    r.path = call.args[i++];
    if (r.path.empty() || r.path[0] != '/') {
      return "the URL-path must start with '/', not '" + r.path + "'";
    }
  }
  const std::string& url = call.args[i++];
  if (url == "!") {
    r.excluded = true;
  } else if (std::string e = parse_backend_url(url, r); !e.empty()) {
    return e;
  } else if (regex && url_path(r.url).data() != r.url.data() &&
             std::string_view(r.url.data(), size_t(url_path(r.url).data() - r.url.data()))
                     .find_first_of("$&") != std::string_view::npos) {
    // The backend (a pool per route) is fixed: $N only in the URL's path.
    return "$N and & are taken in the URL's path only, not in its host: '" + url + "'";
  }
  for (; i < call.args.size(); ++i) {
    if (std::string e = set_key(r, call.args[i]); !e.empty()) return e;
  }
  r.origin = call.file + ":" + std::to_string(call.line);
  c.proxy.routes.push_back(std::move(r));
  return "";
}

std::string proxy_pass(Config& c, const DirectiveCall& call) {
  return add_route(c, call, false);
}

std::string proxy_pass_match(Config& c, const DirectiveCall& call) {
  return add_route(c, call, true);
}

std::string proxy_pass_reverse(Config& c, const DirectiveCall& call) {
  config::ProxyReverse r;
  if (call.location) {
    if (call.args.size() != 1) return "takes one URL inside <Location>";
    r.path = call.location->path;
    r.url = call.args[0];
  } else {
    if (call.args.size() != 2) return "takes a URL-path and a URL outside <Location>";
    r.path = call.args[0];
    r.url = call.args[1];
  }
  if (r.path.empty() || r.path[0] != '/') return "the URL-path must start with '/'";
  // unix:/path|http://host/ rewrites what the backend says: http://host/...
  if (size_t bar = r.url.find('|'); util::istarts_with(r.url, "unix:") && bar != r.url.npos) {
    r.url = r.url.substr(bar + 1);
  }
  c.proxy.reverse.push_back(std::move(r));
  return "";
}

// The balancer a BalancerMember or ProxySet is about: the enclosing <Proxy>'s,
// else its first argument (balancer://NAME, moving `i` past it); created on
// first use. Null with `error` set when that is not a balancer URL.
config::ProxyBalancer* balancer_of(Config& c, const DirectiveCall& call, size_t& i,
                                   std::string& error) {
  const std::string& url = call.proxy.empty() ? call.args[i++] : call.proxy;
  if (!util::istarts_with(url, "balancer://") || url.size() == 11) {
    error = "'" + url + "' is not balancer://NAME";
    return nullptr;
  }
  std::string name = url.substr(11);
  while (!name.empty() && name.back() == '/') name.pop_back();
  for (auto& b : c.proxy.balancers) {
    if (util::iequals(b.name, name)) return &b;
  }
  config::ProxyBalancer b;
  b.name = std::move(name);
  c.proxy.balancers.push_back(std::move(b));
  return &c.proxy.balancers.back();
}

// BalancerMember [balancer://NAME] URL [key=value...] (NAME from <Proxy> inside it).
std::string balancer_member(Config& c, const DirectiveCall& call) {
  size_t i = 0;
  std::string error;
  config::ProxyBalancer* b = balancer_of(c, call, i, error);
  if (!b) return error;
  if (i >= call.args.size()) return "takes the member's URL";
  config::ProxyRoute m;
  if (std::string e = parse_backend_url(call.args[i++], m); !e.empty()) return e;
  if (!m.balancer.empty()) return "a member cannot be a balancer";
  for (; i < call.args.size(); ++i) {
    const std::string& arg = call.args[i];
    std::string key = util::to_lower(arg.substr(0, arg.find('=')));
    std::string value = arg.find('=') == std::string::npos ? "" : arg.substr(arg.find('=') + 1);
    std::string e;
    if (key == "loadfactor") {
      e = config::parse_int(value, 1, 100, m.loadfactor);
    } else if (key == "status") {
      // +H hot standby; -H (or nothing) a normal member. Other flags are not supported.
      std::string v = util::to_lower(value);
      if (v == "+h" || v == "h") {
        m.hot_standby = true;
      } else if (v != "-h") {
        e = "only status=+H (hot standby) is supported, not '" + value + "'";
      }
    } else if (key == "route") {
      m.member_route = value;
    } else if (std::string k = set_key(m, arg); !k.empty()) {
      return k;
    }
    if (!e.empty()) return key + ": " + e;
  }
  m.origin = call.file + ":" + std::to_string(call.line);
  b->members.push_back(std::move(m));
  return "";
}

// ProxySet [balancer://NAME] key=value... (NAME from <Proxy> inside it).
std::string proxy_set(Config& c, const DirectiveCall& call) {
  size_t i = 0;
  std::string error;
  config::ProxyBalancer* b = balancer_of(c, call, i, error);
  if (!b) return error;
  for (; i < call.args.size(); ++i) {
    const std::string& arg = call.args[i];
    if (!util::istarts_with(arg, "lbmethod=")) {
      return "only lbmethod= is supported (stickysession, nofailover, ... are not yet), not '" +
             arg + "'";
    }
    std::string method = util::to_lower(arg.substr(9));
    if (method != "byrequests" && method != "bybusyness") {
      return "lbmethod is byrequests or bybusyness (bytraffic, heartbeat are not supported)";
    }
    b->lbmethod = method;
  }
  return "";
}

std::string proxy_requests(Config&, const DirectiveCall& call) {
  bool on = false;
  if (std::string e = config::parse_flag(call.args[0], on); !e.empty()) return e;
  if (on) return "forward proxying (ProxyRequests On) is not supported; only Off";
  return "";
}

const config::Directive kDirectives[] = {
    {"ProxyPass", 1, -1, kContexts | config::kLocation, proxy_pass,
     "ProxyPass PATH URL|! [key=value...] (one URL inside <Location>): forward requests below "
     "PATH to http://host:port/path or unix:/socket|http://host/; keys timeout, "
     "connectiontimeout, retry, ttl, keepalive, disablereuse, max"},
    {"ProxyPassMatch", 2, -1, kContexts, proxy_pass_match,
     "ProxyPassMatch REGEX URL|! [key=value...]: as ProxyPass, for the decoded paths REGEX "
     "matches (PCRE, as Apache); $1..$9 and & in the URL's path take its groups; a URL with "
     "none gets the whole path appended"},
    {"ProxyPassReverse", 1, 2, kContexts | config::kLocation, proxy_pass_reverse,
     "ProxyPassReverse PATH URL (one URL inside <Location>): rewrite URL in the backend's "
     "Location, Content-Location and URI fields to PATH"},
    {"ProxyPreserveHost", 1, 1, kContexts,
     [](Config& c, const DirectiveCall& call) {
       return config::parse_flag(call.args[0], c.proxy.preserve_host);
     },
     "ProxyPreserveHost On|Off: send the client's Host field to the backend (default Off: the "
     "backend's host)"},
    {"ProxyAddHeaders", 1, 1, kContexts,
     [](Config& c, const DirectiveCall& call) {
       return config::parse_flag(call.args[0], c.proxy.add_headers);
     },
     "ProxyAddHeaders On|Off: add X-Forwarded-For, -Host, -Server (default On)"},
    {"ProxyTimeout", 1, 1, kContexts,
     [](Config& c, const DirectiveCall& call) {
       return config::parse_seconds(call.args[0], c.proxy.timeout);
     },
     "ProxyTimeout SECONDS: wait this long for a backend's bytes (default: Timeout); past it 504"},
    {"<Proxy", 1, 1, kContexts, nullptr,
     "<Proxy balancer://NAME> ... </Proxy> - a load balancer: BalancerMember and ProxySet "
     "inside; ProxyPass PATH balancer://NAME/ sends requests to its members"},
    {"BalancerMember", 1, -1, kContexts | config::kProxy, balancer_member,
     "BalancerMember [balancer://NAME] URL [key=value...]: a member of the balancer (inside "
     "<Proxy balancer://NAME> without NAME); keys loadfactor=1-100, status=+H (hot standby), "
     "route=, and ProxyPass's"},
    {"ProxySet", 1, -1, kContexts | config::kProxy, proxy_set,
     "ProxySet [balancer://NAME] lbmethod=byrequests|bybusyness: how the balancer picks a "
     "member (default byrequests: by loadfactor)"},
    {"ProxyStatus", 1, 1, kContexts,
     [](Config&, const DirectiveCall& call) {
       std::string v = util::to_lower(call.args[0]);
       if (v != "on" && v != "off" && v != "full") return "takes On, Off or Full, not '" + v + "'";
       if (v != "off") call.warn("balancer members are not shown on /server-status yet");
       return std::string();
     },
     "ProxyStatus On|Off|Full: accepted; balancer members are not on /server-status yet"},
    {"ProxyRequests", 1, 1, kContexts, proxy_requests,
     "ProxyRequests Off: no forward proxying (an absolute-form request for another host is "
     "refused); On is not supported"},
    {"ProxyIOBufferSize", 1, 1, kContexts,
     [](Config& c, const DirectiveCall& call) {
       uint64_t n = 0;
       if (std::string e = config::parse_size(call.args[0], n); !e.empty()) return e;
       if (n < 512 || n > (16u << 20)) return std::string("must be 512 bytes to 16 MB");
       c.proxy.io_buffer_size = n;
       return std::string();
     },
     "ProxyIOBufferSize BYTES: bytes moved per read and write between client and backend "
     "(default 65536)"},
};

}  // namespace

config::DirectiveTable directives() {
  return kDirectives;
}

}  // namespace mpmd::proxy
