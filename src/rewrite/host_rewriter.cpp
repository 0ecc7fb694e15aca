#include "rewrite/host_rewriter.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <memory>

#include "handlers/static_files/path.hpp"
#include "handlers/static_files/responses.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/strings.hpp"

namespace mpmd::rewrite {

namespace {

// A request with its path and query replaced, owning what they point into.
struct RewrittenRequest {
  http::Request request;
  std::string path;   // percent-encoded
  std::string query;  // as the rules left it
};

bool under(std::string_view dir, std::string_view path) {
  return path.starts_with(dir) && (path.size() == dir.size() || path[dir.size()] == '/');
}

std::string normal(const std::string& path) {
  std::string out = std::filesystem::path(path).lexically_normal().string();
  if (out.size() > 1 && out.back() == '/' && !path.ends_with('/')) out.pop_back();
  return out;
}

// Host header's name and port ("" / 0 when absent).
std::pair<std::string_view, uint16_t> host_and_port(std::string_view host) {
  uint16_t port = 0;
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
    auto p = util::parse_u64(host.substr(colon + 1));
    if (p && *p < 65536) port = uint16_t(*p);
    host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return {host, port};
}

// Apache's stock <Files ".ht*"> Require all denied, wherever .htaccess files
// are read: they are never served.
bool is_htaccess_name(std::string_view uri) {
  size_t slash = uri.rfind('/');
  return uri.substr(slash == std::string_view::npos ? 0 : slash + 1).starts_with(".ht");
}

void log_rewrite(std::string_view id, const std::string& message) {
  log::emit(log::LogLevel::error, id, message);
}

// A redirect, unless its Location would carry control characters (a decoded
// %0d%0a under NE, or in the host part): then 500, as Apache's check of
// response header values answers.
void redirect(http::Response& response, const std::string& location, int status,
              std::string_view request_line) {
  for (unsigned char c : location) {
    if (c < 0x20 || c == 0x7f) {
      log_rewrite(log::ids::kRewriteBadLocation,
                  "request " + std::string(request_line) +
                      ": RewriteRule made a Location with control characters; answering 500");
      return http::error_page(response, 500);
    }
  }
  static_files::redirect(response, location, status);
}

}  // namespace

FileInfo stat_file(const std::string& path) {
  FileInfo fi;
  struct stat st {};
  // One system call unless the path is a symbolic link.
  if (::lstat(path.c_str(), &st) != 0) return fi;
  if (S_ISLNK(st.st_mode)) {
    fi.link = true;
    if (::stat(path.c_str(), &st) != 0) return fi;
  }
  fi.exists = true;
  fi.regular = S_ISREG(st.st_mode);
  fi.directory = S_ISDIR(st.st_mode);
  fi.executable = (st.st_mode & 0111) != 0 && fi.regular;
  fi.size = uint64_t(st.st_size);
  return fi;
}

HostRewriter::HostRewriter(const config::Config& config, int vhost) {
  static const Settings kNone;
  const Settings& s = config.rewrite ? *config.rewrite : kNone;
  const config::StaticFiles& files =
      vhost < 0 ? config.files : config.virtual_hosts[size_t(vhost)].site.files;
  server_ = s.for_host(vhost);
  directories_ = s.directories_of(vhost);
  document_root_ = files.document_root;
  while (document_root_.size() > 1 && document_root_.back() == '/') document_root_.pop_back();
  server_name_ = vhost < 0 || config.virtual_hosts[size_t(vhost)].server_name.empty()
                     ? config.server_name
                     : config.virtual_hosts[size_t(vhost)].server_name;
  server_admin_ = config.server_admin;
  limit_internal_recursion_ = s.limit_internal_recursion;
  if (HtaccessFiles files(config.overrides, vhost); files.enabled()) {
    htaccess_ = std::make_unique<HtaccessFiles>(config.overrides, vhost);
  }
  active_ = (server_.on() && !server_.rules.empty()) || htaccess_ != nullptr;
  for (const auto& d : directories_) active_ = active_ || (d.rules.on() && !d.rules.rules.empty());
}

Facts HostRewriter::facts_for(const http::Request& request, std::string_view uri) const {
  Facts f;
  f.method = request.method_text;
  f.uri = uri;
  f.query = request.query;
  f.the_request = request.request_line;
  f.target = request.target;
  f.protocol = request.version == http::Version::http10 ? "HTTP/1.0" : "HTTP/1.1";
  auto [host, port] = host_and_port(request.host);
  f.server_name = host.empty() ? std::string_view(server_name_) : host;
  f.https = request.peer != nullptr && request.peer->tls != nullptr;
  f.local_port = request.peer != nullptr ? request.peer->local_port : 80;
  // Apache's ap_get_server_port (UseCanonicalName Off): the Host's port, else
  // the scheme's default.
  f.server_port = port != 0 ? port : (f.https ? 443 : 80);
  if (request.peer != nullptr) {
    f.server_addr = request.peer->local_address;
    f.remote_addr = request.peer->address;
    f.remote_port = request.peer->port;
  }
  f.document_root = document_root_;
  f.server_admin = server_admin_;
  f.header = [&request](std::string_view name) { return request.headers.get(name); };
  f.now = std::time(nullptr);
  return f;
}

void HostRewriter::directory_rules(const std::string& filename, DirRules& out) const {
  for (const auto& d : directories_) {  // shortest first: the deepest wins
    if (under(d.dir == "/" ? "" : d.dir, filename) && d.rules.used()) {
      out.rules = &d.rules;
      out.dir = d.dir;
    }
  }
  if (!htaccess_) return;
  auto depth = [](const std::string& d) {
    return d == "/" ? 0 : std::count(d.begin(), d.end(), '/');
  };
  // Every directory from the root down to the file's (the file itself when
  // it is a directory), as Apache's directory walk reads them.
  for (size_t end = 0; end != std::string::npos; end = filename.find('/', end + 1)) {
    std::string dir = end == 0 ? "/" : filename.substr(0, end);
    Htaccess h = htaccess_->lookup(dir);
    if (!h.error.empty()) {
      out.error = h.error;
      return;
    }
    if (!h.rules || (out.rules != nullptr && depth(dir) < depth(out.dir))) continue;
    if (h.rules->engine != -1 && !h.rules->inherit) {
      out.hold = h.rules;
      out.rules = h.rules.get();
    } else {  // RewriteEngine or the rules come from the enclosing context too
      Ruleset merged = *h.rules;
      if (out.rules != nullptr) {
        if (merged.engine == -1) merged.engine = out.rules->engine;
        if (merged.inherit) {
          merged.rules.insert(merged.rules.end(), out.rules->rules.begin(), out.rules->rules.end());
        }
      }
      out.merged = std::move(merged);
      out.rules = &out.merged;
    }
    out.dir = dir;
  }
  if (filename.size() > 1 && !filename.ends_with('/')) {
    Htaccess h = htaccess_->lookup(filename);  // a directory named without its '/'
    if (!h.error.empty()) out.error = h.error;
  }
}

void HostRewriter::handle(const http::Request& request, http::Response& response,
                          http::Handler& next) const {
  std::string storage;
  std::string_view clean;
  if (static_files::section_path(request.path, storage, clean) != static_files::PathError::none ||
      request.path == "*") {
    return next.handle(request, response);
  }
  std::string uri(clean);
  std::optional<std::string> query;
  if (!request.query.empty()) query = std::string(request.query);
  bool changed = false;
  bool end = false;
  std::string type;
  std::vector<std::string> cookies;
  // The request's variables (SetEnvIf, SetEnv) for %{ENV:x}; E= joins them,
  // so CustomLog env=, %{VAR}e and WSGI see what the rules set.
  std::map<std::string, std::string> env(response.environment.begin(), response.environment.end());
  auto finish = [&](Outcome& o) {
    if (!o.type.empty()) type = o.type;
    cookies.insert(cookies.end(), o.set_cookies.begin(), o.set_cookies.end());
    for (const auto& var : o.env) {
      const std::string& name = var.first;
      const std::string& value = var.second;
      auto& vars = response.environment;
      std::erase_if(vars, [&name](const auto& kv) { return kv.first == name; });
      if (value == std::string(1, '\0')) {
        env.erase(name);
      } else {
        env[name] = value;
        vars.emplace_back(name, value);
      }
    }
  };
  auto add_cookies = [&] {
    for (const auto& c : cookies) response.add_header("Set-Cookie", c);
  };
  for (int round = 0;; ++round) {
    if (round > limit_internal_recursion_) {
      log_rewrite(log::ids::kRewriteRecursion, "request " + std::string(request.request_line) +
                                                   ": more than LimitInternalRecursion (" +
                                                   std::to_string(limit_internal_recursion_) +
                                                   ") internal redirects by RewriteRule, last to " +
                                                   uri + "; answering 500");
      return http::error_page(response, 500);
    }
    std::string url_query = query.value_or("");
    Facts facts = facts_for(request, uri);
    facts.query = url_query;
    facts.env = &env;
    // Per-server rules: the URL-path becomes another URL-path or file.
    std::string filename;
    if (!end && server_.on() && !server_.rules.empty()) {
      Outcome o = apply(server_, facts, stat_file);
      finish(o);
      end = o.end;
      if (!o.error.empty()) log_rewrite(log::ids::kRewriteRecursion, o.error);
      if (o.kind == Outcome::Kind::status) {
        http::error_page(response, o.status);
        return add_cookies();
      }
      if (o.kind == Outcome::Kind::redirect) {
        redirect(response, o.value, o.status, request.request_line);
        return add_cookies();
      }
      if (o.kind == Outcome::Kind::rewritten) {
        changed = true;
        query = o.query;
        if (!o.value.starts_with('/')) {
          return http::error_page(response, 400);
        }
        if (o.passthrough) {
          uri = normal(o.value);
        } else {
          size_t seg = o.value.find('/', 1);
          bool file_path = stat_file(o.value.substr(0, seg)).exists;
          filename = normal(file_path ? o.value : document_root_ + o.value);
        }
        if (o.passthrough) filename.clear();
      }
    }
    if (filename.empty()) filename = normal(document_root_ + uri);
    if (!under(document_root_, filename) && !(document_root_ == "/")) {
      log_rewrite(log::ids::kRewriteOutsideRoot,
                  "request " + std::string(request.request_line) + ": rewritten to " + filename +
                      ", outside DocumentRoot " + document_root_ + "; answering 403");
      http::error_page(response, 403);
      return add_cookies();
    }
    uri = filename.substr(document_root_ == "/" ? 0 : document_root_.size());
    if (uri.empty()) uri = "/";
    // Per-directory rules of the <Directory> holding the file.
    if (htaccess_ && is_htaccess_name(uri)) return http::error_page(response, 403);
    DirRules dir;
    if (!end) directory_rules(filename, dir);
    if (!dir.error.empty()) return http::error_page(response, 500);  // logged when read
    if (dir.rules == nullptr || !dir.rules->on() || dir.rules->rules.empty()) break;
    PerDir per{dir.dir == "/" ? "/" : dir.dir + "/"};
    std::string original = filename;
    Facts dir_facts = facts_for(request, uri);
    dir_facts.query = url_query;
    dir_facts.env = &env;
    Outcome o = apply(*dir.rules, dir_facts, stat_file, &per, filename);
    finish(o);
    end = end || o.end;
    if (!o.error.empty()) log_rewrite(log::ids::kRewriteRecursion, o.error);
    if (o.kind == Outcome::Kind::status) {
      http::error_page(response, o.status);
      return add_cookies();
    }
    if (o.kind == Outcome::Kind::redirect) {
      std::string location = o.value;
      if (!dir.rules->base.empty()) {
        size_t scheme = absolute_url_prefix(location);
        size_t path = location.find('/', scheme);
        std::string_view dir_part = std::string_view(per.prefix).substr(1);
        if (path != std::string::npos &&
            std::string_view(location).substr(path + 1).starts_with(dir_part)) {
          std::string base = dir.rules->base;
          if (!base.ends_with('/')) base += '/';
          location = location.substr(0, path) + base + location.substr(path + 1 + dir_part.size());
        }
      }
      redirect(response, location, o.status, request.request_line);
      return add_cookies();
    }
    if (o.kind != Outcome::Kind::rewritten) break;
    std::string target = o.value;
    if (!dir.rules->base.empty() && target.starts_with(per.prefix)) {
      std::string base = dir.rules->base;
      if (!base.ends_with('/')) base += '/';
      target = base + target.substr(per.prefix.size());
    } else if (under(document_root_, target) && document_root_ != "/") {
      target = target.substr(document_root_.size());
    }
    if (target == original && o.query == query) break;  // Apache: "ignoring" (no loop)
    if (!target.starts_with('/')) return http::error_page(response, 400);
    changed = true;
    uri = normal(target);
    query = o.query;
  }
  if (!changed) {
    next.handle(request, response);
  } else {
    auto r = std::make_shared<RewrittenRequest>();
    r->path = static_files::encode_path(uri);
    r->query = query.value_or("");
    r->request = request;
    r->request.path = r->path;
    r->request.query = r->query;
    response.keep = r;
    next.handle(r->request, response);
  }
  if (!response.deferred) {
    if (!type.empty() && response.status == 200) response.set_header("Content-Type", type);
    add_cookies();
  }
}

}  // namespace mpmd::rewrite
