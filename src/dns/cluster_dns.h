// The cluster's DNS as the snapshot shows it: the kube-dns Service, the CoreDNS (or kube-dns)
// Deployment and pods, the Corefile, and per node what its kubelet hands to pods. On top of that, the
// effective resolver of any pod and how a name resolves from it against the snapshot's Services.
// This is the one place that reads the model for DNS; the checks and `netdoctor dns` share it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "dns/corefile.h"
#include "dns/kubelet_dns.h"
#include "dns/resolver.h"
#include "engine/finding.h"

namespace nd::dns {

// The resolver file the kubelet of a node hands to dnsPolicy=Default pods.
struct NodeResolvFile {
  enum class From {
    Unknown,            // no bundle, or the kubelet names a file the bundle does not hold
    KubeletResolvConf,  // nodes/N/kubelet-resolv.conf: the collector copied the very file
    NodeResolvConf,     // resolvConf is /etc/resolv.conf (set, or the kubelet default): nodes/N/resolv.conf
    NoHostFile,         // resolvConf "": the kubelet writes a loopback nameserver itself
  };
  From from = From::Unknown;
  const NodeBundle* bundle = nullptr;
  std::string rel;                              // bundle file holding the text: "kubelet-resolv.conf" / "resolv.conf"
  std::string path;                             // path on the node, when known: "/run/systemd/resolve/resolv.conf"
  const std::string* text = nullptr;            // the file's text (null for Unknown and NoHostFile)
  std::vector<Evidence> why;                    // how we know which file it is
  std::string source(uint32_t line = 0) const;  // "nodes/w1/resolv.conf:3"
};

// A nameserver of that file that is a loopback address, with its line.
struct LoopbackNameserver {
  std::string address;
  uint32_t line = 0;  // 0 for the kubelet's own 127.0.0.1 (resolvConf "")
};

struct NodeDns {
  std::string node;
  const Node* node_obj = nullptr;
  const NodeBundle* bundle = nullptr;
  std::optional<KubeletConfig> kubelet;  // from kubelet-config.yaml
  std::string kubelet_error;             // kubelet-config.yaml that could not be read
  NodeResolvFile file;
  std::vector<LoopbackNameserver> loopbacks;
};

struct DnsView {
  const Service* kube_dns = nullptr;  // the cluster DNS Service (kube-system/kube-dns, or selecting k8s-app=kube-dns)
  std::vector<const Workload*> deployments;  // CoreDNS / kube-dns Deployments
  std::vector<const Pod*> pods;              // their pods
  const ConfigMap* corefile_cm = nullptr;    // the ConfigMap with the Corefile
  std::optional<Corefile> corefile;
  std::string corefile_error;
  std::string cluster_domain = "cluster.local";
  std::string cluster_domain_from = "default";  // where cluster_domain was read
  std::vector<const Workload*> node_local_dns;  // NodeLocal DNSCache DaemonSets
  std::vector<NodeDns> nodes;                   // one per Node object or node bundle
  // Lookups for name resolution: Services by "namespace/name" and by name, and the namespaces the
  // snapshot covers (Namespace objects, or any Service or Pod in them).
  std::map<std::string, const Service*, std::less<>> services;
  std::map<std::string, std::vector<const Service*>, std::less<>> services_by_name;
  std::set<std::string, std::less<>> namespaces;
  std::map<std::string, size_t, std::less<>> node_index;  // name -> position in `nodes`

  const NodeDns* node(std::string_view name) const;
  bool is_dns_pod(const Pod& p) const;
};

DnsView dns_view(const Cluster& c);

// The Deployment a DNS pod belongs to (through its ReplicaSet), else the first DNS Deployment.
const Workload* dns_deployment_for(const Cluster& c, const DnsView& v, const Pod* p);
// Where a Corefile line is: "kube-system/cm.yaml:1 .data.Corefile:13".
std::string corefile_source(const DnsView& v, uint32_t line);

// Whether a pod is a DNS server pod (CoreDNS, kube-dns) by labels, owner or image.
bool looks_like_dns_pod(const Pod& p);

// A pod's effective resolver: what its kubelet writes, with the assumptions made where the snapshot
// is silent (no kubelet-config.yaml: clusterDNS = the kube-dns ClusterIP, clusterDomain as found).
struct EffectivePodDns {
  PodDns dns;
  KubeletDnsInput kubelet;
  const NodeDns* node = nullptr;
  std::vector<std::string> assumptions;
  std::string resolv_conf() const { return render_resolv_conf(dns); }
  ResolverConf resolver(Libc libc = Libc::Glibc) const { return read_resolver_conf(resolv_conf(), libc); }
};
EffectivePodDns effective_pod_dns(const Cluster& c, const DnsView& v, const Pod& p);
// The same for a pod that does not exist: a ClusterFirst pod in namespace `ns` (for ConfigMaps).
EffectivePodDns cluster_first_dns(const Cluster& c, const DnsView& v, std::string_view ns);

// How a name resolves from a resolver against the snapshot's Services.
struct ClusterResolution {
  enum class Kind {
    Service,   // a candidate is SVC.NS.svc.DOMAIN (or a pod of a headless Service) that exists
    External,  // no cluster candidate answers; a candidate outside the cluster domain may exist upstream
    NotFound,  // every candidate is a cluster name that does not exist, or a single label
  };
  Kind kind = Kind::NotFound;
  const Service* service = nullptr;
  std::string answered;               // the candidate that answered
  std::vector<Candidate> candidates;  // in the order the resolver tries them
};
ClusterResolution resolve_in_cluster(const DnsView& v, std::string_view name, const ResolverConf& conf,
                                     Libc libc = Libc::Glibc);

// Services named `first_label` in namespaces other than `ns`.
std::vector<const Service*> services_named(const DnsView& v, std::string_view first_label, std::string_view ns);

// A name that can only mean something inside the cluster: ends in .svc, .svc.DOMAIN or .DOMAIN, or
// its second label is a namespace of the snapshot.
bool cluster_looking(const DnsView& v, std::string_view name);

}  // namespace nd::dns
