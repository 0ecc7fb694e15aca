#include "handlers/compress/coding.hpp"

#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <string>

#include "config/parser.hpp"
#include "handlers/compress/codec.hpp"
#include "handlers/compress/directives.hpp"
#include "handlers/compress/filter.hpp"
#include "handlers/compress/policy.hpp"
#include "handlers/compress/stream.hpp"

namespace mpmd::compress {
namespace {

Coding pick(std::string_view ae, unsigned enabled = kAllCodings) {
  return choose(ae, enabled);
}

TEST(AcceptEncoding, PlainTokensAndTies) {
  EXPECT_EQ(pick("gzip"), Coding::gzip);
  EXPECT_EQ(pick("gzip, br"), Coding::br);  // tie: br > zstd > gzip
  EXPECT_EQ(pick("gzip, zstd"), Coding::zstd);
  EXPECT_EQ(pick("zstd, br, gzip"), Coding::br);
  EXPECT_EQ(pick("GZIP"), Coding::gzip);
  EXPECT_EQ(pick("x-gzip"), Coding::gzip);
  EXPECT_EQ(pick("deflate, compress"), Coding::identity);
  EXPECT_EQ(pick(""), Coding::identity);
  EXPECT_EQ(pick("identity"), Coding::identity);
}

TEST(AcceptEncoding, QValuesChoose) {
  EXPECT_EQ(pick("gzip;q=1.0, br;q=0.5"), Coding::gzip);
  EXPECT_EQ(pick("gzip;q=0.8, br;q=0.9"), Coding::br);
  EXPECT_EQ(pick("gzip;q=0"), Coding::identity);
  EXPECT_EQ(pick("br;q=0, gzip"), Coding::gzip);
  EXPECT_EQ(pick("gzip ; q=0.001"), Coding::gzip);
  EXPECT_EQ(pick("gzip;Q=0.5"), Coding::gzip);
  EXPECT_EQ(pick("gzip;q=0.5;foo=bar, zstd;q=0.4"), Coding::gzip);
}

TEST(AcceptEncoding, StarAndIdentity) {
  EXPECT_EQ(pick("*"), Coding::br);
  EXPECT_EQ(pick("*;q=0"), Coding::identity);
  EXPECT_EQ(pick("*;q=0, gzip"), Coding::gzip);
  EXPECT_EQ(pick("br;q=0, *"), Coding::zstd);
  EXPECT_EQ(pick("identity;q=0"), Coding::identity);  // nothing else offered: as it is
  EXPECT_EQ(pick("identity;q=0, gzip"), Coding::gzip);
}

TEST(AcceptEncoding, MalformedWeightsIgnoreTheElement) {
  EXPECT_EQ(pick("gzip;q=2"), Coding::identity);
  EXPECT_EQ(pick("gzip;q=1.5"), Coding::identity);
  EXPECT_EQ(pick("gzip;q=-1"), Coding::identity);
  EXPECT_EQ(pick("gzip;q=0.0001"), Coding::identity);
  EXPECT_EQ(pick("gzip;q=abc, br"), Coding::br);
  EXPECT_EQ(pick("gzip;q="), Coding::identity);
  EXPECT_EQ(pick("gzip;q"), Coding::identity);
  EXPECT_EQ(pick(",,, ,gzip,,"), Coding::gzip);
  EXPECT_EQ(pick(";;;"), Coding::identity);
}

TEST(AcceptEncoding, HugeListsAreReadToTheEnd) {
  std::string many;
  for (size_t i = 0; i < 2000; ++i) many += "x" + std::to_string(i) + ";q=0.5, ";
  EXPECT_EQ(pick(many + "gzip"), Coding::gzip);
  EXPECT_EQ(pick("gzip;q=0.1, " + many + "gzip;q=0"), Coding::gzip);  // the highest weight
  std::string huge(100000, ',');
  EXPECT_EQ(pick(huge + "br"), Coding::br);
  EXPECT_EQ(pick(std::string(100000, 'g') + ", zstd"), Coding::zstd);
}

TEST(AcceptEncoding, OnlyEnabledCodings) {
  EXPECT_EQ(pick("br, gzip", kGzipBit), Coding::gzip);
  EXPECT_EQ(pick("br", kGzipBit | kZstdBit), Coding::identity);
  EXPECT_EQ(pick("*", kZstdBit), Coding::zstd);
  EXPECT_EQ(pick("gzip", 0), Coding::identity);
}

TEST(AcceptEncoding, EveryFieldCountsAndNoFieldMeansIdentity) {
  http::Headers h;
  EXPECT_EQ(choose(h, kAllCodings), Coding::identity);
  h.add("Accept-Encoding", "gzip;q=0.5");
  h.add("accept-encoding", "zstd");
  EXPECT_EQ(choose(h, kAllCodings), Coding::zstd);
}

TEST(Eligibility, MirrorsModDeflate) {
  EXPECT_TRUE(eligible({.status = 200, .length = 100}));
  EXPECT_TRUE(eligible({.status = 200}));  // unknown length: streamed
  EXPECT_TRUE(eligible({.status = 200, .content_encoding = "identity", .length = 69}));
  EXPECT_FALSE(eligible({.status = 200, .length = 68}));  // tiny
  EXPECT_FALSE(eligible({.status = 204}));
  EXPECT_FALSE(eligible({.status = 206, .length = 1000}));
  EXPECT_FALSE(eligible({.status = 304}));
  EXPECT_FALSE(eligible({.status = 404, .length = 1000}));
  EXPECT_FALSE(eligible({.status = 200, .content_encoding = "gzip", .length = 1000}));
  EXPECT_FALSE(eligible({.status = 200, .cache_control = "public, No-Transform", .length = 1000}));
  EXPECT_FALSE(eligible({.status = 200, .content_range = true, .length = 1000}));
}

TEST(Headers, EtagSuffixAndVary) {
  EXPECT_EQ(tagged_etag("\"1c-5f\"", Coding::gzip), "\"1c-5f-gzip\"");
  EXPECT_EQ(tagged_etag("W/\"x\"", Coding::br), "W/\"x-br\"");
  EXPECT_EQ(tagged_etag("\"x\"", Coding::zstd), "\"x-zstd\"");
  EXPECT_EQ(tagged_etag("", Coding::gzip), "");
  http::Response r;
  add_vary(r);
  add_vary(r);
  EXPECT_EQ(r.header("Vary"), "Accept-Encoding");
  http::Response r2;
  r2.add_header("Vary", "Cookie");
  add_vary(r2);
  EXPECT_EQ(r2.header("Vary"), "Cookie, Accept-Encoding");
  EXPECT_EQ(media_type("Text/HTML; charset=utf-8"), "text/html");
}

std::string gunzip(const std::string& in) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string out(8u << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  int rc = inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "<bad gzip>";
}

std::string decode(Coding c, const std::string& in) {
  if (c == Coding::gzip) return gunzip(in);
  std::string out(8u << 20, '\0');
  if (c == Coding::zstd) {
    size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
    if (ZSTD_isError(n)) return "<bad zstd>";
    out.resize(n);
    return out;
  }
  size_t n = out.size();
  if (BrotliDecoderDecompress(in.size(), reinterpret_cast<const uint8_t*>(in.data()), &n,
                              reinterpret_cast<uint8_t*>(out.data())) !=
      BROTLI_DECODER_RESULT_SUCCESS)
    return "<bad br>";
  out.resize(n);
  return out;
}

std::string sample(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i)
    s += "<p>line " + std::to_string(i * 7919 % 1000) + "</p>\n";
  s.resize(n);
  return s;
}

TEST(Codec, EachCodingRoundTrips) {
  for (Coding c : {Coding::gzip, Coding::br, Coding::zstd}) {
    for (size_t n : {size_t(0), size_t(1), size_t(100), size_t(300000)}) {
      std::string in = sample(n), out;
      ASSERT_TRUE(encode(c, {}, in, out)) << token(c);
      EXPECT_TRUE(decode(c, out) == in) << token(c) << " " << n;
      if (n >= 100000) {
        EXPECT_LT(out.size(), in.size() / 3);
      }
    }
  }
}

// A stream that gives its text in pieces, saying "again" between them.
class Pieces final : public http::BodySource {
 public:
  explicit Pieces(std::vector<std::string> parts) : parts_(std::move(parts)) {}
  Pull pull(std::string& out, size_t max, const std::shared_ptr<http::Waker>&) override {
    if (wait_) {
      wait_ = false;
      return Pull::again;
    }
    wait_ = true;
    if (i_ == parts_.size()) return Pull::end;
    std::string& p = parts_[i_];
    size_t n = std::min(max, p.size());
    out.append(p, 0, n);
    p.erase(0, n);
    if (p.empty()) ++i_;
    return i_ == parts_.size() ? Pull::end : Pull::data;
  }

