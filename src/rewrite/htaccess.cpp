#include "rewrite/htaccess.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "config/parser.hpp"
#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/strings.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::rewrite {

namespace {

using config::Overrides;

constexpr int64_t kRevalidateUs = 1'000'000;  // stat a file at most once a second
constexpr size_t kMaxFileSize = 1u << 20;
constexpr size_t kMaxCached = 10000;  // directories remembered per host and child

bool under(const std::string& dir, const std::string& path) {
  if (dir == "/") return true;
  return path.starts_with(dir) && (path.size() == dir.size() || path[dir.size()] == '/');
}

size_t depth(const std::string& dir) {
  return dir == "/" ? 0 : size_t(std::count(dir.begin(), dir.end(), '/'));
}

// Words of a directive line: blanks separate, double quotes group, as
// Apache's ap_getword_conf.
std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    std::string w;
    if (line[i] == '"' || line[i] == '\'') {
      char quote = line[i++];
      while (i < line.size() && line[i] != quote) {
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == quote) ++i;
        w += line[i++];
      }
      ++i;
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') w += line[i++];
    }
    out.push_back(std::move(w));
  }
  return out;
}

// The class a directive needs in .htaccess, for the message when it is not
// allowed; 0 for directives mpmd does not know at all.
unsigned class_of(std::string_view name) {
  static constexpr std::pair<std::string_view, unsigned> kKnown[] = {
      {"options", Overrides::kOptions},
      {"directoryindex", Overrides::kIndexes},
      {"indexoptions", Overrides::kIndexes},
      {"errordocument", Overrides::kFileInfo},
      {"addtype", Overrides::kFileInfo},
      {"defaulttype", Overrides::kFileInfo},
      {"redirect", Overrides::kFileInfo},
      {"redirectmatch", Overrides::kFileInfo},
      {"setenvif", Overrides::kFileInfo},
      {"header", Overrides::kFileInfo},
      {"fallbackresource", Overrides::kIndexes},
      {"require", Overrides::kAuthConfig},
      {"authtype", Overrides::kAuthConfig},
      {"authname", Overrides::kAuthConfig},
      {"authuserfile", Overrides::kAuthConfig},
      {"order", Overrides::kLimit},
      {"allow", Overrides::kLimit},
      {"deny", Overrides::kLimit},
      {"expiresactive", Overrides::kIndexes},
      {"expiresbytype", Overrides::kIndexes},
      {"adddefaultcharset", Overrides::kFileInfo},
  };
  for (const auto& [n, c] : kKnown) {
    if (util::iequals(name, n)) return c;
  }
  return 0;
}

bool is_rewrite(std::string_view name) {
  for (std::string_view n :
       {"RewriteEngine", "RewriteBase", "RewriteCond", "RewriteRule", "RewriteOptions"}) {
    if (util::iequals(name, n)) return true;
  }
  return false;
}

