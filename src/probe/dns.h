// probe dns NAME: resolves as the pod's libc would, from its resolv.conf (the shared resolver model
// in src/dns/resolver.h decides the names tried, the servers asked, their order and waits), sends each
// query on its own (dns_wire.h) so every one is shown, and explains the outcome: an NXDOMAIN walk, a
// silent server, a server that answers cluster names but not outside ones (P7, P10).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dns/resolver.h"
#include "probe/dns_wire.h"
#include "probe/result.h"

namespace nd::probe {

struct DnsProbeOptions {
  std::string name;
  int qtype = 1;  // A
  std::string resolv_conf_text;
  std::string resolv_conf_label = "/etc/resolv.conf";
  std::vector<std::string> servers;  // --server: replace the file's nameservers
  dns::Libc libc = dns::Libc::Glibc;
  int timeout_ms = 0;          // 0: the wait the libc would use per server (resolv.conf timeout)
  int attempts = 0;            // 0: resolv.conf attempts
  int max_total_ms = 30000;    // the whole probe stops here, whatever the file says
  std::string cluster_domain = "cluster.local";
  bool control = true;  // when an outside name fails, ask the same server one cluster name
  std::string from;
};

// One query to one server; cares_query in real use, a table in unit tests.
using QueryFn = std::function<QueryReply(const std::string& fqdn, const std::string& server, int qtype, int wait_ms)>;

ProbeResult probe_dns(const DnsProbeOptions& o, const QueryFn& send);

}  // namespace nd::probe
