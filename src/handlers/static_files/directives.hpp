// The static file handler's directive rows: DocumentRoot, DirectoryIndex,
// Options, TypesConfig, AddType, DefaultType, FileETag, MaxCachedFileSize.
#pragma once

#include <vector>

#include "config/directive.hpp"

namespace mpmd::static_files {

std::vector<config::Directive> directives();

}  // namespace mpmd::static_files
