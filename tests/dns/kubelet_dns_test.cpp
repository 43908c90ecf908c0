// The kubelet's pod resolv.conf (pkg/kubelet/network/dns/dns.go GetPodDNS), case by case.
#include "dns/kubelet_dns.h"

#include <gtest/gtest.h>

using namespace nd::dns;

namespace {

// A node on systemd-resolved whose kubelet reads the upstream file.
const char* kHost =
    "# This is /run/systemd/resolve/resolv.conf managed by man:systemd-resolved(8).\n"
    "nameserver 192.168.10.2\n"
    "nameserver 192.168.10.3\n"
    "search corp.example.\n"
    "options edns0 trust-ad\n";

KubeletDnsInput kubelet() {
  KubeletDnsInput k;
  k.cluster_dns = {"10.96.0.10"};
  k.cluster_domain = "cluster.local";
  k.host = parse_host_resolv(kHost);
  return k;
}

PodDnsInput pod(const std::string& policy, bool host_network = false) {
  PodDnsInput p;
  p.ns = "shop";
  p.dns_policy = policy;
  p.host_network = host_network;
  return p;
}

}  // namespace

TEST(KubeletDns, HostFileIsReadTheKubeletsWay) {
  HostResolv h = parse_host_resolv(
      "domain ignored.example\nnameserver 10.0.0.1\nsearch a.example. . b.example\noptions ndots:2\n"
      "nameserver 10.0.0.2\nnameserver 10.0.0.3\nnameserver 10.0.0.4\noptions rotate\n");
  EXPECT_EQ(h.nameservers.size(), 4u);  // all of them; the limit comes later
  EXPECT_EQ(h.nameserver_lines.front(), 2u);
  EXPECT_EQ(h.searches, (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_EQ(h.options, std::vector<std::string>{"rotate"});  // the last options line replaces the first
}

TEST(KubeletDns, ClusterFirstGetsClusterDnsSearchAndNdots5) {
  PodDns d = kubelet_pod_dns(pod("ClusterFirst"), kubelet());
  EXPECT_EQ(d.type, PodDnsType::Cluster);
  EXPECT_EQ(d.nameservers, std::vector<std::string>{"10.96.0.10"});
  EXPECT_EQ(d.searches,
            (std::vector<std::string>{"shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"}));
  EXPECT_EQ(d.options, std::vector<std::string>{"ndots:5"});  // the node's edns0 is not passed on
  EXPECT_EQ(render_resolv_conf(d),
            "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
            "nameserver 10.96.0.10\noptions ndots:5\n");
  // "" is the API's default, ClusterFirst.
  EXPECT_EQ(kubelet_pod_dns(pod(""), kubelet()).nameservers, d.nameservers);
}

TEST(KubeletDns, HostNetworkClusterFirstFallsBackToTheNodeFile) {
  PodDns d = kubelet_pod_dns(pod("ClusterFirst", true), kubelet());
  EXPECT_EQ(d.type, PodDnsType::Host);
  EXPECT_EQ(d.nameservers, (std::vector<std::string>{"192.168.10.2", "192.168.10.3"}));
  EXPECT_EQ(d.searches, std::vector<std::string>{"corp.example"});
  EXPECT_EQ(d.options, (std::vector<std::string>{"edns0", "trust-ad"}));
  PodDns w = kubelet_pod_dns(pod("ClusterFirstWithHostNet", true), kubelet());
  EXPECT_EQ(w.type, PodDnsType::Cluster);
  EXPECT_EQ(w.nameservers, std::vector<std::string>{"10.96.0.10"});
}

TEST(KubeletDns, DefaultIsTheNodeFileEvenOffTheHostNetwork) {
  PodDns d = kubelet_pod_dns(pod("Default"), kubelet());
  EXPECT_EQ(d.type, PodDnsType::Host);
  EXPECT_EQ(d.nameservers.front(), "192.168.10.2");
  EXPECT_EQ(render_resolv_conf(d),
            "search corp.example\nnameserver 192.168.10.2\nnameserver 192.168.10.3\noptions edns0 trust-ad\n");
}

TEST(KubeletDns, NoneTakesOnlyDnsConfig) {
  PodDnsInput p = pod("None");
  p.has_dns_config = true;
  p.nameservers = {"10.96.0.10"};
  p.searches = {"shop.svc.cluster.local"};
  p.options = {{"ndots", "2"}, {"edns0", ""}};
  PodDns d = kubelet_pod_dns(p, kubelet());
  EXPECT_EQ(render_resolv_conf(d), "search shop.svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:2 edns0\n");
}

TEST(KubeletDns, DnsConfigIsAppendedAndItsOptionsOverride) {
  PodDnsInput p = pod("ClusterFirst");
  p.has_dns_config = true;
  p.nameservers = {"10.96.0.10", "10.0.5.5"};  // the duplicate is dropped
  p.searches = {"extra.example"};
  p.options = {{"ndots", "2"}, {"single-request-reopen", ""}};
  PodDns d = kubelet_pod_dns(p, kubelet());
  EXPECT_EQ(d.nameservers, (std::vector<std::string>{"10.96.0.10", "10.0.5.5"}));
  EXPECT_EQ(d.searches.back(), "extra.example");
  EXPECT_EQ(d.options, (std::vector<std::string>{"ndots:2", "single-request-reopen"}));
}

TEST(KubeletDns, NoClusterDnsFallsBackToDefault) {
  KubeletDnsInput k = kubelet();
  k.cluster_dns.clear();
  PodDns d = kubelet_pod_dns(pod("ClusterFirst"), k);
  EXPECT_TRUE(d.cluster_dns_missing);
  EXPECT_EQ(d.nameservers.front(), "192.168.10.2");
  EXPECT_EQ(d.searches, std::vector<std::string>{"corp.example"});
}

TEST(KubeletDns, EmptyResolvConfMeansALoopbackNameserver) {
  KubeletDnsInput k = kubelet();
  k.has_resolv_conf = false;
  k.node_ips = {"192.168.10.11", "fd00:10::11"};
  PodDns d = kubelet_pod_dns(pod("Default"), k);
  EXPECT_EQ(d.nameservers, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(d.searches, std::vector<std::string>{"."});
  // A ClusterFirst pod then has only the cluster part of the search list.
  PodDns c = kubelet_pod_dns(pod("ClusterFirst"), k);
  EXPECT_EQ(c.searches.size(), 3u);
}

TEST(KubeletDns, NoClusterDomainAddsNoClusterSearch) {
  KubeletDnsInput k = kubelet();
  k.cluster_domain.clear();
  PodDns d = kubelet_pod_dns(pod("ClusterFirst"), k);
  EXPECT_EQ(d.searches, std::vector<std::string>{"corp.example"});
  EXPECT_EQ(d.nameservers, std::vector<std::string>{"10.96.0.10"});
}

TEST(KubeletDns, LimitsDropNameserversAndSearchDomains) {
  KubeletDnsInput k = kubelet();
  k.host = parse_host_resolv(
      "nameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nnameserver 10.0.0.4\n"
      "search a.example b.example c.example d.example\n");
  PodDns host = kubelet_pod_dns(pod("Default"), k);
  EXPECT_EQ(host.nameservers.size(), 3u);
  EXPECT_EQ(host.dropped_nameservers, std::vector<std::string>{"10.0.0.4"});
  // 3 cluster domains + 4 of the node: 7 > 6 for an old kubelet, fine for a new one.
  k.limit = kubelet_search_limit("v1.25.16");
  PodDns old = kubelet_pod_dns(pod("ClusterFirst"), k);
  EXPECT_EQ(old.searches.size(), 6u);
  EXPECT_EQ(old.dropped_searches, std::vector<std::string>{"d.example"});
  k.limit = kubelet_search_limit("v1.29.4");
  EXPECT_TRUE(kubelet_pod_dns(pod("ClusterFirst"), k).dropped_searches.empty());
}

TEST(KubeletDns, SearchLimitByKubeletVersion) {
  EXPECT_EQ(kubelet_search_limit("v1.25.3").max_domains, 6u);
  EXPECT_EQ(kubelet_search_limit("v1.26.0").max_domains, 32u);
  EXPECT_EQ(kubelet_search_limit("v1.30.1+k3s1").max_chars, 2048u);
  EXPECT_EQ(kubelet_search_limit("").max_domains, 32u);  // unknown: today's default
}

TEST(KubeletDns, PodDnsTypeTable) {
  EXPECT_EQ(pod_dns_type("None", true), PodDnsType::None);
  EXPECT_EQ(pod_dns_type("Default", false), PodDnsType::Host);
  EXPECT_EQ(pod_dns_type("ClusterFirst", true), PodDnsType::Host);
  EXPECT_EQ(pod_dns_type("", false), PodDnsType::Cluster);
  EXPECT_EQ(pod_dns_type("ClusterFirstWithHostNet", false), PodDnsType::Cluster);
}

TEST(KubeletDns, KubeletConfigFieldsWithLines) {
  auto k = parse_kubelet_config(
      "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDNS:\n- 10.96.0.10\n"
      "clusterDomain: cluster.local\nresolvConf: /run/systemd/resolve/resolv.conf\n",
      "nodes/w1/kubelet-config.yaml");
  ASSERT_TRUE(k.ok()) << k.error().message;
  EXPECT_EQ(k->cluster_dns, std::vector<std::string>{"10.96.0.10"});
  EXPECT_EQ(k->cluster_dns_line, 4u);
  EXPECT_EQ(k->cluster_domain, "cluster.local");
  ASSERT_TRUE(k->resolv_conf.has_value());
  EXPECT_EQ(*k->resolv_conf, "/run/systemd/resolve/resolv.conf");
  EXPECT_EQ(k->resolv_conf_line, 6u);
  auto absent = parse_kubelet_config("kind: KubeletConfiguration\n", "x");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->resolv_conf.has_value());
  EXPECT_FALSE(absent->has_cluster_domain);
  auto empty = parse_kubelet_config("resolvConf: \"\"\n", "x");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty->resolv_conf, "");
}

TEST(KubeletDns, KubeletConfigErrorsNameFileAndLine) {
  auto bad = parse_kubelet_config("clusterDNS: [10.96.0.10\nclusterDomain: x\n", "nodes/w1/kubelet-config.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("nodes/w1/kubelet-config.yaml:"), std::string::npos);
  auto notlist = parse_kubelet_config("clusterDNS: 10.96.0.10\n", "k.yaml");
  ASSERT_FALSE(notlist.ok());
  EXPECT_NE(notlist.error().message.find("k.yaml:1: clusterDNS is not a list"), std::string::npos);
  auto notmap = parse_kubelet_config("- a\n- b\n", "k.yaml");
  EXPECT_FALSE(notmap.ok());
}
