#include "http/request.hpp"

#include "util/strings.hpp"

namespace mpmd::http {

std::string_view method_name(Method m) {
  switch (m) {
    case Method::get:
      return "GET";
    case Method::head:
      return "HEAD";
    case Method::post:
      return "POST";
    case Method::put:
      return "PUT";
    case Method::delete_:
      return "DELETE";
    case Method::connect:
      return "CONNECT";
    case Method::options:
      return "OPTIONS";
    case Method::trace:
      return "TRACE";
    case Method::patch:
      return "PATCH";
  }
  return "";
}

std::string_view Headers::get(std::string_view name) const {
  for (const Header& h : fields_) {
    if (util::iequals(h.name, name)) return h.value;
  }
  return {};
}

bool Headers::has(std::string_view name) const {
  for (const Header& h : fields_) {
    if (util::iequals(h.name, name)) return true;
  }
  return false;
}

}  // namespace mpmd::http