 private:
  std::vector<std::string> parts_;
  size_t i_ = 0;
  bool wait_ = false;
};

TEST(CompressingSource, MemoryThenStreamInBoundedPieces) {
  for (Coding c : {Coding::gzip, Coding::br, Coding::zstd}) {
    std::string head = sample(5000), a = sample(40000), b = sample(123);
    http::Body body;
    body.append(head);
    body.append_stream(std::make_shared<Pieces>(std::vector<std::string>{a, b}));
    ASSERT_TRUE(compress_body(body, c, {}, 4096));
    ASSERT_TRUE(body.has_stream());
    std::string wire;
    for (int i = 0; i < 10000; ++i) {
      std::string out;
      auto p = body.stream()->pull(out, 1000, nullptr);
      EXPECT_LE(out.size(), 1000u);
      wire += out;
      if (p == http::BodySource::Pull::end) break;
      ASSERT_NE(p, http::BodySource::Pull::error);
    }
    EXPECT_TRUE(decode(c, wire) == head + a + b) << token(c);
  }
}

// A producer that has given some bytes and now waits.
class Stalled final : public http::BodySource {
 public:
  Pull pull(std::string& out, size_t, const std::shared_ptr<http::Waker>&) override {
    if (given_) return Pull::again;
    given_ = true;
    out = "event: tick\ndata: 1\n\n";
    return Pull::data;
  }

