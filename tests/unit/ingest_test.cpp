// Reading snapshots: JSON and YAML objects, Lists, dumps, logs, bundles, errors.
#include <gtest/gtest.h>

#include "core/dump_stream.h"
#include "core/yaml_json.h"
#include "test_util.h"

using namespace nd;
using nd::test::TempDir;

namespace {

const char* kPodYaml = R"(apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  labels:
    app: web
spec:
  nodeName: worker-1
  containers:
  - name: web
    image: nginx:1.25
    ports:
    - containerPort: 80
      name: http
status:
  phase: Running
  podIP: 10.244.1.7
  containerStatuses:
  - name: web
    ready: true
    restartCount: 2
    state:
      running:
        startedAt: "2024-01-01T00:00:00Z"
)";

}  // namespace

TEST(Yaml, TypesPlainScalarsAndKeepsQuotedStrings) {
  auto docs = yaml_to_json("a: 1\nb: \"1\"\nc: true\nd: 'yes'\ne: ~\nf: 1.5\ng: .5\nh: 0777\ni: 2018-12-02T09:19:36Z\n", "t.yaml");
  ASSERT_TRUE(docs.ok()) << docs.error().message;
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_EQ((*docs)[0].json,
            R"({"a":1,"b":"1","c":true,"d":"yes","e":null,"f":1.5,"g":0.5,"h":777,"i":"2018-12-02T09:19:36Z"})");
}

TEST(Yaml, MultiDocumentAndLines) {
  auto docs = yaml_to_json("---\nkind: A\n---\n\n---\nkind: B\nitems:\n- x: 1\n- x: 2\n", "m.yaml");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 2u);  // the empty document is skipped
  EXPECT_EQ((*docs)[0].line, 2u);
  EXPECT_EQ((*docs)[1].line, 6u);
  EXPECT_EQ((*docs)[1].item_lines, (std::vector<uint32_t>{8, 9}));
}

TEST(Yaml, ErrorNamesFileLineAndColumn) {
  auto docs = yaml_to_json("a:\n  b: 1\n c: 2\n", "bad.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(docs.error().message.find("bad.yaml:3:"), std::string::npos) << docs.error().message;
}

TEST(Ingest, YamlPodWithLines) {
  TempDir d;
  d.write("shop/web-1.yaml", std::string("# a comment\n") + kPodYaml);
  Cluster c = test::load_ok(d.path());
  ASSERT_EQ(c.pods.size(), 1u);
  const Pod& p = c.pods[0];
  EXPECT_EQ(p.meta.name, "web-1");
  EXPECT_EQ(p.meta.ns, "shop");
  EXPECT_EQ(p.meta.src.file, "shop/web-1.yaml");
  EXPECT_EQ(p.meta.src.line, 2u);
  EXPECT_EQ(p.containers.at(0).ports.at(0).port, 80);
  EXPECT_EQ(p.statuses.at(0).restart_count, 2);
  EXPECT_EQ(p.statuses.at(0).state.kind, ContainerState::Kind::Running);
  EXPECT_EQ(*find_value(p.meta.labels, "app"), "web");
}

TEST(Ingest, DumpListWithoutItemKindsAndLines) {
  TempDir d;
  d.write("kube-system/pods.json", R"({
    "kind": "PodList",
    "apiVersion": "v1",
    "items": [
        {
            "metadata": {"name": "a", "namespace": "kube-system"},
            "status": {"phase": "Running"}
        },
        {
            "metadata": {"name": "b", "namespace": "kube-system"},
            "status": {"phase": "Pending"}
        }
    ]
})");
  Cluster c = test::load_ok(d.path());
  ASSERT_EQ(c.pods.size(), 2u);
  EXPECT_EQ(c.pods[0].meta.src.line, 5u);
  EXPECT_EQ(c.pods[1].meta.src.line, 9u);
  EXPECT_EQ(c.pods[1].phase, "Pending");
  EXPECT_TRUE(c.listed("Pod"));
}

