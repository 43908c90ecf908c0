#include "pcap/anomaly.h"

namespace nd::pcap {

namespace {
// Indexed by AnomalyId; the static_assert below keeps the two in step.
constexpr std::string_view kNames[] = {
    "none",
    "truncated_file",
    "capture_read_error",
    "caplen_exceeds_len",
    "time_went_backwards",
    "unknown_link_type",
    "truncated_link_header",
    "truncated_vlan_header",
    "too_many_vlan_tags",
    "truncated_ipv4_header",
    "bad_ipv4_header_length",
    "bad_ipv4_total_length",
    "ipv4_length_exceeds_frame",
    "ip_version_mismatch",
    "truncated_ipv6_header",
    "ipv6_length_exceeds_frame",
    "truncated_ipv6_extension_header",
    "too_many_ipv6_extension_headers",
    "truncated_tcp_header",
    "bad_tcp_header_length",
    "truncated_udp_header",
    "bad_udp_length",
    "truncated_icmp_header",
    "truncated_icmp_quoted_packet",
    "truncated_vxlan_header",
    "tunnel_too_deep",
    "truncated_dns_header",
    "truncated_dns_question",
    "bad_dns_label",
    "dns_name_too_long",
    "dns_pointer_loop",
    "flow_table_full",
};
static_assert(sizeof(kNames) / sizeof(kNames[0]) == kAnomalyCount);
}  // namespace

std::string_view anomaly_name(AnomalyId id) {
  auto i = static_cast<size_t>(id);
  return i < static_cast<size_t>(kAnomalyCount) ? kNames[i] : "unknown_anomaly";
}

}  // namespace nd::pcap
