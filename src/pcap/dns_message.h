// DNS message reading, as much as the analysis needs: the header and the first question. Pure;
// every length is checked, compression pointers are followed only backwards (no loops).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pcap/anomaly.h"

namespace nd::pcap {

struct DnsMessage {
  uint16_t id = 0;
  bool response = false, truncated = false;
  uint8_t opcode = 0, rcode = 0;
  uint16_t questions = 0, answers = 0;
  // The first question; name in lower case without the final dot ("." for the root).
  char name[256] = {};
  uint16_t name_len = 0;
  uint16_t qtype = 0;
  bool has_question = false;
  std::string_view qname() const { return {name, name_len}; }
};

// Reads `len` bytes at `p`. Returns AnomalyId::None, or what was wrong (the header fields read so
// far stay valid; has_question is false when the question could not be read).
AnomalyId parse_dns(const uint8_t* p, uint32_t len, DnsMessage& out);

std::string_view rcode_name(uint8_t rcode);   // "NOERROR", "NXDOMAIN", "SERVFAIL", "RCODE11"
std::string qtype_name(uint16_t qtype);       // "A", "AAAA", "TYPE65"

}  // namespace nd::pcap
