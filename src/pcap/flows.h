// The flow table: one entry per 5-tuple, keyed direction-free (the smaller endpoint is "a"), with
// the counters every flow gets and the TCP handshake facts the TCP analysis fills in. Flows that
// went idle are finished (turned into events and a FlowRecord) and evicted by the analyzer.
#pragma once

#include <cstdint>
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <vector>

#include "pcap/flat_table.h"
#include "pcap/report.h"

namespace nd::pcap {

struct FlowKey {
  uint8_t family = 0, proto = 0;
  uint16_t port_a = 0, port_b = 0;
  uint16_t pad = 0;  // zero: keys are hashed as bytes
  uint8_t a[16] = {}, b[16] = {};
};
static_assert(sizeof(FlowKey) == 40);
static_assert(offsetof(FlowKey, port_a) == 2 && offsetof(FlowKey, a) == 8 && offsetof(FlowKey, b) == 24);
static_assert(std::endian::native == std::endian::little, "make_flow_key builds the key as words");

// Orders two addresses as memcmp would, with whole-word loads (this runs for every packet).
inline int addr_compare(uint8_t family, const uint8_t* x, const uint8_t* y) {
  if (family == 4) {
    uint32_t a, b;
    std::memcpy(&a, x, 4), std::memcpy(&b, y, 4);
    a = __builtin_bswap32(a), b = __builtin_bswap32(b);
    return a < b ? -1 : a > b;
  }
  uint64_t a[2], b[2];
  std::memcpy(a, x, 16), std::memcpy(b, y, 16);
  for (int i = 0; i < 2; ++i) {
    uint64_t u = __builtin_bswap64(a[i]), v = __builtin_bswap64(b[i]);
    if (u != v) return u < v ? -1 : 1;
  }
  return 0;
}

// The canonical key of src:sport -> dst:dport and its hash (equal to hash_bytes(key));
// `from_a` tells whether src is endpoint a. The key is built as five words in registers, stored
// word by word and hashed from the registers: reading it back from memory right after writing it
// in pieces of other sizes would stall on store forwarding (this runs for every packet).
inline FlowKey make_flow_key(uint8_t family, uint8_t proto, const uint8_t* src, uint16_t sport,
                             const uint8_t* dst, uint16_t dport, bool& from_a,
                             uint32_t* hash = nullptr) {
  int c = addr_compare(family, src, dst);
  from_a = c < 0 || (c == 0 && sport <= dport);
  const uint8_t* a = from_a ? src : dst;
  const uint8_t* b = from_a ? dst : src;
  const uint64_t w0 = uint64_t{family} | uint64_t{proto} << 8 |
                      uint64_t{from_a ? sport : dport} << 16 | uint64_t{from_a ? dport : sport} << 32;
  uint64_t w1, w2 = 0, w3, w4 = 0;
  if (family == 4) {
    uint32_t x, y;
    std::memcpy(&x, a, 4), std::memcpy(&y, b, 4);
    w1 = x, w3 = y;
  } else {
    std::memcpy(&w1, a, 8), std::memcpy(&w2, a + 8, 8);
    std::memcpy(&w3, b, 8), std::memcpy(&w4, b + 8, 8);
  }
  FlowKey k;
  auto* out = reinterpret_cast<unsigned char*>(&k);
  std::memcpy(out, &w0, 8), std::memcpy(out + 8, &w1, 8), std::memcpy(out + 16, &w2, 8);
  std::memcpy(out + 24, &w3, 8), std::memcpy(out + 32, &w4, 8);
  if (hash) {
    WordHash h(5);
    h.add(w0), h.add(w1), h.add(w2), h.add(w3), h.add(w4);
    *hash = h.done();
  }
  return k;
}

inline IpAddr to_ip(uint8_t family, const uint8_t* bytes) {
  IpAddr a;
  a.family = family;
  std::memcpy(a.bytes, bytes, family == 4 ? 4 : 16);
  return a;
}

// TCP handshake facts, from the client's point of view. Compact: every flow carries one.
constexpr int kSynTimes = 6;  // SYN transmissions whose time and packet number are kept
struct TcpInfo {
  enum : uint16_t {
    SynAck = 1 << 0,       // the server answered the SYN
    Established = 1 << 1,  // the client acknowledged the SYN-ACK
    FinClient = 1 << 2,
    FinServer = 1 << 3,
    RstClient = 1 << 4,
    RstServer = 1 << 5,
    Midstream = 1 << 6,  // the first packet seen was neither SYN nor SYN-ACK
  };
  uint16_t bits = 0;
  uint16_t syns = 0;         // SYN transmissions (copies on another interface not counted)
  uint16_t server_rsts = 0;  // RSTs from the server before any SYN-ACK: refusals
  uint32_t last_syn_iface = 0;
  int64_t last_syn_us = 0;
  int64_t rst_us = 0;        // the first refusal
  uint64_t rst_pkt = 0;
  // The first SYN, and the later ones relative to it (saturating at about 71 minutes).
  int64_t syn0_us = 0;
  uint64_t syn0_pkt = 0;
  uint32_t syn_dus[kSynTimes - 1] = {}, syn_dpkt[kSynTimes - 1] = {};

