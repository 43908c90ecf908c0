// `netdoctor agent`: the node agent of the DaemonSet. It runs the node collector on a schedule and
// on request, keeps only the last bundle (as the JSON it serves), probes a small mesh, and serves
//   GET /healthz           200 "ok"
//   GET /bundle            the last node bundle (bundle.h); ?refresh=1 collects now, rate-limited
//   GET /metrics           Prometheus text: collection duration/errors/time, mesh probe results
// One collection runs at a time: a scheduled one and any number of refresh requests share it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "agent/mesh.h"
#include "agent/options.h"
#include "core/result.h"

namespace httplib {
class Server;
}

namespace nd::agent {

class Agent {
 public:
  explicit Agent(AgentOptions opts);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Binds the listener and prepares the work directory; returns the bound port (useful with port 0).
  Result<int> bind();
  // Starts the scheduler and serves until stop(); returns when both have ended.
  void run();
  // Thread-safe and idempotent: ends run() (SIGTERM's handler thread calls it).
  void stop();

  // What a GET /bundle?refresh=1 does: a bundle started no earlier than this call, unless the last
  // one started less than min_refresh ago (then that one, and `rate_limited` is set).
  struct Served {
    std::shared_ptr<const std::string> json;
    uint64_t sequence = 0;
    bool rate_limited = false;
  };
  Served refresh();
  // The last bundle; waits up to `wait` for the first one. json is null when there is none yet.
  Served current(std::chrono::milliseconds wait);
  std::string metrics_text() const;
  // One mesh round now (the scheduler calls it after each collection).
  void probe_round();

 private:
  void schedule_loop();
  void collect_locked();  // caller holds collect_mu_
  void log(const std::string& line) const;

  AgentOptions opts_;
  std::unique_ptr<httplib::Server> server_;
  std::string work_dir_;
  bool own_work_dir_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> listen_done_{false};
  std::thread scheduler_;

  std::timed_mutex collect_mu_;  // at most one collection at a time
  mutable std::mutex mu_;        // guards everything below
  std::condition_variable cv_;
  std::shared_ptr<const std::string> bundle_json_;
  uint64_t sequence_ = 0;
  std::chrono::steady_clock::time_point last_started_{};
  double last_duration_s_ = 0;
  double last_collect_unix_ = 0;
  uint64_t collect_errors_ = 0;
  uint64_t bundle_files_ = 0, bundle_bytes_ = 0, skipped_files_ = 0;
  std::map<std::pair<std::string, std::string>, ProbeResult> probes_;  // (kind, target)
  size_t peers_configured_ = 0;
  size_t round_ = 0;
  std::string last_peers_error_;
};

}  // namespace nd::agent
