// A deliberately simple, single-threaded mpmd-logscan for the tests to compare
// with: getline-style splitting, std::regex for the combined format, std::map
// for the aggregates. It shares no code with tools/logscan except QuerySpec.
#pragma once

#include <ctime>
#include <map>
// GCC 12 with -fsanitize=address reports -Wmaybe-uninitialized inside
// std::regex's std::function members (a false positive in libstdc++).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#include <string>
#include <vector>

#include "logscan/query.hpp"

namespace mpmd::logscan::reference {

struct Result {
  std::string printed;  // matching lines, each + '\n'
  uint64_t matched = 0;
  uint64_t malformed = 0;
  uint64_t bytes = 0;
  std::vector<std::vector<std::pair<std::string, uint64_t>>> tops;  // parallel to spec.tops
  std::map<int64_t, std::pair<uint64_t, uint64_t>> per;             // bucket: count, bytes
};

inline int64_t clf_epoch(const std::string& t) {
  static const std::string months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  std::tm tm{};
  tm.tm_mday = std::stoi(t.substr(0, 2));
  tm.tm_mon = int(months.find(t.substr(3, 3)) / 3);
  tm.tm_year = std::stoi(t.substr(7, 4)) - 1900;
  tm.tm_hour = std::stoi(t.substr(12, 2));
  tm.tm_min = std::stoi(t.substr(15, 2));
  tm.tm_sec = std::stoi(t.substr(18, 2));
  int zone = std::stoi(t.substr(22, 2)) * 3600 + std::stoi(t.substr(24, 2)) * 60;
  if (t[21] == '-') zone = -zone;
  return int64_t(timegm(&tm)) - zone;
}

// Splits a combined-format line by hand; false when it does not have that shape.
struct Parsed {
  std::string host, ident, user, time, request, status, bytes, referer, agent;
};

inline bool parse_combined(const std::string& line, Parsed& p) {
  size_t i = 0;
  auto until_space = [&](std::string& out) {
    size_t sp = line.find(' ', i);
    if (sp == std::string::npos || sp == i) return false;
    out = line.substr(i, sp - i);
    i = sp + 1;
    return true;
  };
  auto expect = [&](const char* text) {
    std::string t = text;
    if (line.compare(i, t.size(), t) != 0) return false;
    i += t.size();
    return true;
  };
  auto quoted = [&](std::string& out) {  // after the opening quote, up to the closing one
    size_t j = i;
    while (j < line.size() && line[j] != '"') j += line[j] == '\\' ? 2 : 1;
    if (j >= line.size()) return false;
    out = line.substr(i, j - i);
    i = j + 1;
    return true;
  };
  if (!until_space(p.host) || !until_space(p.ident) || !until_space(p.user)) return false;
  if (!expect("[")) return false;
  size_t close = line.find(']', i);
  if (close == std::string::npos) return false;
  p.time = line.substr(i, close - i);
  i = close + 1;
  if (!expect(" \"") || !quoted(p.request) || !expect(" ")) return false;
  if (!until_space(p.status) || !until_space(p.bytes)) return false;
  auto all_digits = [](const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (p.status.size() != 3 || !all_digits(p.status)) return false;
  if (p.bytes != "-" && !all_digits(p.bytes)) return false;
  if (!expect("\"") || !quoted(p.referer) || !expect(" \"") || !quoted(p.agent)) return false;
  return i == line.size();
}

inline Result run(const std::string& log, const QuerySpec& spec) {
  std::regex path_re;
  if (!spec.path_regex.empty()) path_re = std::regex(spec.path_regex, std::regex::extended);
  Result r;
  std::vector<std::map<std::string, uint64_t>> counts(spec.tops.size());
  size_t pos = 0;
  while (pos < log.size()) {
    size_t nl = log.find('\n', pos);
    std::string raw = log.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? log.size() : nl + 1;
    std::string line = raw;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    Parsed m;
    if (!parse_combined(line, m)) {
      ++r.malformed;
      continue;
    }
    std::string host = m.host, user = m.user, time = m.time, request = m.request, status = m.status;
    std::string bytes_text = m.bytes, referer = m.referer, agent = m.agent;
    std::string method, url, protocol;
    size_t sp1 = request.find(' '), sp2 = request.rfind(' ');
    method = request.substr(0, sp1);
    if (sp1 != std::string::npos) {
      url = sp2 == sp1 ? request.substr(sp1 + 1) : request.substr(sp1 + 1, sp2 - sp1 - 1);
      if (sp2 != sp1) protocol = request.substr(sp2 + 1);
    }
    std::string path = url.substr(0, url.find('?'));
    int code = std::stoi(status);
    uint64_t bytes = bytes_text == "-" ? 0 : std::stoull(bytes_text);
    int64_t epoch = clf_epoch(time);

    bool ok = true;
    if (!spec.users.empty()) {
      bool any = false;
      for (const auto& u : spec.users) any = any || u == user;
      ok = ok && any;
    }
    if (!spec.ips.empty()) {
      bool any = false;
      for (const auto& f : spec.ips) any = any || f.text == host;
      ok = ok && any;
    }
    if (!spec.statuses.empty()) {
      bool any = false;
      for (const auto& s : spec.statuses) any = any || (code >= s.lo && code <= s.hi);
      ok = ok && any;
    }
    if (!spec.methods.empty()) {
      bool any = false;
      for (const auto& x : spec.methods) any = any || x == method;
      ok = ok && any;
    }
    if (!spec.path_regex.empty()) ok = ok && std::regex_search(path, path_re);
    if (spec.since) ok = ok && epoch >= *spec.since;
    if (spec.until) ok = ok && epoch < *spec.until;
    if (!ok) continue;

    ++r.matched;
    r.printed += raw + "\n";
    if (spec.sum_bytes) r.bytes += bytes;
    for (size_t i = 0; i < spec.tops.size(); ++i) {
      std::string v;
      switch (spec.tops[i].key) {
        case TopKey::ip:
          v = host;
          break;
        case TopKey::user:
          v = user;
          break;
        case TopKey::status:
          v = status;
          break;
        case TopKey::method:
          v = method;
          break;
        case TopKey::path:
          v = path;
          break;
        case TopKey::url:
          v = url;
          break;
        case TopKey::protocol:
          v = protocol;
          break;
        case TopKey::referer:
          v = referer;
          break;
        case TopKey::agent:
          v = agent;
          break;
        case TopKey::vhost:
          break;
      }
      ++counts[i][v];
    }
    if (spec.per_seconds) {
      int64_t key = epoch / spec.per_seconds * spec.per_seconds;
      r.per[key].first += 1;
      r.per[key].second += spec.sum_bytes ? bytes : 0;
    }
  }
  for (size_t i = 0; i < spec.tops.size(); ++i) {
    std::vector<std::pair<std::string, uint64_t>> rows(counts[i].begin(), counts[i].end());
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (rows.size() > spec.tops[i].limit) rows.resize(spec.tops[i].limit);
    r.tops.push_back(rows);
  }
  return r;
}

}  // namespace mpmd::logscan::reference
