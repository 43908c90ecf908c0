// Capture analysis: reads a pcap or pcapng file (through libpcap) and reports what a tcpdump user
// would look for - SYNs with no answer, connects refused by RST, replies from an address the client
// did not talk to (a reply that was not un-DNATed), ICMP unreachable, DNS queries with no answer,
// DNS errors and NXDOMAIN search-list walks - with packet numbers and times as evidence.
//
// Streaming: packets are decoded and dropped; memory grows with the number of live flows (idle
// ones are finished and evicted as capture time goes by), never with the file size.
//
//   auto r = nd::pcap::analyze_file("node1.pcap", {});
//   if (!r) std::cerr << r.error().message;      // "node1.pcap: not a pcap or pcapng file (...)"
//   for (const auto& e : r->events) std::cout << e.description << "\n";
//
// Malformed input never fails the call once the file header was read: cut files, bad lengths and
// unknown link types become named anomalies in Report::anomalies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "pcap/report.h"

namespace nd::pcap {

struct Options {
  bool keep_flows = false;              // fill Report::flows (the `--flows` table)
  size_t max_flows_listed = 1'000'000;  // beyond this, flows are counted in flows_dropped
  size_t max_events_per_kind = 1000;    // beyond this, events are counted in events_dropped
  size_t max_evidence = 16;             // packet numbers kept per event
  size_t max_live_flows = 4'000'000;    // beyond this, new flows are counted but not tracked
  double slow_dns_s = 1.0;              // a DNS answer later than this after the first try is slow
  double dns_timeout_s = 5.0;  // no answer this long after the last try: unanswered for sure
  double tcp_idle_s = 300;     // an established TCP flow idle this long is finished
  double syn_idle_s = 70;      // a SYN-only flow: Linux retries up to 64 s apart
  double closed_linger_s = 5;  // after RST / FIN both ways (clients retry refused SYNs quickly)
  double udp_idle_s = 60;      // UDP and other protocols
  uint16_t vxlan_ports[2] = {4789, 8472};  // IANA port, and the one flannel and Linux use
  bool decode_tunnels = true;  // VXLAN and IP-in-IP to their inner packets
  // Classic pcap files: walk the records in place (mmap) instead of through libpcap's loop, which
  // copies each packet twice. libpcap still opens and validates the file; results are the same.
  bool fast_read = true;
};

// Reads and analyses one capture file. Error only when it cannot be opened or is not a capture.
nd::Result<Report> analyze_file(const std::string& path, const Options& opt);

// The same for a capture held in memory (tests and fuzzing); the report's source is `name`.
nd::Result<Report> analyze_bytes(std::string_view bytes, const Options& opt,
                                 const std::string& name = "<memory>");

}  // namespace nd::pcap
