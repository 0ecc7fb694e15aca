#include "handlers/static_files/preopened.hpp"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>

#include <map>
#include <mutex>
#include <vector>

#include "handlers/alias.hpp"
#include "util/unique_fd.hpp"

namespace mpmd::static_files {

namespace {

struct OwnedRoot {
  util::UniqueFd fd;
  PreopenedRoot view;
};

// Filled by the master before fork, read-only in the children.
std::map<std::string, OwnedRoot, std::less<>>& roots() {
  static std::map<std::string, OwnedRoot, std::less<>> r;
  return r;
}

// The master's strong references keep its tables alive for the children.
std::vector<std::shared_ptr<const MimeTypes>>& master_tables() {
  static std::vector<std::shared_ptr<const MimeTypes>> t;
  return t;
}

std::string table_key(const config::StaticFiles& s) {
  std::string key = s.types_config;
  for (const auto& [ext, type] : s.add_types) key += "\n" + ext + " " + type;
  return key;
}

// Each host's DocumentRoot and the directories of its Aliases (Redirects and
// ScriptAlias have none), with the host's file settings.
template <typename Visit>
void each_root(const config::StaticFiles& files, const std::vector<config::AliasRule>& aliases,
               Visit visit) {
  visit(files.document_root, files);
  for (const config::AliasRule& rule : aliases) {
    if (rule.status == 0)
      visit(rule.regex ? handlers::alias_match_root(rule.target) : rule.target, files);
  }
}

}  // namespace

void preopen_in_master(const config::Config& config) {
  std::map<std::string, OwnedRoot, std::less<>> next;
  std::vector<std::shared_ptr<const MimeTypes>> tables;
  master_tables().clear();  // tables no longer configured are freed
  auto visit = [&](const std::string& root, const config::StaticFiles& files) {
    std::string error;
    if (auto table = shared_mime_types(files, error)) tables.push_back(std::move(table));
    if (root.empty() || next.count(root)) return;
    OwnedRoot r;
    r.fd.reset(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    char buf[PATH_MAX];
    if (!r.fd || !::realpath(root.c_str(), buf)) return;
    r.view.fd = r.fd.get();
    r.view.real = std::string(buf) == "/" ? "" : buf;
    next.emplace(root, std::move(r));
  };
  each_root(config.files, config.aliases, visit);
  for (const config::VirtualHost& vh : config.virtual_hosts) {
    each_root(vh.site.files, vh.site.aliases, visit);
  }
  roots().swap(next);
  master_tables().swap(tables);
}

const PreopenedRoot* preopened_root(const std::string& root) {
  auto it = roots().find(root);
  return it == roots().end() ? nullptr : &it->second.view;
}

std::shared_ptr<const MimeTypes> shared_mime_types(const config::StaticFiles& s,
                                                   std::string& error) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<const MimeTypes>> tables;
  std::string key = table_key(s);
  std::lock_guard lock(mutex);
  if (auto table = tables[key].lock()) return table;
  auto table = std::make_shared<MimeTypes>();
  if (s.types_config.empty()) {
    table->load_builtin();
  } else {
    error = table->load_file(s.types_config);
    if (!error.empty()) return nullptr;
  }
  for (const auto& [ext, type] : s.add_types) table->add(ext, type);
  tables[key] = table;
  return table;
}

}  // namespace mpmd::static_files
