// Reads a configuration with every directive table mpmd knows, and fills in
// the defaults that depend on other settings (DocumentRoot, TypesConfig,
// PidFile).
#pragma once

#include <string>
#include <vector>

#include "config/parser.hpp"

namespace mpmd::supervisor {

config::Parser make_parser();

config::ParseResult load_config(const std::string& path, const std::vector<std::string>& defines);

// Defaults that depend on ServerRoot; also used for `mpmd serve`.
void apply_defaults(config::Config& config);

}  // namespace mpmd::supervisor
