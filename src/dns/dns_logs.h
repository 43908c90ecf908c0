// CoreDNS's own account of its health: the classified lines of the DNS pods' logs, and the forwarding
// loop predicted from configuration alone (Corefile + the resolver file each CoreDNS pod gets).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model.h"
#include "dns/cluster_dns.h"
#include "dns/coredns_log.h"

namespace nd::dns {

struct DnsLogLine {
  std::string ns, pod, container;
  const Pod* pod_obj = nullptr;  // null when only the log is in the snapshot
  bool previous = false;         // from the container's previous run
  std::string source;            // "kube-system/coredns-x/logs.txt:42"
  std::string text;
  LogSignal signal;
};

// Every line of a DNS pod's logs that says something (signal.kind != None), in file order. DNS pods
// are those of the view, and any pod whose logs come from a container named coredns.
std::vector<DnsLogLine> dns_log_lines(const Cluster& c, const DnsView& v);

struct LoopPrediction {
  enum class Via {
    NodeFileLoopback,  // forward . /etc/resolv.conf, and the pod's file names 127.x / ::1
    ClusterDns,        // the upstream is the kube-dns ClusterIP or a CoreDNS pod: back into CoreDNS
    CorefileLoopback,  // the Corefile itself names a loopback upstream on CoreDNS's own port
  };
  Via via = Via::NodeFileLoopback;
  const Pod* pod = nullptr;  // the CoreDNS pod
  const NodeDns* node = nullptr;
  const ServerBlock* server = nullptr;
  Upstream upstream;          // the forward / proxy directive
  std::string target;         // the address that leads back
  uint32_t target_line = 0;   // its line in the node's file (0 when it is not from there)
  bool host_network = false;  // CoreDNS on the node's network: a loop only if it is what listens there
  bool loop_plugin = false;   // `loop` is in that server block (CoreDNS then exits; else it spins)
};
std::vector<LoopPrediction> predict_loops(const Cluster& c, const DnsView& v);

}  // namespace nd::dns
