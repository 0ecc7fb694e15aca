#include "util/proctitle.hpp"

#include <sys/prctl.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

extern char** environ;

namespace mpmd::util {

namespace {
char* g_area = nullptr;
size_t g_size = 0;
std::string g_command;  // the original command line, kept in the title for pkill -f
}  // namespace

// The environment's new home, held for the life of the process (external
// linkage, so that no optimiser drops it): a later setenv() (the APACHE_*
// variables of an Apache tree's envvars) replaces `environ` with glibc's own
// array and would otherwise orphan this one.
char** moved_environ = nullptr;

void init_title(int argc, char** argv) {
  if (argc < 1 || !argv[0]) return;
  // argv strings and then the environment strings lie end to end; find the end.
  char* end = argv[0] + std::strlen(argv[0]) + 1;
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == end) end = argv[i] + std::strlen(argv[i]) + 1;
  }
  size_t env_count = 0;
  while (environ[env_count]) ++env_count;
  char** moved = static_cast<char**>(std::malloc((env_count + 1) * sizeof(char*)));
  if (!moved) return;
  for (size_t i = 0; i < env_count; ++i) {
    if (environ[i] == end) end = environ[i] + std::strlen(environ[i]) + 1;
    moved[i] = strdup(environ[i]);
  }
  moved[env_count] = nullptr;
  environ = moved_environ = moved;
  // argv[1..] keep pointing into the area; copy them so callers may still read them.
  for (int i = 0; i < argc; ++i) g_command += std::string(i ? " " : "") + argv[i];
  for (int i = 1; i < argc; ++i) argv[i] = strdup(argv[i]);
  g_area = argv[0];
  g_size = size_t(end - argv[0]);
}

void set_title(const std::string& name, const std::string& title) {
  std::string full = "mpmd: " + title + " (" + g_command + ")";
  prctl(PR_SET_NAME, name.c_str(), 0, 0, 0);
  if (!g_area || g_size < 2) return;
  size_t n = std::min(full.size(), g_size - 1);
  std::memcpy(g_area, full.data(), n);
  std::memset(g_area + n, 0, g_size - n);
}

}  // namespace mpmd::util
