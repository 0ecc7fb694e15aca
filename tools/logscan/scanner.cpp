#include "logscan/scanner.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "logscan/progress.hpp"

namespace mpmd::logscan {

namespace {

constexpr size_t kMaxSamples = 5;
constexpr size_t kSampleLength = 160;

void handle_line(const char* b, const char* e, const Block& block, Evaluator& evaluator,
                 Record& rec, Aggregates& agg, bool print, BlockResult& result) {
  std::string_view line(b, size_t(e - b));
  switch (evaluator.evaluate(line, rec)) {
    case Evaluator::Outcome::matched:
      agg.add(rec);
      if (print) {
        result.text.append(line);
        result.text += '\n';
      }
      break;
    case Evaluator::Outcome::rejected:
      break;
    case Evaluator::Outcome::malformed:
      ++result.malformed;
      if (result.samples.size() < kMaxSamples)
        result.samples.emplace_back(block.offset + uint64_t(b - block.begin),
                                    std::string(line.substr(0, kSampleLength)));
      break;
  }
}

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= size_t(w);
  }
  return true;
}

}  // namespace

void scan_block(const Block& block, const LiteralFinder& finder, Evaluator& evaluator,
                Aggregates& agg, bool print, BlockResult& result) {
  Record rec;
  const char* p = block.begin;
  const char* end = block.end;
  if (finder.needle().empty()) {
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
      const char* e = nl ? nl : end;
      handle_line(p, e, block, evaluator, rec, agg, print, result);
      p = e + 1;
    }
    return;
  }
  // Jump from one occurrence of the literal to the next; only the lines that
  // contain it are parsed.
  while (p < end) {
    const char* hit = finder.find(p, end);
    if (hit == nullptr) return;
    const char* ls = static_cast<const char*>(memrchr(p, '\n', size_t(hit - p)));
    ls = ls ? ls + 1 : p;
    const char* nl = static_cast<const char*>(std::memchr(hit, '\n', size_t(end - hit)));
    const char* e = nl ? nl : end;
    handle_line(ls, e, block, evaluator, rec, agg, print, result);
    p = e + 1;
  }
}

Scanner::Scanner(const Query& query, const ScanOptions& options)
    : query_(query), options_(options), agg_(query.spec()) {
  if (options_.threads == 0) options_.threads = std::max(1u, std::thread::hardware_concurrency());
}

bool Scanner::scan(const std::string& path, std::string& error) {
  std::unique_ptr<Source> source = open_source(path, options_.io, options_.chunk_size, error);
  if (!source) return false;

  std::mutex mutex;
  std::condition_variable cv;         // a block finished, or a worker ended
  std::condition_variable window_cv;  // the writer advanced
  std::map<uint64_t, std::string> ready;
  uint64_t next_write = 0;
  unsigned running = options_.threads;
  const uint64_t window = options_.threads * 2 + 2;
  std::vector<std::pair<uint64_t, std::string>> samples;
  const bool print = options_.print;

  const LiteralFinder finder(query_.literal());
  auto worker = [&] {
    Evaluator evaluator(query_);
    Aggregates agg(query_.spec());
    std::vector<char> buffer;
    BlockResult result;
    uint64_t malformed = 0;
    std::vector<std::pair<uint64_t, std::string>> my_samples;
    Block block;
    while (source->next(block, buffer)) {
      if (print) {
        std::unique_lock lock(mutex);
        window_cv.wait(lock, [&] { return block.index < next_write + window; });
      }
      result.text.clear();
      result.malformed = 0;
      result.samples.clear();
      scan_block(block, finder, evaluator, agg, print, result);
      agg.flush();  // the block's bytes may be reused by the next read
      malformed += result.malformed;
      for (auto& s : result.samples)
        if (my_samples.size() < kMaxSamples) my_samples.push_back(std::move(s));
      if (print) {
        std::lock_guard lock(mutex);
        ready.emplace(block.index, std::move(result.text));
        result.text = std::string();
        cv.notify_all();
      }
    }
    std::lock_guard lock(mutex);
    agg_.merge(agg);
    stats_.malformed += malformed;
    for (auto& s : my_samples) samples.push_back(std::move(s));
    --running;
    cv.notify_all();
  };

  std::vector<std::thread> threads;
  for (unsigned i = 0; i < options_.threads; ++i) threads.emplace_back(worker);

  Progress progress(options_.progress && source->total() > (1ull << 30), source->total());
  bool write_failed = false;
  {
    std::unique_lock lock(mutex);
    while (true) {
      if (print) {
        while (!ready.empty() && ready.begin()->first == next_write) {
          std::string text = std::move(ready.begin()->second);
          ready.erase(ready.begin());
          ++next_write;
          window_cv.notify_all();
          lock.unlock();
          if (!write_failed && !write_all(options_.out_fd, text.data(), text.size()))
            write_failed = true;
          lock.lock();
        }
        // Blocks with nothing to print still advance the window.
      }
      if (running == 0 && (ready.empty() || !print)) break;
      if (running == 0 && print && ready.begin()->first != next_write) {
        next_write = ready.begin()->first;  // indices past the end were never claimed
        continue;
      }
      cv.wait_for(lock, std::chrono::milliseconds(200));
      lock.unlock();
      progress.update(source->position());
      lock.lock();
    }
  }
  for (std::thread& t : threads) t.join();
  progress.finish();

  std::sort(samples.begin(), samples.end());
  for (auto& [offset, line] : samples)
    if (stats_.malformed_samples.size() < kMaxSamples)
      stats_.malformed_samples.push_back(path + ": byte " + std::to_string(offset) + ": " + line);
  error = source->error();
  if (error.empty() && write_failed) error = std::string("write: ") + std::strerror(errno);
  return error.empty();
}

}  // namespace mpmd::logscan
