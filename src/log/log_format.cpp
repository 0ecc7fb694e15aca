// LogFormat compilation: the format string becomes items (for logscan) and ops
// (for the renderer, in log_render.cpp).
#include "log/log_format.hpp"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>

#include "log/log_format_ops.hpp"

namespace mpmd::log {

namespace {

constexpr std::string_view kHex = "0123456789abcdef";

// Bytes Apache's ap_escape_logitem leaves alone: printable ASCII except '"' and '\\'.
constexpr auto kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x7f; ++c) t[size_t(c)] = c != '"' && c != '\\';
  return t;
}();

// Letters Apache's mod_log_config and mod_logio know. Those mpmd has no data
// for render "-" (see the header).
bool known_letter(char c) {
  return std::string_view("aAbBCDefhHiIklLmnoOpPqrRsStTuUvVX").find(c) != std::string_view::npos;
}

std::string at(size_t column) {
  return " at " + std::to_string(column);
}

// Decides how the directive renders; returns "" or an error.
std::string plan(const Directive& d, detail::Op& op) {
  using detail::OpKind;
  const std::string& arg = d.arg;
  switch (d.letter) {
    case 'a':
      if (!arg.empty() && arg != "c") return "%{" + arg + "}a: only %{c}a is supported";
      op.kind = uint8_t(OpKind::remote_ip);
      return "";
    case 'h':
      op.kind = uint8_t(OpKind::remote_ip);
      return "";
    case 'A':
      op.kind = uint8_t(OpKind::local_ip);
      return "";
    case 'b':
      op.kind = uint8_t(OpKind::bytes_clf);
      return "";
    case 'B':
      op.kind = uint8_t(OpKind::bytes);
      return "";
    case 'C':
      if (arg.empty()) return "%C needs a cookie name: %{name}C";
      op.kind = uint8_t(OpKind::cookie);
      return "";
    case 'D':
      op.kind = uint8_t(OpKind::duration);
      op.sub = 2;
      return "";
    case 'T':
      op.kind = uint8_t(OpKind::duration);
      if (arg.empty() || arg == "s")
        op.sub = 0;
      else if (arg == "ms")
        op.sub = 1;
      else if (arg == "us")
        op.sub = 2;
      else
        return "%{" + arg + "}T: unit must be s, ms or us";
      return "";
    case 'e':
      op.kind = uint8_t(arg.empty() ? OpKind::dash : OpKind::env_var);  // bare %e: "-", as Apache
      return "";
    case 'f':
    case 'L':
    case 'n':
    case 'R':
    case 'l':
      op.kind = uint8_t(OpKind::dash);
      return "";
    case 'u':
      op.kind = uint8_t(OpKind::remote_user);
      return "";
    case 'H':
      op.kind = uint8_t(OpKind::protocol);
      return "";
    case 'i':
      if (arg.empty()) return "%i needs a header name: %{Name}i";
      op.kind = uint8_t(OpKind::header_in);
      return "";
    case 'o':
      if (arg.empty()) return "%o needs a header name: %{Name}o";
      op.kind = uint8_t(OpKind::header_out);
      return "";
    case 'I':
      op.kind = uint8_t(OpKind::bytes_in);
      return "";
    case 'O':
      op.kind = uint8_t(OpKind::bytes_out);
      return "";
    case 'S':
      op.kind = uint8_t(OpKind::bytes_total);
      return "";
    case 'k':
      op.kind = uint8_t(OpKind::keepalives);
      return "";
    case 'm':
      op.kind = uint8_t(OpKind::method);
      return "";
    case 'p':
      op.kind = uint8_t(OpKind::port);
      if (arg.empty() || arg == "canonical" || arg == "local")
        op.sub = 0;
      else if (arg == "remote")
        op.sub = 1;
      else
        return "%{" + arg + "}p: must be canonical, local or remote";
      return "";
    case 'P':
      op.kind = uint8_t(OpKind::pid);
      if (arg.empty() || arg == "pid")
        op.sub = 0;
      else if (arg == "tid")
        op.sub = 1;
      else if (arg == "hextid")
        op.sub = 2;
      else
        return "%{" + arg + "}P: must be pid, tid or hextid";
      return "";
    case 'q':
      op.kind = uint8_t(OpKind::query);
      return "";
    case 'r':
      op.kind = uint8_t(OpKind::request_line);
      return "";
    case 's':
      op.kind = uint8_t(OpKind::status);
      return "";
    case 'U':
      op.kind = uint8_t(OpKind::path);
      return "";
    case 'v':
      op.kind = uint8_t(OpKind::server_name);
      return "";
    case 'V':
      op.kind = uint8_t(OpKind::host);
      return "";
    case 'X':
      op.kind = uint8_t(OpKind::conn_status);
      return "";
    case 't': {
      op.kind = uint8_t(OpKind::time);
      std::string_view f = arg;
      if (f.starts_with("begin:")) {
        f.remove_prefix(6);
      } else if (f.starts_with("end:")) {
        f.remove_prefix(4);
        op.end_time = true;
      }
      if (arg.size() - f.size() > 255) return "%{...}t: format too long";
      op.arg_offset = uint8_t(arg.size() - f.size());
      using T = detail::TimeForm;
      if (f.empty())
        op.sub = uint8_t(T::clf);
      else if (f == "sec")
        op.sub = uint8_t(T::sec);
      else if (f == "msec")
        op.sub = uint8_t(T::msec);
      else if (f == "usec")
        op.sub = uint8_t(T::usec);
      else if (f == "msec_frac")
        op.sub = uint8_t(T::msec_frac);
      else if (f == "usec_frac")
        op.sub = uint8_t(T::usec_frac);
      else if (f.size() > 200)
        return "%{...}t: strftime format longer than 200 characters";
      else
        op.sub = uint8_t(T::strftime);
      return "";
    }
    default:
      return std::string("unknown directive %") + d.letter;
  }
}

