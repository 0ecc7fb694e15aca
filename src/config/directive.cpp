#include "config/directive.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <climits>
#include <filesystem>

#include "util/strings.hpp"

namespace mpmd::config {

std::string DirectiveCall::resolve(std::string_view p) const {
  std::filesystem::path path(p);
  if (!path.is_absolute() && !server_root.empty()) path = std::filesystem::path(server_root) / path;
  std::string out = path.lexically_normal().string();
  if (out.size() > 1 && out.back() == '/' && (p.empty() || p.back() != '/')) out.pop_back();
  return out;
}

bool FilesMatch::matches(std::string_view name) const {
  if (regex) return regex->search(name);
  return ::fnmatch(pattern.c_str(), std::string(name).c_str(), FNM_PATHNAME) == 0;
}

Location* section_access(Config& cfg, const DirectiveCall& c, bool warn) {
  if (c.location != nullptr) return c.location;
  if (c.directory.find_first_of("*?[") != std::string::npos) {
    if (warn) {
      c.warn(
          "ignored inside a <Directory> with wildcards (not enforced); use a plain path or "
          "<Location>");
    }
    return nullptr;
  }
  auto& rules = cfg.directories;
  auto it = std::find_if(rules.begin(), rules.end(),
                         [&](const DirectoryRule& r) { return r.origin == c.section; });
  if (it == rules.end()) {
    rules.push_back(DirectoryRule{.dir = c.directory.empty() ? "/" : c.directory,
                                  .origin = c.section,
                                  .access = Location{.files = c.files}});
    it = std::prev(rules.end());
  }
  return &it->access;
}

std::string parse_flag(std::string_view arg, bool& out) {
  if (util::iequals(arg, "on")) {
    out = true;
    return "";
  }
  if (util::iequals(arg, "off")) {
    out = false;
    return "";
  }
  return "must be On or Off, not '" + std::string(arg) + "'";
}

std::string parse_int(std::string_view arg, long min, long max, int& out) {
  std::string range = "must be an integer from " + std::to_string(min) + " to " +
                      std::to_string(max) + ", not '" + std::string(arg) + "'";
  bool negative = false;
  std::string_view digits = arg;
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  auto v = util::parse_u64(digits);
  if (!v || *v > uint64_t(LONG_MAX)) return range;
  long value = negative ? -long(*v) : long(*v);
  if (value < min || value > max || value < INT_MIN || value > INT_MAX) return range;
  out = int(value);
  return "";
}

std::string parse_size(std::string_view arg, uint64_t& out) {
  auto v = util::parse_u64(arg);
  if (!v || *v > (uint64_t(1) << 63)) {
    return "must be a number of bytes from 0 to 2^63, not '" + std::string(arg) + "'";
  }
  out = *v;
  return "";
}

std::string parse_seconds(std::string_view arg, Millis& out) {
  // Apache's ap_timeout_parameter_parse: a number with an optional unit
  // ms, s, mi (minutes) or h; the default unit is seconds.
  size_t digits = 0;
  while (digits < arg.size() && arg[digits] >= '0' && arg[digits] <= '9') ++digits;
  std::string_view unit = arg.substr(digits);
  auto v = util::parse_u64(arg.substr(0, digits));
  uint64_t scale = 0;
  if (unit.empty() || util::iequals(unit, "s")) {
    scale = 1000;
  } else if (util::iequals(unit, "ms")) {
    scale = 1;
  } else if (util::iequals(unit, "mi")) {
    scale = 60 * 1000;
  } else if (util::iequals(unit, "h")) {
    scale = 3600 * 1000;
  }
  constexpr uint64_t kMaxMillis = uint64_t(1) << 40;  // about 34 years
  if (!v || scale == 0 || *v > kMaxMillis / scale) {
    return "must be a duration like 5 (seconds), 300ms, 2mi or 1h, not '" + std::string(arg) + "'";
  }
  out = Millis(int64_t(*v * scale));
  return "";
}

}  // namespace mpmd::config
