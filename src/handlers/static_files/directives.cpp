#include "handlers/static_files/directives.hpp"

#include <string>

#include "util/strings.hpp"

namespace mpmd::static_files {

namespace {

using config::Config;
using config::DirectiveCall;

void warn(const DirectiveCall& call, std::string message) {
  if (call.warn) call.warn(std::move(message));
}

// A missing directory is not an error (as in Apache): `mpmd -t` and the start
// warn about it (supervisor/config_checks.cpp) and requests get 404.
std::string set_document_root(Config& cfg, const DirectiveCall& call) {
  std::string path = call.resolve(call.args[0]);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  cfg.files.document_root = path;
  return "";
}

std::string set_directory_index(Config& cfg, const DirectiveCall& call) {
  if (call.args.size() == 1 && util::iequals(call.args[0], "disabled")) {
    cfg.files.directory_index.clear();
    return "";
  }
  cfg.files.directory_index.clear();
  for (const std::string& name : call.args) {
    if (name.find('/') != std::string::npos) {
      warn(call, "'" + name + "' contains '/': only plain file names are supported, ignored");
      continue;
    }
    cfg.files.directory_index.push_back(name);
  }
  return "";
}

// Options [+|-]word ...: either all words carry a sign or none does (as in Apache).
std::string set_options(Config& cfg, const DirectiveCall& call) {
  bool follow = cfg.files.follow_symlinks;
  bool indexes = cfg.files.indexes;
  int signed_count = 0;
  for (const std::string& arg : call.args) {
    if (!arg.empty() && (arg[0] == '+' || arg[0] == '-')) ++signed_count;
  }
  if (signed_count != 0 && signed_count != int(call.args.size()))
    return "Either all Options must start with + or -, or no Option may.";
  if (signed_count == 0) follow = indexes = false;
  for (const std::string& arg : call.args) {
    std::string_view word = arg;
    bool on = true;
    if (!word.empty() && (word[0] == '+' || word[0] == '-')) {
      on = word[0] == '+';
      word.remove_prefix(1);
    }
    if (util::iequals(word, "FollowSymLinks")) {
      follow = on;
    } else if (util::iequals(word, "Indexes")) {
      indexes = on;
    } else if (util::iequals(word, "None")) {
      if (signed_count != 0) return "Option None cannot be combined with + or -";
      follow = indexes = false;
    } else if (util::iequals(word, "All")) {
      if (signed_count != 0) return "Option All cannot be combined with + or -";
      follow = indexes = true;  // All = everything but MultiViews
    } else if (util::iequals(word, "SymLinksIfOwnerMatch") || util::iequals(word, "ExecCGI") ||
               util::iequals(word, "Includes") || util::iequals(word, "IncludesNOEXEC") ||
               util::iequals(word, "MultiViews")) {
      warn(call, "Option " + std::string(word) + " is not supported by mpmd and has no effect");
    } else {
      return "Illegal option " + std::string(word);
    }
  }
  cfg.files.follow_symlinks = follow;
  cfg.files.indexes = indexes;
  return "";
}

std::string set_types_config(Config& cfg, const DirectiveCall& call) {
  cfg.files.types_config = call.resolve(call.args[0]);
  return "";
}

std::string set_add_type(Config& cfg, const DirectiveCall& call) {
  const std::string& type = call.args[0];
  if (type.find('/') == std::string::npos)
    return "'" + type + "' is not a media type (type/subtype)";
  for (size_t i = 1; i < call.args.size(); ++i) {
    std::string_view ext = call.args[i];
    if (!ext.empty() && ext.front() == '.') ext.remove_prefix(1);
    if (ext.empty()) return "empty extension";
    cfg.files.add_types[util::to_lower(ext)] = type;
  }
  return "";
}

std::string set_default_type(Config& cfg, const DirectiveCall& call) {
  if (util::iequals(call.args[0], "none")) {
    warn(call, "DefaultType None: unknown extensions keep '" + cfg.files.default_type + "'");
    return "";
  }
  warn(call,
       "DefaultType was removed in Apache 2.4 (use ForceType there); mpmd uses it as the type "
       "of files with an unknown extension");
  cfg.files.default_type = call.args[0];
  return "";
}

std::string set_file_etag(Config& cfg, const DirectiveCall& call) {
  if (call.args.size() == 1 && util::iequals(call.args[0], "None")) {
    cfg.files.file_etag = false;
    return "";
  }
  for (const std::string& arg : call.args) {
    std::string_view word = arg;
    if (!word.empty() && (word[0] == '+' || word[0] == '-')) word.remove_prefix(1);
    if (!util::iequals(word, "MTime") && !util::iequals(word, "Size") &&
        !util::iequals(word, "INode") && !util::iequals(word, "All") &&
        !util::iequals(word, "Digest"))
      return "unknown FileETag component '" + arg + "'";
  }
  cfg.files.file_etag = true;
  if (!(call.args.size() == 2 && util::iequals(call.args[0], "MTime") &&
        util::iequals(call.args[1], "Size")))
    warn(call, "mpmd's ETag is always built from size and mtime (FileETag MTime Size)");
  return "";
}

std::string set_max_cached_file_size(Config& cfg, const DirectiveCall& call) {
  return config::parse_size(call.args[0], cfg.files.max_cached_file_size);
}

// Per <VirtualHost> too: each vhost has its own static files.
constexpr unsigned kSite = config::kServer | config::kVirtualHost;
constexpr unsigned kDirs = kSite | config::kDirectory;

}  // namespace

std::vector<config::Directive> directives() {
  return {
      {"DocumentRoot", 1, 1, kSite, set_document_root,
       "DocumentRoot DIR: directory served as the root of the URL space (missing: a warning, "
       "and 404 for every request)"},
      {"DirectoryIndex", 1, -1, kDirs, set_directory_index,
       "DirectoryIndex NAME... | disabled: files tried, in order, for a directory request"},
      {"DirectorySlash", 1, 1, kDirs,
       [](config::Config& cfg, const config::DirectiveCall& c) {
         return config::parse_flag(c.args[0], cfg.files.directory_slash);
       },
       "DirectorySlash On|Off: redirect a directory requested without its trailing slash to "
       "DIR/ (default On)"},
      {"FallbackResource", 1, 1, kDirs,
       [](config::Config& cfg, const config::DirectiveCall& c) {
         const std::string& a = c.args[0];
         if (util::iequals(a, "disabled")) {
           cfg.files.fallback_resource.clear();
         } else if (a.empty() || a[0] != '/') {
           return std::string("must be a local URL-path (/index.php) or disabled");
         } else {
           cfg.files.fallback_resource = a;
         }
         return std::string();
       },
       "FallbackResource /URL-PATH | disabled: what a request for a file that does not exist "
       "gets instead (a front controller such as /index.php)"},
      {"Options", 1, -1, kDirs, set_options,
       "Options [+|-]FollowSymLinks|Indexes|None|All ...: symlinks out of DocumentRoot, "
       "directory listings"},
      {"TypesConfig", 1, 1, kSite, set_types_config,
       "TypesConfig FILE: mime.types file mapping extensions to media types"},
      {"AddType", 2, -1, kDirs, set_add_type,
       "AddType TYPE EXT...: map extensions to a media type, overriding TypesConfig"},
      {"DefaultType", 1, 1, kDirs, set_default_type,
       "DefaultType TYPE: type of files with an unknown extension (removed in Apache 2.4)"},
      {"FileETag", 1, -1, kDirs, set_file_etag,
       "FileETag None|MTime Size|...: None sends no ETag; otherwise size-mtime"},
      {"MaxCachedFileSize", 1, 1, kSite, set_max_cached_file_size,
       "MaxCachedFileSize BYTES: files up to this size are served from memory (0 = no cache; "
       "mpmd extension)"},
  };
}

}  // namespace mpmd::static_files
