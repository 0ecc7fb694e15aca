// <Directory DIR> access rules (Require) as the URL prefixes of one host.
#pragma once

#include <vector>

#include "config/config.hpp"

namespace mpmd::site {

// The <Location> list a host's router matches: its <Directory> rules first,
// turned into URL prefixes below its DocumentRoot ("/") and below each Alias
// directory (the alias's URL-path), shortest directory first as Apache merges
// <Directory> sections, the DocumentRoot's before the Aliases' (URLs below an
// Alias are never the DocumentRoot's files, and the router lets later entries
// win); then the host's own <Location> blocks, which win over every
// <Directory>, as in Apache's merge.
std::vector<config::Location> effective_locations(const config::StaticFiles& files,
                                                  const std::vector<config::AliasRule>& aliases,
                                                  const std::vector<config::DirectoryRule>& dirs,
                                                  const std::vector<config::Location>& locations);

}  // namespace mpmd::site
