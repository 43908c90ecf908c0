// gen_snapshot: writes a large synthetic snapshot directory (kubectl List JSON files) for the ingest and
// diagnose benchmarks. Deterministic: the same flags always write the same bytes.
//
//   gen_snapshot --out DIR [--pods N] [--nodes N] [--services N] [--cni calico|flannel] [--seed N] [--quiet]
//                [--node-bundles [--iptables-nodes N]]
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "generator.h"

namespace {

void usage(FILE* to) {
  std::fprintf(to,
               "usage: gen_snapshot --out DIR [--pods N] [--nodes N] [--services N] [--cni calico|flannel]\n"
               "                    [--seed N] [--quiet] [--node-bundles [--iptables-nodes N]]\n"
               "Writes a synthetic snapshot (kubectl get -A -o json List files) into DIR.\n"
               "Defaults: 150000 pods; nodes = pods/30 and services = pods/15 unless given\n"
               "(so the default is 5000 nodes, 10000 services).\n"
               "--node-bundles (with --cni flannel) also writes nodes/NAME/, a healthy flannel-vxlan node\n"
               "bundle per node that matches the Node objects: addresses, links, routes to every other node's\n"
               "podCIDR, neighbour and FDB entries for every peer VTEP, sysctl, subnet.env. --iptables-nodes N\n"
               "(default 4) of them, spread over the cluster, also get kube-proxy's iptables-save for every\n"
               "Service. Each bundle holds a route, a neighbour and an FDB entry per other node, so the\n"
               "bundles grow with nodes squared (about 1.4 GB at 5000 nodes).\n");
}

bool parse_size(std::string_view s, size_t& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

int main(int argc, char** argv) {
  ndbench::GenOptions opts;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view& v) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "gen_snapshot: %s needs a value\n", argv[i]);
        return false;
      }
      v = argv[++i];
      return true;
    };
    std::string_view v;
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "--node-bundles") {
      opts.node_bundles = true;
    } else if (a == "--out") {
      if (!value(v)) return 2;
      opts.out = std::string(v);
    } else if (a == "--cni") {
      if (!value(v)) return 2;
      opts.cni = std::string(v);
    } else if (a == "--pods" || a == "--nodes" || a == "--services" || a == "--seed" ||
               a == "--iptables-nodes") {
      if (!value(v)) return 2;
      size_t n = 0;
      if (!parse_size(v, n)) {
        std::fprintf(stderr, "gen_snapshot: %s wants a number, got '%.*s'\n", a.data(), static_cast<int>(v.size()),
                     v.data());
        return 2;
      }
      if (a == "--pods") opts.pods = n;
      else if (a == "--nodes") opts.nodes = n;
      else if (a == "--services") opts.services = n;
      else if (a == "--iptables-nodes") opts.iptables_nodes = n;
      else opts.seed = n;
    } else {
      std::fprintf(stderr, "gen_snapshot: unknown argument '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  if (opts.out.empty()) {
    usage(stderr);
    return 2;
  }
  ndbench::GenStats st;
  std::string err = ndbench::generate_snapshot(opts, st);
  if (!err.empty()) {
    std::fprintf(stderr, "gen_snapshot: %s\n", err.c_str());
    return 2;
  }
  if (!quiet) {
    std::printf("wrote %s: %zu bytes, %zu objects\n", opts.out.c_str(), st.bytes, st.objects);
    std::printf("  %zu nodes, %zu pods, %zu services, %zu deployments, %zu replicasets, %zu daemonsets,\n"
                "  %zu configmaps, %zu events, %zu namespaces\n",
                st.nodes, st.pods, st.services, st.deployments, st.replicasets, st.daemonsets, st.config_maps,
                st.events, st.namespaces);
    for (const auto& f : st.files)
      std::printf("  %-20s %12zu bytes %8zu items %6zu bytes/item\n", f.name.c_str(), f.bytes, f.items,
                  f.items ? f.bytes / f.items : 0);
    if (opts.node_bundles) {
      std::printf("  %zu node bundles, %zu bytes; iptables-save (%zu Service ports, %zu endpoints) on:", st.bundles,
                  st.bundle_bytes, st.proxy_service_ports, st.proxy_endpoints);
      for (const auto& n : st.iptables_nodes) std::printf(" %s", n.c_str());
      std::printf("\n");
    }
    std::printf("planted faults:\n");
    for (const auto& f : st.faults) std::printf("  %s\n", f.c_str());
  }
  return 0;
}
