// The cluster model: the typed subset of Kubernetes objects and node facts that the checks read.
// Built once from a snapshot (core/snapshot.h); read-only afterwards. Every object remembers where it
// was read from (Source), so a finding can point at the file and line of its evidence.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nd {

// Where something was read: a path relative to the snapshot root and a 1-based line (0 = unknown).
struct Source {
  std::string file;
  uint32_t line = 0;
  std::string str() const { return line ? file + ":" + std::to_string(line) : file; }
};

using StringMap = std::vector<std::pair<std::string, std::string>>;  // ordered as in the input

const std::string* find_value(const StringMap& m, std::string_view key);

struct OwnerRef {
  std::string kind, name;
  bool controller = false;
};

struct Meta {
  std::string name, ns, uid, creation;
  StringMap labels, annotations;
  std::vector<OwnerRef> owners;
  Source src;
};

// ---- Pods -------------------------------------------------------------------------------------

struct ContainerPort {
  std::string name, protocol = "TCP";
  int port = 0;
};

struct EnvVar {
  std::string name, value;               // literal value
  std::string config_map, config_key;    // valueFrom.configMapKeyRef
};

struct Container {
  std::string name, image;
  std::vector<std::string> command, args;
  std::vector<ContainerPort> ports;
  std::vector<EnvVar> env;
  std::vector<std::string> env_from_config_maps;
  std::string memory_limit, memory_request;
  std::string restart_policy;  // "Always" on an init container = native sidecar (1.28+)
};

struct ContainerState {
  enum class Kind { None, Waiting, Running, Terminated };
  Kind kind = Kind::None;
  std::string reason, message, started_at, finished_at;
  std::optional<int> exit_code, signal;
};

struct ContainerStatus {
  std::string name, image;
  bool ready = false;
  std::optional<bool> started;
  int restart_count = 0;
  ContainerState state, last;
};

struct Condition {
  std::string type, status, reason, message, last_transition;
};

struct DnsConfig {
  bool present = false;
  std::vector<std::string> nameservers, searches;
  StringMap options;  // name -> value ("" when the option has none)
};

enum class ContainerRole { Regular, Init, Ephemeral };

struct Pod {
  Meta meta;
  std::string node_name, phase, reason, message, pod_ip, host_ip, dns_policy, restart_policy, qos;
  std::vector<std::string> pod_ips;
  bool host_network = false;
  std::vector<Container> containers, init_containers, ephemeral_containers;
  std::vector<ContainerStatus> statuses, init_statuses, ephemeral_statuses;
  std::vector<Condition> conditions;
  DnsConfig dns_config;
  StringMap node_selector;

  const Condition* condition(std::string_view type) const;
  const Container* container(std::string_view name) const;  // any role
  // "Deployment/x" style owner as seen through a ReplicaSet name, else the direct owner.
  std::string owner_kind() const { return meta.owners.empty() ? "" : meta.owners.front().kind; }
  std::string owner_name() const { return meta.owners.empty() ? "" : meta.owners.front().name; }
};

// ---- Nodes ------------------------------------------------------------------------------------

struct NodeAddress {
  std::string type, address;
};

struct Taint {
  std::string key, value, effect;
};

struct Node {
  Meta meta;
  std::string pod_cidr;
  std::vector<std::string> pod_cidrs;
  std::vector<NodeAddress> addresses;
  std::vector<Condition> conditions;
  std::vector<Taint> taints;
  bool unschedulable = false;
  std::string kubelet_version, os_image, container_runtime, kernel;

  const Condition* condition(std::string_view type) const;
  std::string internal_ip() const;
  bool ready() const;  // condition Ready == True
};

// ---- Services and endpoints ------------------------------------------------------------------

struct ServicePort {
  std::string name, protocol = "TCP";
  int port = 0, node_port = 0;
  // targetPort is an int or a name; both empty/0 means "same as port".
  int target_port = 0;
  std::string target_port_name;
};

struct Service {
  Meta meta;
  std::string type = "ClusterIP", cluster_ip, external_name, external_traffic_policy;
  std::vector<std::string> cluster_ips;
  bool has_selector = false;
  StringMap selector;
  std::vector<ServicePort> ports;
  bool headless() const { return cluster_ip == "None"; }
};

struct EndpointAddress {
  std::string ip, node_name, target_kind, target_name, target_ns;
  bool ready = true;
  std::optional<bool> serving, terminating;
};

struct EndpointPort {
  std::string name, protocol = "TCP";
  int port = 0;
};

// Endpoints subsets and EndpointSlices are both normalised to this.
struct EndpointSet {
  Meta meta;
  std::string service;  // Endpoints: its own name; slices: label kubernetes.io/service-name
  bool is_slice = false;
  std::string address_type;
  std::vector<EndpointAddress> addresses;
  std::vector<EndpointPort> ports;
};

// ---- Workloads, config, events, policy ------------------------------------------------------

struct Workload {  // DaemonSet, Deployment, ReplicaSet, StatefulSet
  std::string kind;
  Meta meta;
  StringMap selector;      // matchLabels
  StringMap template_labels;
  std::vector<Container> containers, init_containers;
  std::string dns_policy;
  bool host_network = false;
  std::optional<int> replicas;  // spec.replicas (absent for DaemonSet)
  int desired = 0, current = 0, ready = 0, available = 0, updated = 0, unavailable = 0;
};

