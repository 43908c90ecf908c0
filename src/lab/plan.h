// The lab's model: what exists in a lab (nodes, pods, Services, injected faults) and the fixed address
// plan. make_plan() is pure: it turns a Spec into the initial State that `lab up` then builds; the
// State is saved as JSON in the lab directory and is what every later command reads.
//
// Address plan (every range below lives only inside the lab's namespaces; the lab has no link to the
// root namespace, so none of these packets can leave the host):
//   underlay A 192.168.50.0/24  router .1, node i .(10+i)        (all nodes, or nodes 1-2 for directrouting)
//   underlay B 192.168.51.0/24  router .1, node i .(10+i)        (directrouting: nodes 3..N)
//   pods       10.244.0.0/16    node i gets 10.244.i.0/24 (flannel's subnet lease)
//   services   10.96.0.0/12     kube-dns 10.96.0.10
//   outside    198.51.100.0/24  router .1, web server .10        (TEST-NET-2: "the internet")
//   upstream   192.0.2.0/24     router .1, DNS server .53        (TEST-NET-1)
//   database   203.0.113.0/24   router .1, database .20:5432      (TEST-NET-3)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nd::lab {

enum class Backend { HostGw, Vxlan, DirectRouting };
std::string backend_name(Backend b);
std::optional<Backend> parse_backend(std::string_view s);

inline constexpr const char* kNetnsPrefix = "ndlab-";
inline constexpr const char* kStateRoot = "/run/netdoctor-lab";
inline constexpr const char* kClusterCidr = "10.244.0.0/16";
inline constexpr const char* kServiceCidr = "10.96.0.0/12";
inline constexpr const char* kClusterDomain = "cluster.local";
inline constexpr const char* kDnsServiceIp = "10.96.0.10";
inline constexpr const char* kRouterIpA = "192.168.50.1";
inline constexpr const char* kRouterIpB = "192.168.51.1";
inline constexpr const char* kOutsideNet = "198.51.100.0/24";
inline constexpr const char* kOutsideRouterIp = "198.51.100.1";
inline constexpr const char* kOutsideWebIp = "198.51.100.10";
inline constexpr const char* kUpstreamNet = "192.0.2.0/24";
inline constexpr const char* kUpstreamRouterIp = "192.0.2.1";
inline constexpr const char* kUpstreamDnsIp = "192.0.2.53";
inline constexpr const char* kDbNet = "203.0.113.0/24";
inline constexpr const char* kDbRouterIp = "203.0.113.1";
inline constexpr const char* kDbIp = "203.0.113.20";
inline constexpr int kDbPort = 5432;
inline constexpr const char* kOutsideDomain = "outside.lab";
inline constexpr int kWebNodePort = 30080;
inline constexpr int kVxlanVni = 1;
inline constexpr int kVxlanPort = 8472;
inline constexpr int kMaxNodes = 9;
// The live side (lab up --agents): one `netdoctor agent` per node, the API facade on node1.
inline constexpr int kAgentPort = 9742;
inline constexpr int kApiServerPort = 6443;
inline constexpr const char* kAgentNamespace = "netdoctor";

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Spec {
  std::string name = "lab";
  int nodes = 3;
  Backend backend = Backend::Vxlan;
  // The netdoctor binary the agents and the API facade run ("" = the lab runs no agents).
  std::string agent_binary = {};
};

struct NodeState {
  std::string name;  // Kubernetes node name: node1, node2, ...
  int index = 0;     // 1-based
  int segment = 0;   // 0 = underlay A, 1 = underlay B
  std::string ip, gateway;
  int prefix = 24;
  std::string pod_cidr;     // the node's pod range (flannel lease / Node.spec.podCIDR)
  std::string cni_gateway;  // cni0's address in pod_cidr
  std::string range_start, range_end;  // host-local range limits (empty = whole range)
  std::string vtep_mac;     // flannel.1's MAC (vxlan backends)
  int mtu = 1500;           // eth0
  std::string created;      // RFC 3339, for creationTimestamp
};

