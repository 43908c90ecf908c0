// How collection time grows with the cluster: generated answers for N nodes (per node: the Node, 10
// pods including calico-node and the agent, one calico-node log, one ~40 KB bundle). Measures only when
// ND_LIVE_SCALE lists the sizes (e.g. ND_LIVE_SCALE=10,100,1000); skipped otherwise.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "live/live_collect.h"
#include "live_support.h"

using namespace nd::live;
using namespace nd::livetest;

namespace {

std::string list_of(const std::string& kind, const std::string& api, nlohmann::json items) {
  return nlohmann::json{{"kind", kind}, {"apiVersion", api}, {"metadata", {{"resourceVersion", "1"}}}, {"items", std::move(items)}}.dump();
}

nlohmann::json pod(const std::string& ns, const std::string& name, const std::string& node, nlohmann::json labels) {
  return {{"metadata", {{"namespace", ns}, {"name", name}, {"labels", labels}, {"uid", name + "-uid"}}},
          {"spec", {{"nodeName", node}, {"containers", {{{"name", "main"}, {"image", "registry.invalid/app:1"},
                                                         {"env", {{{"name", "MODE"}, {"value", "prod"}}}}}}}}},
          {"status", {{"phase", "Running"}, {"podIP", "10.244.0.1"},
                      {"conditions", {{{"type", "Ready"}, {"status", "True"}}}},
                      {"containerStatuses", {{{"name", "main"}, {"ready", true}, {"restartCount", 0}, {"state", {{"running", nlohmann::json::object()}}}}}}}}};
}

}  // namespace

TEST(LiveScale, CollectionTimeByNodeCount) {
  const char* sizes = std::getenv("ND_LIVE_SCALE");
  if (!sizes) GTEST_SKIP() << "set ND_LIVE_SCALE=10,100,1000 to measure";
  Pki pki;
  if (!pki.ok) GTEST_SKIP() << "openssl could not make the test PKI";
  std::string iptables;
  for (int i = 0; i < 400; ++i)
    iptables += "-A KUBE-SERVICES -d 10.96." + std::to_string(i / 250) + "." + std::to_string(i % 250) +
                "/32 -p tcp -m comment --comment \"ns/svc cluster IP\" -j KUBE-SVC-ABCDEFGHIJKLMNOP\n";
  std::stringstream ss(sizes);
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    const int n = std::stoi(tok);
    nlohmann::json nodes = nlohmann::json::array(), pods = nlohmann::json::array();
    std::map<std::string, std::string> bundles;
    for (int i = 0; i < n; ++i) {
      std::string node = "node-" + std::to_string(i);
      nodes.push_back({{"metadata", {{"name", node}, {"labels", {{"kubernetes.io/hostname", node}}}}},
                       {"spec", {{"podCIDR", "10.244." + std::to_string(i % 250) + ".0/24"}}},
                       {"status", {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}},
                                   {"addresses", {{{"type", "InternalIP"}, {"address", "192.168.0.1"}}}}}}});
      pods.push_back(pod("kube-system", "calico-node-" + std::to_string(i), node, {{"k8s-app", "calico-node"}}));
      pods.push_back(pod("netdoctor", "netdoctor-agent-" + std::to_string(i), node, {{"app.kubernetes.io/name", "netdoctor-agent"}}));
      pods.push_back(pod("kube-system", "kube-proxy-" + std::to_string(i), node, {{"k8s-app", "kube-proxy"}}));
      for (int k = 0; k < 7; ++k)
        pods.push_back(pod("shop", "web-" + std::to_string(i) + "-" + std::to_string(k), node, {{"app", "web"}}));
      bundles[node] = nlohmann::json{{"apiVersion", "netdoctor/v1"}, {"kind", "NodeBundle"}, {"node", node},
                                     {"collectedAt", "2025-01-01T00:00:00Z"}, {"errors", nlohmann::json::array()},
                                     {"files", {{"sysctl.txt", "net.ipv4.ip_forward = 1\n"},
                                                {"resolv.conf", "nameserver 192.168.0.2\n"},
                                                {"iptables-save.txt", iptables}}}}.dump();
    }
    FakeApiServer srv(pki, FakeApiServer::Auth::Token, std::string(ND_SOURCE_DIR) + "/tests/data/live/cluster");
    srv.set_generated({{"nodes", list_of("NodeList", "v1", nodes)}, {"pods", list_of("PodList", "v1", pods)}}, bundles);
    Target t;
    t.context = "scale";
    t.cluster.server = srv.url();
    t.cluster.ca_file = pki.ca;
    t.user.token = "secret-token";
    auto api = ApiClient::create(t);
    ASSERT_TRUE(api.ok());
    TempDir out;
    LiveOptions o;
    o.out = out.path() + "/snap";
    auto t0 = std::chrono::steady_clock::now();
    auto rep = collect_live(**api, o);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(rep.ok()) << rep.error().message;
    EXPECT_EQ(rep->bundles, static_cast<size_t>(n));
    std::printf("live-scale nodes=%d pods=%zu objects=%zu logs=%zu bundles=%zu requests=%ld seconds=%.2f\n", n,
                pods.size(), rep->objects, rep->logs, rep->bundles, (*api)->requests.load(), s);
  }
}
