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
    r.status = d.decode(in.substr(off, n), used, &r.body, SIZE_MAX, limit, limits);
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
        "0\r\nA: b\n\r\n", "7fffffffffffffff0\r\n", "8000000000000000\r\n", "1;\x01\r\nx\r\n",
        // Whitespace after the size is allowed only before an extension.
        "3 \r\nabc\r\n0\r\n\r\n", "3\t\r\nabc\r\n0\r\n\r\n"}) {
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

TEST(Chunked, WhitespaceBeforeAnExtensionIsAccepted) {
  Result r = decode_in_pieces("3 ;a=b\r\nabc\r\n0\r\n\r\n", 1);
  EXPECT_EQ(r.status, ChunkedDecoder::Status::done);
  EXPECT_EQ(r.body, "abc");
}

// The Connection decodes into a bounded window: decoding stops where the
// window is full and resumes with the rest, at any split.
TEST(Chunked, StopsAtTheWindowAndResumes) {
  const std::string in = "a\r\n0123456789\r\n5\r\nabcde\r\n0\r\n\r\n";
  for (size_t window = 1; window <= 16; ++window) {
    ChunkedDecoder d;
    d.reset();
    std::string body;
    size_t off = 0;
    ChunkedDecoder::Status st = ChunkedDecoder::Status::need_more;
    for (int rounds = 0; rounds < 100 && st == ChunkedDecoder::Status::need_more; ++rounds) {
      size_t used = 0;
      size_t before = body.size();
      st = d.decode(std::string_view(in).substr(off), used, &body, window, 0, Limits{});
      EXPECT_LE(body.size() - before, window);
      off += used;
    }
    ASSERT_EQ(st, ChunkedDecoder::Status::done) << window;
    EXPECT_EQ(body, "0123456789abcde") << window;
    EXPECT_EQ(off, in.size()) << window;
  }
}

TEST(Chunked, DiscardsWithoutABody) {
  ChunkedDecoder d;
  d.reset();
  size_t used = 0;
  const std::string in = "3\r\nabc\r\n0\r\n\r\n";
  EXPECT_EQ(d.decode(in, used, nullptr, SIZE_MAX, 0, Limits{}), ChunkedDecoder::Status::done);
  EXPECT_EQ(used, in.size());
  EXPECT_EQ(d.total(), 3u);
}

TEST(Chunked, ExtensionBound) {
  std::string ok = "1;" + std::string(ChunkedDecoder::kMaxExtension, 'e') + "\r\nx\r\n0\r\n\r\n";
  EXPECT_EQ(decode_in_pieces(ok, 7).status, ChunkedDecoder::Status::done);
  std::string too_long = "1;" + std::string(ChunkedDecoder::kMaxExtension + 1, 'e') + "\r\n";
  EXPECT_EQ(decode_in_pieces(too_long, 7).status, ChunkedDecoder::Status::error);
}

}  // namespace
}  // namespace mpmd::http::detail
