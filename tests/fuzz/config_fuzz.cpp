// libFuzzer target: the Apache-syntax configuration parser
// (config::Parser::parse_text) with the core, log and static-file directive
// tables.
//
// Include is kept harmless: ServerRoot is a private temporary directory
// holding a few files (conf.d/, a self-including loop.conf, mime.types), and
// inputs that could name anything outside it (a '/', "..", ${...}, or a
// ServerRoot directive) are skipped when they mention Include.
#include <unistd.h>

#include <sys/stat.h>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "config/parser.hpp"
#include "handlers/static_files/directives.hpp"
#include "log/directives.hpp"

namespace {

using namespace mpmd;

std::string g_root;

void write_file(const std::string& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size()) {
      char c = hay[i + k];
      if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
      if (c != needle[k]) break;
      ++k;
    }
    if (k == needle.size()) return true;
  }
  return false;
}

bool may_escape_root(std::string_view text) {
  if (!icontains(text, "include")) return false;
  return text.find('/') != std::string_view::npos || text.find("..") != std::string_view::npos ||
         text.find('$') != std::string_view::npos || icontains(text, "serverroot") ||
         text.find('\\') != std::string_view::npos;
}

config::Parser& parser() {
  static config::Parser p(
      {config::core_directives(), log::directives(), static_files::directives()},
      {"event", "worker", "prefork"});
  return p;
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "config invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char tmpl[] = "/tmp/mpmd-fuzz-config.XXXXXX";
  if (!mkdtemp(tmpl)) std::abort();
  g_root = tmpl;
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(g_root, ec);
  });
  mkdir((g_root + "/conf.d").c_str(), 0700);
  mkdir((g_root + "/htdocs").c_str(), 0700);
  write_file(g_root + "/conf.d/a.conf",
             "Timeout 30\nKeepAlive On\n<IfModule status_module>\n"
             "ExtendedStatus On\n</IfModule>\n");
  write_file(g_root + "/conf.d/b.conf", "LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b\" common\n");
  write_file(g_root + "/loop.conf", "Include loop.conf\n");
  write_file(g_root + "/bad.conf", "<Location /x>\nNoSuchDirective 1\n");
  write_file(g_root + "/mime.types", "text/html html htm\nimage/png png\n");
  parser();  // build the tables once
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (may_escape_root(text)) return 0;
  config::ParseResult r = parser().parse_text(text, g_root + "/fuzz.conf", g_root, {"FUZZ"});
  check(r.ok == r.errors.empty(), "ok does not match the absence of errors");
  check(r.errors.size() <= size + 1, "more errors than input bytes");
  return 0;
}
