#include "handlers/compress/coding.hpp"

#include "util/strings.hpp"

namespace mpmd::compress {

namespace {

struct Names {
  std::string_view token, etag_suffix, file_suffix;
};

// Indexed by Coding.
constexpr Names kNames[] = {
    {"", "", ""},
    {"gzip", "-gzip", ".gz"},
    {"br", "-br", ".br"},
    {"zstd", "-zstd", ".zst"},
};

}  // namespace

std::string_view token(Coding c) {
  return kNames[size_t(c)].token;
}
std::string_view etag_suffix(Coding c) {
  return kNames[size_t(c)].etag_suffix;
}
std::string_view file_suffix(Coding c) {
  return kNames[size_t(c)].file_suffix;
}

int Weights::of(Coding c) const {
  int w = c == Coding::gzip ? gzip : c == Coding::br ? br : c == Coding::zstd ? zstd : -1;
  if (w >= 0) return w;
  return star >= 0 ? star : 0;
}

namespace {

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as 0..1000; -1 if malformed.
int parse_qvalue(std::string_view v) {
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return -1;
  int whole = v[0] - '0';
  if (v.size() == 1) return whole * 1000;
  if (v[1] != '.' || v.size() > 5) return -1;
  int frac = 0, digits = 0;
  for (char ch : v.substr(2)) {
    if (ch < '0' || ch > '9') return -1;
    frac = frac * 10 + (ch - '0');
    ++digits;
  }
  for (; digits < 3; ++digits) frac *= 10;
  if (whole == 1 && frac != 0) return -1;
  return whole * 1000 + frac;
}

// The weight of one element's parameters ("q=0.5"); 1000 without q; -1 if malformed.
int element_weight(std::string_view params) {
  int weight = 1000;
  while (!params.empty()) {
    size_t semi = params.find(';');
    std::string_view p = util::trim_ows(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.empty()) continue;
    size_t eq = p.find('=');
    if (eq == std::string_view::npos) return -1;
    std::string_view name = util::trim_ows(p.substr(0, eq));
    if (!util::iequals(name, "q")) continue;  // other parameters mean nothing here
    weight = parse_qvalue(util::trim_ows(p.substr(eq + 1)));
    if (weight < 0) return -1;
  }
  return weight;
}

void set_max(int& slot, int weight) {
  if (weight > slot) slot = weight;
}

}  // namespace

void add_weights(std::string_view value, Weights& weights) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view element = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    element = util::trim_ows(element);
    if (element.empty()) continue;  // "a, , b": empty list elements are allowed
    size_t semi = element.find(';');
    std::string_view name = util::trim_ows(element.substr(0, semi));
    int weight = semi == std::string_view::npos ? 1000 : element_weight(element.substr(semi + 1));
    if (weight < 0) continue;
    if (util::iequals(name, "gzip") || util::iequals(name, "x-gzip")) {
      set_max(weights.gzip, weight);
    } else if (util::iequals(name, "br")) {
      set_max(weights.br, weight);
    } else if (util::iequals(name, "zstd")) {
      set_max(weights.zstd, weight);
    } else if (name == "*") {
      set_max(weights.star, weight);
    }
  }
}

namespace {

Coding best(const Weights& w, unsigned enabled) {
  Coding choice = Coding::identity;
  int top = 0;
  // In order of preference on a tie: a later coding must weigh more to win.
  for (Coding c : {Coding::br, Coding::zstd, Coding::gzip}) {
    if ((enabled & bit_of(c)) == 0) continue;
    int weight = w.of(c);
    if (weight > top) {
      top = weight;
      choice = c;
    }
  }
  return choice;
}

}  // namespace

Coding choose(std::string_view accept_encoding, unsigned enabled) {
  Weights w;
  add_weights(accept_encoding, w);
  return best(w, enabled);
}

Coding choose(const http::Headers& headers, unsigned enabled) {
  Weights w;
  bool present = false;
  for (const http::Header& h : headers.fields()) {
    if (h.name.size() == 15 && util::iequals(h.name, "Accept-Encoding")) {
      present = true;
      add_weights(h.value, w);
    }
  }
  return present ? best(w, enabled) : Coding::identity;
}

}  // namespace mpmd::compress