TEST(Ingest, KindAfterDataAndGenericList) {
  TempDir d;
  d.write("cm.json", R"({"apiVersion":"v1","data":{"Corefile":".:53 {}"},"kind":"ConfigMap","metadata":{"name":"coredns","namespace":"kube-system"}})");
  d.write("list.json", R"({"apiVersion":"v1","kind":"List","items":[
    {"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"n"},"spec":{"selector":{"app":"x"},"ports":[{"port":80,"targetPort":"http"}]}},
    {"apiVersion":"apps/v1","kind":"Widget","metadata":{"name":"w"}},
    {"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"spec":{"podCIDR":"10.244.1.0/24"}}]})");
  Cluster c = test::load_ok(d.path());
  ASSERT_EQ(c.config_maps.size(), 1u);
  EXPECT_EQ(*find_value(c.config_maps[0].data, "Corefile"), ".:53 {}");
  ASSERT_EQ(c.services.size(), 1u);
  EXPECT_EQ(c.services[0].ports[0].target_port_name, "http");
  ASSERT_EQ(c.nodes.size(), 1u);
  EXPECT_EQ(c.nodes[0].pod_cidrs, std::vector<std::string>{"10.244.1.0/24"});
  EXPECT_EQ(c.objects, 4u);  // the unknown Widget is counted and skipped
}

TEST(Ingest, MalformedJsonNamesFileLineColumnAndAddsNothing) {
  TempDir d;
  d.write("a/good.json", R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"ok"}})");
  d.write("b/bad.json", "{\n  \"kind\": \"Pod\"\n  \"metadata\": {}\n}\n");
  auto r = load_snapshot(d.path());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("b/bad.json:3:"), std::string::npos) << r.error().message;

  LoadOptions keep;
  keep.keep_going = true;
  Cluster c = test::load_ok(d.path(), keep);
  EXPECT_EQ(c.pods.size(), 1u);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("b/bad.json:3"), std::string::npos);
}

TEST(Ingest, TruncatedListIsAnErrorWithoutPartialObjects) {
  TempDir d;
  d.write("pods.json", R"({"kind":"PodList","items":[{"metadata":{"name":"a"}},{"metadata":{"name":)");
  LoadOptions keep;
  keep.keep_going = true;
  Cluster c = test::load_ok(d.path(), keep);
  EXPECT_TRUE(c.pods.empty());
  EXPECT_EQ(c.warnings.size(), 1u);
}

TEST(Ingest, WrongTypesReadAsEmptyWithoutCrash) {
  TempDir d;
  d.write("p.json", R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"odd","labels":["x"]},
    "spec":{"containers":{"name":"c"},"hostNetwork":"true"},
    "status":{"phase":7,"containerStatuses":[{"name":"c","restartCount":"three","state":"running","lastState":{"terminated":{"exitCode":"137","reason":"OOMKilled"}}}]}})");
  Cluster c = test::load_ok(d.path());
  ASSERT_EQ(c.pods.size(), 1u);
  const Pod& p = c.pods[0];
  EXPECT_TRUE(p.containers.empty());
  EXPECT_TRUE(p.host_network);
  EXPECT_EQ(p.phase, "7");
  EXPECT_EQ(p.statuses.at(0).restart_count, 0);
  EXPECT_EQ(p.statuses.at(0).state.kind, ContainerState::Kind::None);
  EXPECT_EQ(p.statuses.at(0).last.exit_code, 137);
  EXPECT_NO_THROW(test::diagnose(c));
}

TEST(Ingest, EventsOfBothApis) {
  TempDir d;
  d.write("events.yaml", R"(apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: e1, namespace: shop}
regarding: {kind: Pod, name: web-1, namespace: shop}
reason: FailedCreatePodSandBox
note: 'Failed to create pod sandbox: plugin type="calico" failed (add)'
type: Warning
reportingController: kubelet
series: {count: 42, lastObservedTime: "2024-01-01T00:10:00.000000Z"}
---
apiVersion: v1
kind: Event
metadata: {name: e2, namespace: shop}
involvedObject: {kind: Pod, name: web-1, namespace: shop}
reason: BackOff
message: Back-off restarting failed container
type: Warning
count: 5
source: {component: kubelet, host: worker-1}
)");
  Cluster c = test::load_ok(d.path());
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_TRUE(c.events[0].events_k8s_io);
  EXPECT_EQ(c.events[0].count, 42);
  EXPECT_EQ(c.events[0].message.substr(0, 14), "Failed to crea");
  EXPECT_EQ(c.events[0].component, "kubelet");
  EXPECT_EQ(c.events[1].count, 5);
  EXPECT_EQ(c.events_for("Pod", "shop", "web-1").size(), 2u);
  EXPECT_EQ(c.events[1].meta.src.line, 11u);  // the line after its ---
}

