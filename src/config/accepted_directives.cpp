#include "config/accepted_directives.hpp"

#include <algorithm>
#include <string>

namespace mpmd::config {

namespace {

// Module name, source name, what mpmd does not do, and its directives.
struct Module {
  std::string_view name;
  std::string_view source;
  std::string_view help;  // for -L
  std::string_view not_done;
  std::vector<std::string_view> directives;
};

const std::vector<Module>& modules() {
  static const std::vector<Module> all = {
      {"autoindex_module",
       "mod_autoindex.c",
       "accepted, not enforced (autoindex_module): see mpmd -t",
       "directory listings keep mpmd's own format (Options Indexes): icons, descriptions, "
       "IndexOptions, IndexIgnore, HeaderName and ReadmeName are not applied",
       {"IndexOptions", "IndexIgnore", "IndexIgnoreReset", "IndexOrderDefault", "IndexStyleSheet",
        "IndexHeadInsert", "HeaderName", "ReadmeName", "AddIcon", "AddIconByType",
        "AddIconByEncoding", "AddAlt", "AddAltByType", "AddAltByEncoding", "AddDescription",
        "DefaultIcon"}},
      {"mime_module",
       "mod_mime.c",
       "accepted, not enforced (mime_module): see mpmd -t",
       "AddLanguage, AddCharset, AddEncoding, AddHandler, filters by extension and RemoveType are "
       "not applied (types come from TypesConfig and AddType only)",
       {"AddLanguage", "AddCharset", "AddEncoding", "AddHandler", "RemoveHandler", "AddInputFilter",
        "AddOutputFilter", "RemoveType", "RemoveCharset", "RemoveEncoding", "RemoveLanguage",
        "DefaultLanguage", "MultiviewsMatch", "ModMimeUsePathInfo"}},
      {"negotiation_module",
       "mod_negotiation.c",
       "accepted, not enforced (negotiation_module): see mpmd -t",
       "no content negotiation: LanguagePriority and MultiViews do nothing",
       {"LanguagePriority", "ForceLanguagePriority", "CacheNegotiatedDocs"}},
      // DeflateCompressionLevel, DeflateBufferSize, AddOutputFilterByType and
      // SetOutputFilter are enforced (handlers/compress/directives.cpp).
      {"deflate_module",
       "mod_deflate.c",
       "accepted, not enforced (deflate_module): see mpmd -t",
       "DeflateMemLevel, DeflateWindowSize, DeflateFilterNote, DeflateInflateLimitRequestBody and "
       "DeflateAlterETag are not applied (compression itself is: AddOutputFilterByType DEFLATE)",
       {"DeflateMemLevel", "DeflateWindowSize", "DeflateFilterNote",
        "DeflateInflateLimitRequestBody", "DeflateAlterETag"}},
      {"filter_module",
       "mod_filter.c",
       "accepted, not enforced (filter_module): see mpmd -t",
       "FilterDeclare, FilterProvider and FilterChain are not run (AddOutputFilterByType DEFLATE "
       "is)",
       {"FilterDeclare", "FilterProvider", "FilterChain", "FilterProtocol", "FilterTrace"}},
  };
  return all;
}

// One warning per module and configuration: the first of its directives says
// what the whole module does not do.
Setter accepted(const Module& m) {
  return [&m](Config& cfg, const DirectiveCall& c) {
    auto& seen = cfg.unenforced_modules;
    if (std::find(seen.begin(), seen.end(), m.name) == seen.end()) {
      seen.emplace_back(m.name);
      c.warn("accepted, not enforced (" + std::string(m.name) + "): " + std::string(m.not_done));
    }
    return std::string();
  };
}

}  // namespace

std::vector<Directive> accepted_directives() {
  std::vector<Directive> rows;
  for (const Module& m : modules()) {
    for (std::string_view d : m.directives) {
      rows.push_back(
          {d, 0, -1, kServer | kLocation | kDirectory | kVhostAware, accepted(m), m.help});
    }
  }
  return rows;
}

std::span<const std::string_view> accepted_modules() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const Module& m : modules()) {
      out.push_back(m.name);
      out.push_back(m.source);
    }
    return out;
  }();
  return names;
}

}  // namespace mpmd::config
