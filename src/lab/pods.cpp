#include "lab/pods.h"

#include "lab/cni.h"
#include "lab/exec.h"
#include "lab/netops.h"
#include "lab/server.h"
#include "lab/state_io.h"

namespace nd::lab {

static ServeConfig serve_config(const State& s, const PodState& p) {
  ServeConfig cfg;
  cfg.who = p.ns + "/" + p.name;
  cfg.alive_path = state_path(s.spec.name);
  for (const auto& c : p.containers)
    for (const auto& port : c.ports)
      if (port.serve == "http" || port.serve == "banner")
        cfg.listeners.push_back({port.localhost ? "127.0.0.1" : "0.0.0.0", port.port, port.serve});
  return cfg;
}

Result<bool> start_pod_server(const State& s, PodState& p) {
  ServeConfig cfg = serve_config(s, p);
  if (cfg.listeners.empty()) return true;
  auto pid = start_server(s.pod_netns(p), cfg, s.dir() + "/logs/" + p.ns + "_" + p.name + ".log");
  if (!pid) return pid.error();
  p.server_pid = *pid;
  return true;
}

bool pod_server_running(const State& s, const PodState& p) {
  return p.server_pid > 0 && pid_alive(p.server_pid) && pid_in_netns(p.server_pid, s.pod_netns(p));
}

Result<bool> start_pod(State& s, PodState& p) {
  std::string ns = s.pod_netns(p);
  if (!netns_exists(ns))
    if (auto r = sh("", {"ip", "netns", "add", ns}); !r) return r.error();
  if (auto r = cni_add(s, p); !r) return r;
  return start_pod_server(s, p);
}

Result<bool> stop_pod(const State& s, PodState& p) {
  if (p.server_pid) stop_pid_in_netns(p.server_pid, s.pod_netns(p));
  p.server_pid = 0;
  auto r = cni_del(s, p);
  p.ip.clear();
  p.cni_result.clear();
  return r;
}

}  // namespace nd::lab
