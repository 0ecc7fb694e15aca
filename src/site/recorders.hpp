// The scoreboard's view of the requests of one serving thread: what runs now
// (the status page's Request/Client/VHost columns) and what was served. The
// VHost column is filled by the site, which knows the vhost chosen.
#pragma once

#include "http/handler.hpp"
#include "scoreboard/scoreboard.hpp"

namespace mpmd::site {

// Shows each request in the thread's scoreboard slot while it runs, then
// hands it to the router.
class RecordingHandler final : public http::Handler {
 public:
  RecordingHandler(scoreboard::Worker& worker, http::Handler& next)
      : worker_(worker), next_(next) {}

  void handle(const http::Request& request, http::Response& response) override {
    worker_.start_usec.store(request.start, std::memory_order_relaxed);
    worker_.request.set(request.request_line);
    if (request.peer) worker_.client.set(request.peer->address);
    worker_.protocol.set(request.version == http::Version::http10 ? "http/1.0" : "http/1.1");
    next_.handle(request, response);
  }

 private:
  scoreboard::Worker& worker_;
  http::Handler& next_;
};

// Counts each finished exchange in the thread's scoreboard slot, then hands
// it to the access logs.
class ScoreboardRecorder final : public http::ExchangeObserver {
 public:
  ScoreboardRecorder(scoreboard::Worker& worker, http::ExchangeObserver& access)
      : worker_(worker), access_(access) {}

  void on_exchange(const http::Request& request, const http::Response& response,
                   const http::Exchange& exchange) override {
    auto relaxed = std::memory_order_relaxed;
    worker_.access_count.fetch_add(1, relaxed);
    worker_.my_access_count.fetch_add(1, relaxed);
    worker_.bytes_served.fetch_add(exchange.body_bytes_sent, relaxed);
    worker_.my_bytes_served.fetch_add(exchange.body_bytes_sent, relaxed);
    worker_.stop_usec.store(exchange.end, relaxed);
    worker_.last_used_usec.store(exchange.end, relaxed);
    if (exchange.end > request.start) {
      worker_.duration_usec.fetch_add(uint64_t(exchange.end - request.start), relaxed);
    }
    access_.on_exchange(request, response, exchange);
  }
  void before_head(const http::Request& request, http::Response& response) override {
    access_.before_head(request, response);
  }

 private:
  scoreboard::Worker& worker_;
  http::ExchangeObserver& access_;
};

}  // namespace mpmd::site