 private:
  bool given_ = false;
};

TEST(CompressingSource, WhatAWaitingProducerGaveIsFlushed) {
  http::Body body;
  body.append_stream(std::make_shared<Stalled>());
  ASSERT_TRUE(compress_body(body, Coding::gzip, {}, 8096, true));
  std::string wire;
  auto p = http::BodySource::Pull::data;
  for (int i = 0; i < 10 && p == http::BodySource::Pull::data; ++i) {
    p = body.stream()->pull(wire, 65536, nullptr);
  }
  EXPECT_EQ(p, http::BodySource::Pull::again);
  // The bytes so far decode to what the producer gave (a sync flush).
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string plain(1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(wire.data());
  z.avail_in = uInt(wire.size());
  z.next_out = reinterpret_cast<Bytef*>(plain.data());
  z.avail_out = uInt(plain.size());
  inflate(&z, Z_SYNC_FLUSH);
  plain.resize(z.total_out);
  inflateEnd(&z);
  EXPECT_EQ(plain, "event: tick\ndata: 1\n\n");
}

TEST(CompressBody, MemoryBodiesGetALength) {
  http::Body body;
  std::string a = sample(3000), b = sample(2000);
  body.append(a);
  body.append(b);
  ASSERT_TRUE(compress_body(body, Coding::gzip, {}, 8096));
  ASSERT_FALSE(body.has_stream());
  ASSERT_TRUE(body.length());
  EXPECT_EQ(gunzip(std::string(body.segments()[0].bytes())), a + b);
}

config::ParseResult parse(const std::string& text) {
  config::Parser parser({directives()});
  return parser.parse_text(text, "/tmp/compress-test.conf", "/tmp");
}

TEST(Directives, DebianDeflateConfAndSections) {
  auto r = parse(
      "AddOutputFilterByType DEFLATE text/html Text/Plain\n"
      "AddOutputFilterByType DEFLATE;INCLUDES application/json\n"
      "DeflateCompressionLevel 9\n"
      "DeflateBufferSize 16384\n"
      "CompressEncodings gzip zstd\n"
      "<Location /api>\n"
      "  SetOutputFilter DEFLATE\n"
      "</Location>\n"
      "<Location /raw>\n"
      "  SetOutputFilter INCLUDES\n"
      "</Location>\n"
      "<Directory /srv/www/pre>\n"
      "  CompressStatic On\n"
      "  AddOutputFilterByType DEFLATE image/svg+xml\n"
      "</Directory>\n");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0]);
  const config::Compress& c = r.config.compress;
  EXPECT_EQ(c.types, (std::vector<std::string>{"text/html", "text/plain", "application/json"}));
  EXPECT_EQ(c.gzip_level, 9);
  EXPECT_EQ(c.buffer_size, 16384u);
  EXPECT_EQ(c.encodings, kGzipBit | kZstdBit);
  ASSERT_EQ(c.sections.size(), 3u);

