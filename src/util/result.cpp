#include "util/result.hpp"

#include <cstring>

namespace mpmd::util {

Error Error::from_errno(std::string what, int err) {
  what += ": ";
  what += std::strerror(err);
  return Error{std::move(what), err};
}

}  // namespace mpmd::util
