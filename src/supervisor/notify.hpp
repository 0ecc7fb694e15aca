// systemd's service notification (Type=notify units), through libsystemd's
// sd_notify: READY=1 once the listeners are open and the first generation
// serves, RELOADING=1 / READY=1 around graceful restarts, STOPPING=1, and
// STATUS= lines with the generation and the children. Without NOTIFY_SOCKET
// (not started by systemd) every call does nothing.
#pragma once

#include <string>

namespace mpmd::supervisor::notify {

bool enabled();
void ready(const std::string& status);
void reloading(const std::string& status);
void stopping(const std::string& status);
// Sends STATUS= only when it differs from the last one sent.
void status(const std::string& status);

}  // namespace mpmd::supervisor::notify
