// One DNS query to one server, sent with c-ares (no search, no retry on another server: the resolver
// model decides the order), and the reply read into an rcode and printable answers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "dns/resolver.h"

namespace nd::probe {

struct QueryReply {
  dns::Outcome outcome = dns::Outcome::Timeout;
  std::string rcode;  // NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ..., "timeout", "port-unreachable"
  std::vector<std::string> answers;  // "10.96.0.1", "CNAME x.", "SRV 0 100 53 dns.", ...
  int64_t time_ms = 0;
};

// "A" -> 1 and back; PTR, SRV, TXT, AAAA, MX, NS, CNAME, SOA, CAA, ANY, or TYPE123.
Result<int> parse_qtype(std::string_view text);
std::string qtype_name(int type);

// Reads a reply: its rcode and the answer records of any type. Checks every length; a malformed
// reply is rcode "malformed" with outcome ServFail.
QueryReply parse_reply(const unsigned char* buf, size_t len);

// Sends `fqdn` (absolute) of `qtype` to `server` ("10.96.0.10", "10.0.0.1:5353", "[fd00::a]:53") and
// waits up to wait_ms. use_tcp sends over TCP (resolv.conf use-vc).
QueryReply cares_query(const std::string& fqdn, const std::string& server, int qtype, int wait_ms,
                       bool use_tcp = false);

// "10.0.0.1" -> "1.0.0.10.in-addr.arpa."; IPv6 nibbles under ip6.arpa. Empty when not an address.
std::string reverse_name(const std::string& ip);

}  // namespace nd::probe