void add_literal(std::vector<Item>& items, std::vector<detail::Op>& ops, std::string_view text) {
  if (text.empty()) return;
  if (!items.empty() && items.back().literal) {
    items.back().text.append(text);
    return;
  }
  Item item;
  item.literal = true;
  item.text = std::string(text);
  items.push_back(std::move(item));
  detail::Op op;
  op.kind = uint8_t(detail::OpKind::literal);
  ops.push_back(std::move(op));
}

// Parses the directive whose '%' is at `pos`; advances `pos` past it.
std::string parse_directive(std::string_view f, size_t& pos, Item& item, detail::Op& op) {
  size_t start = pos;
  ++pos;  // '%'
  Directive& d = item.directive;
  int status = -1;
  auto end_status = [&]() -> std::string {
    if (status < 0) return "";
    if (status < 100 || status > 999) return "bad status condition" + at(start + 1);
    op.condition.statuses.push_back(status);
    status = -1;
    return "";
  };
  while (pos < f.size()) {
    char c = f[pos];
    if (c == '!') {
      op.condition.negate = true;
    } else if (c == '<') {
      d.original = true;
    } else if (c == '>') {
      d.final_status = true;
    } else if (c == ',') {
      if (auto e = end_status(); !e.empty()) return e;
    } else if (c >= '0' && c <= '9') {
      status = (status < 0 ? 0 : status) * 10 + (c - '0');
      if (status > 999) return "bad status condition" + at(start + 1);
    } else if (c == '{') {
      size_t close = f.find('}', pos + 1);
      if (close == std::string_view::npos) return "unterminated %{" + at(start + 1);
      d.arg = std::string(f.substr(pos + 1, close - pos - 1));
      pos = close;
    } else if (c == '^') {
      return "%^ti/%^to (trailers) are not supported" + at(start + 1);
    } else {
      if (auto e = end_status(); !e.empty()) return e;
      ++pos;
      d.letter = c;
      if (!known_letter(c)) return std::string("unknown directive %") + c + at(start + 1);
      std::string e = plan(d, op);
      return e.empty() ? e : e + at(start + 1);
    }
    ++pos;
  }
  return "incomplete directive at end of format" + at(start + 1);
}

}  // namespace

bool StatusCondition::passes(int status) const {
  if (statuses.empty()) return true;
  bool listed = std::find(statuses.begin(), statuses.end(), status) != statuses.end();
  return listed != negate;
}

bool CompiledFormat::compile(std::string_view format, CompiledFormat& out, std::string& error) {
  std::vector<Item> items;
  std::vector<detail::Op> ops;
  std::string text;
  size_t pos = 0;
  while (pos < format.size()) {
    char c = format[pos];
    if (c == '\\' && pos + 1 < format.size()) {
      char n = format[pos + 1];
      const char* repl = nullptr;
      switch (n) {
        case 'n':
          repl = "\n";
          break;
        case 't':
          repl = "\t";
          break;
        case 'r':
          repl = "\r";
          break;
        case '"':
          repl = "\"";
          break;
        case '\\':
          repl = "\\";
          break;
        default:
          break;
      }
      if (repl) {
        text.append(repl);
        pos += 2;
      } else {
        text.push_back(c);  // Apache copies unknown escapes verbatim
        ++pos;
      }
      continue;
    }
    if (c != '%') {
      text.push_back(c);
      ++pos;
      continue;
    }
    if (pos + 1 < format.size() && format[pos + 1] == '%') {
      text.push_back('%');
      pos += 2;
      continue;
    }
    add_literal(items, ops, text);
    text.clear();
    Item item;
    detail::Op op;
    std::string e = parse_directive(format, pos, item, op);
    if (!e.empty()) {
      error = std::move(e);
      return false;
    }
    items.push_back(std::move(item));
    ops.push_back(std::move(op));
  }
  add_literal(items, ops, text);
  out.items_ = std::move(items);
  out.ops_ = std::move(ops);
  out.source_ = std::string(format);
  return true;
}

std::string_view predefined_format(std::string_view nickname) {
  if (nickname == "common") return "%h %l %u %t \"%r\" %>s %b";
  if (nickname == "combined") {
    return "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"";
  }
  if (nickname == "vhost_combined") {
    return "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"";
  }
  if (nickname == "combinedio") {
    return "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %I %O";
  }
  if (nickname == "referer") return "%{Referer}i -> %U";
  if (nickname == "agent") return "%{User-Agent}i";
  return "";
}

void append_escaped(std::string& out, std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    // Copy the run of characters that need no escaping in one append.
    const char* run = p;
    while (p < end && kPlain[static_cast<unsigned char>(*p)]) ++p;
    out.append(run, size_t(p - run));
    if (p == end) break;
    unsigned char c = static_cast<unsigned char>(*p++);
    out.push_back('\\');
    switch (c) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '\n':
        out.push_back('n');
        break;
      case '\r':
        out.push_back('r');
        break;
      case '\t':
        out.push_back('t');
        break;
      case '\b':
        out.push_back('b');
        break;
      case '\v':
        out.push_back('v');
        break;
      default:
        out.push_back('x');
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
}

}  // namespace mpmd::log
