// SetHandler server-status: mod_status's page (HTML), ?auto (text that
// existing consumers such as prometheus-apache-exporter read unchanged) and
// ?json. Holds no state of its own: cheap to construct per engine thread, and
// one instance may also serve all threads of a child.
#pragma once

#include <optional>
#include <string_view>

#include "handlers/status/status_facts.hpp"
#include "http/handler.hpp"
#include "scoreboard/scoreboard.hpp"

namespace mpmd::handlers::status {

struct StatusQuery {
  enum class Format { html, text, json };
  Format format = Format::html;
  bool notable = false;             // no per-worker table
  std::optional<unsigned> refresh;  // seconds for the Refresh header
};

// mod_status's options: "auto", "json", "notable", "refresh[=N]" separated by
// '&' or ';'. refresh without a value is 1; a value below 1 (or not a number) is 10.
StatusQuery parse_status_query(std::string_view query);

class StatusHandler final : public http::Handler {
 public:
  // Both must outlive the handler.
  StatusHandler(const scoreboard::Scoreboard& board, const StatusFacts& facts)
      : board_(board), facts_(facts) {}

  // GET and HEAD; anything else is 405 with Allow.
  void handle(const http::Request& request, http::Response& response) override;

 private:
  const scoreboard::Scoreboard& board_;
  const StatusFacts& facts_;
};

// 405 with "Allow: GET, HEAD" unless the method is GET or HEAD; true if answered.
bool reject_unless_get(const http::Request& request, http::Response& response);

}  // namespace mpmd::handlers::status
