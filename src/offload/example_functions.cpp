#include "offload/example_functions.hpp"

#include <openssl/evp.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <stdexcept>

namespace mpmd::offload::examples {

namespace {

uint64_t parse_decimal(std::string_view s, uint64_t max, const char* what) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
    s.remove_suffix(1);
  }
  if (s.empty() || s.size() > 19) throw std::invalid_argument(std::string(what) + ": not a number");
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') throw std::invalid_argument(std::string(what) + ": not a number");
    v = v * 10 + uint64_t(c - '0');
  }
  if (v > max) {
    throw std::invalid_argument(std::string(what) + ": at most " + std::to_string(max));
  }
  return v;
}

int64_t cpu_time_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

std::string factorial(std::string_view n_text) {
  uint64_t n = parse_decimal(n_text, kMaxFactorial, "factorial");
  // Little-endian limbs of nine decimal digits: multiplying by k <= 10^5
  // keeps every partial product below 2^64, and printing needs no division.
  constexpr uint64_t kBase = 1'000'000'000;
  std::vector<uint32_t> limbs{1};
  for (uint64_t k = 2; k <= n; ++k) {
    uint64_t carry = 0;
    for (uint32_t& limb : limbs) {
      uint64_t v = uint64_t(limb) * k + carry;
      limb = uint32_t(v % kBase);
      carry = v / kBase;
    }
    while (carry) {
      limbs.push_back(uint32_t(carry % kBase));
      carry /= kBase;
    }
  }
  std::string out = std::to_string(limbs.back());
  char buf[16];
  for (size_t i = limbs.size() - 1; i-- > 0;) {
    snprintf(buf, sizeof buf, "%09u", limbs[i]);
    out.append(buf, 9);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("sha256: EVP_Digest failed");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

std::string burn(std::string_view ms_text) {
  uint64_t ms = parse_decimal(ms_text, 60000, "burn");
  int64_t until = cpu_time_ns() + int64_t(ms) * 1'000'000;
  volatile uint64_t x = 0;
  while (cpu_time_ns() < until) {
    for (int i = 0; i < 10000; ++i) x = x * 6364136223846793005u + 1;
  }
  return "pid=" + std::to_string(getpid()) + " ms=" + std::to_string(ms);
}

std::string whoami(std::string_view) {
  return "pid=" + std::to_string(getpid());
}

std::string crash(std::string_view) {
  raise(SIGSEGV);
  return "unreachable";
}

const std::vector<Example>& all() {
  static const std::vector<Example> table = {
      {"factorial", &factorial, "n! in decimal; input: n (0-100000) in decimal"},
      {"sha256", &sha256_hex, "SHA-256 of the input, 64 hex digits"},
      {"burn", &burn, "burns the given milliseconds of CPU; returns pid=P ms=M"},
      {"whoami", &whoami, "returns pid=P of the process that ran it"},
      {"crash", &crash, "kills its process with SIGSEGV (tests)"},
  };
  return table;
}

}  // namespace mpmd::offload::examples
