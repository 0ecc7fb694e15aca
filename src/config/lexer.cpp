#include "config/lexer.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace mpmd::config::detail {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<LogicalLine> split_lines(std::string_view text) {
  std::vector<LogicalLine> out;
  std::string pending;
  int pending_line = 0;
  int number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view physical = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (!physical.empty() && physical.back() == '\r') physical.remove_suffix(1);
    if (pending_line == 0) pending_line = number;
    bool continued = !physical.empty() && physical.back() == '\\' &&
                     (physical.size() < 2 || physical[physical.size() - 2] != '\\');
    if (continued) {
      physical.remove_suffix(1);
      pending.append(physical);
      continue;
    }
    pending.append(physical);
    std::string_view logical = trim(pending);
    if (!logical.empty() && logical.front() != '#') {
      out.push_back({pending_line, std::string(logical)});
    }
    pending.clear();
    pending_line = 0;
  }
  std::string_view logical = trim(pending);  // a continuation on the last line
  if (!logical.empty() && logical.front() != '#')
    out.push_back({pending_line, std::string(logical)});
  return out;
}

std::string split_args(std::string_view text, std::vector<std::string>& out) {
  size_t i = 0;
  while (true) {
    while (i < text.size() && is_blank(text[i])) ++i;
    if (i >= text.size()) return "";
    char quote = text[i];
    if (quote == '"' || quote == '\'') {
      std::string word;
      size_t j = i + 1;
      bool closed = false;
      while (j < text.size()) {
        if (text[j] == '\\' && j + 1 < text.size() && text[j + 1] == quote) {
          word += quote;
          j += 2;
        } else if (text[j] == quote) {
          closed = true;
          ++j;
          break;
        } else {
          word += text[j++];
        }
      }
      if (!closed) return std::string("unterminated ") + quote + " quote";
      out.push_back(std::move(word));
      i = j;
    } else {
      size_t j = i;
      while (j < text.size() && !is_blank(text[j])) ++j;
      out.emplace_back(text.substr(i, j - i));
      i = j;
    }
  }
}

std::string expand_vars(std::string_view text, const VarLookup& lookup, std::string& out) {
  out.clear();
  size_t i = 0;
  while (i < text.size()) {
    size_t start = text.find("${", i);
    if (start == std::string_view::npos) break;
    size_t close = text.find('}', start + 2);
    if (close == std::string_view::npos) break;
    std::string_view name = text.substr(start + 2, close - start - 2);
    out.append(text.substr(i, start - i));
    auto value = name.empty() ? std::nullopt : lookup(name);
    if (!value) return "variable ${" + std::string(name) + "} is not defined";
    out.append(*value);
    i = close + 1;
  }
  out.append(text.substr(std::min(i, text.size())));
  return "";
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      size_t cost = util::ascii_lower(a[i - 1]) == util::ascii_lower(b[j - 1]) ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace mpmd::config::detail
