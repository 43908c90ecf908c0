// DNS over UDP (and over TCP where one segment holds one message): queries matched to responses by
// (client, client port, server port, id); retries of the same query counted; unanswered queries,
// error rcodes, slow answers, replies from an address the query was not sent to, and NXDOMAIN
// search-list walks (dns_walk.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pcap/context.h"
#include "pcap/decode.h"
#include "pcap/dns_message.h"
#include "pcap/dns_walk.h"

namespace nd::pcap {

class DnsTracker {
 public:
  // A UDP or TCP packet to or from port 53 with its payload.
  void packet(Context& c, const Packet& p, bool tcp);
  // Finishes queries and walks that went idle; `all` at the end of the capture.
  void sweep(Context& c, bool all);

 private:
  struct TxnKey {
    uint8_t family = 0, pad = 0;
    uint16_t cport = 0, sport = 0, id = 0;
    uint8_t client[16] = {};
  };
  struct Server {
    IpAddr addr;
    bool copy = false;  // the query's copy on another interface (after DNAT), not a retry
  };
  static constexpr int kTries = 16, kServers = 3;
  struct Txn {
    std::string name;
    uint16_t qtype = 0;
    uint16_t tries = 0;
    bool tcp = false;
    Server servers[kServers];
    uint8_t nservers = 0;
    uint32_t last_iface = 0;
    int64_t first_us = 0, last_us = 0;
    uint64_t first_pkt = 0;
    int64_t try_us[kTries] = {};
    uint64_t try_pkt[kTries] = {};
    // A reply from an address that is not a server (or only a DNATed copy's destination).
    bool odd_reply = false;
    IpAddr odd_from;
    uint64_t odd_pkt = 0;
    int64_t odd_us = 0;
  };
  struct ClientKey {
    uint8_t family = 0, pad[3] = {};
    uint8_t addr[16] = {};
  };
  struct ClientWalk {
    std::vector<WalkEntry> entries;
    int64_t last_us = 0;
  };

  void query(Context& c, const Packet& p, const DnsMessage& m);
  void response(Context& c, const Packet& p, const DnsMessage& m);
  void answered(Context& c, const Packet& p, const Txn* t, const DnsMessage& m);
  void finish_txn(Context& c, uint32_t i, bool at_end);
  void walk_note(Context& c, const Packet& p, const DnsMessage& m);
  void walk_flush(Context& c, uint32_t i);

  FlatTable<TxnKey, Txn> txns_{256};
  FlatTable<TxnKey, int64_t> recent_{256};  // answered a moment ago: later copies are duplicates
  FlatTable<ClientKey, ClientWalk> walks_{64};
  DnsMessage msg_;  // reused: no allocation per packet
};

}  // namespace nd::pcap
