#include "logscan/cli.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <thread>

#include "log/log_format.hpp"
#include "logscan/timeparse.hpp"

namespace mpmd::logscan {

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    std::string item = s.substr(start, comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool parse_size(const std::string& s, size_t& out) {
  if (s.empty()) return false;
  size_t i = 0;
  uint64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') v = v * 10 + uint64_t(s[i++] - '0');
  if (i == 0 || v == 0) return false;
  std::string unit = s.substr(i);
  if (unit == "k" || unit == "K")
    v <<= 10;
  else if (unit == "m" || unit == "M")
    v <<= 20;
  else if (unit == "g" || unit == "G")
    v <<= 30;
  else if (!unit.empty())
    return false;
  out = size_t(v);
  return true;
}

}  // namespace

const char* usage_text() {
  return R"(Usage: mpmd-logscan [OPTIONS] FILE...

Scans access logs (plain files, '-' for stdin, gzip files by their content)
on all cores and prints the matching lines in file order, or aggregates.

Log format:
  -f, --format FMT     'combined' (default), 'common', 'vhost_combined',
                       'referer', 'agent', or any LogFormat string, parsed by
                       the same compiler the server uses:
                         --format '%h %l %u %t "%r" %>s %b %D'

Filters (combine with AND; comma-separated values of one option are OR):
  -u, --user NAME      the authenticated user (%u):      --user alice,bob
      --ip ADDR        the client address (%h), or a CIDR block:
                         --ip 203.0.113.7   --ip 10.0.0.0/8,2001:db8::/32
  -s, --status LIST    status codes or classes:          --status 404,5xx
  -m, --method LIST    request methods (case-insensitive): --method POST,PUT
  -p, --path REGEX     POSIX extended regex (grep -E) on the request path,
                       without the query string:         --path '^/api/'
      --since TIME     lines at or after TIME;  --until TIME: before TIME.
                       TIME: 2024-03-01, 2024-03-01T10:00[:00][Z|+02:00],
                       '01/Mar/2024:10:00:00 +0000', or @EPOCH; UTC if no zone.

Aggregates (instead of printing lines; any combination):
  -c, --count          the number of matching lines (alone: just the number)
      --top FIELD[:N]  the N (default 10) most frequent values of FIELD:
                       ip, user, status, method, path, url, protocol,
                       referer, agent, vhost. Repeatable: --top ip --top path:20
      --sum-bytes      the total response bytes (%b/%B/%O; '-' counts 0)
      --per UNIT       matching lines (and bytes with --sum-bytes) per
                       'minute' or 'hour' (UTC)
      --json           print the aggregates as one JSON object

Performance:
  -j, --threads N      worker threads (default: one per core)
      --io MODE        how regular files are read: mmap (default) or pread
      --chunk-size N   bytes per work unit (default 8M; k, M, G suffixes)
      --no-progress    no progress bar (shown on stderr for inputs over 1 GB
                       when stderr is a terminal)
  -h, --help           this text;  --version: the version

Lines that do not parse as the format are never matched; they are counted
and reported on stderr (with the first few) and in the aggregates. Lines
that cannot contain a filter's literal (e.g. the user name) are skipped
before parsing, so then the count covers the lines that were examined.

Examples:
  mpmd-logscan --user alice access.log
  mpmd-logscan --status 5xx --since 2024-03-01T10:00 --until 2024-03-01T11:00 access.log
  mpmd-logscan --top ip:20 --top path --sum-bytes access.log access.log.1.gz
  mpmd-logscan --path '\.php$' --method POST --count access.log
  zcat old.log.gz | mpmd-logscan --per hour --sum-bytes --json -

Exit status: 0 when lines matched (or aggregates were printed), 1 when no
line matched, 2 on errors.
)";
}