  config::StaticFiles files;
  files.document_root = "/srv/www";
  Policy p(c, files, {});
  EXPECT_TRUE(p.active());
  EXPECT_TRUE(p.filters("/index.html", "text/html; charset=utf-8"));
  EXPECT_FALSE(p.filters("/a.png", "image/png"));
  EXPECT_TRUE(p.filters("/api/x", "image/png"));  // SetOutputFilter DEFLATE
  EXPECT_FALSE(p.filters("/apix", "image/png"));  // <Location> prefix rule
  EXPECT_TRUE(p.filters("/raw/x", "text/html"));  // by type still
  EXPECT_TRUE(p.filters("/pre/a.svg", "image/svg+xml"));
  EXPECT_FALSE(p.filters("/a.svg", "image/svg+xml"));
  EXPECT_TRUE(p.precompressed("/pre/a.js"));
  EXPECT_FALSE(p.precompressed("/a.js"));
  EXPECT_EQ(p.encodings(), kGzipBit | kZstdBit);
  EXPECT_EQ(p.levels().gzip, 9);
}

TEST(Directives, PerVirtualHost) {
  auto r = parse(
      "AddOutputFilterByType DEFLATE text/html\n"
      "<VirtualHost *:80>\n"
      "  ServerName a.test\n"
      "  AddOutputFilterByType DEFLATE text/css\n"
      "  CompressEncodings gzip\n"
      "  <Location /all>\n"
      "    SetOutputFilter DEFLATE\n"
      "  </Location>\n"
      "</VirtualHost>\n"
      "<VirtualHost *:80>\n"
      "  ServerName b.test\n"
      "</VirtualHost>\n");
  ASSERT_TRUE(r.ok) << (r.errors.empty() ? "" : r.errors[0]);
  ASSERT_EQ(r.config.virtual_hosts.size(), 2u);
  const config::Compress& a = r.config.virtual_hosts[0].site.compress;
  const config::Compress& b = r.config.virtual_hosts[1].site.compress;
  EXPECT_EQ(a.types, (std::vector<std::string>{"text/html", "text/css"}));
  EXPECT_EQ(a.encodings, kGzipBit);
  Policy pa(a, {}, {});
  EXPECT_TRUE(pa.filters("/all/x.png", "image/png"));
  EXPECT_EQ(b.types, (std::vector<std::string>{"text/html"}));
  EXPECT_EQ(b.encodings, kAllCodings);
  EXPECT_FALSE(Policy(b, {}, {}).filters("/all/x.png", "image/png"));
  EXPECT_TRUE(r.config.compress.sections.empty());
}

TEST(Directives, BadValuesAndNothingConfigured) {
  EXPECT_FALSE(parse("DeflateCompressionLevel 10\n").ok);
  EXPECT_FALSE(parse("CompressEncodings gzip lzma\n").ok);
  EXPECT_FALSE(parse("AddOutputFilterByType DEFLATE html\n").ok);
  auto r = parse("AddOutputFilterByType INCLUDES text/html\n");
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(Policy(r.config.compress, {}, {}).active());
  EXPECT_FALSE(r.warnings.empty());
}

TEST(Filter, ApplicationResponses) {
  config::Compress c;
  c.types = {"text/plain"};
  Policy p(c, {}, {});
  http::Request req;
  req.path = "/app";
  req.headers.add("Accept-Encoding", "gzip");
  http::Response r;
  r.add_header("Content-Type", "text/plain");
  r.add_header("ETag", "\"v1\"");
  std::string text = sample(1000);
  r.body.append(text);
  filter_response(p, req, r);
  EXPECT_EQ(r.header("Content-Encoding"), "gzip");
  EXPECT_EQ(r.header("Vary"), "Accept-Encoding");
  EXPECT_EQ(r.header("ETag"), "\"v1-gzip\"");
  EXPECT_EQ(gunzip(std::string(r.body.segments()[0].bytes())), text);

  http::Response small;  // tiny: untouched, no Vary
  small.add_header("Content-Type", "text/plain");
  small.body.append("short");
  filter_response(p, req, small);
  EXPECT_EQ(small.header("Vary"), "");
  EXPECT_EQ(small.header("Content-Encoding"), "");

  http::Response head;  // HEAD: Vary, no body work
  head.head_only = true;
  head.add_header("Content-Type", "text/plain");
  head.body.append(text);
  filter_response(p, req, head);
  EXPECT_EQ(head.header("Vary"), "Accept-Encoding");
  EXPECT_EQ(head.header("Content-Encoding"), "");
  EXPECT_EQ(head.body.size(), text.size());
}

}  // namespace
}  // namespace mpmd::compress
