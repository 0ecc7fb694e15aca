#include "logscan/aggregate.hpp"

#include <cinttypes>
#include <cstdio>

#include "logscan/timeparse.hpp"
#include "util/escape.hpp"

namespace mpmd::logscan {

Aggregates::Aggregates(const QuerySpec& spec) : spec_(&spec), tops_(spec.tops.size()) {}

void Aggregates::add(const Record& rec) {
  ++matched_;
  bytes_ += rec.bytes;
  for (size_t i = 0; i < tops_.size(); ++i) tops_[i].add_later(rec.value(spec_->tops[i].key));
  if (spec_->per_seconds != 0) {
    int64_t t = rec.time;
    int64_t key = t - ((t % spec_->per_seconds) + spec_->per_seconds) % spec_->per_seconds;
    if (key != last_key_) {
      last_bucket_ = &buckets_[key];
      last_key_ = key;
    }
    ++last_bucket_->count;
    last_bucket_->bytes += rec.bytes;
  }
}

void Aggregates::flush() {
  for (CountTable& t : tops_) t.flush();
}

void Aggregates::merge(Aggregates& other) {
  flush();
  other.flush();
  matched_ += other.matched_;
  bytes_ += other.bytes_;
  for (size_t i = 0; i < tops_.size(); ++i) tops_[i].merge(other.tops_[i]);
  for (const auto& [k, b] : other.buckets_) {
    Bucket& mine = buckets_[k];
    mine.count += b.count;
    mine.bytes += b.bytes;
  }
  last_key_ = INT64_MIN;
  last_bucket_ = nullptr;
}

namespace {

std::string u64(uint64_t v) {
  return std::to_string(v);
}

std::string human_bytes(uint64_t v) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double d = double(v);
  int u = 0;
  while (d >= 1024 && u < 5) {
    d /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", d, kUnits[u]);
  return buf;
}

void pad_right(std::string& out, std::string_view s, size_t width) {
  out += s;
  if (s.size() < width) out.append(width - s.size(), ' ');
}

void pad_left(std::string& out, std::string_view s, size_t width) {
  if (s.size() < width) out.append(width - s.size(), ' ');
  out += s;
}

}  // namespace

std::string render_table(const QuerySpec& spec, const Aggregates& agg, const ScanStats& stats) {
  std::string out;
  bool only_count = spec.count && !spec.sum_bytes && spec.tops.empty() && spec.per_seconds == 0;
  if (only_count) return u64(agg.matched()) + "\n";
  out += "matched lines  " + u64(agg.matched()) + "\n";
  if (spec.sum_bytes)
    out += "bytes          " + u64(agg.bytes()) + " (" + human_bytes(agg.bytes()) + ")\n";
  if (stats.malformed != 0) out += "malformed      " + u64(stats.malformed) + "\n";
  for (size_t i = 0; i < spec.tops.size(); ++i) {
    const TopSpec& t = spec.tops[i];
    const CountTable& table = agg.tops()[i];
    auto rows = table.top(t.limit);
    out +=
        "\ntop " + t.name + " (" + u64(rows.size()) + " of " + u64(table.size()) + " distinct)\n";
    size_t w = 5;
    for (const auto& r : rows) w = std::max(w, u64(r.second).size());
    pad_left(out, "count", w);
    out += "       %  " + t.name + "\n";
    for (const auto& [value, count] : rows) {
      pad_left(out, u64(count), w);
      char pct[16];
      std::snprintf(pct, sizeof pct, "%8.2f",
                    agg.matched() ? 100.0 * double(count) / double(agg.matched()) : 0.0);
      out += pct;
      out += "  ";
      out += value.empty() ? std::string_view("(empty)") : std::string_view(value);
      out += "\n";
    }
  }
  if (spec.per_seconds != 0) {
    out += std::string("\nper ") + (spec.per_seconds == 60 ? "minute" : "hour") + " (UTC)\n";
    size_t w = 5, wb = 5;
    for (const auto& [k, b] : agg.buckets()) {
      w = std::max(w, u64(b.count).size());
      wb = std::max(wb, u64(b.bytes).size());
    }
    pad_right(out, "time", 22);
    pad_left(out, "count", w);
    if (spec.sum_bytes) {
      out += "  ";
      pad_left(out, "bytes", wb);
    }
    out += "\n";
    for (const auto& [k, b] : agg.buckets()) {
      pad_right(out, format_utc(k), 22);
      pad_left(out, u64(b.count), w);
      if (spec.sum_bytes) {
        out += "  ";
        pad_left(out, u64(b.bytes), wb);
      }
      out += "\n";
    }
  }
  return out;
}

std::string render_json(const QuerySpec& spec, const Aggregates& agg, const ScanStats& stats) {
  std::string out = "{\"matched\":" + u64(agg.matched()) + ",\"malformed\":" + u64(stats.malformed);
  if (spec.sum_bytes) out += ",\"bytes\":" + u64(agg.bytes());
  if (!spec.tops.empty()) {
    out += ",\"top\":{";
    for (size_t i = 0; i < spec.tops.size(); ++i) {
      const CountTable& table = agg.tops()[i];
      if (i) out += ',';
      util::append_json_string(out, spec.tops[i].name);
      out += ":{\"distinct\":" + u64(table.size()) + ",\"rows\":[";
      auto rows = table.top(spec.tops[i].limit);
      for (size_t j = 0; j < rows.size(); ++j) {
        if (j) out += ',';
        out += "{\"value\":";
        util::append_json_string(out, rows[j].first);
        out += ",\"count\":" + u64(rows[j].second) + "}";
      }
      out += "]}";
    }
    out += "}";
  }
  if (spec.per_seconds != 0) {
    out += std::string(",\"per\":{\"unit\":\"") + (spec.per_seconds == 60 ? "minute" : "hour") +
           "\",\"rows\":[";
    bool first = true;
    for (const auto& [k, b] : agg.buckets()) {
      if (!first) out += ',';
      first = false;
      out += "{\"time\":\"" + format_utc(k) + "\",\"epoch\":" + std::to_string(k) +
             ",\"count\":" + u64(b.count);
      if (spec.sum_bytes) out += ",\"bytes\":" + u64(b.bytes);
      out += "}";
    }
    out += "]}";
  }
  out += "}\n";
  return out;
}

}  // namespace mpmd::logscan