std::string parse_cli(const std::vector<std::string>& args, CliOptions& out) {
  bool only_files = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (only_files || arg == "-" || arg.empty() || arg[0] != '-') {
      out.files.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_files = true;
      continue;
    }
    std::string value;
    bool has_inline = false;
    if (arg.rfind("--", 0) == 0) {
      size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_inline = true;
      }
    }
    auto take = [&](std::string& v) -> bool {
      if (has_inline) {
        v = value;
        return true;
      }
      if (i + 1 >= args.size()) return false;
      v = args[++i];
      return true;
    };
    auto flag = [&]() { return !has_inline; };
    std::string v;
    if (arg == "-h" || arg == "--help")
      out.help = true;
    else if (arg == "--version")
      out.version = true;
    else if (arg == "-c" || arg == "--count")
      out.spec.count = flag();
    else if (arg == "--sum-bytes")
      out.spec.sum_bytes = flag();
    else if (arg == "--json")
      out.json = flag();
    else if (arg == "--no-progress")
      out.scan.progress = !flag();
    else if (arg == "-f" || arg == "--format") {
      if (!take(out.format)) return arg + " needs a value";
    } else if (arg == "-u" || arg == "--user") {
      if (!take(v)) return arg + " needs a value";
      for (auto& u : split_list(v)) out.spec.users.push_back(u);
    } else if (arg == "--ip") {
      if (!take(v)) return arg + " needs a value";
      for (auto& a : split_list(v)) {
        IpFilter f;
        if (std::string e = parse_ip_filter(a, f); !e.empty()) return e;
        out.spec.ips.push_back(f);
      }
    } else if (arg == "-s" || arg == "--status") {
      if (!take(v)) return arg + " needs a value";
      if (std::string e = parse_status_list(v, out.spec.statuses); !e.empty()) return e;
    } else if (arg == "-m" || arg == "--method") {
      if (!take(v)) return arg + " needs a value";
      for (auto& m : split_list(v)) {
        for (char& c : m) c = (c >= 'a' && c <= 'z') ? char(c - 32) : c;
        out.spec.methods.push_back(m);
      }
    } else if (arg == "-p" || arg == "--path") {
      if (!take(out.spec.path_regex)) return arg + " needs a value";
    } else if (arg == "--since" || arg == "--until") {
      if (!take(v)) return arg + " needs a value";
      auto t = parse_user_time(v);
      if (!t) return arg + ": cannot read the time '" + v + "' (see --help)";
      (arg == "--since" ? out.spec.since : out.spec.until) = *t;
    } else if (arg == "--top") {
      if (!take(v)) return arg + " needs a value";
      TopSpec t;
      if (std::string e = parse_top_spec(v, t); !e.empty()) return e;
      out.spec.tops.push_back(t);
    } else if (arg == "--per") {
      if (!take(v)) return arg + " needs a value";
      if (v == "minute")
        out.spec.per_seconds = 60;
      else if (v == "hour")
        out.spec.per_seconds = 3600;
      else
        return "--per: '" + v + "' must be minute or hour";
    } else if (arg == "-j" || arg == "--threads") {
      size_t n = 0;
      if (!take(v) || !parse_size(v, n) || n > 1024) return arg + " needs a thread count";
      out.scan.threads = unsigned(n);
    } else if (arg == "--io") {
      if (!take(v)) return arg + " needs a value";
      if (v == "mmap")
        out.scan.io = IoMode::mmap;
      else if (v == "pread")
        out.scan.io = IoMode::pread;
      else
        return "--io: '" + v + "' must be mmap or pread";
    } else if (arg == "--chunk-size") {
      size_t n = 0;
      if (!take(v) || !parse_size(v, n) || n < 4096) return arg + " needs a size of at least 4k";
      out.scan.chunk_size = n;
    } else {
      return "unknown option " + arg + " (see --help)";
    }
    if (!flag() && (arg == "-c" || arg == "--count" || arg == "--sum-bytes" || arg == "--json" ||
                    arg == "--no-progress"))
      return arg + " takes no value";
  }
  if (out.spec.since && out.spec.until && *out.spec.until <= *out.spec.since)
    return "--until must be later than --since";
  return "";
}

bool layout_for_format(const std::string& format, Layout& out, std::string& error) {
  std::string_view text = log::predefined_format(format);
  if (text.empty()) text = format;
  log::CompiledFormat compiled;
  if (!log::CompiledFormat::compile(text, compiled, error)) {
    error = "--format: " + error;
    return false;
  }
  return Layout::build(compiled.items(), out, error);
}

int run_cli(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  CliOptions opts;
  opts.scan.progress = true;
  std::string error = parse_cli(args, opts);
  if (!error.empty()) {
    std::fprintf(stderr, "mpmd-logscan: %s\n", error.c_str());
    return 2;
  }
  if (opts.help) {
    std::fputs(usage_text(), stdout);
    return 0;
  }
  if (opts.version) {
    std::puts("mpmd-logscan 0.1.0");
    return 0;
  }
  if (opts.files.empty()) {
    std::fprintf(stderr, "mpmd-logscan: no input files ('-' reads stdin; see --help)\n");
    return 2;
  }
  if (opts.json && !opts.spec.aggregates()) opts.spec.count = true;
  Layout layout;
  Query query;
  if (!layout_for_format(opts.format, layout, error) ||
      !Query::compile(opts.spec, layout, query, error)) {
    std::fprintf(stderr, "mpmd-logscan: %s\n", error.c_str());
    return 2;
  }
  opts.scan.print = !opts.spec.aggregates();
  opts.scan.out_fd = 1;
  Scanner scanner(query, opts.scan);
  int status = 0;
  for (const std::string& file : opts.files) {
    if (!scanner.scan(file, error)) {
      std::fprintf(stderr, "mpmd-logscan: %s\n", error.c_str());
      status = 2;
    }
  }
  const ScanStats& stats = scanner.stats();
  if (opts.spec.aggregates()) {
    std::string text = opts.json ? render_json(query.spec(), scanner.aggregates(), stats)
                                 : render_table(query.spec(), scanner.aggregates(), stats);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }
  if (stats.malformed != 0) {
    std::fprintf(stderr, "mpmd-logscan: %llu line(s) did not parse as the log format; the first:\n",
                 (unsigned long long)stats.malformed);
    for (const std::string& s : stats.malformed_samples) std::fprintf(stderr, "  %s\n", s.c_str());
  }
  if (status == 0 && !opts.spec.aggregates() && scanner.aggregates().matched() == 0) status = 1;
  return status;
}

}  // namespace mpmd::logscan