std::string apply_rewrite(Ruleset& r, std::string_view name, const std::vector<std::string>& args,
                          const std::string& origin) {
  if (util::iequals(name, "RewriteCond")) return add_condition(r, args, origin);
  if (util::iequals(name, "RewriteRule")) return add_rule(r, args, origin);
  if (args.size() != 1 && !util::iequals(name, "RewriteOptions")) {
    return "takes one argument";
  }
  if (util::iequals(name, "RewriteEngine")) {
    bool on = false;
    if (std::string e = config::parse_flag(args[0], on); !e.empty()) return e;
    r.engine = on ? 1 : 0;
  } else if (util::iequals(name, "RewriteBase")) {
    if (!args[0].starts_with('/')) return "the base must be a URL-path starting with '/'";
    r.base = args[0];
  } else {
    for (const std::string& o : args) {
      if (!util::iequals(o, "Inherit")) return "option '" + o + "' is not supported by mpmd";
      r.inherit = true;
    }
  }
  return "";
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Htaccess parse_htaccess(std::string_view text, const std::string& file, unsigned classes) {
  auto rules = std::make_shared<Ruleset>();
  bool used = false;
  std::vector<bool> skipping;  // per open <IfModule>: whether its contents are skipped
  int line_number = 0;
  std::string pending;
  for (std::string_view raw : util::split(text, '\n')) {
    ++line_number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (!raw.empty() && raw.back() == '\\') {  // continuation
      pending.append(raw.substr(0, raw.size() - 1));
      continue;
    }
    std::string line = pending + std::string(raw);
    pending.clear();
    std::string_view t = util::trim_ows(line);
    if (t.empty() || t[0] == '#') continue;
    std::string origin = file + ":" + std::to_string(line_number);
    auto fail = [&](const std::string& message) {
      return Htaccess{nullptr, origin + ": " + message};
    };
    bool skip = std::find(skipping.begin(), skipping.end(), true) != skipping.end();
    if (t.starts_with("</")) {
      if (!util::istarts_with(t, "</IfModule") || skipping.empty()) {
        return fail("unexpected " + std::string(t));
      }
      skipping.pop_back();
      continue;
    }
    if (t.starts_with('<')) {
      if (!util::istarts_with(t, "<IfModule") || !t.ends_with('>')) {
        return fail(std::string(t) + ": this section is not supported in .htaccess by mpmd");
      }
      std::vector<std::string> w = words(t.substr(1, t.size() - 2));
      if (w.size() != 2) return fail("<IfModule> takes one argument");
      std::string_view module = w[1];
      bool negate = module.starts_with('!');
      if (negate) module.remove_prefix(1);
      bool present = config::is_builtin_module(module);
      skipping.push_back(present == negate);
      continue;
    }
    if (skip) continue;
    std::vector<std::string> w = words(t);
    std::string name = w[0];
    std::vector<std::string> args(w.begin() + 1, w.end());
    if (is_rewrite(name)) {
      if ((classes & Overrides::kFileInfo) == 0) {
        return fail(name + " not allowed here (AllowOverride does not give FileInfo)");
      }
      if (std::string e = apply_rewrite(*rules, name, args, origin); !e.empty()) {
        return fail(name + ": " + e);
      }
      used = true;
      continue;
    }
    unsigned needs = class_of(name);
    if (needs == 0) {
      return fail("Invalid command '" + name +
                  "', perhaps misspelled or defined by a module not included in the server "
                  "configuration");
    }
    if ((classes & needs) == 0) return fail(name + " not allowed here");
    return fail(name + " is not supported in .htaccess by mpmd (only mod_rewrite's directives)");
  }
  if (!skipping.empty()) return Htaccess{nullptr, file + ": <IfModule> not closed"};
  if (!used) return {};
  return Htaccess{std::move(rules), ""};
}

HtaccessFiles::HtaccessFiles(const config::Overrides& overrides, int vhost)
    : names_(overrides.file_names) {
  for (const auto& r : overrides.allow) {
    if (r.vhost == -1 || r.vhost == vhost) rules_.push_back(r);
  }
  std::stable_sort(rules_.begin(), rules_.end(),
                   [](const auto& a, const auto& b) { return depth(a.dir) < depth(b.dir); });
  enabled_ = std::any_of(rules_.begin(), rules_.end(), [](const auto& r) { return r.classes; });
}

unsigned HtaccessFiles::classes(const std::string& dir) const {
  unsigned out = 0;  // Apache's default: AllowOverride None
  for (const auto& r : rules_) {
    if (under(r.dir, dir)) out = r.classes;
  }
  return out;
}

Htaccess HtaccessFiles::lookup(const std::string& dir) {
  unsigned allowed = classes(dir);
  if (allowed == 0) return {};
  for (const std::string& name : names_) {
    std::string path = (dir == "/" ? "" : dir) + "/" + name;
    int64_t now = now_us();
    std::lock_guard lock(mutex_);
    if (cache_.size() >= kMaxCached) cache_.clear();  // random URLs cannot grow it without bound
    Cached& c = cache_[path];
    if (c.checked_us != 0 && now - c.checked_us < kRevalidateUs) {
      if (c.exists) return c.parsed;
      continue;
    }
    c.checked_us = now;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      c.exists = false;
      c.parsed = {};
      continue;
    }
    int64_t mtime = int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (c.exists && c.inode == st.st_ino && c.mtime_ns == mtime && c.size == st.st_size) {
      return c.parsed;
    }
    c.exists = true;
    c.inode = st.st_ino;
    c.mtime_ns = mtime;
    c.size = st.st_size;
    std::string text;
    util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd || st.st_size > off_t(kMaxFileSize)) {
      c.parsed = Htaccess{nullptr, path + ": cannot be read"};
    } else {
      text.resize(size_t(st.st_size));
      ssize_t n = ::read(fd.get(), text.data(), text.size());
      text.resize(n > 0 ? size_t(n) : 0);
      c.parsed = parse_htaccess(text, path, allowed);
    }
    if (!c.parsed.error.empty()) {
      log::emit(log::LogLevel::error, log::ids::kHtaccessError,
                c.parsed.error + "; requests below " + dir + " answer 500");
    }
    return c.parsed;
  }
  return {};
}

}  // namespace mpmd::rewrite
