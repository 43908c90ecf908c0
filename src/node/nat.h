// Which source address a packet leaving a node carries: a walk of the node's nat POSTROUTING chain
// (iptables-save) for one new connection, as the kernel would take it, to the first MASQUERADE/SNAT
// or ACCEPT/RETURN that settles it. Matches it cannot evaluate make the answer "unknown" rather than a
// guess. Pure: the caller passes the parsed table. Used by pod-egress-not-masqueraded (for all of a
// pod's traffic: no protocol, no port) and by trace (for one connection).
#pragma once

#include <optional>
#include <string>

#include "node/cidr.h"
#include "node/iptables.h"

namespace nd::node {

struct NatPacket {
  Address src;
  std::optional<Address> dst;  // nullopt: an address outside every prefix the rules name
  std::string out_iface;             // "" when unknown
  std::string protocol;  // "tcp", "udp", ...; "" = any of the pod's traffic (a -p rule is then "unknown")
  int dport = 0;         // 0 = any port
};

struct NatVerdict {
  enum Kind { Masquerade, Unchanged, Unknown } kind = Unknown;
  const IptRule* rule = nullptr;  // the deciding rule; nullptr = the chain's policy
  std::string snat_to;                  // SNAT --to-source, when that decided
};

NatVerdict postrouting(const IptTable& nat, const NatPacket& p);

}  // namespace nd::node
