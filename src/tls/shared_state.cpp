#include "tls/shared_state.hpp"

#include <openssl/rand.h>
#include <sys/mman.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>

#include "util/clock.hpp"

namespace mpmd::tls {

namespace {

// A key as words, so readers copy it with atomic loads (no torn reads, no
// data race for the sanitizers). The writer stores with release and readers
// load with acquire, rather than relaxed accesses and fences (which
// ThreadSanitizer does not support): a reader that sees a word of a new key
// then sees the odd sequence the writer set before it, and retries.
constexpr size_t kKeyWords = 11;  // 16 + 32 + 32 + 2 bytes, rounded up to 8

struct KeyWords {
  std::array<std::atomic<uint64_t>, kKeyWords> w;
};

void to_words(const TicketKey& k, KeyWords& out) {
  unsigned char bytes[kKeyWords * 8] = {};
  std::memcpy(bytes, k.name.data(), 16);
  std::memcpy(bytes + 16, k.hmac.data(), 32);
  std::memcpy(bytes + 48, k.aes.data(), 32);
  bytes[80] = k.hmac_bytes;
  bytes[81] = k.aes_bytes;
  for (size_t i = 0; i < kKeyWords; ++i) {
    uint64_t v;
    std::memcpy(&v, bytes + i * 8, 8);
    out.w[i].store(v, std::memory_order_release);
  }
}

TicketKey from_words(const KeyWords& in) {
  unsigned char bytes[kKeyWords * 8];
  for (size_t i = 0; i < kKeyWords; ++i) {
    uint64_t v = in.w[i].load(std::memory_order_acquire);
    std::memcpy(bytes + i * 8, &v, 8);
  }
  TicketKey k;
  std::memcpy(k.name.data(), bytes, 16);
  std::memcpy(k.hmac.data(), bytes + 16, 32);
  std::memcpy(k.aes.data(), bytes + 48, 32);
  k.hmac_bytes = bytes[80];
  k.aes_bytes = bytes[81];
  return k;
}

bool random_key(TicketKey& k) {
  return RAND_bytes(k.name.data(), 16) == 1 && RAND_bytes(k.hmac.data(), 32) == 1 &&
         RAND_bytes(k.aes.data(), 32) == 1;
}

// mod_ssl's 48-byte file (name, HMAC secret, AES-128 key) or nginx's 80-byte
// one (name, HMAC, AES-256 key... nginx orders name, AES, HMAC; we follow
// mod_ssl's order for both sizes).
bool read_key_file(const std::string& file, TicketKey& k, std::string& error) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = "cannot read " + file + ": " + std::strerror(errno);
    return false;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() != 48 && bytes.size() != 80) {
    error = file + " holds " + std::to_string(bytes.size()) +
            " bytes; a ticket key file has 48 (mod_ssl: name, HMAC and AES-128 keys, 16 each) "
            "or 80 (16 + 32 + 32)";
    return false;
  }
  size_t part = bytes.size() == 48 ? 16 : 32;
  std::memcpy(k.name.data(), bytes.data(), 16);
  std::memcpy(k.hmac.data(), bytes.data() + 16, part);
  std::memcpy(k.aes.data(), bytes.data() + 16 + part, part);
  k.hmac_bytes = uint8_t(part);
  k.aes_bytes = uint8_t(part);
  return true;
}

}  // namespace

struct TicketKeys::Shared {
  std::atomic<uint64_t> sequence;  // odd while the master writes
  std::atomic<uint64_t> rotations;
  std::atomic<int64_t> made_at;   // wall seconds of the current key
  std::atomic<uint32_t> current;  // 0 or 1: which slot is current
  std::atomic<uint32_t> has_previous;
  KeyWords slots[2];
};

std::unique_ptr<TicketKeys> TicketKeys::create(const std::string& file, std::string& error) {
  void* p =
      mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    error = std::string("ticket keys: mmap: ") + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<TicketKeys> keys(new TicketKeys());
  keys->shared_ = new (p) Shared();
  if (!keys->reload(file, error)) return nullptr;
  return keys;
}

TicketKeys::~TicketKeys() {
  if (shared_) munmap(shared_, sizeof(Shared));
}

