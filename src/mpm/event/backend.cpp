#include "mpm/event/backend.hpp"

#include <array>

namespace mpmd::mpm::event {

namespace {
constexpr std::array<std::string_view, 4> kNames{"select", "poll", "epoll", "io_uring"};
}  // namespace

std::span<const std::string_view> backend_names() {
  return kNames;
}

bool known_backend(std::string_view name) {
  for (std::string_view n : kNames) {
    if (n == name) return true;
  }
  return false;
}

util::Result<std::unique_ptr<Backend>> make_backend(std::string_view name) {
  if (name == "select") return detail::make_select_backend();
  if (name == "poll") return detail::make_poll_backend();
  if (name == "epoll") return detail::make_epoll_backend();
  if (name == "io_uring") return detail::make_uring_backend();
  return util::Error{"unknown event backend '" + std::string(name) + "'"};
}

}  // namespace mpmd::mpm::event
