// An application built against another API version: mpmd must refuse it.
#include <mpmd/app.hpp>

extern "C" __attribute__((visibility("default"))) const mpmd::app::AbiInfo* mpmd_app_abi() {
  static constexpr mpmd::app::AbiInfo info{999, mpmd::app::abi_info().cxx_abi,
                                           mpmd::app::abi_info().cxx11_abi,
                                           mpmd::app::abi_info().layout};
  return &info;
}

extern "C" __attribute__((visibility("default"))) void mpmd_app_register(mpmd::app::Registry&) {}
