#include "python/environ.hpp"

#include "util/strings.hpp"
#include "util/version.hpp"

namespace mpmd::python {

namespace {

bool cgi_name(std::string_view name, std::string& out) {
  out = "HTTP_";
  for (char c : name) {
    if (c == '-') {
      out += '_';
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out += char(c >= 'a' && c <= 'z' ? c - 32 : c);
    } else {
      return false;  // '_' and others: dropped, so HTTP_X_USER cannot be faked by X_User
    }
  }
  return true;
}

}  // namespace

api::Fields make_environ(const http::Request& request, std::string_view decoded_path,
                         const Route& route, const Hosting& hosting) {
  api::Fields env;
  env.reserve(24 + request.headers.size());
  const config::WsgiAlias& alias = *route.alias;
  std::string script_name = alias.url == "/" ? std::string() : alias.url;
  std::string_view path_info =
      decoded_path.substr(std::min(script_name.size(), decoded_path.size()));
  env.emplace_back("REQUEST_METHOD", std::string(request.method_text));
  env.emplace_back("SCRIPT_NAME", script_name);
  env.emplace_back("PATH_INFO", std::string(path_info));
  env.emplace_back("QUERY_STRING", std::string(request.query));
  env.emplace_back("REQUEST_URI", std::string(request.target));
  env.emplace_back("SERVER_PROTOCOL",
                   request.version == http::Version::http10 ? "HTTP/1.0" : "HTTP/1.1");
  std::string_view host = request.host;
  std::string server_name = hosting.server_name();
  if (!host.empty()) {
    // UseCanonicalName Off (Apache's default): the name the client asked for.
    size_t colon = host.rfind(':');
    if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
      host = host.substr(0, colon);
    }
    server_name = std::string(host);
  }
  env.emplace_back("SERVER_NAME", server_name);
  if (request.peer) {
    env.emplace_back("SERVER_PORT", std::to_string(request.peer->local_port));
    env.emplace_back("SERVER_ADDR", request.peer->local_address);
    env.emplace_back("REMOTE_ADDR", request.peer->address);
    env.emplace_back("REMOTE_PORT", std::to_string(request.peer->port));
  }
  static const std::string software = std::string(kName) + "/" + std::string(kVersion);
  env.emplace_back("SERVER_SOFTWARE", software);
  env.emplace_back("GATEWAY_INTERFACE", "CGI/1.1");
  env.emplace_back("REQUEST_SCHEME", "http");
  env.emplace_back("wsgi.url_scheme", "http");
  env.emplace_back("SCRIPT_FILENAME", alias.script);
  env.emplace_back("DOCUMENT_ROOT", hosting.document_root());
  env.emplace_back("mod_wsgi.process_group", route.process_group);
  env.emplace_back("mod_wsgi.application_group", route.application_group);
  env.emplace_back("mod_wsgi.script_reloading", route.reload ? "1" : "0");
  std::string name;
  for (const http::Header& h : request.headers.fields()) {
    if (util::iequals(h.name, "content-type")) {
      env.emplace_back("CONTENT_TYPE", std::string(h.value));
      continue;
    }
    if (util::iequals(h.name, "content-length")) {
      env.emplace_back("CONTENT_LENGTH", std::string(h.value));
      continue;
    }
    if (!route.pass_authorization && util::iequals(h.name, "authorization")) continue;
    if (!cgi_name(h.name, name)) continue;
    bool merged = false;
    for (auto& [k, v] : env) {
      if (k == name) {
        v += util::iequals(h.name, "cookie") ? "; " : ", ";
        v += h.value;
        merged = true;
        break;
      }
    }
    if (!merged) env.emplace_back(name, std::string(h.value));
  }
  return env;
}

}  // namespace mpmd::python
