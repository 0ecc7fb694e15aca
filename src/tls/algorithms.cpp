#include "tls/algorithms.hpp"

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <mutex>

namespace mpmd::tls {

namespace {

struct Fetched {
  EVP_CIPHER* aes128_cbc = nullptr;
  EVP_CIPHER* aes256_cbc = nullptr;
  // Every other held algorithm: never freed, but kept where the leak checker
  // sees it (the struct has no destructor, so this survives static
  // destruction at exit).
  void* held[64] = {};
  size_t held_count = 0;
  bool done = false;

  void hold(void* algorithm) {
    if (algorithm && held_count < std::size(held)) held[held_count++] = algorithm;
  }
};

Fetched& fetched() {
  static Fetched f;
  return f;
}

std::once_flag once;

void fetch_all() {
  const char* off = std::getenv("MPMD_TLS_NO_PREFETCH");
  if (off && std::strcmp(off, "1") == 0) return;
  Fetched& f = fetched();
  f.aes128_cbc = EVP_CIPHER_fetch(nullptr, "AES-128-CBC", nullptr);
  f.aes256_cbc = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
  // Held for the process's life on purpose: what TLS 1.2 and 1.3 handshakes
  // and records use (ciphers, digests, MACs, KDFs, key types, signatures,
  // key exchanges). A held algorithm stays in the method store's cache.
  for (const char* name :
       {"AES-128-GCM", "AES-256-GCM", "ChaCha20-Poly1305", "AES-128-CBC-HMAC-SHA1",
        "AES-256-CBC-HMAC-SHA1", "AES-128-CBC-HMAC-SHA256", "AES-256-CBC-HMAC-SHA256",
        "AES-128-CBC", "AES-256-CBC"}) {
    f.hold(EVP_CIPHER_fetch(nullptr, name, nullptr));
  }
  for (const char* name : {"SHA256", "SHA384", "SHA512", "SHA1", "MD5-SHA1"}) {
    f.hold(EVP_MD_fetch(nullptr, name, nullptr));
  }
  f.hold(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  for (const char* name : {"HKDF", "TLS13-KDF", "TLS1-PRF"})
    f.hold(EVP_KDF_fetch(nullptr, name, nullptr));
  for (const char* name : {"EC", "RSA", "RSA-PSS", "X25519", "X448", "ED25519", "DH", "HMAC"}) {
    f.hold(EVP_KEYMGMT_fetch(nullptr, name, nullptr));
  }
  for (const char* name : {"ECDSA", "RSA", "ED25519"})
    f.hold(EVP_SIGNATURE_fetch(nullptr, name, nullptr));
  for (const char* name : {"ECDH", "X25519", "X448", "DH"}) {
    f.hold(EVP_KEYEXCH_fetch(nullptr, name, nullptr));
  }
  f.hold(EVP_RAND_fetch(nullptr, "CTR-DRBG", nullptr));
  f.done = true;
}

}  // namespace

void prefetch_algorithms() {
  std::call_once(once, fetch_all);
}

bool algorithms_prefetched() {
  return fetched().done;
}

const EVP_CIPHER* ticket_cipher(int key_bytes) {
  const Fetched& f = fetched();
  if (key_bytes == 16) return f.aes128_cbc ? f.aes128_cbc : EVP_aes_128_cbc();
  return f.aes256_cbc ? f.aes256_cbc : EVP_aes_256_cbc();
}

}  // namespace mpmd::tls
