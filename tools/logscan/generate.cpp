#include "logscan/generate.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "logscan/timeparse.hpp"

namespace mpmd::logscan {

namespace {

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

const char* const kNames[] = {"alice",  "bob",   "carol", "dave",    "erin",   "frank",  "grace",
                              "heidi",  "ivan",  "judy",  "mallory", "niaj",   "olivia", "peggy",
                              "rupert", "sybil", "trent", "victor",  "walter", "yusuf"};

const char* const kAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.3 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.6261.64 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.66",
    "curl/7.88.1",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "Wget/1.21.3",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (compatible; \\\"quoted\\\" agent)",
    "-",
};

const char* const kWords[] = {"linux",  "apache", "nginx", "mpm",   "event", "worker", "prefork",
                              "tuning", "tls",    "http2", "cache", "proxy", "logs",   "status"};

std::vector<double> zipf_cdf(size_t n, double s) {
  std::vector<double> cdf(n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) cdf[i] = (sum += 1.0 / std::pow(double(i + 1), s));
  for (double& c : cdf) c /= sum;
  return cdf;
}

void two_digits(std::string& out, int v) {
  out += char('0' + v / 10);
  out += char('0' + v % 10);
}

}  // namespace

LogGenerator::LogGenerator(const GenOptions& options)
    : options_(options),
      state_(options.seed * 0x9E3779B97F4A7C15ull + 1),
      time_(double(options.start_time)) {
  for (int i = 0; i < 20000; ++i) {
    uint64_t r = next();
    if (i % 10 == 9) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "2001:db8:%x:%x::%x", unsigned(r & 0xffff),
                    unsigned((r >> 16) & 0xfff), unsigned((r >> 32) & 0xffff));
      ips_.push_back(buf);
    } else {
      ips_.push_back(std::to_string(1 + (r & 0xff) % 223) + "." + std::to_string((r >> 8) & 0xff) +
                     "." + std::to_string((r >> 16) & 0xff) + "." +
                     std::to_string(1 + ((r >> 24) & 0xff) % 254));
    }
  }
  for (int i = 0; i < 400; ++i) {
    std::string name = kNames[i % 20];
    if (i >= 20) name += std::to_string(i);
    users_.push_back(name);
  }
  paths_ = {"/",           "/index.html",          "/favicon.ico",
            "/robots.txt", "/static/css/site.css", "/static/js/app.3f9a1c.js",
            "/login",      "/wp-login.php",        "/feed.xml",
            "/sitemap.xml"};
  for (int i = 0; paths_.size() < 3000; ++i) {
    uint64_t r = next();
    switch (i % 6) {
      case 0:
        paths_.push_back("/images/photo" + std::to_string(r % 5000) + ".jpg");
        break;
      case 1:
        paths_.push_back("/api/v1/users/" + std::to_string(r % 100000));
        break;
      case 2:
        paths_.push_back("/api/v1/orders?page=" + std::to_string(r % 50) + "&sort=date");
        break;
      case 3:
        paths_.push_back("/blog/" + std::to_string(2015 + r % 10) + "/" + kWords[r % 14] + "-" +
                         kWords[(r >> 8) % 14] + ".html");
        break;
      case 4:
        paths_.push_back(std::string("/search?q=") + kWords[r % 14] + "+" + kWords[(r >> 8) % 14]);
        break;
      default:
        paths_.push_back("/docs/" + std::string(kWords[r % 14]) + "/page" + std::to_string(r % 40));
        break;
    }
  }
  for (const std::string& p : paths_) {
    uint64_t r = next();
    bool image = p.find(".jpg") != std::string::npos;
    path_sizes_.push_back(uint32_t(image ? 20000 + r % 400000 : 300 + r % 30000));
  }
  referers_.push_back("-");
  for (int i = 0; i < 200; ++i)
    referers_.push_back("https://www.example.com" + paths_[size_t(i) * 7 % paths_.size()]);
  referers_.push_back("https://www.google.com/");
  referers_.push_back("https://duckduckgo.com/");
  referers_.push_back("https://www.bing.com/search?q=mpmd");
  for (const char* a : kAgents) agents_.push_back(a);
  ip_cdf_ = zipf_cdf(ips_.size(), 1.05);
  user_cdf_ = zipf_cdf(users_.size(), 1.1);
  path_cdf_ = zipf_cdf(paths_.size(), 1.0);
  agent_cdf_ = zipf_cdf(agents_.size(), 0.9);
  referer_cdf_ = zipf_cdf(referers_.size(), 1.2);
}

