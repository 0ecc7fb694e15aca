// gzip (zlib), brotli (libbrotlienc) and zstd (libzstd) encoders: one call
// for bytes already in memory, and a streaming Encoder that holds only its
// codec's window for bodies produced piece by piece.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "handlers/compress/coding.hpp"

namespace mpmd::compress {

struct Levels {
  int gzip = 6;    // 1..9
  int brotli = 5;  // 0..11
  int zstd = 3;    // 1..19
};

// The whole of `in` encoded with `coding` (not identity); false if the codec failed.
bool encode(Coding coding, const Levels& levels, std::string_view in, std::string& out);

class Encoder {
 public:
  enum class Op {
    process,  // more input follows: output may lag behind
    flush,    // the input so far can be decoded from what is appended
    finish,   // no more input: the stream is closed
  };
  virtual ~Encoder() = default;
  // Appends what encoding `in` produces to `out`; false if the codec failed.
  virtual bool write(std::string_view in, Op op, std::string& out) = 0;
};

// Null if the codec cannot be set up (out of memory) or `coding` is identity.
std::unique_ptr<Encoder> make_encoder(Coding coding, const Levels& levels);

}  // namespace mpmd::compress
