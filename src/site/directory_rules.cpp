#include "site/directory_rules.hpp"

#include <algorithm>
#include <string>

namespace mpmd::site {

namespace {

std::string without_trailing_slash(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// Whether `path` is `dir` or below it.
bool is_under(const std::string& dir, const std::string& path) {
  if (dir == "/") return true;
  return path.compare(0, dir.size(), dir) == 0 &&
         (path.size() == dir.size() || path[dir.size()] == '/');
}

size_t depth(const std::string& dir) {
  return dir == "/" ? 0 : size_t(std::count(dir.begin(), dir.end(), '/'));
}

// The rules that reach the tree at `root`, served at URL-path `url`.
void add_tree(const std::string& root, const std::string& url,
              const std::vector<const config::DirectoryRule*>& dirs,
              std::vector<config::Location>& out) {
  for (const config::DirectoryRule* d : dirs) {
    config::Location l = d->access;
    if (is_under(d->dir, root)) {
      l.path = url;  // the whole tree
    } else if (is_under(root, d->dir)) {
      std::string base = url == "/" ? "" : without_trailing_slash(url);
      l.path = base + d->dir.substr(root == "/" ? 0 : root.size());
    } else {
      continue;
    }
    out.push_back(std::move(l));
  }
}

}  // namespace

std::vector<config::Location> effective_locations(const config::StaticFiles& files,
                                                  const std::vector<config::AliasRule>& aliases,
                                                  const std::vector<config::DirectoryRule>& dirs,
                                                  const std::vector<config::Location>& locations) {
  std::vector<const config::DirectoryRule*> sorted;
  for (const auto& d : dirs) sorted.push_back(&d);
  // <Directory> sections shortest first, then <Files> sections in file
  // order (Apache's merge: directory walk, then file walk).
  auto key = [](const config::DirectoryRule* r) {
    return r->access.files ? std::pair<size_t, size_t>{1, 0}
                           : std::pair<size_t, size_t>{0, depth(r->dir)};
  };
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](const auto* a, const auto* b) { return key(a) < key(b); });
  std::vector<config::Location> out;
  if (!sorted.empty()) {
    add_tree(without_trailing_slash(files.document_root), "/", sorted, out);
    // The Alias tried first must win for its URLs: added last. One whose
    // URLs all fall below an Alias tried before it serves nothing: skipped.
    for (size_t i = aliases.size(); i-- > 0;) {
      const config::AliasRule& a = aliases[i];
      if (a.status != 0 || a.regex) continue;  // AliasMatch: no prefix to give the rules
      bool shadowed = std::any_of(aliases.begin(), aliases.begin() + long(i), [&](const auto& b) {
        return b.status == 0 && !b.regex && is_under(without_trailing_slash(b.url), a.url);
      });
      if (!shadowed) add_tree(without_trailing_slash(a.target), a.url, sorted, out);
    }
  }
  out.insert(out.end(), locations.begin(), locations.end());
  return out;
}

}  // namespace mpmd::site
