#include "net/transport.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "net/socket_io.hpp"

namespace mpmd::net {

namespace {
IoResult failed(int err, Io would_block) {
  if (err == EAGAIN || err == EWOULDBLOCK) return {would_block, 0, 0, 0};
  return {Io::error, 0, 0, err};
}
}  // namespace

IoResult PlainTransport::read(std::span<char> into) {
  while (true) {
    ssize_t n = ::recv(fd_.get(), into.data(), into.size(), 0);
    if (n > 0) return {Io::done, size_t(n), 0, 0};
    if (n == 0) return {Io::eof, 0, 0, 0};
    if (errno != EINTR) return failed(errno, Io::want_read);
  }
}

IoResult PlainTransport::write(std::span<const http::OutputSlice> slices) {
  while (true) {
    WriteResult w = write_slices(fd_.get(), slices);
    if (w.written > 0) return {Io::done, size_t(w.written), w.attempted, 0};
    if (w.written == 0) return {Io::done, 0, w.attempted, 0};  // nothing to write
    if (errno != EINTR) return failed(errno, Io::want_write);
  }
}

IoResult PlainTransport::shutdown_write() {
  if (::shutdown(fd_.get(), SHUT_WR) != 0) return {Io::error, 0, 0, errno};
  return {};
}

}  // namespace mpmd::net
