// An application built against another API version: mpmd must refuse it.
#include <mpmd/app.hpp>

extern "C" __attribute__((visibility("default"))) const mpmd::app::AbiInfo* mpmd_app_abi() {
  static constexpr mpmd::app::AbiInfo info = [] {
    mpmd::app::AbiInfo i = mpmd::app::abi_info();
    i.api_version = 999;
    return i;
  }();
  return &info;
}

extern "C" __attribute__((visibility("default"))) void mpmd_app_register(mpmd::app::Registry&) {}
