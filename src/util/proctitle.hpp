// Process titles in `ps`: "mpmd: master [event engine, generation 0]".
#pragma once

#include <string>

namespace mpmd::util {

// Call once from main() before anything reads the environment through
// pointers it kept: moves the environment so argv's memory can hold a title.
void init_title(int argc, char** argv);
// The environment array init_title() made (see proctitle.cpp).
extern char** moved_environ;

// Shows "mpmd: <title> (<original command line>)" as the process's command
// line (cut to the space that argv and the environment had; the original
// command stays so `pkill -f conf/mpmd.conf` still finds the server), and `name` (no spaces, at
// most 15 bytes, so tools that split /proc/PID/stat on blanks keep working) as its comm.
void set_title(const std::string& name, const std::string& title);

}  // namespace mpmd::util
