// mpmd-logscan: the parallel access-log analyser (all logic is in mpmd_logscan).
#include "logscan/cli.hpp"

int main(int argc, char** argv) {
  return mpmd::logscan::run_cli(argc, argv);
}
