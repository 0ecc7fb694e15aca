// Reads a configuration with every directive table mpmd knows, and fills in
// the defaults that depend on other settings (DocumentRoot, TypesConfig,
// PidFile).
#pragma once

#include <string>
#include <vector>

#include "config/parser.hpp"

namespace mpmd::supervisor {

config::Parser make_parser();

// `server_root`: Apache's -d ("" = the directory above the file's, or the
// file's own directory in an Apache tree: see apache_envvars).
config::ParseResult load_config(const std::string& path, const std::vector<std::string>& defines,
                                const std::string& server_root = "");

// What apache2ctl does before it starts Apache: when `config_file` lies in an
// Apache tree (an `envvars` file beside it, as Debian's /etc/apache2), sources
// that shell file and exports the APACHE_* variables it sets that the
// environment does not already have (${APACHE_LOG_DIR} ... in the config).
// Returns the tree's directory (the ServerRoot apache2ctl's Apache is built
// with), or "" when there is no envvars file; `error` says why sourcing failed.
std::string apache_envvars(const std::string& config_file, std::string& error);

// Defaults that depend on ServerRoot; also used for `mpmd serve`.
void apply_defaults(config::Config& config);

}  // namespace mpmd::supervisor
