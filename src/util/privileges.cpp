#include "util/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace mpmd::util {

namespace {

constexpr uint32_t kNobody = 65534;

// "#N": the number; nullopt-like false when `spec` is not of that form.
bool numeric_id(const std::string& spec, uint32_t& out) {
  if (spec.size() < 2 || spec[0] != '#') return false;
  char* end = nullptr;
  errno = 0;
  unsigned long v = std::strtoul(spec.c_str() + 1, &end, 10);
  if (*end != '\0' || errno != 0 || v > UINT32_MAX || spec[1] == '-' || spec[1] == '+') {
    return false;
  }
  out = uint32_t(v);
  return true;
}

}  // namespace

Result<uint32_t> parse_user(const std::string& spec) {
  uint32_t id = 0;
  if (numeric_id(spec, id)) return id;
  if (const passwd* pw = getpwnam(spec.c_str())) return uint32_t(pw->pw_uid);
  return Error{"bad user name " + spec};  // Apache's AH00543
}

Result<uint32_t> parse_group(const std::string& spec) {
  uint32_t id = 0;
  if (numeric_id(spec, id)) return id;
  if (const group* gr = getgrnam(spec.c_str())) return uint32_t(gr->gr_gid);
  return Error{"bad group name " + spec};  // Apache's AH00544
}

Identity identity_of(uint32_t uid, const uint32_t* gid) {
  Identity id;
  id.uid = uid;
  const passwd* pw = getpwuid(uid_t(uid));
  id.user = pw ? std::string(pw->pw_name) : "#" + std::to_string(uid);
  id.gid = gid ? *gid : pw ? uint32_t(pw->pw_gid) : kNobody;
  if (pw) {
    int n = 64;
    std::vector<gid_t> list(static_cast<size_t>(n));
    if (getgrouplist(pw->pw_name, gid_t(id.gid), list.data(), &n) < 0) {
      list.resize(size_t(n));
      if (getgrouplist(pw->pw_name, gid_t(id.gid), list.data(), &n) < 0) n = 0;
    }
    for (int i = 0; i < n; ++i) id.groups.push_back(uint32_t(list[size_t(i)]));
  }
  if (id.groups.empty()) id.groups.push_back(id.gid);
  return id;
}

uint32_t default_uid() {
  for (const char* name : {"www-data", "nobody"}) {
    if (const passwd* pw = getpwnam(name)) return uint32_t(pw->pw_uid);
  }
  return kNobody;
}

Result<void> drop_privileges(const Identity& identity) {
  if (geteuid() != 0) return {};
  // Never serve as root: User root is refused by the parser, and an identity
  // that was never resolved (uid 0) must not pass for one.
  if (identity.uid == 0) return Error{"User is root: mpmd does not serve as root"};
  std::vector<gid_t> groups(identity.groups.begin(), identity.groups.end());
  if (setgroups(groups.size(), groups.data()) != 0) return Error::from_errno("setgroups");
  if (setgid(gid_t(identity.gid)) != 0) {
    return Error::from_errno("setgid(" + std::to_string(identity.gid) + ")");
  }
  if (setuid(uid_t(identity.uid)) != 0) {
    return Error::from_errno("setuid(" + std::to_string(identity.uid) + ") to " + identity.user);
  }
  // Apache's check: root must be gone for good, not just set aside.
  if (setuid(0) == 0 || seteuid(0) == 0) {
    return Error{"could regain root after switching to " + identity.user + "; not serving"};
  }
  return {};
}

}  // namespace mpmd::util
