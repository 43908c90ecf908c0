// capture-* (P3.4, P3.5, P4, P9, P10): the snapshot's captures/ read by the capture analysis (src/pcap)
// once; each event becomes a finding under its kind's id, with the packets as evidence and, where the
// snapshot knows them, the Services, pods and node settings the flow involves.
#include "checks/capture_checks.h"

#ifdef ND_HAVE_PCAP  // built with the pcap area (always, outside partial developer builds)

#include <fmt/format.h>

#include "checks/node_facts.h"
#include "checks/util.h"
#include "pcap/analyze.h"

namespace nd::checks {
namespace {

struct Analysed {
  const Capture* capture;
  std::string error;  // the file could not be read as a capture
  pcap::Report report;
};
using AnalysedList = std::vector<Analysed>;

const AnalysedList& analysed(Context& ctx) {
  return ctx.cached<AnalysedList>("captures", [&] {
    AnalysedList out;
    for (const Capture& c : ctx.cluster.captures) {
      auto r = pcap::analyze_file(c.path, pcap::Options{});
      Analysed a{&c, {}, {}};
      if (r.ok()) a.report = std::move(r.value());
      else a.error = r.error().message;
      out.push_back(std::move(a));
    }
    return out;
  });
}

// What the snapshot says about an address: "Service shop/web (ClusterIP)", "pod shop/web-1 on worker-2".
std::string who(const Cluster& c, const std::string& ip) {
  if (ip.empty()) return {};
  for (const Service& s : c.services)
    if (s.cluster_ip == ip) return fmt::format("Service {}/{} (ClusterIP)", s.meta.ns, s.meta.name);
  for (const Pod& p : c.pods)
    if (!p.host_network && p.pod_ip == ip)
      return fmt::format("pod {}/{}{}", p.meta.ns, p.meta.name, p.node_name.empty() ? "" : " on " + p.node_name);
  for (const Node& n : c.nodes)
    for (const auto& a : n.addresses)
      if (a.address == ip) return "node " + n.meta.name;
  return {};
}

// Nodes whose sysctl.txt says `key = value`: the P4 / P3.4 cross-check. Read from the node facts the
// node checks parse once (src/checks/node_facts.h), not from the raw text again.
std::vector<Evidence> nodes_with_sysctl(Context& ctx, std::string_view key, std::string_view value) {
  std::vector<Evidence> out;
#ifdef ND_HAVE_NODE
  for (const NodeFacts& n : cluster_net(ctx).nodes)
    if (const node::SysctlLine* l = n.sysctl_line(key); l && l->value == value)
      out.push_back({n.src("sysctl.txt", l->line), l->key + " = " + l->value});
#else
  (void)ctx, (void)key, (void)value;
#endif
  return out;
}

struct KindText {
  pcap::EventKind kind;
  const char* meaning;  // appended to the event's own description
  std::vector<const char*> fix;
};

const KindText& text_of(pcap::EventKind k) {
  using K = pcap::EventKind;
  static const std::vector<KindText> table = {
      {K::SynUnanswered,
       "Nothing came back — no SYN-ACK, no RST, no ICMP error: the packets are dropped on the way there or the "
       "answer is lost on the way back (P4).",
       {"Check forwarding on every node the flow crosses (the playbook's first suspect, P4): sysctl "
        "net.ipv4.ip_forward must be 1; fix with sysctl -w net.ipv4.ip_forward=1 and persist it in /etc/sysctl.d/.",
        "Look for a drop: kubectl get networkpolicy -A, and on the nodes iptables-save | grep -E 'DROP|REJECT'.",
        "Check the way back: on the destination's node, ip route get <client address> must lead back to the client.",
        "Capture on the destination side too: if the SYN arrives there, the answer is lost on the way back."}},
      {K::ReplyFromUnexpectedSource,
       "The answer comes from an address the client never contacted, so the client discards it: the reply was not "
       "translated back (un-DNATed). Typical when client and endpoint share a node bridge and bridged traffic "
       "skips iptables (P3.4).",
       {"On the node: lsmod | grep br_netfilter (load it with modprobe br_netfilter, persist in /etc/modules-load.d/).",
        "sysctl net.bridge.bridge-nf-call-iptables must be 1: sysctl -w net.bridge.bridge-nf-call-iptables=1, and "
        "persist it in /etc/sysctl.d/.",
        "Retry the connection: the SYN-ACK must now come from the Service address."}},
      {K::RstOnConnect,
       "The destination answers the SYN with a reset: nothing listens on that port there, or a reject rule answers "
       "for it (kube-proxy's REJECT for a Service without endpoints, a firewall, a database allow-list) (P3.5).",
       {"If the destination is a pod: kubectl exec <pod> -- ss -ltn (is the port listening?) and compare with the "
        "Service's targetPort.",
        "If it is a Service address: kubectl get endpointslices -l kubernetes.io/service-name=<svc> (no endpoints "
        "means kube-proxy rejects).",
        "If it is a database outside the cluster: check its allow-list accepts the source address that arrives "
        "(the node's, when pod traffic is masqueraded) (P3.5)."}},
      {K::IcmpUnreachable,
       "A router or the destination says it cannot deliver: net/host unreachable points at routing (P9), port "
       "unreachable at a closed UDP port, admin-prohibited at a reject rule, fragmentation-needed at an MTU "
       "mismatch.",
       {"Net/host unreachable: on the node that sent the ICMP error, ip route get <destination>; check pod ranges "
        "do not overlap node networks and every node has a route to every other node's pod range (P9).",
        "Admin prohibited: find the REJECT rule (iptables-save | grep REJECT) or the NetworkPolicy.",
        "Fragmentation needed: lower the CNI MTU to the underlay MTU minus the encapsulation overhead (vxlan 50, "
        "IPIP 20).",
        "Port unreachable: nothing listens on that UDP port at the destination."}},
      {K::DnsUnanswered,
       "No server answered: the resolver gives up after its timeouts and the application sees a DNS timeout (P10).",
       {"Is cluster DNS running? kubectl -n kube-system get pods -l k8s-app=kube-dns and its logs (P10.1).",
        "Can the client reach the DNS Service? kubectl -n kube-system get endpointslices -l "
        "kubernetes.io/service-name=kube-dns; on the node, iptables-save | grep kube-dns.",
        "If the server is an upstream outside the cluster, check the node can reach it (netdoctor probe dns from "
        "the node)."}},
      {K::DnsError,
       "The server answered with an error: SERVFAIL usually means its upstream failed (or CoreDNS forwards to "
       "itself, P7), REFUSED that it will not serve this client or zone (P10.1).",
       {"Read the DNS server's logs: kubectl -n kube-system logs -l k8s-app=kube-dns --tail=100.",
        "Check CoreDNS's upstream: the forward line of the coredns ConfigMap and the nameservers it points to (P7).",
        "netdoctor diagnose on a full snapshot checks for the CoreDNS loop and unhealthy DNS pods."}},
      {K::DnsSearchWalk,
       "Each lookup first walks the search list (ndots:5 makes most names relative), costing one NXDOMAIN per "
       "suffix before the real answer (P10.2).",
       {"Use fully qualified names with a trailing dot in the application's configuration "
        "(<service>.<namespace>.svc.cluster.local.), or",
        "lower ndots for the pod: spec.dnsConfig.options: [{name: ndots, value: \"2\"}].",
        "A short name of a Service in another namespace never resolves: write <service>.<namespace> (P10.2)."}},
      {K::DnsNxdomain,
       "The name does not exist for this server (P10.2).",
       {"Check the spelling and the namespace: a Service in another namespace needs <service>.<namespace> (P10.2).",
        "kubectl get svc -A | grep <name>"}},
      {K::DnsSlow,
       "Answers arrive late: applications with short timeouts fail even though DNS works (P10).",
       {"Check CoreDNS load and its upstream latency (kubectl -n kube-system logs -l k8s-app=kube-dns).",
        "Check the upstream resolver from the node running CoreDNS."}},
  };
  for (const auto& t : table)
    if (t.kind == k) return t;
  return table.front();
}

Severity severity_of(pcap::Level l) {
  return l == pcap::Level::Critical ? Severity::Critical : l == pcap::Level::Warning ? Severity::Warning
                                                                                      : Severity::Info;
}

void report_events(Context& ctx, pcap::EventKind kind) {
  constexpr size_t kMaxPerCapture = 10;
  for (const Analysed& a : analysed(ctx)) {
    if (!a.error.empty()) continue;  // said once, by capture-syn-unanswered (below)
    size_t n = 0, more = 0;
    for (const pcap::Event& e : a.report.events) {
      if (e.kind != kind) continue;
      if (n >= kMaxPerCapture) {
        ++more;
        continue;
      }
      ++n;
      const KindText& t = text_of(kind);
      std::string subject = e.flow.str();
      if (!e.dns_name.empty()) subject = "dns " + e.dns_name + " (" + e.flow.str() + ")";
      Finding& f = ctx.report(pcap::check_id(kind), Subject{"Flow", "", subject});
      f.severity = severity_of(e.level);
      f.node = a.capture->node;
      std::string server_is = who(ctx.cluster, e.flow.server.str());
      std::string client_is = who(ctx.cluster, e.flow.client.str());
      f.summary = e.description + ". " + t.meaning;
      f.evidence.push_back({a.capture->rel + (a.capture->iface.empty() ? "" : " (interface " + a.capture->iface + ")"),
                            e.description});
      for (size_t i = 0; i < e.packets.size() && i < 6; ++i)
        f.evidence.push_back({fmt::format("{} packet #{}", a.capture->rel, e.packets[i]),
                              fmt::format("{}{}", pcap::format_time(e.times_us[i]),
                                          i == 0 ? "" : fmt::format(" (+{:.3f} s)", (e.times_us[i] - e.times_us[0]) / 1e6))});
      if (!client_is.empty()) f.evidence.push_back({"snapshot", e.flow.client.str() + " is " + client_is});
      if (!server_is.empty()) f.evidence.push_back({"snapshot", e.flow.server.str() + " is " + server_is});
      if (kind == pcap::EventKind::ReplyFromUnexpectedSource) {
        std::string other = who(ctx.cluster, e.other.str());
        if (!other.empty()) f.evidence.push_back({"snapshot", e.other.str() + " is " + other});
        for (auto& ev : nodes_with_sysctl(ctx, "net.bridge.bridge-nf-call-iptables", "0"))
          f.evidence.push_back(std::move(ev));
      }
      if (kind == pcap::EventKind::SynUnanswered)
        for (auto& ev : nodes_with_sysctl(ctx, "net.ipv4.ip_forward", "0")) {
          f.summary += " The snapshot shows forwarding off on a node (" + ev.source + "): that is the likely cause.";
          f.evidence.push_back(std::move(ev));
        }
      for (const char* step : t.fix) f.fix.emplace_back(step);
    }
    if (more) {
      Finding& f = ctx.report(pcap::check_id(kind), Subject{"Capture", "", a.capture->rel});
      f.severity = Severity::Info;
      f.node = a.capture->node;
      f.summary = fmt::format("{} more flow(s) in {} show the same problem; `netdoctor pcap {} --flows` lists them.",
                              more, a.capture->rel, a.capture->rel);
      f.evidence.push_back({a.capture->rel, fmt::format("{} further {} event(s)", more, pcap::to_string(kind))});
      f.fix.emplace_back("See the findings above for the same kind.");
    }
  }
}

}  // namespace

void run_capture_syn_unanswered(Context& ctx) { report_events(ctx, pcap::EventKind::SynUnanswered); }
void run_capture_reply_from_unexpected_source(Context& ctx) {
  report_events(ctx, pcap::EventKind::ReplyFromUnexpectedSource);
}
void run_capture_rst_on_connect(Context& ctx) { report_events(ctx, pcap::EventKind::RstOnConnect); }
void run_capture_icmp_unreachable(Context& ctx) { report_events(ctx, pcap::EventKind::IcmpUnreachable); }
void run_capture_dns_unanswered(Context& ctx) { report_events(ctx, pcap::EventKind::DnsUnanswered); }
void run_capture_dns_error(Context& ctx) { report_events(ctx, pcap::EventKind::DnsError); }
void run_capture_dns_search_walk(Context& ctx) { report_events(ctx, pcap::EventKind::DnsSearchWalk); }
void run_capture_dns_nxdomain(Context& ctx) { report_events(ctx, pcap::EventKind::DnsNxdomain); }
void run_capture_dns_slow(Context& ctx) { report_events(ctx, pcap::EventKind::DnsSlow); }

}  // namespace nd::checks

#endif  // ND_HAVE_PCAP
