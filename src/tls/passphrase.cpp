#include "tls/passphrase.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/unique_fd.hpp"

namespace mpmd::tls {

int PassPhrase::callback(char* buf, int size, int, void* user) {
  return static_cast<PassPhrase*>(user)->ask(buf, size);
}

int PassPhrase::ask(char* buf, int size) {
  const std::string& dialog = tls_.pass_phrase_dialog;
  if (dialog.rfind("exec:", 0) != 0) {
    error_ =
        "the private key is protected by a passphrase, and the server cannot ask for it (it "
        "starts without a terminal); remove the passphrase (openssl pkey -in KEY -out KEY) or "
        "name a program that prints it with SSLPassPhraseDialog exec:/path/to/program";
    return -1;
  }
  std::string program = dialog.substr(5);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    error_ = std::string("SSLPassPhraseDialog: pipe: ") + std::strerror(errno);
    return -1;
  }
  util::UniqueFd read_end(fds[0]), write_end(fds[1]);
  std::string index = std::to_string(index_);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(write_end.get(), 1);
    char* argv[] = {program.data(), server_.data(), index.data(), nullptr};
    execv(program.c_str(), argv);
    _exit(127);
  }
  write_end.reset();
  if (pid < 0) {
    error_ = std::string("SSLPassPhraseDialog: fork: ") + std::strerror(errno);
    return -1;
  }
  std::string out;
  char chunk[256];
  ssize_t n;
  while ((n = ::read(read_end.get(), chunk, sizeof chunk)) > 0 && out.size() < 4096) {
    out.append(chunk, size_t(n));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    error_ = "SSLPassPhraseDialog " + program + " failed (exit status " +
             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")";
    return -1;
  }
  size_t end = out.find_first_of("\r\n");
  if (end != std::string::npos) out.resize(end);
  if (int(out.size()) > size) {
    error_ = "SSLPassPhraseDialog " + program + " printed a passphrase longer than OpenSSL takes";
    return -1;
  }
  std::memcpy(buf, out.data(), out.size());
  // A wrong passphrase is reported by OpenSSL's decryption: say who gave it.
  error_ = "the passphrase printed by " + program + " does not decrypt the key";
  return int(out.size());
}

}  // namespace mpmd::tls
