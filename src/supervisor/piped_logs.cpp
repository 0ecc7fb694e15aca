#include "supervisor/piped_logs.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/error_log.hpp"
#include "util/log_ids.hpp"
#include "util/system_log.hpp"

namespace mpmd::supervisor {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRestartInterval = std::chrono::seconds(1);

std::vector<std::string> targets(const config::Config& config) {
  std::vector<std::string> out;
  if (log::is_pipe_target(config.logs.error_log)) out.push_back(config.logs.error_log);
  for (const config::CustomLog& c : config::all_custom_logs(config)) {
    if (log::is_pipe_target(c.path) && std::find(out.begin(), out.end(), c.path) == out.end()) {
      out.push_back(c.path);
    }
  }
  return out;
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace

util::Status PipedLogs::prepare(const config::Config& config) {
  for (const std::string& target : targets(config)) {
    bool known = false;
    for (const Program& p : programs_) known = known || p.target == target;
    if (known) continue;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return util::Error::from_errno("piped log " + target + ": pipe");
    }
    Program p;
    p.target = target;
    p.read.reset(fds[0]);
    p.write.reset(fds[1]);
    log::register_pipe(target, p.write.get());
    programs_.push_back(std::move(p));
  }
  return {};
}

void PipedLogs::start(Program& p) {
  p.started = Clock::now();
  pid_t pid = ::fork();
  if (pid < 0) {
    log::emit(log::LogLevel::error, log::ids::kPipedLog,
              "cannot start piped log program " + p.target + ": fork: " + std::strerror(errno));
    return;
  }
  if (pid == 0) {
    // The master blocks its signals and ignores SIGPIPE; the program gets
    // the defaults. Its only inherited descriptors are 0 (the pipe), 1, 2.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    if (::dup2(p.read.get(), 0) < 0) _exit(127);
    std::string command = p.target.substr(1);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  p.pid = pid;
  log::emit(log::LogLevel::info, log::ids::kPipedLog,
            "piped log program started (pid " + std::to_string(pid) + "): " + p.target);
}

void PipedLogs::start_due() {
  Clock::time_point now = Clock::now();
  for (Program& p : programs_) {
    if (p.pid == 0 && p.read && now - p.started >= kRestartInterval) start(p);
  }
}

bool PipedLogs::on_exit(pid_t pid, int status) {
  for (Program& p : programs_) {
    if (p.pid != pid) continue;
    p.pid = 0;
    if (p.read) {
      log::emit(log::LogLevel::error, log::ids::kPipedLog,
                "piped log program " + p.target + " (pid " + std::to_string(pid) +
                    ") ended: " + describe(status) + "; restarting it");
    }
    return true;
  }
  return false;
}

void PipedLogs::retire_unused(const config::Config& config) {
  std::vector<std::string> used = targets(config);
  std::erase_if(programs_, [&](const Program& p) {
    if (std::find(used.begin(), used.end(), p.target) != used.end()) return false;
    log::register_pipe(p.target, -1);
    log::emit(log::LogLevel::info, log::ids::kPipedLog,
              "piped log " + p.target + " no longer configured; it ends with the old children");
    return true;  // destroying it closes the master's ends
  });
}

void PipedLogs::close_all() {
  for (Program& p : programs_) {
    p.write.reset();
    p.read.reset();
  }
}

PipedLogs& piped_logs() {
  static PipedLogs instance;
  return instance;
}

}  // namespace mpmd::supervisor
