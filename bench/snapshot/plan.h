// The plan of a synthetic cluster (namespaces, nodes, workloads, pods, services) and the helpers both
// halves of the generator share: plan.cpp builds it from the seed, objects.cpp writes it as kubectl JSON.
// Internal to bench/snapshot; generator.h is the interface.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "generator.h"

namespace ndbench::detail {

using Labels = std::vector<std::pair<std::string, std::string>>;  // kept sorted by key

// ---- Randomness, identifiers, time, addresses -------------------------------------------------

struct Rng {
  uint64_t state;
  uint64_t next() {  // splitmix64
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(((next() >> 32) * n) >> 32); }
  bool percent(uint32_t p) { return below(100) < p; }
};

std::string safe_id(Rng& r, size_t n);  // Kubernetes' name suffix alphabet
std::string hex(Rng& r, size_t n);
std::string uid(Rng& r);
std::string ts(int64_t t);  // RFC 3339, UTC
std::string ip4(uint32_t a);

constexpr int64_t kNow = 1732795200;  // 2024-11-28T12:00:00Z: when the snapshot was "taken"
constexpr int64_t kDay = 86400;
constexpr uint32_t kNodeBase = 0x0A000010;  // nodes from 10.0.0.16 (10.0.0.0/16)
constexpr uint32_t kPodNet = 0x0A800000;    // 10.128.0.0/10, a /24 per node (calico/flannel pool)
constexpr uint32_t kSvcNet = 0x0A600000;    // 10.96.0.0/12, the Service range
constexpr std::string_view kPodCidr = "10.128.0.0/10";
constexpr size_t kMaxNodes = 16000;         // /24s in the /10

// ---- The plan -----------------------------------------------------------------------------------

enum class Tpl : uint8_t { App, CoreDns, CalicoNode, CalicoKubeControllers, KubeProxy, Flannel };
enum class Fault : uint8_t { None, CrashLoop, OomRunning, Exit137, NotReady, Unschedulable, SandboxFailed };

struct EnvDef {
  enum Kind { Literal, FieldRef, ConfigMapKey, SecretKey, ResourceField } kind = Literal;
  std::string name, value, ref, key;  // value: literal or field path; ref/key: ConfigMap/Secret
};
struct PortDef {
  std::string name;
  int port = 0, host_port = 0;
  std::string protocol = "TCP";
};
struct MountDef {
  std::string name, path;
  bool ro = false;
};
struct ProbeDef {
  enum Kind { None, Http, Tcp, Exec } kind = None;
  std::string path, host;
  int port = 0;
  std::vector<std::string> exec;
  int delay = 0, period = 10, timeout = 1, failure = 3;
};
struct ContainerDef {
  std::string name, image, pull = "IfNotPresent";
  std::vector<std::string> command, args;
  std::vector<EnvDef> env;
  std::vector<std::string> env_from_cm;
  std::vector<PortDef> ports;
  ProbeDef liveness, readiness;
  std::string cpu_req, mem_req, cpu_lim, mem_lim;
  bool privileged = false, hardened = false;
  std::vector<MountDef> mounts;
};
struct VolumeDef {
  enum Kind { ConfigMap, EmptyDir, HostPath, Secret } kind = EmptyDir;
  std::string name, ref, type;  // ref: ConfigMap/Secret name or host path; type: hostPath type
};
struct TolDef {
  std::string key, op = "Exists", effect;
};

struct NodeRec {
  std::string name, uid, zone, instance_type, boot_id, machine_id;
  uint32_t ip = 0;
  bool control_plane = false, broken = false;
  int64_t created = 0;
  uint32_t next_ip = 0;  // pods placed so far
};

struct NamespaceRec {
  std::string name, uid;
  int64_t created = 0;
};

struct WorkloadRec {
  std::string kind;  // Deployment | DaemonSet
  Tpl tpl = Tpl::App;
  uint32_t ns = 0;
  std::string name, uid, hash, rs_uid, old_hash, old_rs_uid;
  int replicas = 0, revision = 1;
  uint32_t first_pod = 0, n_pods = 0;
  int64_t created = 0, rolled = 0;
  bool has_cm = false, last_applied = false, has_old_rs = false, recent = false, metrics = false;
  Labels selector, labels, pod_annotations;  // pod template labels (without pod-template-hash)
  std::vector<ContainerDef> init, containers;
  std::vector<VolumeDef> volumes;
  std::vector<TolDef> tolerations;
  Labels node_selector;
  std::string dns_policy = "ClusterFirst", sa = "default", priority_class, team;
  int priority = 0, grace = 30;
  bool host_network = false;
  std::string qos = "BestEffort";
};

struct PodRec {
  uint32_t workload = 0;
  uint32_t node = 0;  // kNoNode when unscheduled
  uint32_t ip = 0;    // 0 when the pod has no address yet
  Fault fault = Fault::None;
  int64_t start = 0;
  std::string name, uid;
};
constexpr uint32_t kNoNode = UINT32_MAX;

struct ServiceRec {
  uint32_t ns = 0;
  uint32_t workload = UINT32_MAX;  // selected workload; UINT32_MAX: none (the kubernetes Service)
  std::string name, uid, type = "ClusterIP", slice;
  uint32_t ip = 0;
  std::vector<PortDef> ports;        // port, protocol, name
  std::vector<int> target_ports;     // numeric targetPort (0: use target_names)
  std::vector<std::string> target_names;
  std::vector<int> node_ports;
  std::vector<int> resolved;         // the container port each targetPort means for the endpoints
  Labels selector, labels;
  bool selector_typo = false, port_mismatch = false;
  int64_t created = 0;
};

struct Plan {
  GenOptions opts;
  bool calico = true;
  std::vector<NodeRec> nodes;
  std::vector<NamespaceRec> namespaces;
  std::vector<WorkloadRec> workloads;
  std::vector<PodRec> pods;
  std::vector<ServiceRec> services;
  std::vector<std::string> faults;
  std::string ca_pem;
  std::vector<std::string> vtep_macs;  // flannel: each node's VTEP MAC as its annotation says (for bundles)
  uint64_t rv = 4'000'000;  // resourceVersion counter
};

inline bool pod_running(const PodRec& p) { return p.fault != Fault::Unschedulable && p.fault != Fault::SandboxFailed; }
inline bool pod_ready(const PodRec& p) {
  return p.fault == Fault::None || p.fault == Fault::OomRunning || p.fault == Fault::Exit137;
}

inline void sort_labels(Labels& l) { std::sort(l.begin(), l.end()); }

// Fills the plan from p.opts; returns an error message ("" on success).
std::string build_plan(Plan& p, Rng& r);
// Writes every List file of the plan into p.opts.out; returns an error message ("" on success).
std::string write_snapshot(Plan& p, Rng& r, GenStats& stats);
// Writes nodes/NAME/ node bundles matching the plan (node_bundles.cpp); returns an error message.
std::string write_node_bundles(const Plan& p, GenStats& stats);

}  // namespace ndbench::detail
