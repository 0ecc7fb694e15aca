// What the master opens for the children, as root, before it forks: the
// directory of every DocumentRoot and Alias, and every MIME table. Children
// give up root right after fork (User, www-data by default), so a tree only
// root can reach -- a checkout under /root served by `make run` -- is still
// served: a child opens files beneath the inherited directory, and only the
// files themselves must be readable by User, not the directories above.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "handlers/static_files/mime_types.hpp"

namespace mpmd::static_files {

// A directory opened by the master (O_PATH), with its canonical path.
struct PreopenedRoot {
  int fd = -1;
  std::string real;  // realpath(), no trailing '/' ("" for "/")
};

// Opens the roots and loads the MIME tables of `config` (main server, every
// vhost, every Alias), replacing those of the previous generation. Master
// only, single-threaded, before the generation's children are forked. A root
// that cannot be opened is left out: the child reports it as it always has.
void preopen_in_master(const config::Config& config);

// The master's open of `root` (as written in the config), if any.
const PreopenedRoot* preopened_root(const std::string& root);

// The MIME table for TypesConfig and AddType of `settings`, one per process
// and set (a child holds one handler per vhost and Alias, and a full
// mime.types costs some 350 KB of heap each); the master's when it loaded it.
// Null with `error` set when TypesConfig cannot be read.
std::shared_ptr<const MimeTypes> shared_mime_types(const config::StaticFiles& settings,
                                                   std::string& error);

}  // namespace mpmd::static_files
