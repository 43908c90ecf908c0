// ICMP and ICMPv6 errors: destination unreachable (type and code decoded) and packet too big,
// attributed to the flow the error quotes - which may or may not be in the capture itself.
#pragma once

#include <cstdint>
#include <string_view>

#include "pcap/context.h"
#include "pcap/decode.h"

namespace nd::pcap {

// Echo request/reply and errors are told apart by type; these say which is which.
bool icmp_is_echo(uint8_t family, uint8_t type);
bool icmp_is_error(uint8_t family, uint8_t type);

// Handles an ICMP/ICMPv6 error packet: counters, the event, and the mark on the quoted flow.
void icmp_error(Context& c, const Packet& p);

// "host unreachable", "fragmentation needed", ... and what it usually means, for descriptions.
struct IcmpMeaning {
  std::string_view name, meaning;
};
IcmpMeaning icmp_meaning(uint8_t family, uint8_t type, uint8_t code);

}  // namespace nd::pcap
