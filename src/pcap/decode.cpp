#include "pcap/decode.h"

#include <pcap/dlt.h>

#include "pcap/bytes.h"

namespace nd::pcap {

namespace {

constexpr uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86dd, kEtherArp = 0x0806;
constexpr int kMaxVlanTags = 4;
constexpr int kMaxIpv6ExtHeaders = 8;
constexpr int kMaxTunnelDepth = 2;  // VXLAN in IP-in-IP is plausible; deeper is not traffic we read
constexpr int kLinktypeRaw = 101;   // LINKTYPE_RAW, in case a reader hands it through unmapped

// First anomaly wins: it names where decoding went wrong; later ones are consequences.
inline void flag(Packet& out, AnomalyId id) {
  if (out.anomaly == AnomalyId::None) out.anomaly = id;
}

void decode_ip(const DecodeConfig& cfg, const uint8_t* p, uint32_t cap, uint32_t wire, int version,
               Packet& out, int depth);

void decode_transport(const DecodeConfig& cfg, const uint8_t* p, uint32_t cap, uint32_t wire,
                      Packet& out, int depth);

void decode_ethertype(const DecodeConfig& cfg, uint16_t type, const uint8_t* p, uint32_t cap,
                      uint32_t wire, Packet& out, int depth) {
  for (int tags = 0; type == 0x8100 || type == 0x88a8 || type == 0x9100; ++tags) {
    if (tags == kMaxVlanTags) return flag(out, AnomalyId::TooManyVlanTags);
    if (cap < 4) return flag(out, AnomalyId::TruncatedVlanHeader);
    out.vlan = true;
    type = be16(p + 2);
    p += 4, cap -= 4, wire = wire >= 4 ? wire - 4 : 0;
  }
  if (type == kEtherIpv4) return decode_ip(cfg, p, cap, wire, 4, out, depth);
  if (type == kEtherIpv6) return decode_ip(cfg, p, cap, wire, 6, out, depth);
  out.net = type == kEtherArp ? Net::Arp : Net::Other;
}

void decode_ethernet(const DecodeConfig& cfg, const uint8_t* p, uint32_t cap, uint32_t wire,
                     Packet& out, int depth) {
  if (cap < 14) return flag(out, AnomalyId::TruncatedLinkHeader);
  uint16_t type = be16(p + 12);
  if (type <= 1500) {  // an 802.3 length: LLC frames (STP, ...), never IP
    out.net = Net::Other;
    return;
  }
  decode_ethertype(cfg, type, p + 14, cap - 14, wire >= 14 ? wire - 14 : 0, out, depth);
}

void decode_vxlan(const DecodeConfig& cfg, const uint8_t* p, uint32_t cap, Packet& out, int depth) {
  if (depth >= kMaxTunnelDepth) return flag(out, AnomalyId::TunnelTooDeep);
  // Remember the outer addresses before the inner packet overwrites the IP fields.
  out.tunnel = 1;
  out.vni = be24(p + 4);
  out.outer_family = out.family;
  out.outer_src = out.src;
  out.outer_dst = out.dst;
  out.net = Net::None;  // until the inner frame proves to be something
  out.has_l4 = false;
  out.sport = out.dport = 0;
  out.payload = nullptr;
  out.payload_len = 0;
  // The inner frame's wire length is unknown when the outer one was cut; what was captured is
  // all the inner decoder may read, and it treats the rest as cut by the snap length.
  decode_ethernet(cfg, p + 8, cap - 8, cap - 8, out, depth + 1);
}

void decode_transport(const DecodeConfig& cfg, const uint8_t* p, uint32_t cap, uint32_t wire,
                      Packet& out, int depth) {
  out.l4 = p;
  out.l4_len = cap;
  switch (out.proto) {
    case 6: {  // TCP
      if (cap < 20) return flag(out, AnomalyId::TruncatedTcpHeader);
      uint32_t doff = (p[12] >> 4) * 4u;
      if (doff < 20 || doff > wire) return flag(out, AnomalyId::BadTcpHeaderLength);
      out.sport = be16(p), out.dport = be16(p + 2);
      out.seq = be32(p + 4), out.ack = be32(p + 8);
      out.tcp_flags = p[13];
      out.has_l4 = true;
      if (doff <= cap) out.payload = p + doff, out.payload_len = cap - doff;  // else options cut
      return;
    }
    case 17: {  // UDP
      if (cap < 8) return flag(out, AnomalyId::TruncatedUdpHeader);
      uint32_t ulen = be16(p + 4);
      out.sport = be16(p), out.dport = be16(p + 2);
      out.has_l4 = true;
      uint32_t end = cap;
      if (ulen < 8 || ulen > wire) {
        flag(out, AnomalyId::BadUdpLength);  // keep the ports, trust only the captured bytes
      } else if (ulen < end) {
        end = ulen;
      }
      out.payload = p + 8, out.payload_len = end - 8;
      if (cfg.tunnels && (out.dport == cfg.vxlan_ports[0] || out.dport == cfg.vxlan_ports[1])) {
        if (out.payload_len >= 8 && (out.payload[0] & 0x08)) {  // the I flag: a VNI is present
          decode_vxlan(cfg, out.payload, out.payload_len, out, depth);
        } else if (out.payload_len < 8 && ulen >= 16) {  // long enough on the wire, cut here
          flag(out, AnomalyId::TruncatedVxlanHeader);
        }
      }
      return;
    }
    case 1:
    case 58: {  // ICMP, ICMPv6: type, code, checksum, 4 bytes that depend on the type
      if (cap < 8) return flag(out, AnomalyId::TruncatedIcmpHeader);
      out.has_l4 = true;
      out.payload = p + 8, out.payload_len = cap - 8;
      return;
    }
    case 4:
    case 41: {  // IP-in-IP (Calico IPIP), IPv6-in-IP
      if (!cfg.tunnels) return;
      if (depth >= kMaxTunnelDepth) return flag(out, AnomalyId::TunnelTooDeep);
      out.tunnel = 2;
      out.vni = 0;
      out.outer_family = out.family;
      out.outer_src = out.src;
      out.outer_dst = out.dst;
      out.net = Net::None;
      return decode_ip(cfg, p, cap, wire, out.proto == 4 ? 4 : 6, out, depth + 1);
    }
    case 132:  // SCTP: ports at the same place; no state is tracked, the flow is still counted
      if (cap >= 4) out.sport = be16(p), out.dport = be16(p + 2), out.has_l4 = true;
      return;
    default:
      return;
  }
}

void decode_ipv4(const DecodeConfig& cfg, const uint8_t* p, uint32_t cap, uint32_t wire,
                 Packet& out, int depth) {
  if (cap < 20) return flag(out, AnomalyId::TruncatedIpv4Header);
  uint32_t ihl = (p[0] & 0x0f) * 4u;
  if (ihl < 20) return flag(out, AnomalyId::BadIpv4HeaderLength);
  if (cap < ihl) return flag(out, AnomalyId::TruncatedIpv4Header);
  uint32_t total = be16(p + 2);
  // 0 is what segmentation offload leaves in locally captured outgoing packets: use the frame.
  if (total == 0) total = wire;
  if (total < ihl) return flag(out, AnomalyId::BadIpv4TotalLength);
  if (total > wire) {
    flag(out, AnomalyId::Ipv4LengthExceedsFrame);
    total = wire;  // go on with what the frame holds; every read below still checks `cap`
  }
  out.net = Net::Ip;
  out.family = 4;
  out.src = p + 12, out.dst = p + 16;
  out.proto = p[9];
  out.has_l4 = false;
  if ((be16(p + 6) & 0x1fff) != 0) {
    out.fragment = true;
    return;
  }
  uint32_t l4cap = (cap < total ? cap : total) - ihl;
  decode_transport(cfg, p + ihl, l4cap, total - ihl, out, depth);
}

bool ipv6_ext_header(uint8_t nh) {
  return nh == 0 || nh == 43 || nh == 60 || nh == 135 || nh == 139 || nh == 140 || nh == 51;
}

void decode_ipv6(const DecodeConfig& cfg, const uint8_t* p, uint32_t cap, uint32_t wire,
                 Packet& out, int depth) {
  if (cap < 40) return flag(out, AnomalyId::TruncatedIpv6Header);
  uint32_t total = 40u + be16(p + 4);
  if (total == 40 && wire > 40) total = wire;  // jumbogram or offload: the frame says how long
  if (total > wire) {
    flag(out, AnomalyId::Ipv6LengthExceedsFrame);
    total = wire;
  }
  out.net = Net::Ip;
  out.family = 6;
  out.src = p + 8, out.dst = p + 24;
  out.has_l4 = false;
  uint32_t avail = cap < total ? cap : total;
  uint8_t nh = p[6];
  uint32_t off = 40;
  for (int n = 0;; ++n) {
    if (nh == 44) {  // fragment header: fixed 8 bytes
      if (off + 8 > avail) return flag(out, AnomalyId::TruncatedIpv6ExtensionHeader);
      uint16_t frag = be16(p + off + 2) & 0xfff8;
      nh = p[off];
      off += 8;
      if (frag != 0) {
        out.proto = nh;
        out.fragment = true;
        return;
      }
    } else if (ipv6_ext_header(nh)) {
      if (off + 2 > avail) return flag(out, AnomalyId::TruncatedIpv6ExtensionHeader);
      uint32_t len = nh == 51 ? (p[off + 1] + 2u) * 4u : (p[off + 1] + 1u) * 8u;
      nh = p[off];
      off += len;
      if (off > avail) return flag(out, AnomalyId::TruncatedIpv6ExtensionHeader);
    } else {
      break;
    }
    if (n == kMaxIpv6ExtHeaders) return flag(out, AnomalyId::TooManyIpv6ExtensionHeaders);
  }
  out.proto = nh;
  if (nh == 59) return;  // no next header
  decode_transport(cfg, p + off, avail - off, total - off, out, depth);
}

void decode_ip(const DecodeConfig& cfg, const uint8_t* p, uint32_t cap, uint32_t wire, int version,
               Packet& out, int depth) {
  if (cap < 1) return flag(out, version == 6 ? AnomalyId::TruncatedIpv6Header
                                              : AnomalyId::TruncatedIpv4Header);
  int actual = p[0] >> 4;
  if (version == 0) version = actual;  // raw IP: the header says which
  if (actual != version || (version != 4 && version != 6)) {
    return flag(out, AnomalyId::IpVersionMismatch);
  }
  if (version == 4) return decode_ipv4(cfg, p, cap, wire, out, depth);
  decode_ipv6(cfg, p, cap, wire, out, depth);
}

// BSD loopback: the address family in host byte order of the machine that wrote the file.
int null_family(const uint8_t* p) {
  uint32_t le = p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24;
  uint32_t be = be32(p);
  for (uint32_t v : {le, be}) {
    if (v == 2) return 4;
    if (v == 10 || v == 24 || v == 28 || v == 30) return 6;  // Linux, NetBSD, FreeBSD, Darwin
  }
  return 0;
}

}  // namespace

bool link_type_supported(int dlt) {
  switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_RAW:
    case kLinktypeRaw:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_NULL:
    case DLT_LOOP:
      return true;
    default:
      return false;
  }
}

