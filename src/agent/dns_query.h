// The one DNS message the agent sends: an A query with recursion desired, and a strict reading of
// the answer. Pure functions over bytes; every length is checked before it is read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace nd::agent {

// Errors: a label longer than 63 bytes, a name longer than 253, an empty label.
Result<std::vector<uint8_t>> build_a_query(const std::string& name, uint16_t id);

struct DnsAnswer {
  int rcode = 0;
  int answers = 0;  // A records for the asked name (CNAME chains are followed by position only)
  std::vector<std::string> addresses;
};

// Reads a response to build_a_query(name, id). Errors are named: "short-header", "id-mismatch",
// "not-a-response", "truncated" (TC bit), "question-mismatch", "bad-name", "record-overrun".
// A response with rcode != 0 is not an error here; the caller decides.
Result<DnsAnswer> read_a_response(const std::vector<uint8_t>& msg, uint16_t id, const std::string& name);

}  // namespace nd::agent
