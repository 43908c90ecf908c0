#include "agent/agent.h"

#include <httplib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <optional>
#include <set>

#include "agent/bundle.h"
#include "agent/metrics.h"
#include "agent/peers.h"
#include "collect/collector.h"

namespace nd::agent {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr int kServerThreads = 8;  // a few slow /bundle readers cannot starve /healthz

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string fmt_seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", s);
  return buf;
}

// Serves a shared, immutable body in chunks: the bundle is never copied per request.
void set_shared_body(httplib::Response& res, std::shared_ptr<const std::string> body, const char* type) {
  size_t len = body->size();
  res.set_content_provider(len, type, [body](size_t offset, size_t length, httplib::DataSink& sink) {
    size_t n = std::min(length, kChunk);
    return sink.write(body->data() + offset, n);
  });
}

}  // namespace

Agent::Agent(AgentOptions opts) : opts_(std::move(opts)), server_(std::make_unique<httplib::Server>()) {}

Agent::~Agent() {
  stop();
  if (scheduler_.joinable()) scheduler_.join();
  if (own_work_dir_ && !work_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(work_dir_, ec);
  }
}

void Agent::log(const std::string& line) const {
  if (!opts_.log) return;
  std::string l = rfc3339_utc(std::time(nullptr)) + " netdoctor agent: " + line + "\n";
  std::fwrite(l.data(), 1, l.size(), stderr);
}

Result<int> Agent::bind() {
  if (opts_.work_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/netdoctor-agent-XXXXXX";
    if (!::mkdtemp(tmpl.data())) return Error{"create a work directory from " + tmpl + ": " + std::strerror(errno)};
    work_dir_ = tmpl;
    own_work_dir_ = true;
  } else {
    work_dir_ = opts_.work_dir;
    std::error_code ec;
    fs::create_directories(work_dir_, ec);
    if (ec) return Error{"create " + work_dir_ + ": " + ec.message()};
  }

  auto& s = *server_;
  s.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  s.set_read_timeout(std::chrono::seconds(10));
  s.set_write_timeout(std::chrono::seconds(30));
  s.set_payload_max_length(64 * 1024);  // the agent takes no request bodies
  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  s.Get("/bundle", [this](const httplib::Request& req, httplib::Response& res) {
    std::string r = req.get_param_value("refresh");
    bool refresh_asked = r == "1" || r == "true";
    Served sv = refresh_asked ? refresh() : current(std::chrono::seconds(60));
    if (!sv.json) {
      res.status = 503;
      res.set_header("Retry-After", "5");
      res.set_content("no bundle collected yet\n", "text/plain");
      return;
    }
    res.set_header("X-Netdoctor-Collection", std::to_string(sv.sequence));
    if (refresh_asked) res.set_header("X-Netdoctor-Refresh", sv.rate_limited ? "rate-limited" : "collected");
    set_shared_body(res, sv.json, "application/json");
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_text(), "text/plain; version=0.0.4; charset=utf-8");
  });

  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which lets a second agent bind the same
  // address silently and take half the requests; the second one must fail instead.
  s.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  int port = opts_.listen_port;
  if (port == 0) {
    port = s.bind_to_any_port(opts_.listen_host);
    if (port <= 0) return Error{"listen on " + opts_.listen_host + ":0: cannot bind"};
  } else if (!s.bind_to_port(opts_.listen_host, port)) {
    return Error{"listen on " + to_string(HostPort{opts_.listen_host, port}) + ": cannot bind (address in use or not local)"};
  }
  return port;
}

void Agent::run() {
  scheduler_ = std::thread([this] { schedule_loop(); });
  if (!stopping_) server_->listen_after_bind();
  listen_done_ = true;
  stop();
  if (scheduler_.joinable()) scheduler_.join();
}

void Agent::stop() {
  bool was = stopping_.exchange(true);
  if (!was) log("stopping");
  server_->stop();
  std::lock_guard lk(mu_);
  cv_.notify_all();
}

