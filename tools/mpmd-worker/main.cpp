// mpmd-worker: registers C++ functions with gearmand and runs their jobs.
//
//   mpmd-worker --server 127.0.0.1:4730 --function factorial --function sha256
//   mpmd-worker --server 10.0.0.1:4730 --server 10.0.0.2:4730 --function all --threads 4
//
// Each thread holds its own connection set and runs one job at a time. A
// function that throws fails its job (WORK_FAIL), which mpmd answers with
// GearmanFailureStatus. gearmand unreachable: retried every second, forever.
// SIGTERM or SIGINT: finish the running jobs, then exit 0.
#include <libgearman-1.0/gearman.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "offload/example_functions.hpp"

namespace {

using mpmd::offload::examples::Example;

std::atomic<bool> g_stop{false};

void on_stop(int) {
  g_stop.store(true);
}

struct Options {
  std::vector<std::string> servers;
  std::vector<const Example*> functions;
  int threads = 1;
  bool verbose = false;
};

void usage(FILE* out) {
  std::fprintf(out,
               "usage: mpmd-worker --server HOST:PORT [--server ...] --function NAME [...]\n"
               "                   [--threads N] [--verbose]\n"
               "Registers the named functions with gearmand and runs their jobs.\n"
               "  --server HOST:PORT  a gearmand job server (repeat for several)\n"
               "  --function NAME     a function to serve, or 'all'; known functions:\n");
  for (const Example& e : mpmd::offload::examples::all()) {
    std::fprintf(out, "      %-10s %s\n", e.name, e.help);
  }
  std::fprintf(out,
               "  --threads N         jobs run at once, one connection set each (default 1)\n"
               "  --verbose           one line per job on standard error\n");
}

const Example* find_function(const std::string& name) {
  for (const Example& e : mpmd::offload::examples::all()) {
    if (name == e.name) return &e;
  }
  return nullptr;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "-h" || a == "--help") {
      usage(stdout);
      std::exit(0);
    } else if (a == "--server") {
      const char* v = value();
      if (!v) return false;
      o.servers.emplace_back(v);
    } else if (a == "--function") {
      const char* v = value();
      if (!v) return false;
      if (std::string(v) == "all") {
        for (const Example& e : mpmd::offload::examples::all()) {
          if (std::string(e.name) != "crash") o.functions.push_back(&e);
        }
      } else if (const Example* e = find_function(v)) {
        o.functions.push_back(e);
      } else {
        std::fprintf(stderr, "mpmd-worker: unknown function '%s'\n", v);
        return false;
      }
    } else if (a == "--threads") {
      const char* v = value();
      if (!v || std::atoi(v) < 1 || std::atoi(v) > 256) return false;
      o.threads = std::atoi(v);
    } else if (a == "--verbose") {
      o.verbose = true;
    } else {
      std::fprintf(stderr, "mpmd-worker: unknown argument '%s'\n", a.c_str());
      return false;
    }
  }
  return !o.servers.empty() && !o.functions.empty();
}

struct JobContext {
  const Example* function;
  bool verbose;
};

void* run_job(gearman_job_st* job, void* context, size_t* result_size, gearman_return_t* ret) {
  const auto* ctx = static_cast<const JobContext*>(context);
  std::string_view input(static_cast<const char*>(gearman_job_workload(job)),
                         gearman_job_workload_size(job));
  auto start = std::chrono::steady_clock::now();
  std::string out;
  try {
    out = ctx->function->fn(input);
  } catch (const std::exception& e) {
    if (ctx->verbose) {
      std::fprintf(stderr, "mpmd-worker[%d]: %s failed: %s\n", int(getpid()), ctx->function->name,
                   e.what());
    }
    *result_size = 0;
    *ret = GEARMAN_WORK_FAIL;
    return nullptr;
  }
  if (ctx->verbose) {
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "mpmd-worker[%d]: %s %zu bytes in, %zu out, %.1f ms\n", int(getpid()),
                 ctx->function->name, input.size(), out.size(), ms);
  }
  // libgearman frees the result with free().
  void* result = std::malloc(out.size() ? out.size() : 1);
  if (!result) {
    *ret = GEARMAN_WORK_FAIL;
    return nullptr;
  }
  std::memcpy(result, out.data(), out.size());
  *result_size = out.size();
  *ret = GEARMAN_SUCCESS;
  return result;
}

void serve(const Options& o, std::vector<JobContext>& contexts) {
  gearman_worker_st* worker = gearman_worker_create(nullptr);
  if (!worker) {
    std::fprintf(stderr, "mpmd-worker: gearman_worker_create failed\n");
    std::exit(1);
  }
  for (const std::string& s : o.servers) {
    if (gearman_worker_add_servers(worker, s.c_str()) != GEARMAN_SUCCESS) {
      std::fprintf(stderr, "mpmd-worker: bad server '%s': %s\n", s.c_str(),
                   gearman_worker_error(worker));
      std::exit(2);
    }
  }
  for (JobContext& c : contexts) {
    gearman_worker_add_function(worker, c.function->name, 0, run_job, &c);
  }
  // Wake up now and then to notice a stop request.
  gearman_worker_set_timeout(worker, 500);
  bool complained = false;
  while (!g_stop.load()) {
    gearman_return_t rc = gearman_worker_work(worker);
    if (rc == GEARMAN_SUCCESS || rc == GEARMAN_TIMEOUT || rc == GEARMAN_IO_WAIT ||
        rc == GEARMAN_NO_JOBS) {
      complained = false;
      continue;
    }
    if (!complained) {
      std::fprintf(stderr, "mpmd-worker[%d]: %s; retrying every second\n", int(getpid()),
                   gearman_worker_error(worker));
      complained = true;
    }
    for (int i = 0; i < 10 && !g_stop.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  gearman_worker_free(worker);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    usage(stderr);
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  std::vector<JobContext> contexts;
  for (const Example* e : o.functions) contexts.push_back(JobContext{e, o.verbose});
  std::fprintf(stderr, "mpmd-worker[%d]: serving %zu function(s) with %d thread(s)\n",
               int(getpid()), contexts.size(), o.threads);
  std::vector<std::thread> threads;
  for (int i = 1; i < o.threads; ++i) threads.emplace_back([&] { serve(o, contexts); });
  serve(o, contexts);
  for (std::thread& t : threads) t.join();
  return 0;
}
