#include "offload/frame.hpp"

namespace mpmd::offload {

namespace {

void put_header(std::string& out, FrameType type, size_t payload) {
  uint32_t n = uint32_t(payload + 1);
  out.push_back(char(n >> 24));
  out.push_back(char(n >> 16));
  out.push_back(char(n >> 8));
  out.push_back(char(n));
  out.push_back(char(type));
}

}  // namespace

std::string encode_frame(FrameType type, std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeader + payload.size());
  put_header(out, type, payload.size());
  out.append(payload);
  return out;
}

std::string encode_task(std::string_view name, std::string_view input) {
  std::string out;
  out.reserve(kFrameHeader + 1 + name.size() + input.size());
  put_header(out, FrameType::task, 1 + name.size() + input.size());
  out.push_back(char(uint8_t(name.size())));
  out.append(name);
  out.append(input);
  return out;
}

bool decode_task(std::string_view payload, std::string_view& name, std::string_view& input) {
  if (payload.empty()) return false;
  size_t n = uint8_t(payload[0]);
  if (n == 0 || n > kMaxFunctionName || payload.size() < 1 + n) return false;
  name = payload.substr(1, n);
  input = payload.substr(1 + n);
  return true;
}

bool valid_function_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxFunctionName) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

FrameReader::State FrameReader::next(FrameType& type, std::string_view& payload) {
  if (!error_.empty()) return State::error;
  // Drop what earlier frames used, once it is worth the move.
  if (consumed_ > 0 && (consumed_ == buffer_.size() || consumed_ > 65536)) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  size_t avail = buffer_.size() - consumed_;
  if (avail < kFrameHeader) return State::need_more;
  const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + consumed_);
  uint32_t n = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
  if (n == 0) {
    error_ = "frame without a type";
    return State::error;
  }
  if (n - 1 > max_payload_) {
    error_ = "frame of " + std::to_string(n - 1) + " bytes exceeds the limit of " +
             std::to_string(max_payload_);
    return State::error;
  }
  uint8_t t = p[4];
  if (t < uint8_t(FrameType::task) || t > uint8_t(FrameType::error)) {
    error_ = "unknown frame type " + std::to_string(t);
    return State::error;
  }
  if (avail < 4 + size_t(n)) {
    buffer_.reserve(consumed_ + 4 + size_t(n));
    return State::need_more;
  }
  type = FrameType(t);
  payload = std::string_view(buffer_.data() + consumed_ + kFrameHeader, n - 1);
  consumed_ += 4 + size_t(n);
  return State::frame;
}

}  // namespace mpmd::offload
