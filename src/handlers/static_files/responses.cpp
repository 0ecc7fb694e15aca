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

void redirect(http::Response& response, std::string_view location, int status) {
  response.status = status;
  add_field(response, "Location", location);
  std::string reason(http::reason_phrase(status));
  std::string body = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>" +
                     std::to_string(status) + " " + reason + "</title>\n</head><body>\n<h1>" +
                     reason + "</h1>\n<p>";
  // Apache's words (http_protocol.c).
  body += status == 303 ? "The answer to your request is located <a href=\""
                        : "The document has moved <a href=\"";
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
