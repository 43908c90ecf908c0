// The table of named anomalies (Zeek calls them "weirds"): every malformed or cut input the decoder
// can meet has a name here, so a report says what was wrong and how often instead of crashing.
#pragma once

#include <cstdint>
#include <string_view>

namespace nd::pcap {

enum class AnomalyId : uint8_t {
  None = 0,
  // the file
  TruncatedFile,        // libpcap stopped: the last record is cut
  CaptureReadError,     // libpcap stopped for another reason
  CaplenExceedsLen,     // record header: captured length above the wire length
  TimeWentBackwards,    // a packet more than a second older than the latest before it
  // link layer
  UnknownLinkType,
  TruncatedLinkHeader,
  TruncatedVlanHeader,
  TooManyVlanTags,
  // IPv4 / IPv6
  TruncatedIpv4Header,
  BadIpv4HeaderLength,  // IHL below 5
  BadIpv4TotalLength,   // total length below the header length
  Ipv4LengthExceedsFrame,
  IpVersionMismatch,    // the link layer said IPv4 (IPv6), the header says otherwise
  TruncatedIpv6Header,
  Ipv6LengthExceedsFrame,
  TruncatedIpv6ExtensionHeader,
  TooManyIpv6ExtensionHeaders,
  // transport
  TruncatedTcpHeader,
  BadTcpHeaderLength,
  TruncatedUdpHeader,
  BadUdpLength,
  TruncatedIcmpHeader,
  TruncatedIcmpQuotedPacket,
  // tunnels
  TruncatedVxlanHeader,
  TunnelTooDeep,
  // DNS
  TruncatedDnsHeader,
  TruncatedDnsQuestion,
  BadDnsLabel,
  DnsNameTooLong,
  DnsPointerLoop,
  // analysis limits
  FlowTableFull,
  Count_
};
constexpr int kAnomalyCount = static_cast<int>(AnomalyId::Count_);

std::string_view anomaly_name(AnomalyId id);  // "truncated_ipv4_header"

}  // namespace nd::pcap
