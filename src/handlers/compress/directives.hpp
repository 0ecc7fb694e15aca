// The compression directives: mod_deflate's and mod_filter's as Debian's
// Apache uses them (AddOutputFilterByType DEFLATE ..., SetOutputFilter
// DEFLATE, DeflateCompressionLevel, DeflateBufferSize) and mpmd's own
// (CompressEncodings, CompressBrotliLevel, CompressZstdLevel, CompressStatic).
#pragma once

#include <vector>

#include "config/directive.hpp"

namespace mpmd::compress {

std::vector<config::Directive> directives();

}  // namespace mpmd::compress
