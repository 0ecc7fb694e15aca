// The aggregates of one scan (count, bytes, top tables, time buckets), built
// per thread and merged, then rendered as a table or as JSON.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "logscan/count_table.hpp"
#include "logscan/query.hpp"

namespace mpmd::logscan {

struct Bucket {
  uint64_t count = 0;
  uint64_t bytes = 0;
};

class Aggregates {
 public:
  explicit Aggregates(const QuerySpec& spec);

  // The record's text must stay valid until flush(): top values are counted in batches.
  void add(const Record& rec);
  void flush();
  void merge(Aggregates& other);

  uint64_t matched() const { return matched_; }
  uint64_t bytes() const { return bytes_; }
  const std::vector<CountTable>& tops() const { return tops_; }
  const std::map<int64_t, Bucket>& buckets() const { return buckets_; }

 private:
  const QuerySpec* spec_;
  uint64_t matched_ = 0;
  uint64_t bytes_ = 0;
  std::vector<CountTable> tops_;  // parallel to spec.tops
  std::map<int64_t, Bucket> buckets_;
  int64_t last_key_ = INT64_MIN;
  Bucket* last_bucket_ = nullptr;
};

// What the report says besides the aggregates.
struct ScanStats {
  uint64_t malformed = 0;
  std::vector<std::string> malformed_samples;  // "file:offset: line"
};

// Renders the aggregates. A lone --count prints just the number, like grep -c.
std::string render_table(const QuerySpec& spec, const Aggregates& agg, const ScanStats& stats);
std::string render_json(const QuerySpec& spec, const Aggregates& agg, const ScanStats& stats);

}  // namespace mpmd::logscan
