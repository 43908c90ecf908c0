// Search-list walks: a resolver with `ndots:5` and a search list tries a name with every suffix
// (redis.default.svc.cluster.local, redis.svc.cluster.local, redis.cluster.local, ...) before, or
// instead of, the name itself. Seen on the wire: the same base name with several suffixes, each
// answered NXDOMAIN. find_walks() finds them among one client's recent answers; it is pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pcap/report.h"

namespace nd::pcap {

struct WalkEntry {
  std::string name;  // lower case
  uint16_t qtype = 0;
  uint8_t rcode = 0;
  int64_t us = 0;
  uint64_t pkt = 0;
  IpAddr server;
};

struct Walk {
  std::string base;                // the name the suffixes were added to
  std::vector<std::string> names;  // every distinct name tried, in the order first answered
  std::vector<uint8_t> rcodes;     // per name: NOERROR if any query type got it, else the first
  std::string resolved_as;         // the first name that answered NOERROR; empty when none did
  std::vector<size_t> entries;     // indexes of the entries that belong to it, for evidence
  uint32_t repetitions = 1;        // how many times the walk was made (the same name+type tried)
};

struct WalkAnalysis {
  std::vector<Walk> walks;
  std::vector<size_t> lone_nxdomain;  // entries answered NXDOMAIN that belong to no walk
};

// `entries` are one client's answers in capture order. A group of names sharing the first label
// is a walk when at least one name longer than their longest common label prefix (the base) got
// NXDOMAIN, and either the base itself was tried or the suffixes look like a search list (two or
// more sharing a parent domain, or one the parent of another).
WalkAnalysis find_walks(const std::vector<WalkEntry>& entries);

}  // namespace nd::pcap