// What a container port serves in the lab: "http" (the lab's HTTP responder), "banner" (writes one
// line and closes), "dns" (the DNS pod's dnsmasq), "" (declared only).
struct PortDef {
  std::string name;
  int port = 0;
  std::string protocol = "TCP";
  std::string serve;
  bool localhost = false;  // bound to 127.0.0.1 only (a sidecar talking over localhost)
};

struct ContainerDef {
  std::string name, image;
  std::vector<PortDef> ports;
};

struct PodState {
  std::string ns, name, node;
  std::string owner;  // ReplicaSet name
  std::string deployment;
  Labels labels;
  std::string dns_policy = "ClusterFirst";
  std::vector<ContainerDef> containers;
  std::string container_id;  // CNI_CONTAINERID (the sandbox id)
  std::string ip;            // from the CNI result
  std::string cni_result;    // the chain's last ADD result (JSON), passed as prevResult on DEL
  int server_pid = 0;        // the lab process that serves the pod's ports
  std::string uid, created;
};

struct ServicePortDef {
  std::string name, protocol = "TCP";
  int port = 0, target_port = 0, node_port = 0;
};

struct ServiceState {
  std::string ns, name, type = "ClusterIP", cluster_ip;
  std::vector<ServicePortDef> ports;
  Labels selector;
  std::string uid, created;
};

// A running `netdoctor agent` (the netdoctor-agent DaemonSet's pod on that node).
struct AgentState {
  std::string node;
  int pid = 0;
};

struct FaultState {
  std::string id, node;  // node "" for cluster-wide faults
};

struct State {
  Spec spec;
  std::string phase;  // "creating", "up"
  std::string created;
  std::vector<NodeState> nodes;
  std::vector<PodState> pods;
  std::vector<ServiceState> services;
  std::vector<FaultState> faults;
  int outside_pid = 0, db_pid = 0;  // lab servers outside the cluster
  std::vector<AgentState> agents;    // empty = the lab runs no agents
  int apiserver_pid = 0;             // the read-only API facade in node1's namespace

  const NodeState* node(std::string_view name) const;
  NodeState* node(std::string_view name);
  const PodState* pod(std::string_view name) const;  // "name" or "ns/name"
  PodState* pod(std::string_view name);
  const PodState* dns_pod() const;
  bool has_fault(std::string_view id, std::string_view node = {}) const;
  std::string dir() const;  // /run/netdoctor-lab/NAME
  std::string netns(std::string_view what) const;  // ndlab-NAME-WHAT
  std::string pod_netns(const PodState& p) const { return netns("pod-" + p.name); }
  std::string node_netns(const NodeState& n) const { return netns(n.name); }
};

// Lab names become part of namespace names: 1-12 of [a-z0-9], no '-' so that a prefix
// "ndlab-NAME-" never matches another lab's.
std::string validate_name(std::string_view name);  // "" when fine, else the reason
std::string validate_spec(const Spec& spec);

State make_plan(const Spec& spec, std::string_view now_rfc3339);

// Pod names as a Deployment would make them: NAME-<template hash>-<5 chars>, deterministic.
std::string deployment_pod_name(std::string_view lab, std::string_view deployment, int ordinal);
std::string replicaset_name(std::string_view lab, std::string_view deployment);

// Small IPv4 helpers used by the plan and the faults.
struct Cidr {
  uint32_t addr = 0;  // host order
  int prefix = 0;
};
std::optional<Cidr> parse_cidr(std::string_view s);  // "10.244.1.0/24" or a bare address (/32)
std::string ip_str(uint32_t addr);
std::string cidr_str(const Cidr& c);
bool cidr_contains(const Cidr& net, uint32_t addr);
bool cidr_overlaps(const Cidr& a, const Cidr& b);
std::string nth_ip(std::string_view cidr, uint32_t n);  // network address + n

}  // namespace nd::lab
