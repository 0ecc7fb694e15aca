#include "http/response.hpp"

#include <algorithm>

#include "util/strings.hpp"

namespace mpmd::http {

std::string_view Segment::bytes() const {
  if (const Text* t = std::get_if<Text>(&kind_)) return t->text;
  if (const Shared* s = std::get_if<Shared>(&kind_)) {
    return std::string_view(s->data->data() + s->offset, s->length);
  }
  return {};
}

uint64_t Segment::size() const {
  switch (kind_.index()) {
    case 0:
      return std::get<Text>(kind_).text.size();
    case 1:
      return std::get<Shared>(kind_).length;
    case 2:
      return std::get<File>(kind_).length;
    default: {
      auto length = std::get<Stream>(kind_).source->length();
      return length ? *length : 0;
    }
  }
}

BodySource* Segment::source() const {
  const Stream* s = std::get_if<Stream>(&kind_);
  return s ? s->source.get() : nullptr;
}

void Body::append(std::string text) {
  if (text.empty()) return;
  size_ += text.size();
  segments_.emplace_back(Segment::Text{std::move(text)});
}

void Body::append_shared(std::shared_ptr<const std::string> data, size_t offset, size_t length) {
  if (!data || length == 0) return;
  offset = std::min(offset, data->size());
  length = std::min(length, data->size() - offset);
  if (length == 0) return;
  size_ += length;
  segments_.emplace_back(Segment::Shared{std::move(data), offset, length});
}

void Body::append_file(std::shared_ptr<const OpenFile> file, uint64_t offset, uint64_t length) {
  if (!file || length == 0) return;
  size_ += length;
  segments_.emplace_back(Segment::File{std::move(file), offset, length});
}

void Body::append_stream(std::shared_ptr<BodySource> source) {
  if (!source) return;
  if (auto length = source->length()) size_ += *length;
  segments_.emplace_back(Segment::Stream{std::move(source)});
}

std::optional<uint64_t> Body::length() const {
  if (BodySource* s = stream(); s && !s->length()) return std::nullopt;
  return size_;
}

void Body::clear() {
  segments_.clear();
  size_ = 0;
}

void Response::set_header(std::string_view name, std::string value) {
  auto it = std::find_if(headers.begin(), headers.end(),
                         [&](const ResponseHeader& h) { return util::iequals(h.name, name); });
  if (it == headers.end()) {
    headers.push_back({std::string(name), std::move(value)});
    return;
  }
  it->value = std::move(value);
  auto rest = std::remove_if(it + 1, headers.end(),
                             [&](const ResponseHeader& h) { return util::iequals(h.name, name); });
  headers.erase(rest, headers.end());
}

void Response::add_header(std::string_view name, std::string value) {
  headers.push_back({std::string(name), std::move(value)});
}

void Response::add_header_copy(std::string_view name, std::string_view value) {
  if (spare_headers_.empty()) {
    headers.push_back({std::string(name), std::string(value)});
    return;
  }
  ResponseHeader& h = headers.emplace_back(std::move(spare_headers_.back()));
  spare_headers_.pop_back();
  h.name.assign(name);
  h.value.assign(value);
}

std::string_view Response::header(std::string_view name) const {
  for (const ResponseHeader& h : headers) {
    if (util::iequals(h.name, name)) return h.value;
  }
  return {};
}

void Response::clear() {
  status = 200;
  // Kept: fields that own heap memory (short strings live inline and cost
  // nothing to make again), small enough that a connection holds at most
  // kSpareHeaders x 2 x kSpareCapacity bytes.
  static const size_t inline_capacity = std::string().capacity();
  for (ResponseHeader& h : headers) {
    if (spare_headers_.size() == kSpareHeaders) break;
    size_t most = std::max(h.name.capacity(), h.value.capacity());
    if (most > inline_capacity && most <= kSpareCapacity) spare_headers_.push_back(std::move(h));
  }
  headers.clear();
  body.clear();
  head_only = false;
  close = false;
  deferred = false;
  remote_user.reset();
  environment.clear();
  site_host = -1;
}

void Response::release_memory() {
  clear();
  std::vector<ResponseHeader>().swap(spare_headers_);
  std::vector<ResponseHeader>().swap(headers);
  keep.reset();
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

const std::string* Response::env(std::string_view name) const {
  for (const auto& [k, v] : environment) {
    if (k == name) return &v;
  }
  return nullptr;
}

}  // namespace mpmd::http
