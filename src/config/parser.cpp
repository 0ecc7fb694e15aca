#include "config/parser.hpp"

#include <glob.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/accepted_directives.hpp"
#include "config/address.hpp"
#include "config/lexer.hpp"
#include "util/strings.hpp"

namespace mpmd::config {
namespace {

namespace fs = std::filesystem;

// Modules whose directives mpmd implements, by module name and source name.
// clang-format off
constexpr std::string_view kBuiltinModules[] = {
    "core_module",            "core.c",
    "http_module",            "http_core.c",
    "unixd_module",           "mod_unixd.c",
    "status_module",          "mod_status.c",
    "log_config_module",      "mod_log_config.c",
    "mime_module",            "mod_mime.c",
    "dir_module",             "mod_dir.c",
    "authz_core_module",      "mod_authz_core.c",
    "authz_host_module",      "mod_authz_host.c",
    "ssl_module",             "mod_ssl.c",
    "socache_shmcb_module",   "mod_socache_shmcb.c",
    "alias_module",           "mod_alias.c",
    "wsgi_module",            "mod_wsgi.c",
    "reqtimeout_module",      "mod_reqtimeout.c",
    "auth_basic_module",      "mod_auth_basic.c",
    "authn_core_module",      "mod_authn_core.c",
    "authn_file_module",      "mod_authn_file.c",
    "authz_user_module",      "mod_authz_user.c",
    "authz_groupfile_module", "mod_authz_groupfile.c",
    "proxy_module",           "mod_proxy.c",
    "proxy_http_module",      "mod_proxy_http.c",
    "proxy_balancer_module",  "mod_proxy_balancer.c",
    "setenvif_module",        "mod_setenvif.c",
    "env_module",             "mod_env.c",
    "headers_module",         "mod_headers.c",
    "rewrite_module",         "mod_rewrite.c",
};
// clang-format on

// Sections mpmd skips with a warning, so that Apache configs still load.
constexpr std::string_view kIgnoredSections[] = {
    "locationmatch", "directorymatch", "proxymatch", "if", "elseif", "else", "limit", "limitexcept",
};

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string lower(std::string_view s) {
  return util::to_lower(s);
}

std::string normal_absolute(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(fs::path(path), ec);
  return (ec ? fs::path(path) : p).lexically_normal().string();
}

// How a file is named in messages: relative to the current directory when
// it lies below it, else absolute.
std::string display_name(const std::string& absolute) {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  if (ec) return absolute;
  fs::path rel = fs::path(absolute).lexically_relative(cwd);
  if (rel.empty() || *rel.begin() == "..") return absolute;
  return rel.string();
}

bool read_file(const std::string& path, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// Where a line is: the innermost enclosing <Location>, <Directory>, <VirtualHost>.
struct Scope {
  int location = -1;  // index in Config::locations; inside a vhost, among its own <Location>s
  bool directory = false;
  std::string directory_path;               // <Directory>'s, absolute
  std::string directory_origin;             // "file:line" of <Directory>
  int virtual_host = -1;                    // index in Config::virtual_hosts
  std::shared_ptr<const FilesMatch> files;  // inside <Files>/<FilesMatch>
  std::string files_origin;                 // "file:line" of <Files>/<FilesMatch>
  std::string proxy;                        // <Proxy balancer://NAME>'s URL (src/proxy/)
};

// A call inside a <VirtualHost> to a kVirtualHost row, or a <Location> opened
// there (row null): replayed on the vhost's copy of the server's settings
// once the whole configuration is read (Apache merges at the end too).
struct VhostCall {
  const Directive* row = nullptr;
  std::vector<std::string> args;
  std::string absolute;  // the file, for DirectiveCall::file
  std::string display;   // the file, for messages
  int line = 0;
  int location = -1;  // the vhost's own <Location> it is in (index among them)
  std::string server_root;
  std::string directory;  // the enclosing <Directory>, as DirectiveCall's
  std::string section;
  std::shared_ptr<const FilesMatch> files;
  std::string proxy;  // the enclosing <Proxy>, as DirectiveCall's
};

struct Section {
  std::string name;  // as written, without '<'
  int line = 0;
  bool active = true;  // contents are applied
  Scope scope;         // scope of the contents
};

// One parse: state shared across the main file and its includes.
class Run {
 public:
  Run(const Parser& parser, ParseResult& result, const std::vector<std::string>& defines)
      : parser_(parser), result_(result), cfg_(result.config) {
    cfg_.defines = defines;
  }

  void parse_main(std::string_view text, const std::string& absolute, const std::string& display) {
    include_stack_.push_back(absolute);
    parse_text(text, absolute, display, 0, Scope{});
    include_stack_.pop_back();
  }

 private:
  void error(const std::string& display, int line, std::string_view name, const std::string& msg) {
    // Every error is kept (`mpmd -t` shows them all), as the README promises.
    result_.errors.push_back(display + ":" + std::to_string(line) + ": " + std::string(name) +
                             ": " + msg);
  }

  void warning(const std::string& display, int line, std::string_view name,
               const std::string& msg) {
    result_.warnings.push_back(display + ":" + std::to_string(line) + ": " + std::string(name) +
                               ": " + msg);
  }

  static std::string absolute_origin(const std::string& display, int line) {
    return display + ":" + std::to_string(line);
  }

  std::optional<std::string> lookup(std::string_view name) const {
    if (auto it = vars_.find(std::string(name)); it != vars_.end()) return it->second;
    if (const char* v = std::getenv(std::string(name).c_str())) return std::string(v);
    return std::nullopt;
  }

  bool defined(std::string_view name) const {
    return std::find(cfg_.defines.begin(), cfg_.defines.end(), name) != cfg_.defines.end();
  }

  bool module_present(std::string_view name) const {
    std::string m = lower(name);
    // The chosen engine's module, by its module or source file name.
    if (!cfg_.mpm.origin.empty()) {
      const std::string& e = cfg_.mpm.name;
      if (m == "mpm_" + e + "_module" || m == "mod_mpm_" + e + ".c" || m == e + ".c") return true;
    }
    return is_builtin_module(m);
  }

  // Expands ${VAR} and splits arguments; reports errors and returns false.
  bool arguments(std::string_view raw, const std::string& display, int line, std::string_view name,
                 std::vector<std::string>& args) {
    std::string expanded;
    std::string err = detail::expand_vars(
        raw, [this](std::string_view n) { return lookup(n); }, expanded);
    if (err.empty()) err = detail::split_args(expanded, args);
    if (!err.empty()) error(display, line, name, err);
    return err.empty();
  }

  void parse_text(std::string_view text, const std::string& absolute, const std::string& display,
                  int depth, Scope outer) {
    std::vector<Section> stack;
    for (const auto& l : detail::split_lines(text)) {
      std::string_view t = l.text;
      if (t.size() >= 2 && t[0] == '<' && t[1] == '/') {
        close_section(t, display, l.line, stack);
      } else if (t[0] == '<') {
        open_section(t, display, l.line, stack, outer);
      } else if (stack.empty() || stack.back().active) {
        directive(t, absolute, display, l.line, depth, stack.empty() ? outer : stack.back().scope);
      }
    }
    for (const auto& s : stack) {
      error(display, s.line, "<" + s.name + ">", "section not closed (missing </" + s.name + ">)");
    }
  }

  void close_section(std::string_view t, const std::string& display, int line,
                     std::vector<Section>& stack) {
    std::string_view body = t.substr(2);
    size_t gt = body.find('>');
    std::string name(util::trim_ows(body.substr(0, gt)));
    std::string shown = "</" + name + ">";
    if (gt == std::string_view::npos) return error(display, line, shown, "missing closing '>'");
    if (!util::trim_ows(body.substr(gt + 1)).empty()) {
      return error(display, line, shown, "unexpected text after '>'");
    }
    if (stack.empty()) {
      return error(display, line, shown, "without matching <" + name + "> section");
    }
    if (util::iequals(stack.back().name, name)) {
      stack.pop_back();
      return;
    }
    error(display, line, shown,
          "does not match <" + stack.back().name + "> opened at line " +
              std::to_string(stack.back().line));
    auto it = std::find_if(stack.rbegin(), stack.rend(),
                           [&](const Section& s) { return util::iequals(s.name, name); });
    if (it != stack.rend()) stack.erase(std::prev(it.base()), stack.end());
  }

  void open_section(std::string_view t, const std::string& display, int line,
                    std::vector<Section>& stack, Scope outer) {
    size_t end = 1;
    while (end < t.size() && !is_blank(t[end]) && t[end] != '>') ++end;
    Section s{std::string(t.substr(1, end - 1)), line, false,
              stack.empty() ? outer : stack.back().scope};
    bool parent_active = stack.empty() || stack.back().active;
    std::string shown = "<" + s.name + ">";
    std::string_view rest = util::trim_ows(t.substr(end));
    if (rest.empty() || rest.back() != '>') {
      if (parent_active) error(display, line, shown, "directive missing closing '>'");
      stack.push_back(std::move(s));
      return;
    }
    rest.remove_suffix(1);
    std::vector<std::string> args;
    if (parent_active && arguments(rest, display, line, shown, args)) {
      s.active = evaluate_section(s, args, display, line, shown);
    }
    stack.push_back(std::move(s));
  }

  // Checks a section opening and returns whether its contents apply.
  bool evaluate_section(Section& s, const std::vector<std::string>& args,
                        const std::string& display, int line, const std::string& shown) {
    std::string kind = lower(s.name);
    for (auto ignored : kIgnoredSections) {
      if (kind == ignored) {
        warning(display, line, shown, "section not supported; its contents are ignored");
        return false;
      }
    }
    if (kind == "requireany") return true;  // several Require lines already mean "any"
    if (kind == "requireall" || kind == "requirenone") {
      error(display, line, shown, "not supported (Require lines in a section mean 'any')");
      return false;
    }
    const Directive* row = parser_.find("<" + s.name);
    if (row == nullptr) {
      error(display, line, shown,
            "Invalid command, perhaps misspelled or defined by a module not included in the "
            "server configuration");
      return false;
    }
    if (int(args.size()) < row->min_args ||
        (row->max_args >= 0 && int(args.size()) > row->max_args)) {
      error(display, line, shown, "wrong number of arguments; usage: " + std::string(row->help));
      return false;
    }
    if (kind == "ifmodule" || kind == "ifdefine") {
      std::string_view a = args[0];
      bool negate = !a.empty() && a.front() == '!';
      if (negate) a.remove_prefix(1);
      bool present = kind == "ifmodule" ? module_present(a) : defined(a);
      return present != negate;
    }
    if (kind == "files" || kind == "filesmatch") return open_files(s, args, display, line, shown);
    if (s.scope.location >= 0 || s.scope.directory || s.scope.files || !s.scope.proxy.empty()) {
      std::string outer = s.scope.files            ? "Files"
                          : !s.scope.proxy.empty() ? "Proxy"
                          : s.scope.location >= 0  ? "Location"
                                                   : "Directory";
      error(display, line, shown, "cannot occur within <" + outer + "> section");
      return false;
    }
    if (kind == "location" && s.scope.virtual_host >= 0) {
      auto& calls = vhost_calls_[size_t(s.scope.virtual_host)];
      s.scope.location = int(std::count_if(calls.begin(), calls.end(),
                                           [](const VhostCall& c) { return c.row == nullptr; }));
      calls.push_back(VhostCall{.args = args, .display = display, .line = line});
    } else if (kind == "location") {
      cfg_.locations.push_back(Location{.path = args[0]});
      s.scope.location = int(cfg_.locations.size()) - 1;
    } else if (kind == "proxy") {  // <Proxy balancer://NAME>: BalancerMember, ProxySet
      if (!util::istarts_with(args[0], "balancer://")) {
        warning(display, line, shown,
                "only <Proxy balancer://NAME> sections are supported; its contents are ignored");
        return false;
      }
      s.scope.proxy = args[0];
    } else if (kind == "directory") {
      if (args[0].starts_with("~")) {
        warning(display, line, shown,
                "regular-expression sections are not supported; its contents are ignored");
        return false;
      }
      s.scope.directory = true;
      std::string dir = args[0].starts_with("/") ? args[0] : cfg_.server_root + "/" + args[0];
      dir = fs::path(dir).lexically_normal().string();
      while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
      s.scope.directory_path = dir;
      s.scope.directory_origin = absolute_origin(display, line);
    } else if (kind == "virtualhost") {
      if (s.scope.virtual_host >= 0) {
        error(display, line, shown, "cannot occur within <VirtualHost> section");
        return false;
      }
      for (const auto& a : args) {
        VhostAddress parsed;
        if (std::string e = parse_vhost_address(a, parsed); !e.empty()) {
          error(display, line, shown, e);
          return false;
        }
      }
      cfg_.virtual_hosts.push_back(
          VirtualHost{.addresses = args, .origin = absolute_origin(display, line)});
      vhost_calls_.emplace_back();
      s.scope.virtual_host = int(cfg_.virtual_hosts.size()) - 1;
    }
    return true;
  }

  // <Files NAME>, <Files ~ REGEX>, <FilesMatch REGEX>: at server or vhost
  // level or inside a <Directory>, as in Apache.
  bool open_files(Section& s, const std::vector<std::string>& args, const std::string& display,
                  int line, const std::string& shown) {
    if (s.scope.location >= 0 || s.scope.files || !s.scope.proxy.empty()) {
      error(display, line, shown,
            std::string("cannot occur within <") +
                (s.scope.files           ? "Files"
                 : s.scope.proxy.empty() ? "Location"
                                         : "Proxy") +
                "> section");
      return false;
    }
    bool regex = lower(s.name) == "filesmatch";
    std::string pattern = args[0];
    if (!regex && pattern == "~") {
      if (args.size() != 2) {
        error(display, line, shown, "usage: <Files ~ REGEX>");
        return false;
      }
      regex = true;
      pattern = args[1];
    } else if (args.size() != 1) {
      error(display, line, shown, "takes one argument");
      return false;
    }
    auto files = std::make_shared<FilesMatch>();
    files->pattern = pattern;
    if (regex) {
      auto re = util::Regex::compile(pattern);
      if (!re) {
        error(display, line, shown, re.error().message);
        return false;
      }
      files->regex = std::move(*re);
    }
    s.scope.files = std::move(files);
    s.scope.files_origin = absolute_origin(display, line);
    return true;
  }

  void directive(std::string_view t, const std::string& absolute, const std::string& display,
                 int line, int depth, Scope scope) {
    size_t end = 0;
    while (end < t.size() && !is_blank(t[end])) ++end;
    std::string_view name = t.substr(0, end);
    const Directive* row = parser_.find(name);
    if (row == nullptr) return unknown(name, display, line);
    DirectiveCall call;
    call.name = name;
    if (!arguments(t.substr(end), display, line, name, call.args)) return;
    if (scope.files && (row->contexts & kFiles) == 0 && lower(row->name) != "include") {
      if (warned_files_.insert(lower(name)).second) {
        warning(display, line, name,
                "ignored inside <Files>/<FilesMatch> (mpmd applies Require and the Auth "
                "directives there)");
      }
      return;
    }
    unsigned need = !scope.proxy.empty()  ? kProxy
                    : scope.files         ? kDirectory
                    : scope.location >= 0 ? kLocation
                    : scope.directory     ? kDirectory
                                          : kServer;
    if (need == kProxy && lower(name) == "require" && call.args.size() == 2 &&
        lower(call.args[0]) == "all" && lower(call.args[1]) == "granted") {
      return;  // what every proxied request gets anyway
    }
    if ((row->contexts & need) == 0) {
      std::string msg = need == kProxy       ? "not allowed inside <Proxy>"
                        : need == kLocation  ? "not allowed inside <Location>"
                        : need == kDirectory ? "not allowed inside <Directory>"
                        : (row->contexts & kDirectory) != 0
                            ? "only allowed inside <Location> or <Directory>"
                            : "only allowed inside <Location>";
      return error(display, line, name, msg);
    }
    int n = int(call.args.size());
    // Apache allows no comment after a directive: "Listen 80 # web" passes
    // "#", "web" as arguments. Say so wherever such a line fails.
    bool has_hash = std::any_of(call.args.begin(), call.args.end(),
                                [](const std::string& a) { return a.starts_with('#'); });
    const char* hint =
        has_hash ? " ('#' starts a comment only at the beginning of a line, as in Apache: put "
                   "the comment on a line of its own)"
                 : "";
    if (n < row->min_args || (row->max_args >= 0 && n > row->max_args)) {
      std::string takes = row->min_args == row->max_args ? std::to_string(row->min_args)
                          : row->max_args < 0 ? "at least " + std::to_string(row->min_args)
                                              : std::to_string(row->min_args) + " to " +
                                                    std::to_string(row->max_args);
      return error(display, line, name,
                   "takes " + takes + " argument" + (takes == "1" ? "" : "s") + ", got " +
                       std::to_string(n) + "; usage: " + std::string(row->help) + hint);
    }
    std::string key = lower(row->name);
    if (key == "include" || key == "includeoptional") {
      return include(call.args[0], key == "includeoptional", display, line, name, depth, scope);
    }
    if (key == "define") {
      if (!defined(call.args[0])) cfg_.defines.push_back(call.args[0]);
      if (n == 2) vars_[call.args[0]] = call.args[1];
      return;
    }
    if (!row->set) return;
    if (scope.virtual_host >= 0) {
      bool per_vhost = (row->contexts & kVirtualHost) != 0;
      if (per_vhost) {
        vhost_calls_[size_t(scope.virtual_host)].push_back(
            VhostCall{.row = row,
                      .args = std::move(call.args),
                      .absolute = absolute,
                      .display = display,
                      .line = line,
                      .location = scope.location,
                      .server_root = cfg_.server_root,
                      .directory = scope.directory_path,
                      .section = scope.files ? scope.files_origin : scope.directory_origin,
                      .files = scope.files,
                      .proxy = scope.proxy});
        return;
      }
      if (scope.location >= 0 && (row->contexts & kVhostAware) == 0) {
        return error(display, line, name,
                     "not supported inside a <Location> of a <VirtualHost> yet; use a "
                     "server-level <Location>");
      }
      if ((row->contexts & kVhostAware) == 0 && warned_global_.insert(lower(name)).second) {
        warning(display, line, name,
                "inside <VirtualHost> applies to the whole server (mpmd keeps one value of it "
                "for all virtual hosts)");
      }
    }
    call.file = absolute;
    call.line = line;
    if (scope.virtual_host >= 0) {
      call.location = scope.location >= 0 ? &vhost_location_ : nullptr;
    } else {
      call.location = scope.location >= 0 ? &cfg_.locations[size_t(scope.location)] : nullptr;
    }
    call.virtual_host = scope.virtual_host;
    call.directory = scope.directory_path;
    call.section = scope.files ? scope.files_origin : scope.directory_origin;
    call.files = scope.files;
    call.proxy = scope.proxy;
    call.server_root = cfg_.server_root;
    call.engines = parser_.engines();
    call.warn = [this, &display, line, name](std::string msg) {
      warning(display, line, name, msg);
    };
    std::string err = row->set(cfg_, call);
    if (!err.empty()) error(display, line, name, err + hint);
  }

  void unknown(std::string_view name, const std::string& display, int line) {
    std::string msg =
        "unknown directive (Invalid command, perhaps misspelled or defined by a module not "
        "included in the server configuration)";
    const Directive* best = nullptr;
    size_t best_distance = 3;
    for (const Directive* d : parser_.directives()) {
      if (d->name.empty() || d->name[0] == '<') continue;
      size_t distance = detail::edit_distance(name, d->name);
      if (distance < best_distance) {
        best_distance = distance;
        best = d;
      }
    }
    if (best != nullptr) msg += "; did you mean " + std::string(best->name) + "?";
    error(display, line, name, msg);
  }

  void include(const std::string& pattern, bool optional, const std::string& display, int line,
               std::string_view name, int depth, Scope scope) {
    std::string path = pattern;
    if (path.empty() || path[0] != '/') path = cfg_.server_root + "/" + path;
    path = fs::path(path).lexically_normal().string();
    std::vector<std::string> files;
    if (path.find_first_of("*?[") == std::string::npos) {
      std::error_code ec;
      if (!fs::exists(path, ec)) {
        if (!optional)
          error(display, line, name, "could not open '" + path + "': No such file or directory");
        return;
      }
      add_path(path, files);
    } else {
      glob_t g{};
      int rc = glob(path.c_str(), 0, nullptr, &g);
      if (rc == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) add_path(g.gl_pathv[i], files);
      }
      globfree(&g);
      if (rc != 0 && rc != GLOB_NOMATCH) {
        return error(display, line, name, "could not read the wildcard '" + path + "'");
      }
      if (rc == GLOB_NOMATCH && !optional) {
        return error(display, line, name, "no matches for the wildcard '" + path + "'");
      }
    }
    for (const auto& file : files) {
      include_file(file, display, line, name, depth + 1, scope);
    }
  }

  // A directory adds every regular file below it, sorted; a file adds itself.
  static void add_path(const std::string& path, std::vector<std::string>& files) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(path, ec), last; !ec && it != last;
           it.increment(ec)) {
        if (it->is_regular_file(ec)) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(path, ec)) {
      files.push_back(path);
    }
  }

