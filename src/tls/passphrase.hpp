// Private keys protected by a passphrase. The master reads keys before any
// child starts and has no terminal to ask on (it may run under systemd), so
// such a key is refused unless `SSLPassPhraseDialog exec:PROGRAM` names a
// program that prints the passphrase (mod_ssl's protocol: it is called with
// "SERVERNAME:PORT" and the key's index, and prints the passphrase on its
// standard output).
#pragma once

#include <string>

#include "config/tls.hpp"

namespace mpmd::tls {

class PassPhrase {
 public:
  PassPhrase(const config::Tls& tls, std::string server, int index)
      : tls_(tls), server_(std::move(server)), index_(index) {}

  // OpenSSL's pem_password_cb; `user` is a PassPhrase.
  static int callback(char* buf, int size, int rwflag, void* user);

  // Why the key could not be decrypted ("" if no passphrase was asked for).
  const std::string& error() const { return error_; }

 private:
  int ask(char* buf, int size);
  const config::Tls& tls_;
  std::string server_;
  int index_;
  std::string error_;
};

}  // namespace mpmd::tls
