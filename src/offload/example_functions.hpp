// The example offload functions, shared by mpmd-worker (Gearman), the example
// application's process pool (examples/offload) and the tests: the classic
// CPU-bound pair, plus small helpers that make tests and benchmarks readable.
// Each takes bytes and returns bytes; bad input throws std::invalid_argument.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mpmd::offload::examples {

inline constexpr uint64_t kMaxFactorial = 100000;  // 456,574 digits; seconds of CPU

// n! in decimal for n given in decimal ("25" -> "15511210043330985984000000").
std::string factorial(std::string_view n);
// SHA-256 of the bytes, as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);
// Burns CPU for the given number of milliseconds (decimal, at most 60000) and
// returns "pid=<pid> ms=<ms>": the benchmark's 50 ms handler, and a way for a
// test to see which process ran a task.
std::string burn(std::string_view ms);
// "pid=<pid>": which process ran the task.
std::string whoami(std::string_view ignored);
// Kills its own process with SIGSEGV: the pool's crash path, in tests.
std::string crash(std::string_view ignored);

struct Example {
  const char* name;
  std::string (*fn)(std::string_view);
  const char* help;
};
// Every function above, under its registration name ("factorial", "sha256",
// "burn", "whoami", "crash").
const std::vector<Example>& all();

}  // namespace mpmd::offload::examples