  void include_file(const std::string& file, const std::string& display, int line,
                    std::string_view name, int depth, Scope scope) {
    std::string absolute = normal_absolute(file);
    if (depth > Parser::kMaxIncludeDepth) {
      return error(display, line, name,
                   "includes nested deeper than " + std::to_string(Parser::kMaxIncludeDepth) +
                       " levels at '" + absolute + "'");
    }
    std::error_code ec;
    std::string canonical = fs::weakly_canonical(absolute, ec).string();
    if (ec) canonical = absolute;
    if (std::find(include_stack_.begin(), include_stack_.end(), canonical) !=
        include_stack_.end()) {
      return error(display, line, name, "recursive Include of '" + absolute + "'");
    }
    std::string text;
    std::string err;
    if (!read_file(absolute, text, err)) {
      return error(display, line, name, "could not open '" + absolute + "': " + err);
    }
    include_stack_.push_back(canonical);
    parse_text(text, absolute, display_name(absolute), depth, scope);
    include_stack_.pop_back();
  }

  const Parser& parser_;
  ParseResult& result_;
  Config& cfg_;
  std::map<std::string, std::string> vars_;          // Define NAME VALUE
  std::vector<std::string> include_stack_;           // canonical paths of the files being read
  std::vector<std::vector<VhostCall>> vhost_calls_;  // per Config::virtual_hosts entry
  std::set<std::string> warned_global_;              // directives warned about inside <VirtualHost>
  std::set<std::string> warned_files_;               // directives skipped inside <Files>
  Location vhost_location_;  // what kVhostAware rows see as a vhost's <Location>

