// A deterministic generator of large synthetic snapshots (DESIGN.md "Snapshot format"), written as
// `kubectl get KIND -A -o json` List files. Same options, same bytes: the random numbers come from a
// fixed-seed splitmix64, never from the clock or std:: distributions (whose output differs by library).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ndbench {

struct GenOptions {
  std::string out;  // directory to create (its parents too); existing List files are overwritten
  // 0 means "scale with pods": nodes = pods / 30, services = pods / 15 (the ratio of the default
  // 5,000 nodes, 150,000 pods, 10,000 services).
  size_t nodes = 0, pods = 150000, services = 0;
  std::string cni = "calico";  // calico | flannel
  uint64_t seed = 0x6e64'2024'1128ULL;
  // Also write nodes/NAME/ node bundles (flannel vxlan only), consistent with the Node objects; the
  // snapshot's List files stay byte for byte what they are without it.
  bool node_bundles = false;
  size_t iptables_nodes = 4;  // how many of those bundles get kube-proxy's iptables-save (every Service)
};

struct GenFile {
  std::string name;
  size_t bytes = 0, items = 0;
};

struct GenStats {
  size_t nodes = 0, pods = 0, services = 0, deployments = 0, replicasets = 0, daemonsets = 0;
  size_t config_maps = 0, events = 0, endpoints = 0, endpoint_slices = 0, namespaces = 0;
  size_t bytes = 0, objects = 0;
  std::vector<GenFile> files;
  // The faults planted so the checks have work; each line says what and where.
  std::vector<std::string> faults;
  // --node-bundles: bundles written, their bytes, the nodes given an iptables-save and what it holds.
  size_t bundles = 0, bundle_bytes = 0, proxy_service_ports = 0, proxy_endpoints = 0;
  std::vector<std::string> iptables_nodes;
};

// Writes the snapshot; returns an error message ("" on success).
std::string generate_snapshot(const GenOptions& opts, GenStats& stats);

}  // namespace ndbench
