// probe icmp HOST: echo requests, a bounded count, each waiting a bounded time. Uses an unprivileged
// ICMP datagram socket where net.ipv4.ping_group_range allows it (as ping does), a raw socket otherwise.
// IPv4 only.
#pragma once

#include <string>

#include "core/result.h"
#include "probe/result.h"

namespace nd::probe {

struct IcmpOptions {
  int count = 3;          // 1..100
  int interval_ms = 500;  // between requests
  int timeout_ms = 1000;  // wait for each reply
  std::string method = "auto";  // auto | dgram | raw
  std::string from;
};

Result<ProbeResult> probe_icmp(const std::string& host, const IcmpOptions& o);

// The Internet checksum (RFC 1071) over data.
uint16_t inet_checksum(const void* data, size_t len);

}  // namespace nd::probe
