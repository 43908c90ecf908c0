// The packet decoder: link layer -> VLAN tags -> IPv4/IPv6 (extension headers skipped) -> TCP, UDP,
// ICMP, with VXLAN and IP-in-IP decapsulated to the inner packet. A pure function of the bytes: it
// checks every length before reading and, on malformed input, names the anomaly and stops there.
// The Packet it fills points into the caller's buffer and is valid only as long as that buffer.
#pragma once

#include <cstdint>

#include "pcap/anomaly.h"

namespace nd::pcap {

enum class Net : uint8_t { None, Ip, Arp, Other };

struct Packet {
  Net net = Net::None;
  uint32_t iface = 0;  // which interface, when the link layer says: SLL2 ifindex + 1, SLL packet type + 1
  bool vlan = false;
  // network layer (net == Ip)
  uint8_t family = 0;  // 4 or 6
  const uint8_t* src = nullptr;
  const uint8_t* dst = nullptr;  // 4 or 16 bytes
  uint8_t proto = 0;
  bool fragment = false;  // a non-first fragment: no transport header to read
  // transport
  bool has_l4 = false;  // ports (and TCP fields) below are valid
  uint16_t sport = 0, dport = 0;
  uint8_t tcp_flags = 0;
  uint32_t seq = 0, ack = 0;
  const uint8_t* l4 = nullptr;  // from the transport header on
  uint32_t l4_len = 0;          // captured bytes there
  const uint8_t* payload = nullptr;  // after the TCP/UDP header (ICMP: after the 8-byte header)
  uint32_t payload_len = 0;          // captured payload bytes
  // the innermost tunnel this packet came out of
  uint8_t tunnel = 0;  // 0 none, 1 vxlan, 2 ip-in-ip
  uint32_t vni = 0;
  uint8_t outer_family = 0;
  const uint8_t* outer_src = nullptr;
  const uint8_t* outer_dst = nullptr;

  AnomalyId anomaly = AnomalyId::None;  // the first problem met; decoding stopped there
};

constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08, kTcpAck = 0x10;

struct DecodeConfig {
  int link_type = 1;  // a DLT_ value, as pcap_datalink() returns it
  uint16_t vxlan_ports[2] = {4789, 8472};
  bool tunnels = true;
};

bool link_type_supported(int dlt);

// Decodes one captured frame. `caplen` bytes are readable at `data`; `wirelen` is its length on
// the wire (larger when the snap length cut it).
void decode_packet(const DecodeConfig& cfg, const uint8_t* data, uint32_t caplen, uint32_t wirelen,
                   Packet& out);

// The flow an ICMP error quotes: the start of the packet that caused it (IP header + 8 bytes).
struct QuotedFlow {
  uint8_t family = 0, proto = 0;
  const uint8_t* src = nullptr;
  const uint8_t* dst = nullptr;
  bool has_ports = false;
  uint16_t sport = 0, dport = 0;
  uint8_t icmp_type = 0;  // when the quoted packet is itself ICMP (an echo request)
  uint16_t icmp_id = 0;
};
// Reads the quoted packet of an ICMP error; the IP lengths inside refer to the original packet, so
// only what is present is read. Returns the anomaly when not even the IP header is there.
AnomalyId decode_quoted(const uint8_t* p, uint32_t len, uint8_t family, QuotedFlow& out);

}  // namespace nd::pcap
