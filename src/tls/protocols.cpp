#include "tls/protocols.hpp"

#include "util/strings.hpp"

namespace mpmd::tls {

std::string parse_protocols(std::string_view text, unsigned& mask) {
  mask = 0;
  while (!text.empty()) {
    size_t space = text.find(' ');
    std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (word.empty()) continue;
    char action = 0;
    if (word[0] == '+' || word[0] == '-') {
      action = word[0];
      word.remove_prefix(1);
    }
    unsigned bit = 0;
    if (util::iequals(word, "all")) {
      bit = kAllProtocols;
    } else if (util::iequals(word, "TLSv1")) {
      bit = kTls10;
    } else if (util::iequals(word, "TLSv1.1")) {
      bit = kTls11;
    } else if (util::iequals(word, "TLSv1.2")) {
      bit = kTls12;
    } else if (util::iequals(word, "TLSv1.3")) {
      bit = kTls13;
    } else if (util::iequals(word, "SSLv2") || util::iequals(word, "SSLv3")) {
      if (action == '-') continue;
      return std::string(word) + " is not supported (insecure, and not in OpenSSL 3)";
    } else {
      return "unknown protocol '" + std::string(word) + "' (all, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)";
    }
    if (action == '-') {
      mask &= ~bit;
    } else if (action == '+') {
      mask |= bit;
    } else {
      mask = bit;
    }
  }
  return "";
}

}  // namespace mpmd::tls
