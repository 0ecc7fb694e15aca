// File extension -> media type, read from a TypesConfig file in Apache's
// mime.types format ("type ext ext ...", '#' comments) plus AddType overrides.
// Only the last extension counts ("a.tar.gz" -> gz), matched ignoring case.
// Charsets are never added (Apache adds one only with AddDefaultCharset).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

namespace mpmd::static_files {

class MimeTypes {
 public:
  // Adds the mappings in `path`; later lines win. Returns "" or an error message.
  std::string load_file(const std::string& path);
  // Parses mime.types text (used by load_file; public for tests).
  void load_text(std::string_view text);
  // A small table of common types, used when no TypesConfig is given.
  void load_builtin();
  // Maps `ext` (with or without a leading '.', any case) to `type`, replacing any mapping.
  void add(std::string_view ext, std::string_view type);

  // Type for the extension of `filename` (the part after its last '.'), or "" if unknown.
  std::string_view lookup(std::string_view filename) const;
  size_t size() const { return by_ext_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> by_ext_;
};

}  // namespace mpmd::static_files