TEST(Ingest, EndpointSliceNilReadyMeansReady) {
  TempDir d;
  d.write("s.json", R"({"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","metadata":{"name":"web-abc","namespace":"shop",
    "labels":{"kubernetes.io/service-name":"web"}},"addressType":"IPv4",
    "endpoints":[{"addresses":["10.244.1.7"],"conditions":{}},{"addresses":["10.244.2.9"],"conditions":{"ready":false}}],
    "ports":[{"name":"http","port":80,"protocol":"TCP"}]})");
  Cluster c = test::load_ok(d.path());
  ASSERT_EQ(c.endpoints.size(), 1u);
  EXPECT_EQ(c.endpoints[0].service, "web");
  ASSERT_EQ(c.endpoints[0].addresses.size(), 2u);
  EXPECT_TRUE(c.endpoints[0].addresses[0].ready);
  EXPECT_FALSE(c.endpoints[0].addresses[1].ready);
}

TEST(DumpStream, SplitsDocumentsAndLogs) {
  std::string text =
      "{\"kind\":\"NodeList\",\"items\":[]}\n"
      "{\n \"kind\": \"PodList\", \"items\": [{\"metadata\":{\"name\":\"a{b\"}}]\n}\n"
      "==== START logs for container coredns of pod kube-system/coredns-1 ====\n"
      "[INFO] plugin/reload: Running configuration\n"
      "[FATAL] plugin/loop: Loop (127.0.0.1:59442 -> :53) detected for zone \".\"\n"
      "==== END logs for container coredns of pod kube-system/coredns-1 ====\n";
  DumpParts parts = split_dump_stream(text);
  ASSERT_EQ(parts.json.size(), 2u);
  EXPECT_EQ(parts.json[1].first_line, 2u);
  ASSERT_EQ(parts.logs.size(), 1u);
  EXPECT_EQ(parts.logs[0].pod, "coredns-1");
  EXPECT_EQ(parts.logs[0].container, "coredns");
  EXPECT_EQ(parts.logs[0].first_line, 6u);
  EXPECT_NE(parts.logs[0].text.find("[FATAL]"), std::string::npos);
  EXPECT_TRUE(parts.problems.empty());
}

TEST(Ingest, DirectoryLayoutsLogsBundlesPodFilesCaptures) {
  TempDir d;
  d.write("kube-system/pods.json", R"({"kind":"PodList","items":[{"metadata":{"name":"coredns-1","namespace":"kube-system"}}]})");
  d.write("kube-system/coredns-1/logs.txt",
          "==== START logs for container coredns of pod kube-system/coredns-1 ====\nline one\nline two\n"
          "==== END logs for container coredns of pod kube-system/coredns-1 ====\n");
  d.write("logs/shop/web-1/web.log", "current\n");
  d.write("logs/shop/web-1/web.previous.log", "panic: boom\n");
  d.write("nodes/worker-1/sysctl.txt", "net.ipv4.ip_forward = 1\n");
  d.write("nodes/worker-1/ip-route.json", "[]");  // not an object file: it is a bundle file
  d.write("nodes/worker-1/cni/10-flannel.conflist", R"({"plugins":[{"type":"flannel"}]})");
  d.write("pods/shop/web-1/resolv.conf", "nameserver 10.96.0.10\n");
  d.write("captures/node1.pcap", "not really a pcap");
  d.write("captures/node1.pcap.meta.json", R"({"node":"worker-1","interface":"cni0"})");
  Cluster c = test::load_ok(d.path());
  EXPECT_EQ(c.pods.size(), 1u);
  ASSERT_EQ(c.logs.size(), 3u);
  auto core = c.logs_of("kube-system", "coredns-1");
  ASSERT_EQ(core.size(), 1u);
  EXPECT_EQ(core[0]->src.line, 2u);
  EXPECT_EQ(core[0]->text, "line one\nline two\n");
  auto web = c.logs_of("shop", "web-1");
  ASSERT_EQ(web.size(), 2u);
  ASSERT_EQ(c.bundles.size(), 1u);
  EXPECT_EQ(c.bundles[0].name, "worker-1");
  EXPECT_NE(c.bundles[0].file("ip-route.json"), nullptr);
  EXPECT_NE(c.bundles[0].file("cni/10-flannel.conflist"), nullptr);
  ASSERT_EQ(c.pod_files.size(), 1u);
  EXPECT_EQ(c.pod_files[0].name, "resolv.conf");
  ASSERT_EQ(c.captures.size(), 1u);
  EXPECT_EQ(c.captures[0].node, "worker-1");
  EXPECT_EQ(c.captures[0].iface, "cni0");
  CniInfo cni = detect_cni(c);
  EXPECT_EQ(cni.kind, CniKind::Flannel);
}

