#include "net/socket_io.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

namespace mpmd::net {

namespace {
constexpr size_t kMaxIov = 64;
// One sendfile call sends at most this much, so one connection cannot hog a loop.
constexpr uint64_t kMaxSendfileChunk = 1u << 20;
}  // namespace

WriteResult write_slices(int fd, std::span<const http::OutputSlice> slices) {
  if (slices.empty()) return {0, 0};
  if (slices[0].fd >= 0) {
    off_t off = off_t(slices[0].offset);
    size_t len =
        size_t(slices[0].length < kMaxSendfileChunk ? slices[0].length : kMaxSendfileChunk);
    ssize_t n = ::sendfile(fd, slices[0].fd, &off, len);
    if (n == 0 && len > 0) {
      // The file shrank under us: report it as a broken transfer.
      errno = EIO;
      return {-1, len};
    }
    // A short sendfile may mean a truncated file rather than a full socket:
    // report it as complete so the caller tries again and learns which.
    return {n, n > 0 ? uint64_t(n) : len};
  }
  struct iovec iov[kMaxIov];
  size_t count = 0;
  uint64_t attempted = 0;
  for (const auto& s : slices) {
    if (s.fd >= 0 || count == kMaxIov) break;
    iov[count].iov_base = const_cast<char*>(s.bytes.data());
    iov[count].iov_len = s.bytes.size();
    attempted += s.bytes.size();
    ++count;
  }
  if (count == 1) return {::send(fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL), attempted};
  struct msghdr msg;
  std::memset(&msg, 0, sizeof msg);
  msg.msg_iov = iov;
  msg.msg_iovlen = count;
  return {::sendmsg(fd, &msg, MSG_NOSIGNAL), attempted};
}

PeerAddress describe_peer(const void* storage) {
  PeerAddress out{};
  const auto* ss = static_cast<const sockaddr_storage*>(storage);
  if (ss->ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(ss);
    inet_ntop(AF_INET, &a->sin_addr, out.text, sizeof out.text);
    out.port = ntohs(a->sin_port);
  } else if (ss->ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(ss);
    if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
      inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], out.text, sizeof out.text);
    } else {
      inet_ntop(AF_INET6, &a->sin6_addr, out.text, sizeof out.text);
    }
    out.port = ntohs(a->sin6_port);
  } else {
    std::strcpy(out.text, "unknown");
  }
  return out;
}

}  // namespace mpmd::net