void decode_packet(const DecodeConfig& cfg, const uint8_t* p, uint32_t cap, uint32_t wire,
                   Packet& out) {
  out = Packet{};
  switch (cfg.link_type) {
    case DLT_EN10MB:
      return decode_ethernet(cfg, p, cap, wire, out, 0);
    case DLT_LINUX_SLL:  // 16 bytes: packet type, ARPHRD type, address length, address, protocol
      if (cap < 16) return flag(out, AnomalyId::TruncatedLinkHeader);
      out.iface = be16(p) + 1u;
      return decode_ethertype(cfg, be16(p + 14), p + 16, cap - 16, wire >= 16 ? wire - 16 : 0,
                              out, 0);
    case DLT_LINUX_SLL2:  // 20 bytes: protocol, reserved, interface index, ARPHRD, type, address
      if (cap < 20) return flag(out, AnomalyId::TruncatedLinkHeader);
      out.iface = be32(p + 4) + 1u;
      return decode_ethertype(cfg, be16(p), p + 20, cap - 20, wire >= 20 ? wire - 20 : 0, out, 0);
    case DLT_RAW:
    case kLinktypeRaw:
      return decode_ip(cfg, p, cap, wire, 0, out, 0);
    case DLT_IPV4:
      return decode_ip(cfg, p, cap, wire, 4, out, 0);
    case DLT_IPV6:
      return decode_ip(cfg, p, cap, wire, 6, out, 0);
    case DLT_NULL:
    case DLT_LOOP: {
      if (cap < 4) return flag(out, AnomalyId::TruncatedLinkHeader);
      int fam = null_family(p);
      if (fam == 0) {
        out.net = Net::Other;
        return;
      }
      return decode_ip(cfg, p + 4, cap - 4, wire >= 4 ? wire - 4 : 0, fam, out, 0);
    }
    default:
      return flag(out, AnomalyId::UnknownLinkType);
  }
}

