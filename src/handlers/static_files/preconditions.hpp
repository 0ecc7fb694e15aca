// Validators and byte ranges (RFC 9110 sections 8.8, 13 and 14), as pure
// functions over field values so they are testable without files.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace mpmd::static_files {

// Does an If-Match / If-None-Match value ("*" or a list of entity-tags) match
// `etag` (our own strong tag, quotes included, e.g. "\"1a-5f3c\"")?
// `weak` selects weak comparison (If-None-Match); otherwise strong (If-Match),
// where a W/ tag never matches. An empty `etag` (no ETag) matches only "*".
// A malformed list matches nothing from the malformed element on.
bool etag_matches(std::string_view field, std::string_view etag, bool weak);

// An inclusive byte range [first, last] of the representation.
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t length() const { return last - first + 1; }
};

enum class RangeResult {
  ignore,         // no usable Range: not "bytes", malformed, too many ranges, empty file
  satisfiable,    // `out` holds at least one range, clipped to the size and coalesced
  unsatisfiable,  // valid syntax but no range overlaps the representation -> 416
};

// More ranges than this in one request are ignored (Apache's MaxRanges default).
constexpr size_t kMaxRanges = 200;

// Parses a Range field value for a representation of `size` bytes.
// Overlapping or adjacent ranges that follow each other are merged, as Apache does.
RangeResult parse_range(std::string_view field, uint64_t size, std::vector<ByteRange>& out);

}  // namespace mpmd::static_files
