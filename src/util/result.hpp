// The one way to return an expected failure: Result<T> holds a value or an
// Error (a message for the log or the user, and the errno when there is one).
// Exceptions are for the unexpected; a missing file, a refused connection or
// a bad configuration value is a Result.
//
//   util::Result<UniqueFd> open_log(const std::string& path) {
//     int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
//     if (fd < 0) return util::Error::from_errno("open " + path);
//     return util::UniqueFd(fd);
//   }
//   auto log = open_log(p);
//   if (!log) report(log.error().message);
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace mpmd::util {

struct Error {
  std::string message;
  int code = 0;  // errno, or 0 when the failure is not a system call's

  // "what: strerror(errno)", with errno captured now.
  static Error from_errno(std::string what, int err = errno);
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// A failure or nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace mpmd::util
