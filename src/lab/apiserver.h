// `netdoctor lab apiserver`: a read-only stand-in for kube-apiserver, serving the lab's objects to the
// live client (src/live) as a real API server would, so that `netdoctor diagnose` with no snapshot can
// be proven against the lab end to end. It listens on node1's address, port 6443, inside node1's
// namespace only (plain HTTP: nothing outside the lab can reach it).
//
// What it serves (GET only; everything else is a Kubernetes Status with 404 or 405):
//   lists      /api/v1/{nodes,namespaces,pods,services,endpoints,configmaps,events} and
//              /apis/{discovery.k8s.io/v1/endpointslices, apps/v1/{daemonsets,deployments,replicasets},
//              networking.k8s.io/v1/networkpolicies}, cluster-wide or under /namespaces/NS/, built per
//              request from cluster_objects() of the current state file, as typed Lists (PodList, ...)
//              with limit/continue paging (410 when the state changed between pages) and equality
//              labelSelectors; single objects by name.
//   logs       /api/v1/namespaces/NS/pods/POD/log: the DNS pod's dnsmasq log, flanneld's log for the
//              kube-flannel pods, the agent's own log; empty text for the other pods. tailLines and
//              limitBytes as the kubelet applies them; previous=true is a 400 (no previous instance).
//   pod proxy  /api/v1/namespaces/NS/pods/POD[:PORT]/proxy/PATH: forwarded to the pod's IP (an agent's
//              pod IP is its node's), the answer passed back as it came.
//   /version, /healthz, /readyz, /livez.
// CRD groups (Calico's) are absent: 404, as on a cluster without Calico.
#pragma once

#include <map>
#include <ostream>
#include <string>

#include "lab/objects.h"
#include "lab/plan.h"

namespace nd::lab {

struct ApiRequest {
  std::string method = "GET";
  std::string path;                          // decoded, without the query
  std::multimap<std::string, std::string> query;
  std::string raw_query;                     // as received (forwarded by the pod proxy)
};

struct ApiAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // A pod proxy request: the facade forwards GET http://proxy_ip:proxy_port/proxy_path.
  std::string proxy_ip, proxy_path;
  int proxy_port = 0;
};

// The answer to one request, from the state and what runs (pure except for reading log files).
// `version` stands for the state's resourceVersion: a continue token from another version is stale.
ApiAnswer api_answer(const State& s, const Observed& o, const std::string& version, const ApiRequest& r);

// A Kubernetes Status object (kind Status, status Failure) as JSON text.
std::string api_status(int code, const std::string& reason, const std::string& message);

// What runs now: the pods' servers, the DNS server, the agents.
Observed observe_lab(const State& s);

// Serves until SIGTERM/SIGINT, until the lab's state file disappears, or a day has passed. Enters
// node1's network namespace first. Returns the exit status (2: could not start).
int run_apiserver(const std::string& lab_name, std::ostream& log);

}  // namespace nd::lab
