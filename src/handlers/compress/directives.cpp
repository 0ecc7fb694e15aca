#include "handlers/compress/directives.hpp"

#include <algorithm>
#include <string>

#include "handlers/compress/coding.hpp"
#include "util/strings.hpp"

namespace mpmd::compress {

namespace {

using config::Config;
using config::DirectiveCall;

// The section a <Location> or <Directory> call adds to (created on first use).
config::CompressSection* section_of(Config& cfg, const DirectiveCall& call) {
  std::string path;
  bool directory = false;
  if (call.location != nullptr) {
    path = call.location->path;
  } else if (!call.directory.empty()) {
    path = call.directory;
    directory = true;
  } else {
    return nullptr;
  }
  auto& sections = cfg.compress.sections;
  if (!sections.empty() && sections.back().path == path && sections.back().directory == directory)
    return &sections.back();
  sections.push_back({.path = path, .directory = directory});
  return &sections.back();
}

// Filter names compress knows: mod_deflate's DEFLATE and mod_brotli's BROTLI_COMPRESS.
bool is_compress_filter(std::string_view name) {
  return util::iequals(name, "DEFLATE") || util::iequals(name, "BROTLI_COMPRESS");
}

void warn(const DirectiveCall& call, std::string message) {
  if (call.warn) call.warn(std::move(message));
}

// AddOutputFilterByType FILTER[;FILTER...] TYPE...
std::string add_output_filter_by_type(Config& cfg, const DirectiveCall& call) {
  bool ours = false;
  for (std::string_view f : util::split(call.args[0], ';')) {
    if (is_compress_filter(f)) {
      ours = true;
    } else if (!f.empty()) {
      warn(call, "filter " + std::string(f) + " is not supported by mpmd: not applied");
    }
  }
  if (!ours) return "";
  config::CompressSection* section = section_of(cfg, call);
  std::vector<std::string>& types = section ? section->types : cfg.compress.types;
  for (size_t i = 1; i < call.args.size(); ++i) {
    std::string type = util::to_lower(call.args[i]);
    if (type.find('/') == std::string::npos) return "'" + call.args[i] + "' is not a media type";
    if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
  }
  return "";
}

// SetOutputFilter FILTER[;FILTER...]: DEFLATE compresses every type here.
std::string set_output_filter(Config& cfg, const DirectiveCall& call) {
  bool ours = false;
  for (std::string_view f : util::split(call.args[0], ';')) {
    if (is_compress_filter(f)) {
      ours = true;
    } else if (!f.empty() && !util::iequals(f, "none")) {
      warn(call, "filter " + std::string(f) + " is not supported by mpmd: not applied");
    }
  }
  if (config::CompressSection* section = section_of(cfg, call)) {
    section->all = ours ? 1 : 0;
  } else {
    cfg.compress.all = ours;
  }
  return "";
}

std::string set_encodings(Config& cfg, const DirectiveCall& call) {
  unsigned bits = 0;
  for (const std::string& a : call.args) {
    if (util::iequals(a, "gzip")) {
      bits |= kGzipBit;
    } else if (util::iequals(a, "br")) {
      bits |= kBrBit;
    } else if (util::iequals(a, "zstd")) {
      bits |= kZstdBit;
    } else if (util::iequals(a, "none")) {
      bits = 0;
    } else {
      return "unknown coding '" + a + "' (gzip, br, zstd or none)";
    }
  }
  cfg.compress.encodings = bits;
  return "";
}

std::string set_static(Config& cfg, const DirectiveCall& call) {
  bool on = false;
  if (std::string err = config::parse_flag(call.args[0], on); !err.empty()) return err;
  if (config::CompressSection* section = section_of(cfg, call)) {
    section->precompressed = on ? 1 : 0;
  } else {
    cfg.compress.precompressed = on;
  }
  return "";
}

constexpr unsigned kSite = config::kServer | config::kVirtualHost;
constexpr unsigned kSections = kSite | config::kLocation | config::kDirectory;

}  // namespace

std::vector<config::Directive> directives() {
  return {
      {"AddOutputFilterByType", 2, -1, kSections, add_output_filter_by_type,
       "AddOutputFilterByType DEFLATE TYPE...: compress responses of these media types (gzip, "
       "br or zstd, as the client prefers); other filters are ignored with a warning"},
      {"SetOutputFilter", 1, 1, kSections, set_output_filter,
       "SetOutputFilter DEFLATE: compress responses of every type here (other filters: ignored)"},
      {"DeflateCompressionLevel", 1, 1, kSite,
       [](Config& cfg, const DirectiveCall& c) {
         return config::parse_int(c.args[0], 1, 9, cfg.compress.gzip_level);
       },
       "DeflateCompressionLevel 1-9: gzip level (default 6)"},
      {"DeflateBufferSize", 1, 1, kSite,
       [](Config& cfg, const DirectiveCall& c) {
         return config::parse_size(c.args[0], cfg.compress.buffer_size);
       },
       "DeflateBufferSize BYTES: bytes compressed at a time when a body streams (default 8096)"},
      {"CompressEncodings", 1, 3, kSite, set_encodings,
       "CompressEncodings gzip|br|zstd...|none: the codings offered (default all three; the "
       "client's q-values choose, ties br > zstd > gzip; mpmd extension)"},
      {"CompressBrotliLevel", 1, 1, kSite,
       [](Config& cfg, const DirectiveCall& c) {
         return config::parse_int(c.args[0], 0, 11, cfg.compress.brotli_level);
       },
       "CompressBrotliLevel 0-11: brotli quality (default 5; mpmd extension)"},
      {"CompressZstdLevel", 1, 1, kSite,
       [](Config& cfg, const DirectiveCall& c) {
         return config::parse_int(c.args[0], 1, 19, cfg.compress.zstd_level);
       },
       "CompressZstdLevel 1-19: zstd level (default 3; mpmd extension)"},
      {"CompressStatic", 1, 1, kSections, set_static,
       "CompressStatic On|Off: serve FILE.br, FILE.zst or FILE.gz for FILE when the client "
       "accepts that coding and it is not older than FILE (as nginx's gzip_static, for all "
       "three; mpmd extension; default Off)"},
  };
}

}  // namespace mpmd::compress