uint64_t LogGenerator::next() {
  // splitmix64
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

size_t LogGenerator::zipf(const std::vector<double>& cdf) {
  double u = uniform();
  return size_t(std::lower_bound(cdf.begin(), cdf.end() - 1, u) - cdf.begin());
}

void LogGenerator::append_valid(std::string& out) {
  // Arrivals: exponential gaps at the configured rate.
  time_ += -std::log(1.0 - uniform()) / options_.lines_per_second;
  out += ips_[zipf(ip_cdf_)];
  out += " - ";
  out += uniform() < 0.9 ? std::string_view("-") : std::string_view(users_[zipf(user_cdf_)]);
  // %t in +0100 (Central European winter time).
  int64_t local = int64_t(time_) + 3600;
  int64_t days = local / 86400;
  int64_t secs = local % 86400;
  std::string iso = format_utc(days * 86400);  // yyyy-mm-dd
  int month = (iso[5] - '0') * 10 + (iso[6] - '0');
  out += " [";
  out.append(iso, 8, 2);
  out += '/';
  out += kMonths[month - 1];
  out += '/';
  out.append(iso, 0, 4);
  out += ':';
  two_digits(out, int(secs / 3600));
  out += ':';
  two_digits(out, int(secs / 60 % 60));
  out += ':';
  two_digits(out, int(secs % 60));
  out += " +0100] \"";
  double m = uniform();
  const char* method = m < 0.86    ? "GET"
                       : m < 0.95  ? "POST"
                       : m < 0.98  ? "HEAD"
                       : m < 0.99  ? "PUT"
                       : m < 0.995 ? "DELETE"
                                   : "OPTIONS";
  out += method;
  out += ' ';
  size_t path = zipf(path_cdf_);
  out += paths_[path];
  double pr = uniform();
  out += pr < 0.8 ? " HTTP/1.1\" " : pr < 0.95 ? " HTTP/2.0\" " : " HTTP/1.0\" ";
  double s = uniform();
  int status = s < 0.82    ? 200
               : s < 0.88  ? 304
               : s < 0.93  ? 404
               : s < 0.95  ? 301
               : s < 0.965 ? 302
               : s < 0.97  ? 206
               : s < 0.978 ? 403
               : s < 0.983 ? 401
               : s < 0.988 ? 400
               : s < 0.993 ? 500
               : s < 0.995 ? 502
                           : 503;
  out += std::to_string(status);
  out += ' ';
  if (status == 304 || std::strcmp(method, "HEAD") == 0) {
    out += '-';
  } else if (status == 200) {
    out += std::to_string(path_sizes_[path]);
  } else if (status == 206) {
    out += std::to_string(path_sizes_[path] / 2);
  } else {
    out += std::to_string(150 + next() % 400);
  }
  out += " \"";
  out += referers_[zipf(referer_cdf_)];
  out += "\" \"";
  out += agents_[zipf(agent_cdf_)];
  out += '"';
}

void LogGenerator::append_line(std::string& out) {
  if (options_.malformed_fraction > 0 && uniform() < options_.malformed_fraction) {
    switch (next() % 4) {
      case 0: {  // a line cut short (a crash mid-write)
        std::string full;
        append_valid(full);
        out.append(full, 0, 1 + next() % (full.size() - 2));
        break;
      }
      case 1:
        out += "GET /no/log/format/here HTTP/1.1";
        break;
      case 2:
        out += "";
        break;  // an empty line
      default: {
        std::string full;
        append_valid(full);
        size_t at = full.find(" \"");
        full.erase(at + 1, 1);  // the request's opening quote is missing
        out += full;
      }
    }
  } else {
    append_valid(out);
  }
  if (options_.crlf_fraction > 0 && uniform() < options_.crlf_fraction) out += '\r';
  out += '\n';
}

std::string generate_log(const GenOptions& options) {
  LogGenerator gen(options);
  std::string out;
  for (uint64_t i = 0; options.bytes ? out.size() < options.bytes : i < options.lines; ++i)
    gen.append_line(out);
  if (!options.final_newline && !out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string generate_to_fd(const GenOptions& options, int fd) {
  LogGenerator gen(options);
  std::string buf;
  uint64_t written = 0, lines = 0;
  auto flush = [&](bool last) -> std::string {
    if (last && !options.final_newline && !buf.empty() && buf.back() == '\n') buf.pop_back();
    const char* p = buf.data();
    size_t n = buf.size();
    while (n > 0) {
      ssize_t w = write(fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return std::string("write: ") + std::strerror(errno);
      p += w;
      n -= size_t(w);
    }
    written += buf.size();
    buf.clear();
    return "";
  };
  while (options.bytes ? written + buf.size() < options.bytes : lines < options.lines) {
    gen.append_line(buf);
    ++lines;
    if (buf.size() >= (1u << 20)) {
      bool last = options.bytes ? written + buf.size() >= options.bytes : lines >= options.lines;
      if (last) break;
      if (std::string e = flush(false); !e.empty()) return e;
    }
  }
  return flush(true);
}

}  // namespace mpmd::logscan
