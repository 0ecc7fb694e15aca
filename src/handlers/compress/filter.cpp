#include "handlers/compress/filter.hpp"

#include <algorithm>

#include "handlers/compress/stream.hpp"
#include "util/strings.hpp"

namespace mpmd::compress {

void mark_encoded(http::Response& response, Coding coding) {
  auto& headers = response.headers;
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [](const http::ResponseHeader& h) {
                                 return util::iequals(h.name, "Content-Length");
                               }),
                headers.end());
  for (http::ResponseHeader& h : headers) {
    if (util::iequals(h.name, "ETag")) h.value = tagged_etag(h.value, coding);
  }
  response.add_header_copy("Content-Encoding", token(coding));
}

void filter_response(const Policy& policy, const http::Request& request, http::Response& response) {
  if (!policy.active() || response.deferred || response.body.empty()) return;
  Candidate c;
  c.status = response.status;
  c.content_encoding = response.header("Content-Encoding");
  c.cache_control = response.header("Cache-Control");
  c.content_range = !response.header("Content-Range").empty();
  c.length = response.body.length();
  if (!eligible(c) || varies_on_encoding(response)) return;
  if (!policy.filters(request.path, response.header("Content-Type"))) return;
  add_vary(response);
  if (response.head_only || request.method == http::Method::head) return;
  Coding coding = choose(request.headers, policy.encodings());
  if (coding == Coding::identity) return;
  if (!compress_body(response.body, coding, policy.levels(), policy.buffer_size())) return;
  mark_encoded(response, coding);
}

}  // namespace mpmd::compress
