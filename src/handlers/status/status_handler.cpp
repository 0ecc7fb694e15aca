#include "handlers/status/status_handler.hpp"

#include <string>

#include "handlers/status/render.hpp"
#include "handlers/status/report.hpp"
#include "util/strings.hpp"

namespace mpmd::handlers::status {

namespace {
constexpr unsigned kMaxRefresh = 86400;
}  // namespace

StatusQuery parse_status_query(std::string_view query) {
  StatusQuery q;
  while (!query.empty()) {
    const size_t end = query.find_first_of("&;");
    std::string_view item = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
    const size_t eq = item.find('=');
    const std::string_view name = item.substr(0, eq);
    if (name == "auto") {
      q.format = StatusQuery::Format::text;
    } else if (name == "json") {
      q.format = StatusQuery::Format::json;
    } else if (name == "notable") {
      q.notable = true;
    } else if (name == "refresh") {
      if (eq == std::string_view::npos) {
        q.refresh = 1;
      } else {
        const auto n = util::parse_u64(item.substr(eq + 1));
        q.refresh = !n || *n < 1 ? 10u : unsigned(*n > kMaxRefresh ? kMaxRefresh : *n);
      }
    }
  }
  return q;
}

bool reject_unless_get(const http::Request& request, http::Response& response) {
  if (request.method == http::Method::get || request.method == http::Method::head) return false;
  response.status = 405;
  response.set_header("Allow", "GET, HEAD");
  response.set_header("Content-Type", "text/plain; charset=utf-8");
  response.body.append("405 Method Not Allowed\n");
  return true;
}

void StatusHandler::handle(const http::Request& request, http::Response& response) {
  if (reject_unless_get(request, response)) return;
  response.head_only = request.method == http::Method::head;
  const StatusQuery q = parse_status_query(request.query);
  const Report report = make_report(board_, facts_, request.host);
  std::vector<WorkerRow> rows;
  const bool table = !q.notable && q.format != StatusQuery::Format::text;
  if (table) rows = worker_rows(board_, facts_, report.now);

  if (q.refresh) response.set_header("Refresh", std::to_string(*q.refresh));
  // The page lists client addresses and requests: no cache may keep it.
  response.set_header("Cache-Control", "no-store");
  switch (q.format) {
    case StatusQuery::Format::text:
      response.set_header("Content-Type", "text/plain; charset=utf-8");
      response.body.append(render_auto(report));
      break;
    case StatusQuery::Format::json:
      response.set_header("Content-Type", "application/json");
      response.body.append(render_json(report, table ? &rows : nullptr));
      break;
    case StatusQuery::Format::html: {
      const std::string_view via = request.peer && !request.peer->local_address.empty()
                                       ? std::string_view(request.peer->local_address)
                                       : std::string_view(report.host);
      response.set_header("Content-Type", "text/html; charset=utf-8");
      response.body.append(render_html(report, table ? &rows : nullptr, via));
      break;
    }
  }
}

}  // namespace mpmd::handlers::status
