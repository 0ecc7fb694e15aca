// SetHandler metrics: the scoreboard and the master's counters in Prometheus
// text exposition format 0.0.4, with the saturation signals Apache hides:
// busy/idle workers against MaxRequestWorkers, queued connections, cycles spent
// at MaxRequestWorkers, keep-alive connections closed early, refused connections.
#pragma once

#include <string>

#include "handlers/status/status_facts.hpp"
#include "http/handler.hpp"
#include "scoreboard/scoreboard.hpp"

namespace mpmd::handlers::status {

class MetricsHandler final : public http::Handler {
 public:
  // Both must outlive the handler.
  MetricsHandler(const scoreboard::Scoreboard& board, const StatusFacts& facts)
      : board_(board), facts_(facts) {}

  // GET and HEAD; anything else is 405 with Allow.
  void handle(const http::Request& request, http::Response& response) override;

 private:
  const scoreboard::Scoreboard& board_;
  const StatusFacts& facts_;
};

// The exposition text itself.
std::string render_metrics(const scoreboard::Scoreboard& board, const StatusFacts& facts);

}  // namespace mpmd::handlers::status
