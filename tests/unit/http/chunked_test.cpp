#include "http/chunked.hpp"

#include <gtest/gtest.h>

namespace mpmd::http::detail {
namespace {

struct Result {
  ChunkedDecoder::Status status;
  std::string body;
  size_t consumed = 0;
  int error = 0;
  std::string trailers;
};

Result decode_in_pieces(std::string_view in, size_t piece, uint64_t limit = 0) {
  ChunkedDecoder d;
  d.reset();
  Limits limits;
  Result r{ChunkedDecoder::Status::need_more, {}, 0, 0, {}};
  size_t off = 0;
  while (off < in.size()) {
    size_t n = std::min(piece, in.size() - off);
    size_t used = 0;
    r.status = d.decode(in.substr(off, n), used, r.body, limit, limits);
    r.consumed += used;
    if (r.status != ChunkedDecoder::Status::need_more) break;
    EXPECT_EQ(used, n);  // need_more consumes everything it was given
    off += n;
  }
  r.error = d.status();
  r.trailers = std::string(d.trailer_block());
  return r;
}

TEST(Chunked, DecodesAtAnySplit) {
  const std::string in =
      "4\r\nWiki\r\n5;a=b\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\nNEXT";
  for (size_t piece = 1; piece <= in.size(); ++piece) {
    Result r = decode_in_pieces(in, piece);
    ASSERT_EQ(r.status, ChunkedDecoder::Status::done) << piece;
    EXPECT_EQ(r.body, "Wikipedia in\r\n\r\nchunks.") << piece;
    EXPECT_EQ(r.consumed, in.size() - 4) << piece;
    EXPECT_EQ(r.trailers, "T: v\n");
  }
}

TEST(Chunked, LimitIsOnTheSum) {
  EXPECT_EQ(decode_in_pieces("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", 100, 5).status,
            ChunkedDecoder::Status::done);
  Result r = decode_in_pieces("3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", 100, 5);
  EXPECT_EQ(r.status, ChunkedDecoder::Status::error);
  EXPECT_EQ(r.error, 413);
  EXPECT_EQ(r.body, "abc");
}

TEST(Chunked, RejectsBadFraming) {
  for (std::string_view bad :
       {"g\r\n", "\r\n", " 1\r\nx\r\n", "1\r\nxx", "1\nx\r\n0\r\n\r\n", "1\r\nx\n0\r\n\r\n",
        "0\r\nA: b\n\r\n", "7fffffffffffffff0\r\n", "8000000000000000\r\n", "1;\x01\r\nx\r\n"}) {
    Result r = decode_in_pieces(bad, 1);
    EXPECT_EQ(r.status, ChunkedDecoder::Status::error) << bad;
    EXPECT_EQ(r.error, 400) << bad;
  }
}

TEST(Chunked, LargestSizeBelow2To63IsAccepted) {
  Result r = decode_in_pieces("7fffffffffffffff\r\nabc", 100);
  EXPECT_EQ(r.status, ChunkedDecoder::Status::need_more);
  EXPECT_EQ(r.body, "abc");
}

TEST(Chunked, ExtensionBound) {
  std::string ok = "1;" + std::string(ChunkedDecoder::kMaxExtension, 'e') + "\r\nx\r\n0\r\n\r\n";
  EXPECT_EQ(decode_in_pieces(ok, 7).status, ChunkedDecoder::Status::done);
  std::string too_long = "1;" + std::string(ChunkedDecoder::kMaxExtension + 1, 'e') + "\r\n";
  EXPECT_EQ(decode_in_pieces(too_long, 7).status, ChunkedDecoder::Status::error);
}

}  // namespace
}  // namespace mpmd::http::detail
