#include "offload/service.hpp"

#include <map>
#include <memory>
#include <mutex>

#include "offload/functions.hpp"
#include "offload/gearman.hpp"
#include "offload/process_pool.hpp"

namespace mpmd::offload {

namespace {

class ServerService final : public Service {
 public:
  std::string add_function(std::string_view name, Function fn) override {
    std::lock_guard lock(mutex_);
    return registering_->add(name, std::move(fn));
  }

  void begin_generation(uint32_t generation) {
    std::lock_guard lock(mutex_);
    FunctionTable*& t = tables_[generation];
    if (t) t->begin_generation();   // registered again (the same generation retried)
    if (!t) t = new FunctionTable;  // never destroyed: see FunctionTable::begin_generation
    registering_ = t;
  }

  FunctionTable& table(uint32_t generation) {
    std::lock_guard lock(mutex_);
    auto it = tables_.find(generation);
    return it != tables_.end() ? *it->second : functions();
  }

  void submit(std::string_view function, std::string input, Callback done) override {
    if (!pool_) {
      return done(unavailable_result("no process pool in this process (OffloadProcesses is 0)"));
    }
    pool_->submit(function, std::move(input), std::move(done));
  }

  void gearman(std::string_view function, std::string input, Callback done) override {
    if (!gearman_) return done(unavailable_result("GearmanServers is not configured"));
    gearman_->submit(function, std::move(input), false, std::move(done));
  }

  void gearman_background(std::string_view function, std::string input, Callback done) override {
    if (!gearman_) return done(unavailable_result("GearmanServers is not configured"));
    gearman_->submit(function, std::move(input), true, std::move(done));
  }

  std::string start(const config::Offload& o, uint32_t generation) {
    if (o.processes > 0) {
      PoolOptions po;
      po.processes = int(o.processes);
      po.timeout = util::Usec(o.timeout.count()) * 1000;
      po.max_payload = size_t(o.max_size);
      po.queue_limit = o.queue_limit;
      std::string error;
      pool_ = ProcessPool::start(po, table(generation), error);
      if (!pool_) return "offload: cannot start the process pool: " + error;
    }
    if (!o.gearman_servers.empty()) {
      GearmanOptions go;
      go.servers = o.gearman_servers;
      go.timeout = util::Usec(o.gearman_timeout.count()) * 1000;
      go.retries = int(o.gearman_retries);
      go.failure_status = o.gearman_failure_status;
      go.concurrency = o.gearman_concurrency;
      go.queue_limit = o.queue_limit;
      gearman_ = std::make_unique<GearmanDispatcher>(go);
    }
    return "";
  }

  // The objects stay: a handler thread may still call submit(), which then
  // answers unavailable.
  void stop() {
    if (pool_) pool_->shutdown();
    if (gearman_) gearman_->shutdown();
  }

 private:
  std::mutex mutex_;
  // Functions by configuration generation; before the first begin_generation
  // (tests, single runs) the process-wide table.
  std::map<uint32_t, FunctionTable*> tables_;
  FunctionTable* registering_ = &functions();
  std::unique_ptr<ProcessPool> pool_;
  std::unique_ptr<GearmanDispatcher> gearman_;
};

ServerService& instance() {
  // Never destroyed: threads of a stopping child may still reach it.
  static ServerService* s = new ServerService;
  return *s;
}

}  // namespace

void begin_generation(uint32_t generation) {
  instance().begin_generation(generation);
}

std::string start_child(const config::Offload& config, uint32_t generation) {
  return instance().start(config, generation);
}

void stop_child() {
  instance().stop();
}

Service& service_impl() {
  return instance();
}

}  // namespace mpmd::offload

extern "C" __attribute__((visibility("default"))) mpmd::offload::Service* mpmd_offload_service(
    uint32_t api_version) {
  if (api_version != mpmd::offload::kApiVersion) return nullptr;
  return &mpmd::offload::instance();
}