AnomalyId decode_quoted(const uint8_t* p, uint32_t len, uint8_t family, QuotedFlow& out) {
  out = QuotedFlow{};
  uint32_t off = 0;
  if (family == 4) {
    if (len < 20 || (p[0] >> 4) != 4) return AnomalyId::TruncatedIcmpQuotedPacket;
    uint32_t ihl = (p[0] & 0x0f) * 4u;
    if (ihl < 20 || ihl > len) return AnomalyId::TruncatedIcmpQuotedPacket;
    out.family = 4, out.proto = p[9], out.src = p + 12, out.dst = p + 16;
    if ((be16(p + 6) & 0x1fff) != 0) return AnomalyId::None;  // a later fragment: no ports
    off = ihl;
  } else {
    if (len < 40 || (p[0] >> 4) != 6) return AnomalyId::TruncatedIcmpQuotedPacket;
    out.family = 6, out.src = p + 8, out.dst = p + 24;
    uint8_t nh = p[6];
    off = 40;
    for (int n = 0; n < kMaxIpv6ExtHeaders && (ipv6_ext_header(nh) || nh == 44); ++n) {
      if (off + 8 > len) break;
      uint32_t hl = nh == 44 ? 8u : nh == 51 ? (p[off + 1] + 2u) * 4u : (p[off + 1] + 1u) * 8u;
      nh = p[off];
      off += hl;
    }
    out.proto = nh;
  }
  // The quote holds at least 8 bytes of the transport header: ports, or ICMP type and identifier.
  if (off + 8 > len) return AnomalyId::None;
  const uint8_t* l4 = p + off;
  if (out.proto == 6 || out.proto == 17 || out.proto == 132) {
    out.has_ports = true, out.sport = be16(l4), out.dport = be16(l4 + 2);
  } else if (out.proto == 1 || out.proto == 58) {
    out.icmp_type = l4[0], out.icmp_id = be16(l4 + 4);
  }
  return AnomalyId::None;
}

}  // namespace nd::pcap
