#include "handlers/compress/codec.hpp"

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

namespace mpmd::compress {

namespace {

constexpr size_t kOutStep = 16 * 1024;

class GzipEncoder final : public Encoder {
 public:
  explicit GzipEncoder(int level) {
    // windowBits 15 + 16: a gzip header and trailer (RFC 1952), as mod_deflate sends.
    ok_ = deflateInit2(&z_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~GzipEncoder() override {
    if (ok_) deflateEnd(&z_);
  }
  bool ok() const { return ok_; }

  bool write(std::string_view in, Op op, std::string& out) override {
    int flush = op == Op::finish ? Z_FINISH : op == Op::flush ? Z_SYNC_FLUSH : Z_NO_FLUSH;
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = uInt(in.size());
    for (;;) {
      size_t start = out.size();
      out.resize(start + kOutStep);
      z_.next_out = reinterpret_cast<Bytef*>(out.data() + start);
      z_.avail_out = uInt(kOutStep);
      int rc = deflate(&z_, flush);
      out.resize(out.size() - z_.avail_out);
      if (rc == Z_STREAM_END) return true;
      if (rc != Z_OK && rc != Z_BUF_ERROR) return false;
      // Done once the input is consumed and the output was not full.
      if (z_.avail_in == 0 && z_.avail_out != 0 && op != Op::finish) return true;
      if (rc == Z_BUF_ERROR && z_.avail_out != 0) return op != Op::finish;
    }
  }

 private:
  z_stream z_{};
  bool ok_ = false;
};

class BrotliEncoder final : public Encoder {
 public:
  explicit BrotliEncoder(int quality) : s_(BrotliEncoderCreateInstance(nullptr, nullptr, nullptr)) {
    if (s_) BrotliEncoderSetParameter(s_, BROTLI_PARAM_QUALITY, uint32_t(quality));
  }
  ~BrotliEncoder() override {
    if (s_) BrotliEncoderDestroyInstance(s_);
  }
  bool ok() const { return s_ != nullptr; }

  bool write(std::string_view in, Op op, std::string& out) override {
    BrotliEncoderOperation bop = op == Op::finish  ? BROTLI_OPERATION_FINISH
                                 : op == Op::flush ? BROTLI_OPERATION_FLUSH
                                                   : BROTLI_OPERATION_PROCESS;
    size_t avail_in = in.size();
    const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
    for (;;) {
      size_t start = out.size();
      out.resize(start + kOutStep);
      size_t avail_out = kOutStep;
      uint8_t* next_out = reinterpret_cast<uint8_t*>(out.data() + start);
      if (!BrotliEncoderCompressStream(s_, bop, &avail_in, &next_in, &avail_out, &next_out,
                                       nullptr)) {
        out.resize(start);
        return false;
      }
      out.resize(out.size() - avail_out);
      if (avail_in == 0 && !BrotliEncoderHasMoreOutput(s_)) {
        if (op == Op::finish && !BrotliEncoderIsFinished(s_)) continue;
        return true;
      }
    }
  }

 private:
  BrotliEncoderState* s_;
};

class ZstdEncoder final : public Encoder {
 public:
  explicit ZstdEncoder(int level) : c_(ZSTD_createCCtx()) {
    if (c_) ZSTD_CCtx_setParameter(c_, ZSTD_c_compressionLevel, level);
  }
  ~ZstdEncoder() override { ZSTD_freeCCtx(c_); }
  bool ok() const { return c_ != nullptr; }

  bool write(std::string_view in, Op op, std::string& out) override {
    ZSTD_EndDirective mode = op == Op::finish  ? ZSTD_e_end
                             : op == Op::flush ? ZSTD_e_flush
                                               : ZSTD_e_continue;
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    for (;;) {
      size_t start = out.size();
      out.resize(start + kOutStep);
      ZSTD_outBuffer output{out.data() + start, kOutStep, 0};
      size_t left = ZSTD_compressStream2(c_, &output, &input, mode);
      out.resize(start + output.pos);
      if (ZSTD_isError(left)) return false;
      if (mode == ZSTD_e_continue ? input.pos == input.size : left == 0) return true;
    }
  }

 private:
  ZSTD_CCtx* c_;
};

}  // namespace

std::unique_ptr<Encoder> make_encoder(Coding coding, const Levels& levels) {
  switch (coding) {
    case Coding::gzip: {
      auto e = std::make_unique<GzipEncoder>(levels.gzip);
      if (e->ok()) return e;
      break;
    }
    case Coding::br: {
      auto e = std::make_unique<BrotliEncoder>(levels.brotli);
      if (e->ok()) return e;
      break;
    }
    case Coding::zstd: {
      auto e = std::make_unique<ZstdEncoder>(levels.zstd);
      if (e->ok()) return e;
      break;
    }
    case Coding::identity:
      break;
  }
  return nullptr;
}

bool encode(Coding coding, const Levels& levels, std::string_view in, std::string& out) {
  out.clear();
  switch (coding) {
    case Coding::gzip: {
      GzipEncoder e(levels.gzip);
      if (!e.ok()) return false;
      out.reserve(size_t(compressBound(uLong(in.size()))) + 32);
      return e.write(in, Encoder::Op::finish, out);
    }
    case Coding::br: {
      size_t size = BrotliEncoderMaxCompressedSize(in.size());
      if (size == 0) size = in.size() + 1024;
      out.resize(size);
      bool ok = BrotliEncoderCompress(levels.brotli, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC,
                                      in.size(), reinterpret_cast<const uint8_t*>(in.data()), &size,
                                      reinterpret_cast<uint8_t*>(out.data()));
      out.resize(ok ? size : 0);
      return ok;
    }
    case Coding::zstd: {
      out.resize(ZSTD_compressBound(in.size()));
      size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), levels.zstd);
      if (ZSTD_isError(n)) return false;
      out.resize(n);
      return true;
    }
    case Coding::identity:
      break;
  }
  return false;
}

}  // namespace mpmd::compress
