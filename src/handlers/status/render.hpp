// The status handler's three views of a Report.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "handlers/status/report.hpp"

namespace mpmd::handlers::status {

// ?auto: mod_status's machine-readable text, same keys in the same order.
std::string render_auto(const Report& report);

// The HTML page. `rows` null = ?notable (no per-worker table).
// `via`: the local address the request arrived on.
std::string render_html(const Report& report, const std::vector<WorkerRow>* rows,
                        std::string_view via);

// ?json: the same data as one JSON object. `rows` null = ?notable.
std::string render_json(const Report& report, const std::vector<WorkerRow>* rows);

}  // namespace mpmd::handlers::status