struct ConfigMap {
  Meta meta;
  StringMap data;
};

struct Event {
  Meta meta;
  std::string involved_kind, involved_ns, involved_name, involved_uid, involved_field;
  std::string reason, message, type, component, host;
  std::string first_time, last_time;
  int count = 1;
  bool events_k8s_io = false;  // events.k8s.io/v1 (note/regarding/series)
};

struct NetworkPolicy {
  Meta meta;
  std::string spec_json;  // kept whole: evaluated by the trace engine
  std::vector<std::string> policy_types;
};

struct Namespace {
  Meta meta;
  std::string phase;
};

// Calico IPPool (crd.projectcalico.org/v1 or projectcalico.org/v3), or a pool of the operator's
// Installation (operator.tigera.io/v1 spec.calicoNetwork.ipPools).
struct IpPool {
  Meta meta;
  std::string api_group, cidr, ipip_mode, vxlan_mode, encapsulation;
  bool nat_outgoing = false, disabled = false, from_installation = false;
  int block_size = 0;
  std::string node_selector;
};

struct CalicoInstallation {
  Meta meta;
  std::string bgp, linux_dataplane;
  int mtu = 0;
};

// ---- Logs -----------------------------------------------------------------------------------

struct LogText {
  std::string ns, pod, container;
  bool previous = false;
  Source src;        // file and the line where this container's text starts
  std::string text;  // the log lines, '\n' separated
};

// ---- Node bundles (nodes/NAME/) -------------------------------------------------------------

// Raw files of a node bundle; the parsers of src/node read them (nd::node::parse_*), so the model
// stays free of command-output formats.
struct NodeBundle {
  std::string name;
  std::string dir;                           // relative to the snapshot root, e.g. nodes/worker-1
  std::map<std::string, std::string> files;  // name relative to dir -> raw text (e.g. "ip-route.json")

  const std::string* file(std::string_view rel) const;
  std::string source(std::string_view rel, uint32_t line = 0) const;  // "nodes/w1/sysctl.txt:12"
};

struct Capture {
  std::string path;  // absolute or relative to cwd: for reading
  std::string rel;   // relative to the snapshot root: for evidence
  std::string node, iface;
};

struct PodFile {  // pods/NAMESPACE/POD/resolv.conf
  std::string ns, pod, name, rel, text;
};

// ---- The whole snapshot ---------------------------------------------------------------------

struct Cluster {
  Cluster() = default;
  Cluster(Cluster&&) = default;  // moving keeps element addresses: the indexes stay valid
  Cluster& operator=(Cluster&&) = default;
  Cluster(const Cluster&) = delete;  // a copy would leave the indexes pointing into the original
  Cluster& operator=(const Cluster&) = delete;

  std::string root;  // what the user passed
  size_t objects = 0, bytes = 0, files_read = 0;
  std::vector<std::string> warnings;          // --keep-going parse errors and the like
  std::vector<std::string> files_by_kind_hint;  // e.g. "kube-system/daemonsets.json" lists read

  std::vector<Pod> pods;
  std::vector<Node> nodes;
  std::vector<Service> services;
  std::vector<EndpointSet> endpoints;
  std::vector<Workload> workloads;
  std::vector<ConfigMap> config_maps;
  std::vector<Event> events;
  std::vector<NetworkPolicy> network_policies;
  std::vector<Namespace> namespaces;
  std::vector<IpPool> ip_pools;
  std::vector<CalicoInstallation> calico_installations;
  std::vector<LogText> logs;
  std::vector<NodeBundle> bundles;
  std::vector<PodFile> pod_files;
  std::vector<Capture> captures;

  // Which kinds were listed at all (a List of them was read, even empty): "unknown" vs "none".
  std::map<std::string, Source> listed_kinds;
  bool listed(std::string_view kind) const { return listed_kinds.count(std::string(kind)) > 0; }

  // Lookups (linear or via indexes built by finalize()).
  const Node* node(std::string_view name) const;
  const Pod* pod(std::string_view ns, std::string_view name) const;
  const ConfigMap* config_map(std::string_view ns, std::string_view name) const;
  const Workload* workload(std::string_view kind, std::string_view ns, std::string_view name) const;
  const NodeBundle* bundle(std::string_view node) const;
  std::vector<const LogText*> logs_of(std::string_view ns, std::string_view pod) const;
  std::vector<const Event*> events_for(std::string_view kind, std::string_view ns, std::string_view name) const;
  // Pods of a namespace, and the Endpoints/EndpointSlices of a Service (empty when none).
  const std::vector<const Pod*>& pods_in(std::string_view ns) const;
  const std::vector<const EndpointSet*>& endpoints_of(std::string_view ns, std::string_view service) const;

  void finalize();  // builds the indexes; call once after loading

 private:
  std::map<std::string, size_t, std::less<>> node_index_, pod_index_, cm_index_, workload_index_, bundle_index_;
  std::map<std::string, std::vector<size_t>, std::less<>> event_index_, log_index_;
  std::map<std::string, std::vector<const Pod*>, std::less<>> pods_by_ns_;
  std::map<std::string, std::vector<const EndpointSet*>, std::less<>> endpoints_by_service_;
};

bool selector_matches(const StringMap& selector, const StringMap& labels);

}  // namespace nd
