// OpenSSL 3 looks algorithms up by name ("fetches" them) under global locks;
// a threaded server's handshakes then queue on those locks. Fetching every
// algorithm TLS uses once, in the master before it forks, fills OpenSSL's
// method caches for every child and keeps them alive, and the ticket
// callback uses its ciphers pre-fetched instead of fetching per handshake.
#pragma once

#include <openssl/evp.h>

namespace mpmd::tls {

// Fetches the algorithms once (idempotent, thread-safe). With the
// environment variable MPMD_TLS_NO_PREFETCH=1 it does nothing: the
// benchmark's "before" row of the OpenSSL 3 mitigation.
void prefetch_algorithms();
bool algorithms_prefetched();

// AES-128-CBC or AES-256-CBC (by key length) for session tickets:
// pre-fetched, or fetched implicitly when prefetching is off.
const EVP_CIPHER* ticket_cipher(int key_bytes);

}  // namespace mpmd::tls