TEST(Ingest, SingleFileAndDumpFile) {
  TempDir d;
  std::string f = d.write("dump.json",
                          "{\"kind\":\"NodeList\",\"apiVersion\":\"v1\",\"items\":[{\"metadata\":{\"name\":\"n1\"}}]}\n"
                          "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[{\"metadata\":{\"name\":\"p\",\"namespace\":\"a\"}}]}\n"
                          "==== START logs for container c of pod a/p ====\nhello\n==== END logs for container c of pod a/p ====\n");
  Cluster c = test::load_ok(f);
  EXPECT_EQ(c.nodes.size(), 1u);
  EXPECT_EQ(c.pods.size(), 1u);
  EXPECT_EQ(c.logs.size(), 1u);
  EXPECT_EQ(c.pods[0].meta.src.line, 2u);
}

TEST(Ingest, EmptyAndBinaryJsonAreErrors) {
  TempDir d;
  d.write("empty.json", "");
  auto r = load_snapshot(d.path());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("empty.json"), std::string::npos);
  TempDir d2;
  d2.write("bin.json", std::string("\x00\x01\xff\xfe{", 5));
  auto r2 = load_snapshot(d2.path());
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message.find("bin.json"), std::string::npos);
  auto r3 = load_snapshot(d.path() + "/does-not-exist");
  ASSERT_FALSE(r3.ok());
}

TEST(Cni, CalicoPoolsOfBothGroupsAndInstallation) {
  TempDir d;
  d.write("pools.yaml", R"(apiVersion: crd.projectcalico.org/v1
kind: IPPool
metadata: {name: default-ipv4-ippool}
spec: {cidr: 192.168.0.0/16, ipipMode: Always, natOutgoing: true, blockSize: 26}
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: v6}
spec: {cidr: "fd00:10:244::/64", vxlanMode: CrossSubnet}
---
apiVersion: operator.tigera.io/v1
kind: Installation
metadata: {name: default}
spec:
  calicoNetwork:
    bgp: Disabled
    mtu: 1450
    ipPools:
    - {cidr: 10.48.0.0/16, encapsulation: VXLAN, natOutgoing: Enabled}
)");
  Cluster c = test::load_ok(d.path());
  CniInfo cni = detect_cni(c);
  EXPECT_EQ(cni.kind, CniKind::Calico);
  EXPECT_EQ(cni.mode, "ipip");
  ASSERT_EQ(cni.pod_ranges.size(), 3u);
  EXPECT_EQ(cni.pod_ranges[0].encapsulation, "IPIP");
  EXPECT_TRUE(cni.pod_ranges[0].nat_outgoing);
  EXPECT_EQ(cni.pod_ranges[1].encapsulation, "VXLANCrossSubnet");
  EXPECT_EQ(cni.pod_ranges[2].cidr, "10.48.0.0/16");
  EXPECT_TRUE(cni.pod_ranges[2].nat_outgoing);
  EXPECT_EQ(cni.mtu, 1450);
}

TEST(Cni, FlannelNetConfModes) {
  auto flannel = [](const std::string& backend) {
    TempDir d;
    d.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-flannel-cfg, namespace: kube-flannel}\n"
                       "data:\n  net-conf.json: |\n    {\"Network\": \"10.244.0.0/16\", \"Backend\": " + backend + "}\n");
    return detect_cni(test::load_ok(d.path()));
  };
  auto v = flannel(R"({"Type": "vxlan"})");
  EXPECT_EQ(v.kind, CniKind::Flannel);
  EXPECT_EQ(v.mode, "vxlan");
  EXPECT_EQ(v.flannel_network, "10.244.0.0/16");
  EXPECT_FALSE(v.enforces_policy);
  EXPECT_EQ(flannel(R"({"Type": "vxlan", "DirectRouting": true})").mode, "vxlan-directrouting");
  EXPECT_EQ(flannel(R"({"Type": "host-gw"})").mode, "host-gw");
}

TEST(Cni, UnknownWhenNothingTells) {
  TempDir d;
  d.write("p.yaml", kPodYaml);
  CniInfo cni = detect_cni(test::load_ok(d.path()));
  EXPECT_EQ(cni.kind, CniKind::Unknown);
  EXPECT_FALSE(cni.decidable);
  EXPECT_NE(cni.describe().find("unknown"), std::string::npos);
}
