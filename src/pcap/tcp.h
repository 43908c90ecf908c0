// TCP handshakes per flow: SYNs with no answer (and when each was sent), SYNs answered by RST,
// SYN-ACKs from an address the client never sent its SYN to (the reply was not un-DNATed), and
// completed handshakes. Facts are gathered per packet; verdicts are made when the flow finishes.
#pragma once

#include <cstdint>

#include "pcap/context.h"
#include "pcap/decode.h"

namespace nd::pcap {

class TcpTracker {
 public:
  // A TCP packet of flow `idx`; `from_a` says which side sent it; `created` that it opened the flow.
  void packet(Context& c, uint32_t idx, bool from_a, bool created, const Packet& p);
  // The flow is being evicted (idle, or end of capture): state, counters and events.
  FlowState finish(Context& c, uint32_t idx);

 private:
  void note_syn(Context& c, uint32_t idx, const Packet& p);
  void check_unexpected_source(Context& c, const Packet& p);

  // Who the client's first SYN went to, by (client address, client port, server port): a SYN-ACK
  // with those ports from any other address is a reply from an unexpected source.
  struct SynKey {
    uint8_t family = 0, pad = 0;
    uint16_t cport = 0, sport = 0, pad2 = 0;
    uint8_t client[16] = {};
  };
  struct SynTarget {
    uint8_t server[16] = {};
    int64_t us = 0;
  };
  FlatTable<SynKey, SynTarget> syn_index_{1024};

  struct Unexpected {
    IpAddr from;
    uint16_t port = 0;
    uint64_t pkt = 0;
    int64_t us = 0;
  };
  FlatTable<uint32_t, Unexpected> unexpected_{64};  // by flow index, until the flow finishes
};

}  // namespace nd::pcap
