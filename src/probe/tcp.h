// probe tcp HOST:PORT: one connect with a deadline, classified (connected, refused by RST, timed out,
// ICMP unreachable with its code, no route), with the connect time and the local source address.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "probe/result.h"
#include "probe/target.h"
#include "probe/unreach.h"

namespace nd::probe {

struct TcpOptions {
  int timeout_ms = 3000;  // the kernel resends the SYN at 1 s and 3 s within this
  std::string from;       // from_label()
};

struct Connection {
  int fd = -1;  // open when connected; the caller closes it
  Classified outcome;
  int64_t time_ms = 0;
  std::string source;  // local address the kernel chose
  IcmpError icmp;
  int syn_retransmits = 0;
};
// Non-blocking connect with IP_RECVERR on, so an ICMP error is read back with its type and code.
Connection tcp_connect(const SockAddr& to, int timeout_ms);

// The probe: parses HOST:PORT (error = could not run, exit 2), resolves a name, connects.
Result<ProbeResult> probe_tcp(const std::string& target, const TcpOptions& o);
// The same for an address already resolved (the mesh and the tests call this).
ProbeResult probe_tcp_addr(const std::string& target, const SockAddr& to, const TcpOptions& o);

// The sentences that explain a tcp result (pure, also used by http when the connect fails).
void explain_tcp(ProbeResult& r, const IcmpError& icmp);

}  // namespace nd::probe
