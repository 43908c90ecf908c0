// Internal to src/trace: the Tracer's prepared state and the hop-by-hop walk over it.
#pragma once

#include <map>
#include <tuple>
#include <string>
#include <unordered_map>
#include <vector>

#include "checks/node_facts.h"
#include "checks/node_routes.h"
#include "checks/service_rules.h"
#include "core/cni.h"
#include "engine/check.h"
#include "checks/netpol.h"
#include "trace/trace.h"

namespace nd::trace {

std::string lower(std::string s);
std::string at_pod_name(const nd::Pod& p);  // "pod/NS/NAME"

// One end of the question, found in the model.
struct End {
  enum Kind { Pod, Service, Node, Outside } kind = Outside;
  std::string text;
  const nd::Pod* pod = nullptr;
  const nd::Service* svc = nullptr;
  const ServicePort* svc_port = nullptr;
  const nd::Node* node_obj = nullptr;
  std::string node;      // the node a pod runs on, or the node itself
  std::string ip;        // pod IP, ClusterIP, node address, outside address ("" for a name)
  std::string name;      // an outside name
  int port = 0;          // 0 = none given
  std::string protocol;  // "" = not given
};

// The hops of one path, with the rule that a path ends at its first failure.
struct Walk {
  std::vector<Hop> hops;
  bool failed = false;
  void add(std::string at, std::string step, std::string decided_by, std::string verdict, std::string check = "");
  bool ok() const { return !failed; }
  bool unknown() const;
  void append(const Walk& w);
};

struct Impl {
  explicit Impl(const Cluster& c);

  const Cluster& c;
  CniInfo cni;
  mutable Context ctx;
  const checks::ClusterNet* net = nullptr;
  const std::vector<checks::PeerRoute>* peers = nullptr;
  const std::vector<checks::ServicePortRules>* svc_rules = nullptr;
  std::vector<netpol::Policy> policies;
  std::vector<std::string> warnings;
  std::multimap<std::string, const Finding*> findings;
  std::unordered_map<std::string, const nd::Pod*> pod_by_ip;
  std::unordered_map<std::string, const nd::Service*> svc_by_ip;
  std::unordered_map<std::string, const nd::Node*> node_by_ip;
  std::unordered_map<std::string, const Namespace*> namespaces;
  // kube-proxy's rules of one Service port on one node (IPv4), by node/Service/port: a large cluster
  // has nodes x Service ports of them.
  std::map<std::tuple<const checks::NodeFacts*, const nd::Service*, const ServicePort*>, const checks::ServicePortRules*>
      rules_index;
  // The judged route of node A to node B's pods (checks::peer_routes), looked up in the Tracer's peer
  // index (a large cluster has nodes x nodes of them).
  const checks::PeerRoute* peer_route(const std::string& self, const std::string& peer, node::Family f) const;
  mutable std::string egress_seen;  // set by egress(): the source address the outside sees

  // A finding of diagnose with this id about a node (or, with kind, about that object).
  const Finding* finding(std::string_view id, std::string_view node = "", std::string_view kind = "",
                         std::string_view ns = "", std::string_view name = "") const;
  Result<End> resolve(const std::string& text) const;
  Result<TraceResult> run(const End& from, const End& to) const;

  // ---- walk.cpp pieces ----
  netpol::Party party(const End& e) const;
  netpol::Party pod_party(const nd::Pod& p) const;
  void policy_hop(Walk& w, const netpol::Decision& d, const std::string& at, bool ingress) const;
  void pod_start(Walk& w, const nd::Pod& p) const;
  void forwarding(Walk& w, const checks::NodeFacts* f, const std::string& node, const std::string& why) const;
  // From node `from` (a packet it forwards or sends) to `dst` (an address on node `to_node`):
  // routes, the CNI's data plane, the peer node, delivery. `reply` words the steps as the reply's.
  // `node_addr`: dst is an address of to_node itself (a reply to what it masqueraded), not a pod's.
  void node_to_node(Walk& w, const std::string& from, const std::string& dst, const std::string& to_node,
                    bool forwarded, bool reply, bool node_addr = false) const;
  void deliver_local(Walk& w, const std::string& node, const std::string& dst, bool forwarded) const;
  // `routed`: the client's node routes it even on one node (after a Service's DNAT), instead of the
  // bridge switching it between two pods of one subnet.
  void to_pod(Walk& w, const End& src, const std::string& src_node, const nd::Pod& dst, int port,
              const std::string& proto, bool forwarded_at_src, const std::string& seen_src, bool routed = false) const;
  // A pod address inside a node's own subnet (P9): the node and the subnet, or nullptr.
  const checks::NodeFacts* overlap(const node::Address& a, const checks::NodeFacts::HostAddr** host) const;
  struct Backend {
    std::string ip;
    int port = 0;
    const nd::Pod* pod = nullptr;
    std::string node;
    bool stale = false;  // in kube-proxy's rules but no ready endpoint in the snapshot
  };
  // The Service's translation on `node`; false when the walk ended (failed) there.
  bool service_hops(Walk& w, const std::string& node, const nd::Service& s, const ServicePort& sp,
                    std::vector<Backend>* out, bool node_port, int node_port_number) const;
  // snat: the node masquerades (externalTrafficPolicy Cluster): each endpoint sees the address the
  // node sends from towards it.
  void backends(Walk& w, const End& src, const std::string& at_node, const std::vector<Backend>& bs,
                const std::string& proto, bool forwarded, const std::string& seen_src, bool bridge_reply,
                bool snat = false) const;
  // The source address a node's own packet to `dst` carries: the route's prefsrc, else the address of
  // its device (flannel.1's for the vxlan backend), else the node's address.
  std::string source_for(const std::string& node, const std::string& dst) const;
  void egress(Walk& w, const nd::Pod& src, const End& dst, const std::string& proto) const;
};

}  // namespace nd::trace
