// Length-prefixed frames between a child and its helper processes:
//
//   u32 length (big-endian, of what follows) | u8 type | payload
//
//   task:   u8 name length | name | input bytes
//   result: the function's output
//   error:  what went wrong (text)
//
// A reader is fed bytes as they arrive and yields whole frames; it can stop
// and resume at any byte. Frames above the configured limit are an error, so
// a broken peer cannot make the other side allocate without bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mpmd::offload {

enum class FrameType : uint8_t { task = 1, result = 2, error = 3 };

inline constexpr size_t kFrameHeader = 5;  // length + type
inline constexpr size_t kMaxFunctionName = 64;

// A whole frame: the header followed by the payload.
std::string encode_frame(FrameType type, std::string_view payload);
// A task frame; `name` must be 1..kMaxFunctionName bytes.
std::string encode_task(std::string_view name, std::string_view input);

// Splits a task payload into its function name and input; false if malformed.
bool decode_task(std::string_view payload, std::string_view& name, std::string_view& input);

// True if `name` is a valid function name: 1..64 of [A-Za-z0-9_.:-].
bool valid_function_name(std::string_view name);

class FrameReader {
 public:
  enum class State { frame, need_more, error };

  // `max_payload`: largest payload accepted.
  explicit FrameReader(size_t max_payload) : max_payload_(max_payload) {}

  // Appends received bytes.
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next whole frame (its type and payload, valid until the next feed()
  // or next()),
  // need_more, or error (oversized length or unknown type; `error()` says which).
  State next(FrameType& type, std::string_view& payload);
  const std::string& error() const { return error_; }
  // Bytes held that do not form a whole frame yet.
  size_t pending() const { return buffer_.size() - consumed_; }

 private:
  size_t max_payload_;
  std::string buffer_;
  size_t consumed_ = 0;  // bytes of buffer_ already returned as frames
  std::string error_;
};

}  // namespace mpmd::offload
