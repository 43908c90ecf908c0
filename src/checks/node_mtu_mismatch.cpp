// node-mtu-mismatch (P3.3, P9): the pod network's MTU must leave room for the encapsulation on the
// node's underlay: pod MTU <= underlay MTU - overhead (vxlan 50, IPIP 20, WireGuard 60; none for
// host-gw and plain BGP). Too large, and full-size packets are dropped or need fragmentation that
// PMTU discovery often fails to negotiate: small requests work, large transfers stall.
#include "checks/node_mtu_mismatch.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include <algorithm>

#include "checks/node_facts.h"
#include "checks/util.h"

namespace nd::checks {
namespace {

struct Encap {
  int overhead = 0;
  std::string what;  // "vxlan (50 bytes)"
};

// Outer headers an encapsulating device adds, by its kind or name.
int device_overhead(const node::Link& l, bool v6_underlay) {
  if (l.kind == "vxlan" || l.ifname == "flannel.1" || l.ifname.find("vxlan") != std::string::npos)
    return v6_underlay ? 70 : 50;
  if (l.kind == "ipip" || l.ifname == "tunl0") return 20;
  if (l.kind == "wireguard" || l.ifname == "wireguard.cali" || l.ifname.rfind("flannel-wg", 0) == 0)
    return v6_underlay ? 80 : 60;
  return 0;
}

// What the CNI's mode adds to every pod packet that leaves the node.
Encap mode_overhead(const CniInfo& cni, const NodeFacts& f, bool v6_underlay) {
  Encap e;
  auto take = [&](int o, const std::string& what) {
    if (o > e.overhead) e = {o, fmt::format("{} ({} bytes)", what, o)};
  };
  if (cni.kind == CniKind::Flannel || cni.kind == CniKind::Canal) {
    const std::string& b = cni.flannel_backend;
    if (b == "vxlan" || (b.empty() && f.iface("flannel.1"))) take(v6_underlay ? 70 : 50, "flannel vxlan");
    if (b == "wireguard") take(v6_underlay ? 80 : 60, "flannel wireguard");
    if (b == "ipip") take(20, "flannel ipip");
  }
  if (cni.kind == CniKind::Calico)
    for (const auto& r : cni.pod_ranges) {
      if (r.disabled) continue;
      if (r.encapsulation.rfind("IPIP", 0) == 0) take(20, "calico ipip");
      if (r.encapsulation.rfind("VXLAN", 0) == 0) take(v6_underlay ? 70 : 50, "calico vxlan");
    }
  for (const char* wg : {"wireguard.cali", "flannel-wg"})
    if (f.iface(wg)) take(v6_underlay ? 80 : 60, std::string("wireguard (") + wg + ")");
  return e;
}

struct Mtu {
  int value;
  std::string what;
  Evidence evidence;
  int limit;  // the largest that fits
};

}  // namespace

void run_node_mtu_mismatch(Context& ctx) {
  const ClusterNet& net = cluster_net(ctx);
  for (const NodeFacts& f : net.nodes) {
    std::string ul = f.underlay(node::Family::V4);
    if (ul.empty()) ul = f.underlay(node::Family::V6);
    const node::Link* under = ul.empty() ? nullptr : f.iface(ul);
    if (!under || under->mtu <= 0) continue;  // no underlay MTU: unknown
    bool v6_underlay = false;
    for (const auto& l : f.links)
      if (l.vxlan && l.vxlan->local.find(':') != std::string::npos) v6_underlay = true;
    Encap enc = mode_overhead(ctx.cni, f, v6_underlay);
    const int pod_limit = under->mtu - enc.overhead;
    std::vector<Mtu> bad;

    // Pod side: flannel's lease, the CNI config, the Installation, the bridge and the pods' veths.
    if (f.flannel_env)
      if (const auto* e = f.flannel_env->get("FLANNEL_MTU"))
        if (int v = std::atoi(e->value.c_str()); v > pod_limit)
          bad.push_back(
              {v, "FLANNEL_MTU", {f.src("flannel-subnet.env", e->line), "FLANNEL_MTU=" + e->value}, pod_limit});
    for (const CniConf& c : f.cni_confs)
      if (c.mtu && *c.mtu > pod_limit)
        bad.push_back(
            {*c.mtu, c.file + " \"mtu\"", {f.src(c.file, c.mtu_line), fmt::format("\"mtu\": {}", *c.mtu)}, pod_limit});
    for (const auto& inst : ctx.cluster.calico_installations)
      if (inst.mtu > pod_limit)
        bad.push_back({inst.mtu,
                       "Installation spec.calicoNetwork.mtu",
                       {at(inst.meta, ".spec.calicoNetwork.mtu"), fmt::format("mtu: {}", inst.mtu)},
                       pod_limit});
    std::vector<const node::Link*> veths;
    for (const auto& l : f.links) {
      if (&l == under || l.ifname == "lo") continue;
      int own = device_overhead(l, v6_underlay);
      bool tunnel = own > 0 && (l.ifname.find("flannel") != std::string::npos ||
                                l.ifname.find("cali") != std::string::npos || l.ifname == "tunl0");
      bool pod_side =
          l.ifname == "cni0" || l.ifname == "cbr0" ||
          (l.kind == "veth" && (l.master == "cni0" || l.master == "cbr0" || l.ifname.rfind("cali", 0) == 0));
      if (tunnel && l.mtu > under->mtu - own) {
        bad.push_back({l.mtu,
                       l.ifname,
                       {f.src(f.links_file), fmt::format("{}: mtu {} (kind {})", l.ifname, l.mtu, l.kind)},
                       under->mtu - own});
      } else if (pod_side && l.mtu > pod_limit) {
        if (l.kind == "veth")
          veths.push_back(&l);
        else
          bad.push_back(
              {l.mtu, l.ifname, {f.src(f.links_file), fmt::format("{}: mtu {}", l.ifname, l.mtu)}, pod_limit});
      }
    }
    if (!veths.empty()) {
      std::vector<std::string> names;
      for (const auto* v : veths) names.push_back(v->ifname);
      if (names.size() > 5) names.resize(5), names.push_back("...");
      bad.push_back({veths.front()->mtu,
                     fmt::format("{} pod veth{}", veths.size(), veths.size() == 1 ? "" : "s"),
                     {f.src(f.links_file), fmt::format("{}: mtu {}", join(names, ", "), veths.front()->mtu)},
                     pod_limit});
    }
    if (bad.empty()) continue;

    Finding& fd = ctx.report("node-mtu-mismatch", Subject{"Node", "", f.name});
    fd.node = f.name;
    std::vector<std::string> parts;
    for (const auto& b : bad) parts.push_back(fmt::format("{} {} (at most {})", b.what, b.value, b.limit));
    fd.summary = fmt::format(
        "On node {} the pod network's MTU does not fit the underlay: {} has MTU {}{}, so pod packets may be at most "
        "{} bytes, but {}. Full-size packets are dropped or need fragmentation that path-MTU discovery often fails to "
        "negotiate (ICMP filtered): pings and small requests work, large transfers and TLS handshakes stall.",
        f.name, ul, under->mtu, enc.overhead ? fmt::format(" and the pod network adds {}", enc.what) : "", pod_limit,
        join(parts, ", "));
    fd.evidence.push_back(
        {f.src(f.links_file),
         fmt::format("{}: mtu {} (the underlay: {})", ul, under->mtu,
                     f.default_route(node::Family::V4) ? "default route dev " + ul : "holds the node address")});
    for (auto& b : bad) fd.evidence.push_back(std::move(b.evidence));
    fd.fix = {
        fmt::format("Decide which side is wrong: if {}'s MTU {} is right (ask the network team; compare with the "
                    "other nodes), lower the pod MTU to {} or less; if the underlay lost its jumbo or 1500 MTU by "
                    "mistake, restore it (ip link set {} mtu <value>, and in the node's network configuration).",
                    ul, under->mtu, pod_limit, ul),
        ctx.cni.kind == CniKind::Calico
            ? fmt::format("Calico: set the MTU to {} (operator: kubectl patch installation default --type merge -p "
                          "'{{\"spec\":{{\"calicoNetwork\":{{\"mtu\":{}}}}}}}'; manifest: veth_mtu in ConfigMap "
                          "kube-system/calico-config), then restart calico-node and recreate the pods (a veth keeps "
                          "the MTU it was created with).",
                          pod_limit, pod_limit)
            : "Flannel computes FLANNEL_MTU from the underlay when it starts: restart the kube-flannel pod on the node "
              "(or set the MTU in net-conf.json's Backend), then recreate the node's pods (a veth keeps the MTU it "
              "was created with).",
        fmt::format("Verify: from a pod on {}, ping -M do -s {} <pod-ip-on-another-node> succeeds and -s {} fails "
                    "with 'message too long'.",
                    f.name, pod_limit - 28, pod_limit - 27)};
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
