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

namespace {

void apply(const Policy& policy, const http::Request& request, http::Response& response) {
  if (!policy.active() || response.body.empty()) return;
  if (response.env("no-gzip") != nullptr) return;  // SetEnvIf ... no-gzip, as mod_deflate
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
  bool events = media_type(response.header("Content-Type")) == "text/event-stream";
  if (!compress_body(response.body, coding, policy.levels(), policy.buffer_size(), events)) return;
  mark_encoded(response, coding);
}

}  // namespace

void filter_response(const Policy& policy, const http::Request& request, http::Response& response) {
  if (!response.deferred) apply(policy, request, response);
}

DeferredFilter* DeferredFilter::install(const Policy& policy, const http::Request& request,
                                        http::Response& response) {
  if (request.completion == nullptr) return nullptr;
  // The connection's Request is not const; handlers see it as const.
  auto& mutable_request = const_cast<http::Request&>(request);
  auto* filter = new DeferredFilter(policy, mutable_request, response);
  mutable_request.completion = filter;
  return filter;
}

bool DeferredFilter::settle(DeferredFilter* filter, bool deferred) {
  if (filter == nullptr) return !deferred;
  if (filter->state_.exchange(kSettled) == kCompleted) {
    delete filter;  // answered through complete(): filtered there
    return false;
  }
  if (deferred) return false;  // complete() is to come, and frees it
  filter->request_.completion = filter->inner_;
  delete filter;
  return true;
}

void DeferredFilter::complete() {
  // The connection's own completion again, before it may serve the next request.
  request_.completion = inner_;
  apply(policy_, request_, response_);
  http::Completion* inner = inner_;
  // Past this, settle() may free this object on another thread.
  bool orphan = state_.exchange(kCompleted) == kSettled;
  inner->complete();
  if (orphan) delete this;
}

}  // namespace mpmd::compress
