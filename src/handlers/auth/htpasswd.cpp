#include "handlers/auth/htpasswd.hpp"

#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "util/strings.hpp"

namespace mpmd::auth {

namespace {

constexpr std::string_view kItoa64 =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kApr1 = "$apr1$";

class Md5 {
 public:
  Md5() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_.get(), EVP_md5(), nullptr); }
  void update(std::string_view s) { EVP_DigestUpdate(ctx_.get(), s.data(), s.size()); }
  void update(const unsigned char* p, size_t n) { EVP_DigestUpdate(ctx_.get(), p, n); }
  void final(unsigned char out[16]) { EVP_DigestFinal_ex(ctx_.get(), out, nullptr); }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

void to64(std::string& out, unsigned long v, int n) {
  while (n-- > 0) {
    out += kItoa64[v & 0x3f];
    v >>= 6;
  }
}

// Compares without an early exit, so the time taken does not tell how much
// of a guess was right.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string base64(const unsigned char* p, size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, int(n));
  out.resize(size_t(len));
  return out;
}

}  // namespace

std::string apr1_md5(std::string_view password, std::string_view salt) {
  if (salt.starts_with(kApr1)) salt.remove_prefix(kApr1.size());
  salt = salt.substr(0, std::min(salt.find('$'), size_t(8)));
  unsigned char final[16];
  Md5 alt;
  alt.update(password);
  alt.update(salt);
  alt.update(password);
  alt.final(final);
  Md5 ctx;
  ctx.update(password);
  ctx.update(kApr1);
  ctx.update(salt);
  for (size_t left = password.size(); left > 0; left -= std::min(left, size_t(16))) {
    ctx.update(final, std::min(left, size_t(16)));
  }
  std::fill(std::begin(final), std::end(final), 0);
  for (size_t i = password.size(); i != 0; i >>= 1) {
    if (i & 1) {
      ctx.update(final, 1);
    } else {
      ctx.update(password.substr(0, 1));
    }
  }
  ctx.final(final);
  for (int i = 0; i < 1000; ++i) {
    Md5 round;
    if (i & 1) {
      round.update(password);
    } else {
      round.update(final, 16);
    }
    if (i % 3) round.update(salt);
    if (i % 7) round.update(password);
    if (i & 1) {
      round.update(final, 16);
    } else {
      round.update(password);
    }
    round.final(final);
  }
  std::string out = std::string(kApr1) + std::string(salt) + "$";
  to64(out, (final[0] << 16) | (final[6] << 8) | final[12], 4);
  to64(out, (final[1] << 16) | (final[7] << 8) | final[13], 4);
  to64(out, (final[2] << 16) | (final[8] << 8) | final[14], 4);
  to64(out, (final[3] << 16) | (final[9] << 8) | final[15], 4);
  to64(out, (final[4] << 16) | (final[10] << 8) | final[5], 4);
  to64(out, final[11], 2);
  return out;
}

bool password_matches(std::string_view password, std::string_view hash) {
  if (hash.starts_with(kApr1)) return same(apr1_md5(password, hash), hash);
  if (hash.starts_with("{SHA}")) {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(password.data()), password.size(), digest);
    return same("{SHA}" + base64(digest, sizeof digest), hash);
  }
  // bcrypt ($2y$), SHA-crypt ($5$, $6$), DES: libcrypt. A hash it does not
  // know gives "*" or null, which matches nothing.
  crypt_data data{};
  std::string pw(password), setting(hash);
  const char* out = crypt_r(pw.c_str(), setting.c_str(), &data);
  return out != nullptr && out[0] != '*' && same(out, hash);
}

Lookup check_password(const std::string& path, std::string_view user, std::string_view password) {
  std::ifstream in(path);
  if (!in) return Lookup::unreadable;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos || std::string_view(line).substr(0, colon) != user) continue;
    // Fields after the hash (htdigest's realm does not apply here) are ignored.
    std::string_view hash = std::string_view(line).substr(colon + 1);
    hash = hash.substr(0, hash.find(':'));
    return password_matches(password, hash) ? Lookup::matched : Lookup::mismatch;
  }
  return Lookup::unknown_user;
}

bool groups_of(const std::string& path, std::string_view user, std::vector<std::string>& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
    std::string_view members = std::string_view(line).substr(colon + 1);
    while (!members.empty()) {
      size_t start = members.find_first_not_of(" \t\r");
      if (start == std::string_view::npos) break;
      members.remove_prefix(start);
      size_t end = std::min(members.find_first_of(" \t\r"), members.size());
      if (members.substr(0, end) == user) {
        out.emplace_back(util::trim_ows(std::string_view(line).substr(0, colon)));
        break;
      }
      members.remove_prefix(end);
    }
  }
  return true;
}

}  // namespace mpmd::auth
