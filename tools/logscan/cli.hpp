// The mpmd-logscan command line: options into a query, a scan, a report.
#pragma once

#include <string>
#include <vector>

#include "logscan/query.hpp"
#include "logscan/scanner.hpp"

namespace mpmd::logscan {

struct CliOptions {
  std::string format = "combined";  // nickname or LogFormat string
  QuerySpec spec;
  ScanOptions scan;
  bool json = false;
  bool help = false;
  bool version = false;
  std::vector<std::string> files;  // "-" is stdin
};

// Parses argv (without argv[0]); returns "" or an error message.
std::string parse_cli(const std::vector<std::string>& args, CliOptions& out);

// The --help text.
const char* usage_text();

// Resolves a nickname ("combined") or takes `format` as a LogFormat string, and
// builds the layout through the server's LogFormat compiler.
bool layout_for_format(const std::string& format, Layout& out, std::string& error);

// The whole program; returns the exit status (0 found/printed, 1 no line matched, 2 error).
int run_cli(int argc, char** argv);

}  // namespace mpmd::logscan
