#include "logscan/literal_finder.hpp"

#include <cstdint>
#include <cstring>

namespace mpmd::logscan {

namespace {
using Vec = unsigned char __attribute__((vector_size(16)));

Vec splat(unsigned char c) {
  Vec v;
  for (int i = 0; i < 16; ++i) v[i] = c;
  return v;
}

Vec load(const char* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
}  // namespace

int byte_frequency_rank(unsigned char c) {
  if (c == ' ') return 255;
  if ((c >= '0' && c <= '9') || c == '.' || c == '/') return 250;
  if (std::strchr("eaotinsr", c) != nullptr && c != 0) return 240;
  if (std::strchr(":-\"lchmpdu", c) != nullptr && c != 0) return 220;
  if (c >= 'a' && c <= 'z') return 200;
  if (std::strchr("MGTPHKLWSCAX", c) != nullptr && c != 0) return 190;
  if (c >= 'A' && c <= 'Z') return 150;
  if (std::strchr("();,_=?&+[]", c) != nullptr && c != 0) return 150;
  return 50;
}

LiteralFinder::LiteralFinder(std::string needle) : needle_(std::move(needle)) {
  auto rank = [this](size_t i) { return byte_frequency_rank((unsigned char)needle_[i]); };
  for (size_t i = 1; i < needle_.size(); ++i)
    if (rank(i) < rank(first_)) first_ = i;
  second_ = first_ == 0 ? 1 : 0;
  for (size_t i = 0; i < needle_.size(); ++i)
    if (i != first_ && rank(i) < rank(second_)) second_ = i;
  if (needle_.size() < 2) second_ = first_;
}

const char* LiteralFinder::find(const char* begin, const char* end) const {
  const size_t n = needle_.size();
  if (n == 0) return begin;
  if (size_t(end - begin) < n) return nullptr;
  if (n == 1) return static_cast<const char*>(std::memchr(begin, needle_[0], size_t(end - begin)));
  const char* last = end - n;  // the last possible start
  const char* p = begin;
  const Vec c1 = splat((unsigned char)needle_[first_]);
  const Vec c2 = splat((unsigned char)needle_[second_]);
  while (last - p >= 31) {  // starts p .. p+31 are all possible
    Vec m0 = (load(p + first_) == c1) & (load(p + second_) == c2);
    Vec m1 = (load(p + 16 + first_) == c1) & (load(p + 16 + second_) == c2);
    uint64_t words[4];
    std::memcpy(words, &m0, sizeof m0);
    std::memcpy(words + 2, &m1, sizeof m1);
    if ((words[0] | words[1] | words[2] | words[3]) != 0) {
      for (int w = 0; w < 4; ++w) {
        uint64_t bits = words[w];
        while (bits != 0) {
          int k = __builtin_ctzll(bits) / 8;
          const char* at = p + w * 8 + k;
          if (std::memcmp(at, needle_.data(), n) == 0) return at;
          bits &= ~(uint64_t(0xff) << (k * 8));
        }
      }
    }
    p += 32;
  }
  for (; p <= last; ++p)
    if (p[first_] == needle_[first_] && p[second_] == needle_[second_] &&
        std::memcmp(p, needle_.data(), n) == 0)
      return p;
  return nullptr;
}

}  // namespace mpmd::logscan
