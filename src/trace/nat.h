// Which source address a packet leaving a node carries: a walk of the node's nat POSTROUTING chain
// (iptables-save) for one new connection, as the kernel would take it, to the first MASQUERADE/SNAT
// or ACCEPT/RETURN that settles it. Matches the trace cannot evaluate make the answer "unknown"
// rather than a guess. Pure: the caller passes the parsed table.
#pragma once

#include <optional>
#include <string>

#include "node/cidr.h"
#include "node/iptables.h"

namespace nd::trace {

struct NatPacket {
  node::Address src;
  std::optional<node::Address> dst;  // nullopt: an address outside every prefix the rules name
  std::string out_iface;             // "" when unknown
  std::string protocol = "tcp";
  int dport = 0;
};

struct NatVerdict {
  enum Kind { Masquerade, Unchanged, Unknown } kind = Unknown;
  const node::IptRule* rule = nullptr;  // the deciding rule; nullptr = the chain's policy
  std::string snat_to;                  // SNAT --to-source, when that decided
};

NatVerdict postrouting(const node::IptTable& nat, const NatPacket& p);

}  // namespace nd::trace
