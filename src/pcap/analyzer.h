// The analyzer: takes packets one at a time (from libpcap, or any other reader), decodes them,
// keeps flows, hands them to the TCP, ICMP and DNS analyses, evicts what went idle, and fills the
// Report at the end. Allocation-free per packet on the common path.
#pragma once

#include <cstdint>

#include "pcap/context.h"
#include "pcap/decode.h"
#include "pcap/dns.h"
#include "pcap/tcp.h"

namespace nd::pcap {

class Analyzer {
 public:
  // Times are clamped to [0, kMaxTimeUs] so that sums and differences of them never overflow.
  static constexpr int64_t kMaxTimeUs = 4'000'000'000'000'000'000;

  Analyzer(const Options& opt, Report& r, int link_type);
  // One packet, analysed at once: for readers that reuse their buffer (libpcap's loop).
  void packet(int64_t us, const uint8_t* data, uint32_t caplen, uint32_t wirelen);
  // The same, pipelined: the packet is decoded now and analysed a few packets later, after the
  // flow-table lines it needs were prefetched. For readers whose bytes stay valid until finish()
  // (the in-place reader). Results are identical; finish() analyses what is still queued.
  void packet_ahead(int64_t us, const uint8_t* data, uint32_t caplen, uint32_t wirelen);
  // The reader stopped early (a cut file): the anomaly, with libpcap's words.
  void read_error(AnomalyId id, const std::string& detail);
  void finish();  // end of capture: finish every flow, query and walk; complete the report

 private:
  // A packet between decoding and analysis.
  struct Pending {
    int64_t us = 0;
    uint32_t caplen = 0, wirelen = 0;
    Packet p;
    bool keyed = false;  // it belongs to a flow: key, hash and from_a are set
    bool from_a = false;
    uint32_t hash = 0;
    FlowKey key;
  };
  // Packets in flight: decoded (slot prefetched) -> entry prefetched -> ... -> analysed.
  static constexpr uint32_t kDepth = 4;

  void prepare(Pending& q, int64_t us, const uint8_t* data, uint32_t caplen, uint32_t wirelen);
  void process(Pending& q);
  void ip_packet(Pending& q);
  void sweep(bool all);
  bool idle(uint32_t idx) const;
  void finish_flow(uint32_t idx);

  Context c_;
  DecodeConfig cfg_;
  TcpTracker tcp_;
  DnsTracker dns_;
  Pending now_;                // packet(): the one being analysed
  Pending ring_[kDepth];       // packet_ahead(): the ones in flight
  uint64_t head_ = 0, tail_ = 0;
  int64_t next_sweep_us_ = 0;
  int64_t idle_us_[4] = {};  // by Linger
  bool link_ok_ = true;
};

}  // namespace nd::pcap
