#include "handlers/static_files/responses.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "handlers/static_files/path.hpp"
#include "util/escape.hpp"

namespace mpmd::static_files {

namespace {

std::string_view explanation(int status) {
  switch (status) {
    case 400:
      return "Your browser sent a request that this server could not understand.";
    case 403:
      return "You don't have permission to access this resource.";
    case 404:
      return "The requested URL was not found on this server.";
    case 405:
      return "The requested method is not allowed for this URL.";
    case 412:
      return "The precondition on the request for this URL evaluated to false.";
    case 416:
      return "None of the range-specifier values in the Range request-header field overlap "
             "the current extent of the selected resource.";
    default:
      return "The server encountered an internal error and was unable to complete your "
             "request.";
  }
}

}  // namespace

void error_page(http::Response& response, int status) {
  response.status = status;
  std::string code = std::to_string(status);
  std::string_view reason = http::reason_phrase(status);
  std::string body;
  body.reserve(256);
  body += "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>";
  body += code;
  body += ' ';
  body += reason;
  body += "</title>\n</head><body>\n<h1>";
  body += reason;
  body += "</h1>\n<p>";
  body += explanation(status);
  body += "</p>\n</body></html>\n";
  add_field(response, "Content-Type", "text/html; charset=iso-8859-1");
  response.body.append(std::move(body));
}

void redirect(http::Response& response, std::string_view location) {
  response.status = 301;
  add_field(response, "Location", location);
  std::string body =
      "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n"
      "<title>301 Moved Permanently</title>\n</head><body>\n<h1>Moved Permanently</h1>\n"
      "<p>The document has moved <a href=\"";
  body += html_escape(location);
  body += "\">here</a>.</p>\n</body></html>\n";
  add_field(response, "Content-Type", "text/html; charset=iso-8859-1");
  response.body.append(std::move(body));
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  util::append_html_escaped(out, s);
  return out;
}

bool directory_listing(http::Response& response, util::UniqueFd dir_fd, std::string_view url_path) {
  DIR* dir = ::fdopendir(dir_fd.get());
  if (!dir) return false;
  dir_fd.release();  // closedir() closes it
  struct Item {
    std::string name;
    bool is_dir;
  };
  std::vector<Item> items;
  while (struct dirent* d = ::readdir(dir)) {
    std::string_view name(d->d_name);
    if (name == "." || name == ".." || name.substr(0, 3) == ".ht") continue;
    struct stat st;
    bool is_dir = d->d_type == DT_DIR;
    if (d->d_type == DT_UNKNOWN &&
        ::fstatat(::dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
      is_dir = S_ISDIR(st.st_mode);
    items.push_back({std::string(name), is_dir});
  }
  ::closedir(dir);
  std::sort(items.begin(), items.end(),
            [](const Item& a, const Item& b) { return a.name < b.name; });

  std::string title = html_escape(url_path);
  std::string body = "<!DOCTYPE html>\n<html><head><title>Index of " + title +
                     "</title></head><body>\n<h1>Index of " + title + "</h1>\n<ul>\n";
  if (url_path != "/") body += "<li><a href=\"../\">Parent Directory</a></li>\n";
  for (const Item& item : items) {
    std::string href = encode_path(item.name);
    // A name with ':' could read as a scheme; "./" keeps the link relative.
    if (item.name.find(':') != std::string::npos) href.insert(0, "./");
    if (item.is_dir) href += '/';
    body += "<li><a href=\"" + html_escape(href) + "\">" + html_escape(item.name) +
            (item.is_dir ? "/" : "") + "</a></li>\n";
  }
  body += "</ul>\n</body></html>\n";
  response.status = 200;
  add_field(response, "Content-Type", "text/html;charset=UTF-8");
  response.body.append(std::move(body));
  return true;
}

}  // namespace mpmd::static_files
