// NetworkPolicy (networking.k8s.io/v1) evaluation with the API's documented semantics, as a pure
// module: parse a policy's spec, then ask whether one connection is allowed into (ingress) or out of
// (egress) a pod. Nothing here knows about nodes or the CNI; the trace decides what enforcement means.
//
// The rules implemented (kubernetes.io/docs/concepts/services-networking/network-policies and the
// NetworkPolicySpec reference):
// - A pod is isolated for a direction when at least one policy of its namespace selects it
//   (spec.podSelector; empty selects every pod) and lists that direction in policyTypes. policyTypes
//   defaults to [Ingress], plus Egress when the spec has an `egress` section.
// - Policies are additive: an isolated pod accepts a connection that at least one rule of one
//   selecting policy allows; order does not matter and nothing "denies" explicitly.
// - A rule matches when its peers (from/to) and its ports both match; an absent or empty peer list
//   or port list matches everything. An empty `ingress: [{}]` rule allows all.
// - Peers: podSelector alone = pods of the policy's namespace; namespaceSelector alone = every pod of
//   the matching namespaces; both in one element = pods matching podSelector inside those namespaces
//   (AND); separate elements are alternatives (OR). ipBlock = cidr minus every `except`.
// - Ports: protocol defaults to TCP; port is a number or a name (a container port name of the
//   destination pod); endPort makes port..endPort a range.
// - Selectors: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist), ANDed; an empty
//   selector matches everything.
// - Host-network pods are never selected; a pod always reaches itself; traffic from the node a pod
//   runs on is always allowed into it (the kubelet's probes).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/result.h"
#include "node/cidr.h"

namespace nd::netpol {

struct Requirement {
  std::string key, op;  // op: In, NotIn, Exists, DoesNotExist
  std::vector<std::string> values;
};

struct Selector {
  StringMap match_labels;
  std::vector<Requirement> exprs;
  bool empty() const { return match_labels.empty() && exprs.empty(); }
};

struct IpBlock {
  node::Prefix cidr;
  std::vector<node::Prefix> except;
  std::string text;  // "10.0.0.0/8 except 10.1.0.0/16"
};

struct Peer {
  std::optional<Selector> pods, namespaces;
  std::optional<IpBlock> ip_block;
};

struct Port {
  std::string protocol = "TCP";
  std::optional<int> number;
  std::string name;  // a named port
  std::optional<int> end;
};

struct Rule {
  std::vector<Peer> peers;  // empty: every peer
  std::vector<Port> ports;  // empty: every port
};

struct Policy {
  std::string ns, name;
  Source src;
  Selector pod_selector;
  bool ingress = false, egress = false;  // policyTypes, after defaulting
  std::vector<Rule> ingress_rules, egress_rules;
};

// Parses a NetworkPolicy of the model (its spec is kept as JSON text). Errors name the policy, its
// file and the field ("shop/np.yaml:3: NetworkPolicy shop/deny: spec.ingress[0].from[1].ipBlock.cidr: ...").
Result<Policy> parse(const NetworkPolicy& np);

// True when a selector matches a label set.
bool matches(const Selector& s, const StringMap& labels);

// One side of a connection as policies see it.
struct Party {
  std::optional<node::Address> ip;
  // Set for pods: namespace, labels, the namespace's labels (nullopt when the snapshot has no
  // Namespace object: then only kubernetes.io/metadata.name is known), its container ports.
  bool is_pod = false;
  bool host_network = false;
  std::string ns, name, node;
  StringMap labels;
  std::optional<StringMap> ns_labels;
  std::vector<ContainerPort> ports;
  // For a node: its name (ingress from the pod's own node is always allowed).
  std::string node_name;
};

enum class Outcome { Allowed, Denied, Unknown };

struct Decision {
  Outcome outcome = Outcome::Allowed;
  bool isolated = false;                  // some policy selects the pod for this direction
  std::vector<const Policy*> selecting;   // the policies that isolate it
  const Policy* allowed_by = nullptr;     // the policy (and rule) that lets it through
  int rule = -1;                          // index in ingress_rules / egress_rules
  std::string why;                        // one sentence, for the trace's hop
};

// Is a connection from `src` to `dst` on port/protocol allowed into dst (ingress) ...
Decision ingress(const std::vector<Policy>& policies, const Party& dst, const Party& src, int port,
                 const std::string& protocol);
// ... and out of src (egress)? For egress, named ports resolve against dst's container ports.
Decision egress(const std::vector<Policy>& policies, const Party& src, const Party& dst, int port,
                const std::string& protocol);

}  // namespace nd::netpol
