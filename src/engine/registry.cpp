// Every check, in the order it runs. Order matters only for reading: root causes of the network
// (CNI, nodes) come before the symptoms they explain (pods, Services). Metadata is in catalog.cpp.
#include "checks/capture_checks.h"
#include "checks/cni_not_detected.h"
#include "checks/cni_pod_unhealthy.h"
#include "checks/cni_policy_not_enforced.h"
#include "checks/container_crashloop.h"
#include "checks/container_exited_pod_running.h"
#include "checks/container_killed.h"
#include "checks/container_oomkilled.h"
#include "checks/coredns_loop.h"
#include "checks/coredns_unhealthy.h"
#include "checks/dns_short_name_cross_namespace.h"
#include "checks/node_network_unavailable.h"
#include "checks/node_resolv_conf_loopback.h"
#ifdef ND_HAVE_NODE
#include "checks/node_bridge_nf_call_iptables_disabled.h"
#include "checks/node_bundle_unreadable.h"
#include "checks/node_ip_forward_disabled.h"
#include "checks/node_missing_pod_route.h"
#include "checks/node_mtu_mismatch.h"
#include "checks/node_rp_filter_strict.h"
#include "checks/node_service_endpoints_stale.h"
#include "checks/node_service_rules_missing.h"
#include "checks/node_vxlan_fdb_missing.h"
#include "checks/pod_cidr_overlaps_node_network.h"
#include "checks/pod_cidr_overlaps_service_cidr.h"
#include "checks/pod_egress_not_masqueraded.h"
#endif
#include "checks/pod_dns_config_mismatch.h"
#include "checks/pod_pending.h"
#include "checks/pod_sandbox_network_failed.h"
#include "checks/service_no_endpoints.h"
#include "checks/service_target_port_mismatch.h"
#include "checks/network_policy_denies.h"
#include "engine/check.h"

namespace nd {

const std::vector<Check>& all_checks() {
  using namespace checks;
  static const std::vector<Check> list = {
      // CNI and nodes
      {"cni-not-detected", run_cni_not_detected},
      {"cni-pod-unhealthy", run_cni_pod_unhealthy},
      {"node-network-unavailable", run_node_network_unavailable},
#ifdef ND_HAVE_NODE
      // Node data plane (node bundles): forwarding first, then ranges, routes, tunnels, MTU, kube-proxy
      {"node-bundle-unreadable", run_node_bundle_unreadable},
      {"node-ip-forward-disabled", run_node_ip_forward_disabled},
      {"node-bridge-nf-call-iptables-disabled", run_node_bridge_nf_call_iptables_disabled},
      {"pod-cidr-overlaps-node-network", run_pod_cidr_overlaps_node_network},
      {"pod-cidr-overlaps-service-cidr", run_pod_cidr_overlaps_service_cidr},
      {"node-missing-pod-route", run_node_missing_pod_route},
      {"node-vxlan-fdb-missing", run_node_vxlan_fdb_missing},
      {"node-rp-filter-strict", run_node_rp_filter_strict},
      {"node-mtu-mismatch", run_node_mtu_mismatch},
      {"node-service-rules-missing", run_node_service_rules_missing},
      {"node-service-endpoints-stale", run_node_service_endpoints_stale},
      {"pod-egress-not-masqueraded", run_pod_egress_not_masqueraded},
#endif
      {"cni-policy-not-enforced", run_cni_policy_not_enforced},
#ifdef ND_HAVE_DNS
      // DNS: the loop and the node files are root causes; unhealthy CoreDNS and pod settings follow
      {"coredns-loop", run_coredns_loop},
      {"node-resolv-conf-loopback", run_node_resolv_conf_loopback},
      {"coredns-unhealthy", run_coredns_unhealthy},
      {"pod-dns-config-mismatch", run_pod_dns_config_mismatch},
      {"dns-short-name-cross-namespace", run_dns_short_name_cross_namespace},
#endif
      // Pods
      {"pod-sandbox-network-failed", run_pod_sandbox_network_failed},
      {"pod-pending", run_pod_pending},
      {"container-crashloop", run_container_crashloop},
      {"container-oomkilled", run_container_oomkilled},
      {"container-killed", run_container_killed},
      {"container-exited-pod-running", run_container_exited_pod_running},
      // Services
      {"service-no-endpoints", run_service_no_endpoints},
      {"service-target-port-mismatch", run_service_target_port_mismatch},
#ifdef ND_HAVE_NODE
      {"network-policy-denies", run_network_policy_denies},
#endif
#ifdef ND_HAVE_PCAP
      // Captures (captures/ of the snapshot, analysed once)
      {"capture-syn-unanswered", run_capture_syn_unanswered},
      {"capture-reply-from-unexpected-source", run_capture_reply_from_unexpected_source},
      {"capture-rst-on-connect", run_capture_rst_on_connect},
      {"capture-icmp-unreachable", run_capture_icmp_unreachable},
      {"capture-dns-unanswered", run_capture_dns_unanswered},
      {"capture-dns-error", run_capture_dns_error},
      {"capture-dns-search-walk", run_capture_dns_search_walk},
      {"capture-dns-nxdomain", run_capture_dns_nxdomain},
      {"capture-dns-slow", run_capture_dns_slow},
#endif
  };
  return list;
}

}  // namespace nd