void Agent::schedule_loop() {
  while (!stopping_) {
    {
      std::unique_lock lk(collect_mu_);
      if (stopping_) break;
      collect_locked();
    }
    probe_round();
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, opts_.interval, [this] { return stopping_.load(); });
  }
  // A stop() that came before the server had started listening found nothing to stop: repeat it
  // until run() sees the server end.
  while (!listen_done_) {
    server_->stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Agent::collect_locked() {
  auto t0 = Clock::now();
  {
    std::lock_guard lk(mu_);
    last_started_ = t0;
  }
  NodeBundle b;
  b.node = opts_.node_name;
  b.collected_at = rfc3339_utc(std::time(nullptr));
  std::string dir = work_dir_ + "/bundle";
  collect::CollectOptions co;
  co.root = opts_.root;
  co.command_timeout = opts_.command_timeout;
  auto rep = collect::collect_node(dir, co);
  size_t skipped = 0, dropped = 0;
  if (!rep) {
    b.errors.push_back("collect node: " + rep.error().message);
  } else {
    skipped = rep->skipped.size();
    auto read = read_bundle_dir(dir, opts_.max_bundle_bytes);
    if (!read) {
      b.errors.push_back(read.error().message);
    } else {
      b.files = std::move(read->files);
      b.bytes = read->bytes;
      for (auto& e : read->errors) b.errors.push_back(std::move(e));
      dropped = drop_credentials(b);
    }
  }
  // The files live on in memory only: the work directory may be a memory-backed emptyDir.
  std::error_code ec;
  fs::remove_all(dir, ec);
  auto json = std::make_shared<const std::string>(bundle_to_json(b));
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  uint64_t seq;
  {
    std::lock_guard lk(mu_);
    bundle_json_ = json;  // the previous bundle is freed once no request holds it
    seq = ++sequence_;
    last_duration_s_ = secs;
    last_collect_unix_ = unix_now();
    collect_errors_ += b.errors.size() - dropped;  // a left-out credential is policy, not an error
    bundle_files_ = b.files.size();
    bundle_bytes_ = b.bytes;
    skipped_files_ = skipped;
    cv_.notify_all();
  }
  std::string line = "collection " + std::to_string(seq) + " of " + b.node + ": " + std::to_string(b.files.size()) +
                     " files, " + std::to_string(b.bytes) + " bytes, " + std::to_string(skipped) + " skipped, " +
                     std::to_string(b.errors.size()) + " errors, " + fmt_seconds(secs) + " s";
  if (!b.errors.empty()) line += " (first error: " + b.errors.front() + ")";
  log(line);
}

Agent::Served Agent::refresh() {
  auto asked = Clock::now();
  std::unique_lock<std::timed_mutex> clk(collect_mu_, std::defer_lock);
  // A collection normally takes seconds; past this, the request gets whatever bundle there is.
  if (clk.try_lock_for(std::chrono::seconds(120)) && !stopping_) {
    {
      std::lock_guard lk(mu_);
      bool fresh = bundle_json_ && last_started_ >= asked;  // began after this request arrived
      bool too_soon = bundle_json_ && asked - last_started_ < opts_.min_refresh;
      if (fresh || too_soon) return {bundle_json_, sequence_, !fresh};
    }
    collect_locked();
    std::lock_guard lk(mu_);
    return {bundle_json_, sequence_, false};
  }
  std::lock_guard lk(mu_);  // stopping, or the lock stayed busy: what there is, marked as not fresh
  return {bundle_json_, sequence_, true};
}

Agent::Served Agent::current(std::chrono::milliseconds wait) {
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, wait, [this] { return bundle_json_ != nullptr || stopping_.load(); });
  return {bundle_json_, sequence_, false};
}

