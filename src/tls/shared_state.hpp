// What every child's TLS shares through memory the master maps before it
// forks: the session cache (SSLSessionCache shmcb) and the session ticket
// keys. Both outlive graceful restarts (the master keeps them), so a client
// resumes on any child of any generation.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "session/shm_table.hpp"
#include "util/result.hpp"

namespace mpmd::tls {

// One ticket key: 16 bytes of name, an HMAC-SHA256 key and an AES-CBC key
// (AES-256 for keys the master makes; a 48-byte SSLSessionTicketKeyFile has
// 16-byte HMAC and AES-128 keys, as mod_ssl's).
struct TicketKey {
  std::array<unsigned char, 16> name{};
  std::array<unsigned char, 32> hmac{};
  std::array<unsigned char, 32> aes{};
  uint8_t hmac_bytes = 32;
  uint8_t aes_bytes = 32;
};

// The current and the previous ticket key in shared memory. The master writes
// (a new key each rotation); children read from any thread without a lock
// (a sequence counter: a reader that raced a rotation reads again), so a
// child killed mid-read leaves nothing locked.
class TicketKeys {
 public:
  // Master-made keys (random), or the key in `file` (48 or 80 bytes). Null
  // and `error` on failure.
  static std::unique_ptr<TicketKeys> create(const std::string& file, std::string& error);
  ~TicketKeys();
  TicketKeys(const TicketKeys&) = delete;
  TicketKeys& operator=(const TicketKeys&) = delete;

  // Master: makes a new current key when `rotation` has passed since the
  // last one (never for a key file). True when it rotated.
  bool rotate_if_due(std::chrono::seconds rotation, int64_t now_seconds);
  // Master, at a graceful restart: the file (or its absence) may have changed.
  bool reload(const std::string& file, std::string& error);

  TicketKey current() const;
  // The key named `name`; whether it is the current one. False if none.
  bool find(const unsigned char* name, TicketKey& out, bool& is_current) const;
  uint64_t rotations() const;

 private:
  TicketKeys() = default;
  struct Shared;
  void publish(const TicketKey& key, bool keep_previous);
  Shared* shared_ = nullptr;
  bool from_file_ = false;
};

// SSLSessionCache shmcb: OpenSSL's external session cache over the shared
// hash table of src/session (fixed slots of kValueBytes; a larger session,
// rare, is not cached).
class SessionCache {
 public:
  static constexpr size_t kValueBytes = 2048;
  static std::unique_ptr<SessionCache> create(uint64_t bytes, std::string& error);
  uint64_t bytes() const { return bytes_; }

  bool put(const unsigned char* id, unsigned id_length, const std::string& der,
           std::chrono::seconds timeout);
  bool get(const unsigned char* id, unsigned id_length, std::string& der);
  void remove(const unsigned char* id, unsigned id_length);

 private:
  std::shared_ptr<session::ShmTable> table_;
  uint64_t bytes_ = 0;
};

}  // namespace mpmd::tls
