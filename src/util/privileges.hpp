// Who serves: Apache's User and Group. The master keeps root (to bind, open
// logs, read keys and reap); every process that serves or runs application
// code -- children, WSGI daemons, and through them offload helpers -- gives it
// up for good right after fork, before it touches a request or a script.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace mpmd::util {

// A resolved identity: no name look-ups are left for after fork.
struct Identity {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;  // supplementary groups (the user's, from the group database)
  std::string user;              // name, for messages ("#uid" when it has none)
};

// "name" or "#uid" (Apache's syntax); an error names what was not found.
Result<uint32_t> parse_user(const std::string& spec);
Result<uint32_t> parse_group(const std::string& spec);

// The identity of `uid`, in `gid` (or the user's primary group when `gid` is
// unset, "nogroup"'s 65534 for a uid that has no passwd entry).
Identity identity_of(uint32_t uid, const uint32_t* gid);

// Apache's default when User is not set: www-data where it exists (Debian),
// else nobody, else 65534.
uint32_t default_uid();

// Gives up root for good: supplementary groups, then gid, then uid, then
// checks that setuid(0) fails. Does nothing unless the process is root;
// refuses uid 0 (an identity left unresolved is not
// a licence to stay root).
Result<void> drop_privileges(const Identity& identity);

}  // namespace mpmd::util
