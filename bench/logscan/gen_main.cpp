// mpmd-logscan-gen: writes a realistic combined-format access log to stdout.
//   mpmd-logscan-gen --size 4G > /tmp/access.log
#include <cstdio>
#include <cstdlib>
#include <string>

#include "logscan/generate.hpp"

int main(int argc, char** argv) {
  mpmd::logscan::GenOptions opt;
  opt.lines = 100000;
  opt.lines_per_second = 250;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string v = i + 1 < argc ? argv[i + 1] : "";
    auto size = [](const std::string& s) {
      char* end = nullptr;
      double n = std::strtod(s.c_str(), &end);
      switch (*end) {
        case 'k':
        case 'K':
          n *= 1024;
          break;
        case 'm':
        case 'M':
          n *= 1024 * 1024;
          break;
        case 'g':
        case 'G':
          n *= 1024.0 * 1024 * 1024;
          break;
        default:
          break;
      }
      return uint64_t(n);
    };
    if (a == "--size")
      opt.bytes = size(v), ++i;
    else if (a == "--lines")
      opt.lines = size(v), ++i;
    else if (a == "--seed")
      opt.seed = size(v), ++i;
    else if (a == "--rate")
      opt.lines_per_second = std::strtod(v.c_str(), nullptr), ++i;
    else if (a == "--malformed")
      opt.malformed_fraction = std::strtod(v.c_str(), nullptr), ++i;
    else if (a == "--crlf")
      opt.crlf_fraction = std::strtod(v.c_str(), nullptr), ++i;
    else {
      std::fprintf(stderr,
                   "usage: mpmd-logscan-gen [--size N[k|M|G] | --lines N] [--seed N] [--rate "
                   "LINES_PER_S] [--malformed FRACTION] [--crlf FRACTION] > access.log\n");
      return a == "-h" || a == "--help" ? 0 : 2;
    }
  }
  std::string error = mpmd::logscan::generate_to_fd(opt, 1);
  if (!error.empty()) {
    std::fprintf(stderr, "mpmd-logscan-gen: %s\n", error.c_str());
    return 1;
  }
  return 0;
}