 public:
  // Gives every <VirtualHost> its settings: the server's, with the vhost's
  // own calls replayed on top, in file order.
  void finish() {
    std::vector<VirtualHost> vhosts = std::move(cfg_.virtual_hosts);
    cfg_.virtual_hosts.clear();  // not copied into each scratch configuration
    for (size_t v = 0; v < vhosts.size(); ++v) {
      Config scratch = cfg_;
      scratch.logs.custom_logs.clear();
      scratch.aliases.clear();
      std::vector<size_t> own_locations;  // the vhost's <Location>s, as indexes in scratch
      for (const VhostCall& vc : vhost_calls_[v]) {
        if (vc.row == nullptr) {
          scratch.locations.push_back(Location{.path = vc.args[0]});
          own_locations.push_back(scratch.locations.size() - 1);
          continue;
        }
        DirectiveCall call;
        call.name = vc.row->name;
        call.args = vc.args;
        call.file = vc.absolute;
        call.line = vc.line;
        call.location =
            vc.location >= 0 ? &scratch.locations[own_locations[size_t(vc.location)]] : nullptr;
        call.server_root = vc.server_root;
        call.directory = vc.directory;
        call.section = vc.section;
        call.files = vc.files;
        call.proxy = vc.proxy;
        call.engines = parser_.engines();
        call.warn = [this, &vc](std::string msg) {
          warning(vc.display, vc.line, vc.row->name, msg);
        };
        std::string err = vc.row->set(scratch, call);
        if (!err.empty()) error(vc.display, vc.line, vc.row->name, err);
      }
      VhostSite& site = vhosts[v].site;
      site.files = std::move(scratch.files);
      site.locations = std::move(scratch.locations);
      site.custom_logs = scratch.logs.custom_logs.empty() ? cfg_.logs.custom_logs
                                                          : std::move(scratch.logs.custom_logs);
      site.directories = std::move(scratch.directories);
      site.error_documents = std::move(scratch.error_documents);
      site.proxy = std::move(scratch.proxy);
      site.env_rules = std::move(scratch.env_rules);
      site.headers = std::move(scratch.headers);
      site.compress = std::move(scratch.compress);
      site.aliases = std::move(scratch.aliases);
      site.aliases.insert(site.aliases.end(), cfg_.aliases.begin(), cfg_.aliases.end());
    }
    cfg_.virtual_hosts = std::move(vhosts);
  }
};

}  // namespace

