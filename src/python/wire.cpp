#include "python/wire.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace mpmd::python::wire {

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(char(v >> shift));
}

void put_u64(std::string& out, uint64_t v) {
  put_u32(out, uint32_t(v >> 32));
  put_u32(out, uint32_t(v));
}

void put_str(std::string& out, std::string_view s) {
  put_u32(out, uint32_t(s.size()));
  out.append(s);
}

bool Reader::u8(uint8_t& v) {
  if (data_.empty()) return false;
  v = uint8_t(data_[0]);
  data_.remove_prefix(1);
  return true;
}

bool Reader::u32(uint32_t& v) {
  if (data_.size() < 4) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(data_.data());
  v = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
  data_.remove_prefix(4);
  return true;
}

bool Reader::u64(uint64_t& v) {
  uint32_t hi, lo;
  if (!u32(hi) || !u32(lo)) return false;
  v = uint64_t(hi) << 32 | lo;
  return true;
}

bool Reader::str(std::string& s) {
  uint32_t n;
  if (!u32(n) || data_.size() < n) return false;
  s.assign(data_.substr(0, n));
  data_.remove_prefix(n);
  return true;
}

bool Reader::rest(std::string& s) {
  s.assign(data_);
  data_ = {};
  return true;
}

std::string encode_call(const api::Call& call) {
  std::string out;
  put_str(out, call.script);
  put_str(out, call.group);
  put_str(out, call.callable);
  out.push_back(char(call.reload));
  out.push_back(char(call.multithread));
  out.push_back(char(call.multiprocess));
  put_u32(out, uint32_t(call.environ.size()));
  for (const auto& [k, v] : call.environ) {
    put_str(out, k);
    put_str(out, v);
  }
  return out;
}

bool decode_call(std::string_view payload, api::Call& call) {
  Reader r(payload);
  uint8_t reload, mt, mp;
  uint32_t n;
  if (!r.str(call.script) || !r.str(call.group) || !r.str(call.callable) || !r.u8(reload) ||
      !r.u8(mt) || !r.u8(mp) || !r.u32(n) || n > 10000) {
    return false;
  }
  call.reload = reload;
  call.multithread = mt;
  call.multiprocess = mp;
  call.environ.resize(n);
  for (auto& [k, v] : call.environ) {
    if (!r.str(k) || !r.str(v)) return false;
  }
  return true;
}

std::string encode_head(std::string_view status, const api::Fields& fields, bool complete,
                        std::string_view body) {
  std::string out;
  put_str(out, status);
  put_u32(out, uint32_t(fields.size()));
  for (const auto& [k, v] : fields) {
    put_str(out, k);
    put_str(out, v);
  }
  out.push_back(char(complete));
  out.append(body);
  return out;
}

bool decode_head(std::string_view payload, std::string& status, api::Fields& fields, bool& complete,
                 std::string& body) {
  Reader r(payload);
  uint32_t n;
  uint8_t c;
  if (!r.str(status) || !r.u32(n) || n > 10000) return false;
  fields.resize(n);
  for (auto& [k, v] : fields) {
    if (!r.str(k) || !r.str(v)) return false;
  }
  if (!r.u8(c)) return false;
  complete = c;
  return r.rest(body);
}

bool send(int fd, Frame type, std::string_view payload) {
  std::string head;
  put_u32(head, uint32_t(payload.size() + 1));
  head.push_back(char(type));
  iovec iov[2] = {{head.data(), head.size()}, {const_cast<char*>(payload.data()), payload.size()}};
  size_t total = head.size() + payload.size();
  size_t sent = 0;
  while (sent < total) {
    msghdr msg{};
    iovec parts[2];
    int count = 0;
    size_t skip = sent;
    for (auto& v : iov) {
      if (skip >= v.iov_len) {
        skip -= v.iov_len;
        continue;
      }
      parts[count++] = {static_cast<char*>(v.iov_base) + skip, v.iov_len - skip};
      skip = 0;
    }
    msg.msg_iov = parts;
    msg.msg_iovlen = size_t(count);
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    sent += size_t(n);
  }
  return true;
}

namespace {

// Reads exactly `size` bytes before `deadline`.
Got read_exact(int fd, char* into, size_t size, std::chrono::steady_clock::time_point deadline,
               bool forever) {
  size_t got = 0;
  while (got < size) {
    if (!forever) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) return Got::timeout;
      pollfd p{fd, POLLIN, 0};
      int rc = ::poll(&p, 1, int(std::min<long long>(left, 1 << 30)));
      if (rc == 0) return Got::timeout;
      if (rc < 0 && errno != EINTR) return Got::error;
      if (rc < 0) continue;
    }
    ssize_t n = ::read(fd, into + got, size - got);
    if (n == 0) return Got::eof;
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == ECONNRESET ? Got::eof : Got::error;
    }
    got += size_t(n);
  }
  return Got::frame;
}

}  // namespace

Got receive(int fd, Frame& type, std::string& payload, int timeout_ms) {
  bool forever = timeout_ms < 0;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(forever ? 0 : timeout_ms);
  char head[5];
  Got g = read_exact(fd, head, sizeof head, deadline, forever);
  if (g != Got::frame) return g;
  const auto* p = reinterpret_cast<const unsigned char*>(head);
  uint32_t n = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
  if (n == 0 || n - 1 > kMaxFrame || p[4] < 1 || p[4] > uint8_t(Frame::end)) return Got::error;
  type = Frame(p[4]);
  payload.resize(n - 1);
  if (n > 1) {
    g = read_exact(fd, payload.data(), n - 1, deadline, forever);
    if (g == Got::eof) return Got::error;  // cut mid-frame
  }
  return g;
}

}  // namespace mpmd::python::wire
