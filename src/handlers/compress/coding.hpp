// Content codings mpmd compresses with, and how a client's Accept-Encoding
// picks one (RFC 9110 12.5.3): q-values, "*", "identity", "x-gzip".
#pragma once

#include <cstdint>
#include <string_view>

#include "http/request.hpp"

namespace mpmd::compress {

enum class Coding : uint8_t { identity, gzip, br, zstd };

// Bits of config::Compress::encodings.
constexpr unsigned kGzipBit = 1u << 0;
constexpr unsigned kBrBit = 1u << 1;
constexpr unsigned kZstdBit = 1u << 2;
constexpr unsigned kAllCodings = kGzipBit | kBrBit | kZstdBit;
constexpr unsigned bit_of(Coding c) {
  return c == Coding::gzip ? kGzipBit : c == Coding::br ? kBrBit : c == Coding::zstd ? kZstdBit : 0;
}

// The Content-Encoding token ("gzip", "br", "zstd"; "" for identity).
std::string_view token(Coding c);
// What the ETag gets inside its quotes ("-gzip", as Apache's mod_deflate; "-br", "-zstd").
std::string_view etag_suffix(Coding c);
// The file name suffix of a precompressed sidecar (".gz", ".br", ".zst").
std::string_view file_suffix(Coding c);

// The weights (0..1000) one Accept-Encoding value gives the codings we know.
// A coding the value does not name gets the weight of "*" if present, else 0.
// Elements with a malformed weight are ignored. One pass, no allocation: a
// hostile list costs its length (bounded by LimitRequestFieldSize).
struct Weights {
  int gzip = -1, br = -1, zstd = -1, star = -1;  // -1: not named
  int of(Coding c) const;
};
void add_weights(std::string_view value, Weights& weights);

// The coding the client prefers among `enabled` (bits, kGzipBit...): the
// highest weight above 0; ties go br > zstd > gzip. identity when the request
// has no Accept-Encoding field (as Apache and nginx), or nothing enabled is
// acceptable. Every Accept-Encoding field of the request counts.
Coding choose(const http::Headers& headers, unsigned enabled);
Coding choose(std::string_view accept_encoding, unsigned enabled);

}  // namespace mpmd::compress
