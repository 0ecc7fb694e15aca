#include "proxy/message.hpp"

#include "handlers/static_files/path.hpp"
#include "util/regex.hpp"
#include "util/strings.hpp"

namespace mpmd::proxy {

namespace {

constexpr std::string_view kHopByHop[] = {
    "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
};

bool valid_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view next_line(std::string_view data, size_t& pos, bool& found) {
  size_t lf = data.find('\n', pos);
  found = lf != std::string_view::npos;
  if (!found) return {};
  std::string_view line = data.substr(pos, lf - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  pos = lf + 1;
  return line;
}

}  // namespace

std::string parse_backend_url(std::string_view url, config::ProxyRoute& route) {
  std::string_view rest = url;
  if (util::istarts_with(rest, "unix:")) {
    size_t bar = rest.find('|');
    if (bar == std::string_view::npos) {
      return "a Unix-socket backend is unix:/path|http://host/, not '" + std::string(url) + "'";
    }
    route.unix_path = std::string(rest.substr(5, bar - 5));
    if (route.unix_path.empty() || route.unix_path[0] != '/') {
      return "the socket path of '" + std::string(url) + "' must be absolute";
    }
    rest = rest.substr(bar + 1);
  }
  if (util::istarts_with(rest, "balancer://")) {
    rest.remove_prefix(11);
    size_t slash = rest.find('/');
    route.balancer = std::string(rest.substr(0, slash));
    if (route.balancer.empty()) return "'" + std::string(url) + "' names no balancer";
    route.base_path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    route.url = std::string(url);
    return "";
  }
  if (!util::istarts_with(rest, "http://")) {
    return "only http:// and balancer:// backends are supported (https://, ws:// are not yet), "
           "not '" +
           std::string(url) + "'";
  }
  rest.remove_prefix(7);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "/" : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return "'" + std::string(url) + "' has no host (or has user info)";
  }
  std::string_view host = authority;
  size_t colon = authority.rfind(':');
  size_t bracket = authority.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    auto port = util::parse_u64(authority.substr(colon + 1));
    if (!port || *port == 0 || *port > 65535) return "bad port in '" + std::string(url) + "'";
    route.port = uint16_t(*port);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return "'" + std::string(url) + "' has no host";
  route.host = std::string(host);
  route.base_path = std::string(path);
  route.url = std::string(url);
  return "";
}

bool is_hop_by_hop(std::string_view name, std::string_view connection) {
  for (std::string_view h : kHopByHop) {
    if (util::iequals(name, h)) return true;
  }
  if (util::istarts_with(name, "proxy-")) return true;
  if (connection.empty()) return false;
  for (std::string_view token : util::split(connection, ',')) {
    if (util::iequals(util::trim_ows(token), name)) return true;
  }
  return false;
}

std::string backend_target(const config::ProxyRoute& route, std::string_view path,
                           std::string_view query) {
  // Apache's prefix replacement: ProxyPass /app http://b/x maps /app/y to
  // /x/y (and ProxyPass /app/ http://b/x/ maps /app/y to /x/y too).
  std::string_view rest = path.size() > route.path.size() ? path.substr(route.path.size()) : "";
  std::string target = route.base_path;
  std::string encoded = static_files::encode_path(rest);
  if (!encoded.empty() && encoded[0] == '/' && target.ends_with('/')) encoded.erase(0, 1);
  target += encoded;
  if (!query.empty()) {
    target += '?';
    target += query;
  }
  return target;
}

std::string_view url_path(std::string_view url) {
  size_t scheme = url.rfind("://");
  if (scheme == std::string_view::npos) return url.substr(url.size());
  size_t slash = url.find('/', scheme + 3);
  return slash == std::string_view::npos ? url.substr(url.size()) : url.substr(slash);
}

std::string match_target(const config::ProxyRoute& route, std::string_view path,
                         const std::vector<std::string_view>& groups, std::string_view query) {
  const std::string_view written = url_path(route.url);
  std::string found = util::substitute(written, groups);
  if (found == written) found += path;
  // As Apache: all of it is a path, re-encoded ('?' too: %3F), the client's query after it.
  std::string target = static_files::encode_path(found);
  if (target.empty() || target[0] != '/') target.insert(0, "/");
  if (!query.empty()) {
    target += '?';
    target += query;
  }
  return target;
}

std::string request_head(const http::Request& request, const RequestFacts& facts) {
  std::string out;
  out.reserve(512);
  out += request.method_text;
  out += ' ';
  out += facts.target;
  out += " HTTP/1.1\r\nHost: ";
  out += facts.host;
  out += "\r\n";
  const std::string_view connection = request.headers.get("connection");
  std::string forwarded_for, forwarded_host, forwarded_server;
  for (const http::Header& h : request.headers.fields()) {
    if (is_hop_by_hop(h.name, connection) || util::iequals(h.name, "host") ||
        util::iequals(h.name, "content-length") || util::iequals(h.name, "expect")) {
      continue;
    }
    if (facts.add_forwarded) {
      // Apache appends to fields an earlier proxy set.
      std::string* merged = util::iequals(h.name, "x-forwarded-for")      ? &forwarded_for
                            : util::iequals(h.name, "x-forwarded-host")   ? &forwarded_host
                            : util::iequals(h.name, "x-forwarded-server") ? &forwarded_server
                                                                          : nullptr;
      if (merged) {
        if (!merged->empty()) *merged += ", ";
        *merged += h.value;
        continue;
      }
    }
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  if (facts.add_forwarded) {
    auto add = [&out](std::string_view name, std::string& merged, std::string_view value) {
      if (value.empty() && merged.empty()) return;
      if (!merged.empty() && !value.empty()) merged += ", ";
      merged += value;
      out += name;
      out += ": ";
      out += merged;
      out += "\r\n";
    };
    add("X-Forwarded-For", forwarded_for, facts.client);
    add("X-Forwarded-Host", forwarded_host, request.headers.get("host"));
    add("X-Forwarded-Server", forwarded_server, facts.server_name);
  }
  if (facts.chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (facts.length) {
    out += "Content-Length: ";
    util::append_u64(out, *facts.length);
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

HeadParse parse_response_head(std::string_view data, ResponseHead& head, size_t& used, size_t max) {
  size_t end = data.find("\r\n\r\n");
  size_t end_lf = data.find("\n\n");
  size_t stop = std::min(end == std::string_view::npos ? end : end + 4,
                         end_lf == std::string_view::npos ? end_lf : end_lf + 2);
  if (stop == std::string_view::npos) {
    if (data.size() > max) return HeadParse::bad;
    // A status line that cannot be HTTP fails as soon as it is seen.
    std::string_view start = data.substr(0, std::min<size_t>(data.size(), 5));
    return std::string_view("HTTP/").starts_with(start) ? HeadParse::need_more : HeadParse::bad;
  }
  if (stop > max) return HeadParse::bad;
  head = ResponseHead{};
  size_t pos = 0;
  bool found = false;
  std::string_view status_line = next_line(data, pos, found);
  if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.") || status_line[8] != ' ') {
    return HeadParse::bad;
  }
  if (status_line[7] == '0') {
    head.http10 = true;
  } else if (status_line[7] != '1') {
    return HeadParse::bad;
  }
  auto code = util::parse_u64(status_line.substr(9, 3));
  if (!code || *code < 100 || *code > 599 || (status_line.size() > 12 && status_line[12] != ' ')) {
    return HeadParse::bad;
  }
  head.status = int(*code);
  bool keep_alive = !head.http10;
  while (pos < stop) {
    std::string_view line = next_line(data, pos, found);
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return HeadParse::bad;
    std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!valid_token_char(c)) return HeadParse::bad;
    }
    std::string_view value = util::trim_ows(line.substr(colon + 1));
    for (char c : value) {
      if (c == '\0' || c == '\r' || c == '\n') return HeadParse::bad;
    }
    if (util::iequals(name, "content-length")) {
      auto n = util::parse_u64(value);
      if (!n || (head.length && *head.length != *n)) return HeadParse::bad;
      head.length = n;
    } else if (util::iequals(name, "transfer-encoding")) {
      if (!util::iequals(value, "chunked")) return HeadParse::bad;  // nothing else is framing
      head.chunked = true;
    } else if (util::iequals(name, "connection")) {
      for (std::string_view token : util::split(value, ',')) {
        token = util::trim_ows(token);
        if (util::iequals(token, "close")) head.close = true;
        if (util::iequals(token, "keep-alive")) keep_alive = true;
      }
    }
    head.fields.push_back({std::string(name), std::string(value)});
  }
  if (head.chunked) head.length.reset();  // RFC 9112 6.3: chunked wins (and the connection closes)
  if (!keep_alive) head.close = true;
  used = stop;
  return HeadParse::done;
}

bool response_has_body(http::Method method, int status) {
  if (method == http::Method::head) return false;
  return !(status < 200 || status == 204 || status == 304);
}

std::optional<std::string> reverse_map(std::string_view value,
                                       const std::vector<config::ProxyReverse>& rules) {
  for (const config::ProxyReverse& r : rules) {
    if (r.url.empty() || !value.starts_with(r.url)) continue;
    std::string out = r.path;
    std::string_view rest = value.substr(r.url.size());
    if (!out.empty() && out.back() == '/' && rest.starts_with('/')) rest.remove_prefix(1);
    out += rest;
    return out;
  }
  return std::nullopt;
}

bool idempotent(http::Method method) {
  switch (method) {
    case http::Method::get:
    case http::Method::head:
    case http::Method::put:
    case http::Method::delete_:
    case http::Method::options:
    case http::Method::trace:
      return true;
    default:
      return false;
  }
}

}  // namespace mpmd::proxy
