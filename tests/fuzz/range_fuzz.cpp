// libFuzzer target: the static handler's Range and validator parsing
// (static_files::parse_range, etag_matches) and the HTTP dates If-Range and
// If-Modified-Since use (util::parse_http_date).
//
// Input layout: byte 0 selects how the representation size is read: from the
// next 2 bytes (small files) or the next 8 (any size). The rest is a Range
// value; after the first '\n' comes a value used as If-Range / If-Match /
// If-None-Match and as an HTTP date.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "handlers/static_files/preconditions.hpp"
#include "util/clock.hpp"

namespace {

using namespace mpmd;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "range invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t width = (data[0] & 1) ? 8 : 2;
  if (size < 1 + width) return 0;
  uint64_t file_size = 0;
  for (size_t i = 0; i < width; ++i) file_size = (file_size << 8) | data[1 + i];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1 + width, size - 1 - width);
  size_t nl = rest.find('\n');
  std::string_view range = rest.substr(0, nl);
  std::string_view other = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);

  std::vector<static_files::ByteRange> out;
  auto result = static_files::parse_range(range, file_size, out);
  switch (result) {
    case static_files::RangeResult::ignore:
    case static_files::RangeResult::unsatisfiable:
      check(out.empty(), "ranges left in `out` without a satisfiable result");
      break;
    case static_files::RangeResult::satisfiable:
      check(!out.empty(), "satisfiable without ranges");
      check(out.size() <= static_files::kMaxRanges, "more ranges than kMaxRanges");
      for (const auto& r : out) {
        check(r.first <= r.last, "range with first > last");
        check(r.last < file_size, "range beyond the end of the representation");
        check(r.length() >= 1 && r.length() <= file_size, "range length out of bounds");
      }
      break;
  }
  if (file_size == 0) check(result == static_files::RangeResult::ignore, "range of an empty file");

  static constexpr std::string_view kEtag = "\"1a-5f3c\"";
  bool strong = static_files::etag_matches(other, kEtag, false);
  bool weak = static_files::etag_matches(other, kEtag, true);
  check(!strong || weak, "strong match without weak match");
  bool none = static_files::etag_matches(other, "", true);
  (void)none;

  auto t = util::parse_http_date(other);
  if (t && *t >= 0 && *t < 253402300800) {  // 1970 .. 9999
    // A date we accepted we can write, and read back the same.
    std::string text = util::format_http_date(*t);
    check(text.size() == 29, "formatted date is not 29 characters");
    auto again = util::parse_http_date(text);
    check(again && *again == *t, "HTTP date does not round-trip");
  }
  return 0;
}
