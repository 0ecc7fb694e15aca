#pragma once

#include <string_view>

namespace mpmd {

inline constexpr std::string_view kName = "mpmd";
inline constexpr std::string_view kVersion = "0.1.0";

}  // namespace mpmd