void Agent::probe_round() {
  auto peers = load_peers(opts_.peers);
  std::string peers_error = peers ? "" : peers.error().message;
  std::vector<HostPort> list = peers ? *peers : std::vector<HostPort>{};
  size_t round;
  {
    std::lock_guard lk(mu_);
    round = round_++;
  }
  auto results = probe_tcp(peers_for_round(list, round, opts_.max_peers_per_round), opts_.probe_timeout);
  std::string dns_spec = opts_.cluster_dns == "auto" ? kubelet_cluster_dns(opts_.root) : opts_.cluster_dns;
  std::optional<HostPort> dns = dns_spec.empty() ? std::nullopt : dns_target(dns_spec);
  if (dns) results.push_back(probe_dns(dns->host, opts_.dns_name, opts_.probe_timeout, dns->port));

  size_t failed = 0;
  std::string first_failure;
  for (const auto& r : results)
    if (!r.ok && failed++ == 0) first_failure = r.kind + " " + r.target + ": " + r.detail;
  std::lock_guard lk(mu_);
  if (peers_error != last_peers_error_ && !peers_error.empty()) log("peers: " + peers_error);
  last_peers_error_ = peers_error;
  peers_configured_ = list.size();
  // Keep only targets still configured, so the metric set follows the peer list and stays bounded.
  std::set<std::pair<std::string, std::string>> keep;
  for (const auto& p : list) keep.insert({"tcp", to_string(p)});
  if (dns) keep.insert({"dns", to_string(*dns)});
  for (auto it = probes_.begin(); it != probes_.end();) it = keep.count(it->first) ? std::next(it) : probes_.erase(it);
  for (auto& r : results) probes_[{r.kind, r.target}] = r;
  if (!results.empty() && failed)
    log("mesh round " + std::to_string(round) + ": " + std::to_string(failed) + " of " + std::to_string(results.size()) +
        " probes failed (first: " + first_failure + ")");
}

std::string Agent::metrics_text() const {
  std::lock_guard lk(mu_);
  bool have = bundle_json_ != nullptr;
  std::vector<MetricFamily> f;
  auto one = [&](const char* name, const char* type, const char* help, double v) {
    f.push_back({name, help, type, {{{}, v}}});
  };
  if (have) {
    one("netdoctor_collect_duration_seconds", "gauge", "Wall time of the last node bundle collection.", last_duration_s_);
    one("netdoctor_last_collect_timestamp_seconds", "gauge", "Unix time when the last collection ended.",
        last_collect_unix_);
  }
  one("netdoctor_collect_errors_total", "counter",
      "Errors of the agent's collections: a collection that failed, or a file left out of the bundle.",
      static_cast<double>(collect_errors_));
  one("netdoctor_collections_total", "counter", "Node bundle collections run since the agent started.",
      static_cast<double>(sequence_));
  one("netdoctor_bundle_files", "gauge", "Files in the last node bundle.", static_cast<double>(bundle_files_));
  one("netdoctor_bundle_bytes", "gauge", "Bytes of file content in the last node bundle.",
      static_cast<double>(bundle_bytes_));
  one("netdoctor_collect_skipped_files", "gauge",
      "Files the collector could not get in the last collection (listed in manifest.json).",
      static_cast<double>(skipped_files_));
  one("netdoctor_mesh_peers", "gauge", "Peers in the --peers list (at most max-peers-per-round are probed per round).",
      static_cast<double>(peers_configured_));
  MetricFamily ok{"netdoctor_probe_success", "1 if the last probe of the target succeeded, else 0.", "gauge", {}};
  MetricFamily dur{"netdoctor_probe_duration_seconds", "Time of the last probe of the target (to success or failure).",
                   "gauge", {}};
  for (const auto& [key, r] : probes_) {
    std::vector<std::pair<std::string, std::string>> labels = {{"target", r.target}, {"kind", r.kind}};
    ok.samples.push_back({labels, r.ok ? 1.0 : 0.0});
    dur.samples.push_back({labels, r.seconds});
  }
  f.push_back(std::move(ok));
  f.push_back(std::move(dur));
  return render_prometheus(f);
}

}  // namespace nd::agent