bool TicketKeys::reload(const std::string& file, std::string& error) {
  TicketKey k;
  if (!file.empty()) {
    if (!read_key_file(file, k, error)) return false;
    from_file_ = true;
    // A file's key replaces everything: the operator rotates the file.
    publish(k, false);
    return true;
  }
  if (from_file_ || shared_->rotations.load() == 0) {
    // Keys made here are kept across graceful restarts: only a change from a
    // file (or the first start) makes a new one.
    if (!random_key(k)) {
      error = "ticket keys: no random bytes";
      return false;
    }
    publish(k, false);
  }
  from_file_ = false;
  return true;
}

void TicketKeys::publish(const TicketKey& key, bool keep_previous) {
  Shared& s = *shared_;
  uint32_t next = keep_previous ? 1 - s.current.load(std::memory_order_relaxed)
                                : s.current.load(std::memory_order_relaxed);
  s.sequence.fetch_add(1, std::memory_order_acq_rel);  // odd: readers retry
  to_words(key, s.slots[next]);
  s.current.store(next, std::memory_order_release);
  s.has_previous.store(keep_previous ? 1 : 0, std::memory_order_release);
  s.made_at.store(util::wall_usec() / 1'000'000, std::memory_order_relaxed);
  s.rotations.fetch_add(1, std::memory_order_relaxed);
  s.sequence.fetch_add(1, std::memory_order_release);
}

bool TicketKeys::rotate_if_due(std::chrono::seconds rotation, int64_t now_seconds) {
  if (from_file_) return false;
  if (now_seconds - shared_->made_at.load(std::memory_order_relaxed) < rotation.count()) {
    return false;
  }
  TicketKey k;
  if (!random_key(k)) return false;
  publish(k, true);
  return true;
}

TicketKey TicketKeys::current() const {
  const Shared& s = *shared_;
  while (true) {
    uint64_t before = s.sequence.load(std::memory_order_acquire);
    if (before & 1) continue;
    TicketKey k = from_words(s.slots[s.current.load(std::memory_order_acquire)]);
    if (s.sequence.load(std::memory_order_relaxed) == before) return k;
  }
}

bool TicketKeys::find(const unsigned char* name, TicketKey& out, bool& is_current) const {
  const Shared& s = *shared_;
  while (true) {
    uint64_t before = s.sequence.load(std::memory_order_acquire);
    if (before & 1) continue;
    uint32_t cur = s.current.load(std::memory_order_acquire);
    bool previous = s.has_previous.load(std::memory_order_acquire) != 0;
    TicketKey a = from_words(s.slots[cur]);
    TicketKey b = from_words(s.slots[1 - cur]);
    if (s.sequence.load(std::memory_order_relaxed) != before) continue;
    if (std::memcmp(a.name.data(), name, 16) == 0) {
      out = a;
      is_current = true;
      return true;
    }
    if (previous && std::memcmp(b.name.data(), name, 16) == 0) {
      out = b;
      is_current = false;
      return true;
    }
    return false;
  }
}

uint64_t TicketKeys::rotations() const {
  return shared_->rotations.load(std::memory_order_relaxed);
}

std::unique_ptr<SessionCache> SessionCache::create(uint64_t bytes, std::string& error) {
  session::ShmOptions o;
  o.slots = std::max<size_t>(16, size_t(bytes / kValueBytes));
  o.value_size = kValueBytes;
  o.lock_timeout = std::chrono::milliseconds(200);
  auto table = session::ShmTable::create(o, error);
  if (!table) return nullptr;
  auto cache = std::make_unique<SessionCache>();
  cache->table_ = std::move(table);
  cache->bytes_ = bytes;
  return cache;
}

namespace {
// The table's keys are 32 bytes; TLS session IDs are at most 32 (padded).
std::string key_of(const unsigned char* id, unsigned length) {
  std::string key(kSessionIdLength, '\0');
  std::memcpy(key.data(), id, std::min<size_t>(length, key.size()));
  return key;
}
}  // namespace

bool SessionCache::put(const unsigned char* id, unsigned id_length, const std::string& der,
                       std::chrono::seconds timeout) {
  if (der.size() > kValueBytes) return false;
  util::Usec now = util::monotonic_usec();
  return bool(
      table_->put(key_of(id, id_length), der, now + util::Usec(timeout.count()) * 1'000'000, now));
}

bool SessionCache::get(const unsigned char* id, unsigned id_length, std::string& der) {
  return bool(table_->get(key_of(id, id_length), der, util::monotonic_usec()));
}

void SessionCache::remove(const unsigned char* id, unsigned id_length) {
  (void)table_->del(key_of(id, id_length));
}

}  // namespace mpmd::tls
