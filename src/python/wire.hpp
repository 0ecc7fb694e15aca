// The protocol between a serving child and a WSGI daemon process, over a
// Unix stream socket: length-prefixed frames as the offload pool's
//
//   u32 length (big-endian, of what follows) | u8 type | payload
//
// child -> daemon: call (the api::Call), then body / body_end / body_error
//                  answering each read;
// daemon -> child: read (wants up to N body bytes), head (status, fields,
//                  whole?, first bytes), data, fail (answer 500), log
//                  (a line for the error log), end (ok?, GIL wait), always last.
// Both sides use blocking sockets on their own threads; the child bounds
// every wait by the group's request-timeout.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "python/api.hpp"

namespace mpmd::python::wire {

enum class Frame : uint8_t {
  call = 1,
  read = 2,
  body = 3,
  body_end = 4,
  body_error = 5,
  head = 6,
  data = 7,
  fail = 8,
  log = 9,
  end = 10,
};

inline constexpr size_t kMaxFrame = 16u << 20;

// Field codecs: u32 big-endian, strings as u32 length + bytes.
void put_u32(std::string& out, uint32_t v);
void put_u64(std::string& out, uint64_t v);
void put_str(std::string& out, std::string_view s);

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool u8(uint8_t& v);
  bool u32(uint32_t& v);
  bool u64(uint64_t& v);
  bool str(std::string& s);
  bool rest(std::string& s);  // everything left

 private:
  std::string_view data_;
};

std::string encode_call(const api::Call& call);
bool decode_call(std::string_view payload, api::Call& call);
std::string encode_head(std::string_view status, const api::Fields& fields, bool complete,
                        std::string_view body);
bool decode_head(std::string_view payload, std::string& status, api::Fields& fields, bool& complete,
                 std::string& body);

// Writes one whole frame (blocking). False when the peer is gone.
bool send(int fd, Frame type, std::string_view payload);

enum class Got { frame, eof, timeout, error };
// Reads one whole frame, waiting at most `timeout_ms` in all (-1: forever).
Got receive(int fd, Frame& type, std::string& payload, int timeout_ms);

}  // namespace mpmd::python::wire
