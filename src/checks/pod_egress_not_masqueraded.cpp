// pod-egress-not-masqueraded (P3.5): pod traffic that leaves the pod network keeps the pod's source
// address, so hosts outside see pod IPs: they cannot answer when the pod range is not routed back to
// the cluster, and allow-lists that accept the nodes' addresses (databases, P3.5) refuse the pods.
// Calico: an enabled IPPool with natOutgoing false. Flannel: no masquerade for pod sources in the
// node's nat table (walked rule by rule, as the kernel would for a new connection from a pod), or an
// exemption (ACCEPT/RETURN before the masquerade) for some outside destination; without
// iptables-save, FLANNEL_IPMASQ=false in subnet.env and no ipMasq in the CNI config.
#include "checks/pod_egress_not_masqueraded.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include "checks/node_facts.h"
#include "checks/util.h"
#include "node/nat.h"

namespace nd::checks {
namespace {

using node::Address;
using node::IptRule;
using node::IptTable;

// An address inside a prefix, past the network address (the gateway takes .1): the pod's source.
Address pod_address(const node::Prefix& p) {
  Address a = p.network().addr;
  unsigned last = a.is_v4() ? 3 : 15;
  if (p.len + 2 <= a.bits()) a.bytes[last] = static_cast<uint8_t>(a.bytes[last] | 2);
  return a;
}

// Destinations an ACCEPT/RETURN in the nat table exempts that are outside the cluster's own ranges.
std::vector<std::pair<node::Prefix, const IptRule*>> exemptions(const IptTable& nat, const ClusterNet& net,
                                                                const Cluster& c) {
  std::vector<std::pair<node::Prefix, const IptRule*>> out;
  static const node::Prefix multicast = *prefix_of("224.0.0.0/4");
  for (const IptRule& r : nat.rules) {
    std::string t = r.target();
    if ((t != "ACCEPT" && t != "RETURN") || !r.option("-d") || r.negated("-d")) continue;
    auto x = prefix_of(*r.option("-d"));
    if (!x || x->family() != node::Family::V4 || x->len == 0 || node::overlaps(*x, multicast)) continue;
    bool ours = x->addr.is_loopback();
    for (const auto* v : {&net.pod_ranges, &net.node_ranges, &net.service_ranges})
      for (const auto& rr : *v) ours |= node::overlaps(rr.prefix, *x);
    for (const NodeFacts& f : net.nodes)
      for (const auto& h : f.host_addresses()) ours |= node::overlaps(h.prefix.network(), *x);
    for (const Node& n : c.nodes)
      for (const auto& a : n.addresses)
        if (auto ad = node::parse_address(a.address)) ours |= node::contains(*x, *ad);
    if (!ours) out.push_back({*x, &r});
  }
  return out;
}

bool flannel_on(const NodeFacts& f) {
  if (f.flannel_env || f.iface("flannel.1") || f.iface("cni0")) return true;
  const IptTable* nat = f.ipt4 ? f.ipt4->table("nat") : nullptr;
  return nat && nat->chain("FLANNEL-POSTRTG");
}

void calico_pools(Context& ctx) {
  for (const IpPool& p : ctx.cluster.ip_pools) {
    // The model cannot tell an Installation pool's absent natOutgoing (Enabled) from Disabled.
    if (p.disabled || p.nat_outgoing || p.from_installation) continue;
    // IPv6 pools are routed, not NATed, by design (Calico creates them with natOutgoing false).
    if (auto pr = prefix_of(p.cidr); !pr || pr->family() != node::Family::V4) continue;
    Finding& f = ctx.report("pod-egress-not-masqueraded", subject_of("IPPool", p.meta));
    f.summary = fmt::format(
        "IPPool {} ({}) has natOutgoing false: traffic from its pods to addresses outside every pool leaves with the "
        "pod address as source. Outside hosts see pod IPs: unless the network routes {} back to the nodes (BGP "
        "peering with the routers), answers never arrive, and allow-lists that accept the node addresses "
        "(databases, firewalls) refuse the pods (P3.5).",
        p.meta.name, p.cidr, p.cidr);
    f.evidence.push_back({at(p.meta, ".spec.natOutgoing"),
                          fmt::format("IPPool {}: cidr {}, natOutgoing {}", p.meta.name, p.cidr, p.nat_outgoing)});
    f.fix = {
        fmt::format("If the pod range is not routed by your network: calicoctl patch ippool {0} -p "
                    "'{{\"spec\": {{\"natOutgoing\": true}}}}' (or kubectl patch ippools.crd.projectcalico.org {0} "
                    "--type merge -p '{{\"spec\":{{\"natOutgoing\":true}}}}'); Felix applies it at once.",
                    p.meta.name),
        "If the pods must keep their addresses (the database allow-lists pods), add the pool's range to the "
        "allow-list instead and make sure the network routes it back to the nodes.",
        "Verify: from a pod, connect to the outside host and look at the source address it logs: the node's."};
  }
}

}  // namespace

void run_pod_egress_not_masqueraded(Context& ctx) {
  if (ctx.cni.kind == CniKind::Calico) {
    calico_pools(ctx);
    return;
  }
  if (ctx.cni.kind != CniKind::Flannel && ctx.cni.kind != CniKind::Canal) return;
  const ClusterNet& net = cluster_net(ctx);
  for (const NodeFacts& f : net.nodes) {
    if (!flannel_on(f)) continue;  // flannel never ran here: other checks say why
    auto ranges = net.ranges_of(f.name, node::Family::V4);
    const RangeRef* range = !ranges.empty() ? ranges.front() : nullptr;
    if (!range)
      for (const auto& r : net.pod_ranges)
        if (r.flannel && r.prefix.family() == node::Family::V4) range = &r;
    if (!range) continue;
    const Address src = pod_address(range->prefix);
    std::vector<Evidence> ev;
    std::vector<std::string> said;

    const FlannelEnv::Entry* ipmasq = f.flannel_env ? f.flannel_env->get("FLANNEL_IPMASQ") : nullptr;
    bool cni_masq = false;
    for (const CniConf& c : f.cni_confs)
      if (c.ip_masq.value_or(false)) cni_masq = true;
    const IptTable* nat = f.ipt4 ? f.ipt4->table("nat") : nullptr;
    if (nat) {
      node::NatPacket out{src, std::nullopt, f.underlay(node::Family::V4), "", 0};  // any protocol, any port
      node::NatVerdict v = node::postrouting(*nat, out);
      if (v.kind == node::NatVerdict::Unchanged) {
        said.push_back(fmt::format("no rule masquerades traffic from its pods ({}) to the outside", range->text));
        if (v.rule)
          ev.push_back({f.src("iptables-save.txt", v.rule->line), v.rule->text + " (lets it out unchanged)"});
        else
          ev.push_back(
              {f.src("iptables-save.txt", nat->chain("POSTROUTING") ? nat->chain("POSTROUTING")->line : nat->line),
               fmt::format("nat POSTROUTING: no MASQUERADE/SNAT applies to {} -> outside; policy ACCEPT",
                           src.to_string())});
        if (ipmasq) ev.push_back({f.src("flannel-subnet.env", ipmasq->line), "FLANNEL_IPMASQ=" + ipmasq->value});
      } else if (v.kind == node::NatVerdict::Masquerade) {
        for (const auto& [x, rule] : exemptions(*nat, net, ctx.cluster)) {
          node::NatPacket to{src, x.network().addr, out.out_iface, "", 0};
          node::NatVerdict e = node::postrouting(*nat, to);
          if (e.kind != node::NatVerdict::Unchanged) continue;
          said.push_back(fmt::format("traffic from its pods to {} is exempted from the masquerade", x.to_string()));
          if (e.rule) ev.push_back({f.src("iptables-save.txt", e.rule->line), e.rule->text});
        }
        if (!said.empty() && v.rule)
          ev.push_back({f.src("iptables-save.txt", v.rule->line), v.rule->text + " (the masquerade for the rest)"});
      }
    } else if (ipmasq && ipmasq->value == "false" && !cni_masq) {
      said.push_back("flanneld runs without --ip-masq and the CNI configuration does not masquerade either");
      ev.push_back({f.src("flannel-subnet.env", ipmasq->line), "FLANNEL_IPMASQ=" + ipmasq->value});
    }
    if (said.empty()) continue;
    // flanneld's own switch: --ip-masq in the kube-flannel DaemonSet's args.
    for (const Workload* w : ctx.cni.agent_workloads)
      for (const Container& ct : w->containers) {
        if (ct.name != "kube-flannel") continue;
        bool masq = false;
        for (const auto& a : ct.args) masq |= a == "--ip-masq" || a == "--ip-masq=true";
        for (const auto& a : ct.command) masq |= a == "--ip-masq" || a == "--ip-masq=true";
        if (!masq)
          ev.push_back({at(w->meta, ".spec.template.spec.containers[kube-flannel].args"),
                        fmt::format("{} {}/{} runs flanneld with args [{}]: no --ip-masq", w->kind, w->meta.ns,
                                    w->meta.name, join(ct.args, " "))});
      }
    Finding& fd = ctx.report("pod-egress-not-masqueraded", Subject{"Node", "", f.name});
    fd.node = f.name;
    fd.summary = fmt::format(
        "On node {} {}. Those packets leave with the pod's address ({} range) as source: outside hosts cannot answer "
        "unless the network routes the pod range back to the nodes, and allow-lists that accept the node addresses "
        "(databases, firewalls) refuse the pods (P3.5).",
        f.name, join(said, "; "), range->text);
    fd.evidence = std::move(ev);
    fd.fix = {
        "Flannel masquerades pod egress when flanneld runs with --ip-masq (the default in kube-flannel.yml): "
        "check the args of the kube-flannel DaemonSet and restart its pod on the node; FLANNEL_IPMASQ in "
        "/run/flannel/subnet.env shows what it runs with.",
        "If a rule exempts a destination (an ip-masq-agent nonMasqueradeCIDRs entry, a manual ACCEPT in nat "
        "POSTROUTING), remove it unless those hosts must see pod addresses: iptables -t nat -D POSTROUTING "
        "<rule> and find what adds it.",
        "Or, if the pods must keep their addresses, allow the pod range at the destination (P3.5 step 3) and "
        "route it back to the nodes.",
        fmt::format("Verify: from a pod on {}, connect to the outside host; it must log {}'s address as the "
                    "source.",
                    f.name, f.name)};
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
