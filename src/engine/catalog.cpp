#include "engine/catalog.h"

#include <algorithm>

#include "engine/runbooks.h"

namespace nd {

// One row per check. Ids and playbook refs follow DESIGN.md's table; the runbook of each id is
// docs/runbooks/ID.md. Order here is the order `netdoctor checks` prints.
const std::vector<CheckInfo>& catalog() {
  using S = Severity;
  static const std::vector<CheckInfo> rows = {
      // Pods (P5, P6)
      {"pod-pending", S::Warning, "Pod is stuck in Pending", "P5",
       "phase Pending + PodScheduled condition, container waiting reasons, scheduler and kubelet events", "pods"},
      {"pod-sandbox-network-failed", S::Critical, "Pod sandbox network setup fails (CNI error)", "P3.1, P5",
       "FailedCreatePodSandBox / CNI error events, tied to the CNI agent pod on the same node", "pods"},
      {"container-oomkilled", S::Warning, "Container was OOM-killed and restarted", "P6.2",
       "lastState.terminated.reason OOMKilled (not exit code 137 alone), restartCount", "pods"},
      {"container-crashloop", S::Critical, "Container is crash-looping", "P6, P7",
       "state.waiting.reason CrashLoopBackOff, last exit code and reason, the log lines that explain it", "pods"},
      {"container-exited-pod-running", S::Warning, "A container has exited while its pod still runs", "P6.1",
       "a regular container terminated (Completed, or an error it is not restarted from) while the pod phase is Running", "pods"},
      {"container-killed", S::Info, "Container was killed by SIGKILL (exit 137) without an OOM reason", "P6.2",
       "state or lastState terminated with exit code 137 and a reason other than OOMKilled", "pods"},
      // CNI (P2, P3.1)
      {"cni-not-detected", S::Critical, "No CNI plugin found", "P2",
       "no known CNI DaemonSet, agent pod, IPPool, flannel ConfigMap or node CNI config", "cni"},
      {"cni-pod-unhealthy", S::Critical, "CNI agent pod is not healthy", "P3.1",
       "calico-node / kube-flannel / calico-kube-controllers pods not Ready or restarting, error lines in their logs", "cni"},
      {"cni-policy-not-enforced", S::Warning, "NetworkPolicies exist but the CNI does not enforce them", "P2.2",
       "NetworkPolicy objects while the CNI is flannel alone", "cni"},
      {"node-network-unavailable", S::Critical, "Node network is not ready", "P3.1",
       "node condition NetworkUnavailable=True or Ready=False because the network plugin is not ready", "cni"},
      // Node data plane (P3.4, P4, P9)
      {"node-ip-forward-disabled", S::Critical, "IP forwarding is off on a node", "P4",
       "net.ipv4.ip_forward = 0 in the node's sysctl -a", "node"},
      {"node-bridge-nf-call-iptables-disabled", S::Critical, "Bridged traffic bypasses iptables on a node", "P3.4",
       "net.bridge.bridge-nf-call-iptables = 0 or absent (br_netfilter not loaded) with a bridge CNI", "node"},
      {"pod-cidr-overlaps-node-network", S::Critical, "Pod range overlaps the node network", "P9",
       "IPPool / flannel Network / node podCIDRs intersect node addresses or their subnets", "node"},
      {"pod-cidr-overlaps-service-cidr", S::Critical, "Pod range overlaps the Service range", "P9",
       "pod ranges intersect the Service range (flags or ClusterIPs)", "node"},
      {"node-missing-pod-route", S::Critical, "Node has no working route to another node's pods", "P9",
       "ip route of each node against every other node's pod range for the CNI's mode", "node"},
      {"node-vxlan-fdb-missing", S::Critical, "VXLAN tunnel entries for a peer node are missing", "P9, P2.3",
       "ip-neigh.json and bridge-fdb.json of the VXLAN device against each peer's VTEP address, MAC and node IP",
       "node"},
      {"node-rp-filter-strict", S::Critical, "Strict reverse-path filtering drops pod traffic from another node",
       "P9", "rp_filter = 1 on the interface a peer's pod traffic arrives on while the route back leaves by another",
       "node"},
      {"node-mtu-mismatch", S::Warning, "Pod MTU does not fit the node's underlay", "P3.3, P9",
       "FLANNEL_MTU, CNI config mtu, Installation mtu and device MTUs against the underlay MTU minus the "
       "encapsulation overhead", "node"},
      {"node-service-rules-missing", S::Critical, "kube-proxy has no rules for a Service on a node", "P1.3",
       "iptables-save KUBE-SERVICES (iptables mode) against the snapshot's Services and ports", "node"},
      {"node-service-endpoints-stale", S::Warning, "kube-proxy's rules on a node point at stale endpoints", "P1.3",
       "KUBE-SVC/KUBE-SEP chains and has-no-endpoints REJECTs against the ready endpoints of EndpointSlices", "node"},
      {"pod-egress-not-masqueraded", S::Warning, "Pod traffic leaves the cluster with pod source addresses", "P3.5",
       "IPPool natOutgoing; flannel's masquerade in the node's nat table, FLANNEL_IPMASQ, CNI ipMasq", "node"},
      {"node-bundle-unreadable", S::Info, "A node-bundle file could not be read", "P3.3",
       "the parsers of src/node on each file of nodes/NODE/", "node"},
      // DNS (P7, P8, P10)
      {"coredns-loop", S::Critical, "CoreDNS forwards queries to itself", "P7",
       "CoreDNS loop log lines, or Corefile forward to /etc/resolv.conf with a loopback nameserver on the node", "dns"},
      {"node-resolv-conf-loopback", S::Warning, "Pods inheriting the node's resolv.conf get a loopback nameserver",
       "P7, P8", "the resolv.conf the kubelet hands to dnsPolicy=Default pods", "dns"},
      {"coredns-unhealthy", S::Critical, "Cluster DNS is not healthy", "P10.1",
       "CoreDNS pods not Ready / restarting, kube-dns Service without ready endpoints", "dns"},
      {"pod-dns-config-mismatch", S::Warning, "Pod DNS settings cannot work", "P8, P10.2",
       "a pod's resolver configuration against its dnsPolicy and the cluster DNS Service", "dns"},
      {"dns-short-name-cross-namespace", S::Warning, "Short Service name used across namespaces", "P10.2",
       "env values and ConfigMaps naming a Service of another namespace by its short name", "dns"},
      // Services (P1.3)
      {"service-no-endpoints", S::Critical, "Service has no ready endpoints", "P1.3",
       "a Service whose selector matches no ready pod; Endpoints / EndpointSlices", "service"},
      {"service-target-port-mismatch", S::Critical, "Service targetPort matches no container port", "P1.3",
       "targetPort number or name against the container ports of the selected pods", "service"},
      {"network-policy-denies", S::Critical, "NetworkPolicy closes a Service's port to every client", "P2.2, P1.3",
       "NetworkPolicies selecting a Service's pods for ingress, none opening its targetPort, with a CNI that enforces policy",
       "service"},
      // Captures (P3.4, P3.5, P4, P9, P10)
      {"capture-syn-unanswered", S::Critical, "SYNs sent again and again, never answered", "P4",
       "a TCP SYN retransmitted with no SYN-ACK or RST in the capture", "capture"},
      {"capture-reply-from-unexpected-source", S::Critical, "Reply comes from the pod, not from the Service address",
       "P3.4", "SYN to a ClusterIP answered by a SYN-ACK from the endpoint pod's address", "capture"},
      {"capture-rst-on-connect", S::Warning, "Connection refused (SYN answered by RST)", "P3.5",
       "a TCP SYN answered by RST", "capture"},
      {"capture-icmp-unreachable", S::Warning, "ICMP destination unreachable", "P9",
       "ICMP/ICMPv6 unreachable (net, host, port, admin-prohibited, fragmentation needed) for a flow", "capture"},
      {"capture-dns-unanswered", S::Critical, "DNS queries are not answered", "P10",
       "DNS queries in the capture with no response", "capture"},
      {"capture-dns-error", S::Warning, "DNS server answers with an error", "P10.1",
       "DNS responses with rcode SERVFAIL, REFUSED, FORMERR or NOTIMP", "capture"},
      {"capture-dns-search-walk", S::Info, "Names walk the search list before resolving", "P10.2",
       "the same base name queried with each search suffix, NXDOMAIN each time (ndots at work)", "capture"},
      {"capture-dns-nxdomain", S::Info, "A name does not exist (NXDOMAIN)", "P10.2",
       "NXDOMAIN answers that are not part of a search-list walk", "capture"},
      {"capture-dns-slow", S::Info, "DNS answers are slow", "P10",
       "DNS answers later than a second after the first try", "capture"},
  };
  return rows;
}

const CheckInfo* find_check_info(std::string_view id) {
  for (const auto& r : catalog())
    if (r.id == id) return &r;
  return nullptr;
}

std::vector<std::string> split_refs(std::string_view refs) {
  std::vector<std::string> out;
  while (!refs.empty()) {
    auto comma = refs.find(',');
    std::string_view one = refs.substr(0, comma);
    while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
    while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
    if (!one.empty()) out.emplace_back(one);
    if (comma == std::string_view::npos) break;
    refs.remove_prefix(comma + 1);
  }
  return out;
}

const Runbook* find_runbook(std::string_view id) {
  for (const auto& r : runbooks())
    if (r.id == id) return &r;
  return nullptr;
}

}  // namespace nd
