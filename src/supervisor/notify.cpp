#include "supervisor/notify.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstdlib>
#include <cstring>

#include "util/error_log.hpp"
#include "util/log_ids.hpp"

namespace mpmd::supervisor::notify {

namespace {

std::string last_status;

void send(const std::string& state) {
  int rc = sd_notify(0, state.c_str());
  if (rc < 0) {
    static bool reported = false;  // once: the master keeps serving without it
    if (!reported) {
      reported = true;
      log::emit(log::LogLevel::warn, log::ids::kNotify,
                std::string("cannot notify systemd (NOTIFY_SOCKET): ") + std::strerror(-rc));
    }
  }
}

}  // namespace

bool enabled() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  return socket != nullptr && *socket != '\0';
}

void ready(const std::string& status) {
  if (!enabled()) return;
  last_status = status;
  send("READY=1\nSTATUS=" + status);
}

void reloading(const std::string& status) {
  if (!enabled()) return;
  // MONOTONIC_USEC: what systemd >= 253 wants with RELOADING=1 (Type=notify-reload).
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t usec = uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
  last_status = status;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\nSTATUS=" + status);
}

void stopping(const std::string& status) {
  if (!enabled()) return;
  last_status = status;
  send("STOPPING=1\nSTATUS=" + status);
}

void status(const std::string& status) {
  if (!enabled() || status == last_status) return;
  last_status = status;
  send("STATUS=" + status);
}

}  // namespace mpmd::supervisor::notify