bool is_builtin_module(std::string_view name) {
  std::string m = lower(name);
  auto accepted = accepted_modules();
  return std::find(std::begin(kBuiltinModules), std::end(kBuiltinModules), m) !=
             std::end(kBuiltinModules) ||
         std::find(accepted.begin(), accepted.end(), m) != accepted.end();
}

std::vector<std::string_view> builtin_module_names() {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < std::size(kBuiltinModules); i += 2) out.push_back(kBuiltinModules[i]);
  return out;
}

Parser::Parser(std::vector<DirectiveTable> tables, std::vector<std::string> engines)
    : engines_(std::move(engines)) {
  auto add = [this](const Directive& d) {
    if (by_name_.emplace(lower(d.name), rows_.size()).second) rows_.push_back(d);
  };
  for (const auto& d : core_directives()) add(d);
  for (const auto& table : tables) {
    for (const auto& d : table) add(d);
  }
}

std::vector<const Directive*> Parser::directives() const {
  std::vector<const Directive*> out;
  out.reserve(rows_.size());
  for (const auto& d : rows_) out.push_back(&d);
  return out;
}

const Directive* Parser::find(std::string_view name) const {
  auto it = by_name_.find(lower(name));
  return it == by_name_.end() ? nullptr : &rows_[it->second];
}

ParseResult Parser::parse_file(const std::string& path, const std::vector<std::string>& defines,
                               const std::string& server_root) {
  std::string absolute = normal_absolute(path);
  fs::path root = server_root.empty() ? fs::path(absolute).parent_path().parent_path()
                                      : fs::path(normal_absolute(server_root));
  std::string text;
  std::string err;
  if (!read_file(absolute, text, err)) {
    ParseResult result;
    result.config.file = absolute;
    result.config.server_root = root.string();
    result.errors.push_back(path + ": could not open configuration file: " + err);
    return result;
  }
  return parse_text(text, path, root.string(), defines);
}

ParseResult Parser::parse_text(std::string_view text, const std::string& name,
                               const std::string& server_root,
                               const std::vector<std::string>& defines) {
  ParseResult result;
  Config& cfg = result.config;
  cfg.file = normal_absolute(name);
  cfg.server_root = normal_absolute(server_root.empty() ? "." : server_root);
  while (cfg.server_root.size() > 1 && cfg.server_root.back() == '/') cfg.server_root.pop_back();
  Run run(*this, result, defines);
  run.parse_main(text, cfg.file, name);
  run.finish();
  result.ok = result.errors.empty();
  return result;
}

}  // namespace mpmd::config