  // Records transmission number `syns` (0-based) if there is room for it.
  void keep_syn(int64_t us, uint64_t pkt) {
    if (syns == 0) {
      syn0_us = us, syn0_pkt = pkt;
    } else if (syns < kSynTimes) {
      syn_dus[syns - 1] = static_cast<uint32_t>(std::min<int64_t>(us - syn0_us, UINT32_MAX));
      syn_dpkt[syns - 1] = static_cast<uint32_t>(std::min<uint64_t>(pkt - syn0_pkt, UINT32_MAX));
    }
  }
  int64_t syn_us(int k) const { return k == 0 ? syn0_us : syn0_us + syn_dus[k - 1]; }
  uint64_t syn_pkt(int k) const { return k == 0 ? syn0_pkt : syn0_pkt + syn_dpkt[k - 1]; }
};

// Which idle timeout finishes a flow (Options: udp_idle_s, closed_linger_s, syn_idle_s,
// tcp_idle_s); kept up to date by the TCP analysis so the sweep reads one cache line per flow.
enum Linger : uint8_t { kLingerUdp = 0, kLingerClosed, kLingerSyn, kLingerTcp };

// Hot fields first: every packet touches the key (before this in the table entry), last_us and
// the counters; the sweep only the first line; the rest only when a flow starts, ends or
// handshakes.
struct Flow {
  int64_t last_us = 0;
  uint8_t linger = kLingerUdp;
  uint8_t client = 0;      // 0: a is the client, 1: b is
  uint8_t icmp_type = 0, icmp_code = 0;
  uint32_t vtep = 0;       // 1 + index into FlowTable's tunnel endpoints; 0 when not tunnelled
  uint32_t pkts[2] = {};   // [0] a->b, [1] b->a
  uint64_t bytes[2] = {};  // wire lengths
  uint64_t last_pkt = 0;
  uint16_t icmp_errors = 0;  // ICMP errors that quote this flow
  int64_t first_us = 0;
  uint64_t first_pkt = 0;
  TcpInfo tcp;
};

// Outer addresses of a tunnel (VXLAN VTEPs or IP-in-IP endpoints); few per capture, so interned.
struct Vtep {
  uint8_t tunnel = 0, family = 0;
  uint16_t pad = 0;
  uint32_t vni = 0;
  uint8_t src[16] = {}, dst[16] = {};
};

class FlowTable {
 public:
  FlatTable<FlowKey, Flow> map{4096};
  std::vector<Vtep> vteps;

  uint32_t intern_vtep(const Vtep& v);
  // The flow as the client saw it, with the tunnel it came through.
  FlowId id_of(uint32_t idx) const;

 private:
  FlatTable<Vtep, uint32_t> vtep_index_{16};
};

}  // namespace nd::pcap
