// Helpers for the config tests: a made-up directive table and a temporary
// directory for Include tests.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "config/directive.hpp"

namespace mpmd::config::testing {

// The engine names the server passes to its parser (mpm/engines.cpp).
inline std::vector<std::string> engine_names() {
  return {"event", "worker", "prefork"};
}

// Rows standing in for other areas' tables.
struct Recorder {
  std::shared_ptr<std::vector<std::vector<std::string>>> calls =
      std::make_shared<std::vector<std::vector<std::string>>>();

  std::vector<Directive> table() const {
    auto c = calls;
    return {
        {"Record", 0, -1, kServer | kLocation | kDirectory,
         [c](Config&, const DirectiveCall& call) {
           c->push_back(call.args);
           return std::string();
         },
         "Record ARGS... - remembers its arguments"},
        {"DocRoot", 1, 1, kServer | kDirectory,
         [](Config& cfg, const DirectiveCall& call) {
           cfg.files.document_root = call.resolve(call.args[0]);
           return std::string();
         },
         "DocRoot DIR - document root"},
        {"LocOnly", 1, 1, kLocation,
         [](Config&, const DirectiveCall& call) {
           call.location->handler = "loc:" + call.args[0];
           return std::string();
         },
         "LocOnly NAME - sets the location's handler"},
        {"Warner", 0, 0, kServer,
         [](Config&, const DirectiveCall& call) {
           call.warn("hello");
           return std::string();
         },
         "Warner - warns"},
        {"Fails", 0, 0, kServer,
         [](Config&, const DirectiveCall&) { return std::string("bad thing"); },
         "Fails - always fails"},
        {"Origin", 0, 0, kServer,
         [c](Config&, const DirectiveCall& call) {
           c->push_back({call.file, std::to_string(call.line), call.server_root});
           return std::string();
         },
         "Origin - records file, line, ServerRoot"},
    };
  }
};

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/mpmd-config-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `text` to path()/rel, creating directories; returns the full path.
  std::string write(const std::string& rel, const std::string& text) const {
    std::filesystem::path p = std::filesystem::path(path_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  std::string path_;
};

}  // namespace mpmd::config::testing
