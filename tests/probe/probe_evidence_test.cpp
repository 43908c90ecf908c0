// diagnose --probes: reading probe results (object, array, mesh report, JSON lines) with errors that
// name the line, and attaching them to the findings they tested.
#include <gtest/gtest.h>

// The engine's file is compiled into this test so test_probe needs no netdoctor_core; it depends only
// on the model (nd_base) and the finding struct.
#include "engine/probe_evidence.h"

namespace nd {
namespace {

TEST(ProbeEvidenceLoad, SingleObjectArrayMeshAndLines) {
  auto one = parse_probe_results(R"({"probe":"tcp","target":"10.96.5.5:3306","from":"netns a","result":"timeout",
 "time_ms":3001,"source":"10.244.1.7","detail":"no SYN-ACK"})",
                                 "p.json");
  ASSERT_TRUE(one.ok()) << one.error().message;
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].where, "p.json:1");
  EXPECT_TRUE((*one)[0].failed());

  auto arr = parse_probe_results("[\n  {\"probe\":\"dns\",\"target\":\"x\",\"result\":\"answered\"},\n"
                                 "  {\"probe\":\"icmp\",\"target\":\"10.0.0.1\",\"result\":\"reply\"}\n]",
                                 "a.json");
  ASSERT_TRUE(arr.ok());
  EXPECT_EQ((*arr)[1].where, "a.json:3");
  EXPECT_FALSE((*arr)[0].failed());

  auto mesh = parse_probe_results("{\"mesh\": {\"probes\": 1}, \"matrix\": {\"rows\": [\"a\"], \"cells\": [[\"x\"]]},\n"
                                  " \"results\": [\n  {\"probe\":\"http\",\"target\":\"http://a/\",\"result\":\"503\",\n"
                                  "   \"queries\": [{\"name\": \"n\"}]}]}",
                                  "m.json");
  ASSERT_TRUE(mesh.ok()) << mesh.error().message;
  ASSERT_EQ(mesh->size(), 1u);
  EXPECT_EQ((*mesh)[0].where, "m.json:3");
  EXPECT_TRUE((*mesh)[0].failed());

  auto lines = parse_probe_results("{\"probe\":\"tcp\",\"target\":\"a:1\",\"result\":\"connected\"}\n\n"
                                   "{\"probe\":\"tcp\",\"target\":\"b:1\",\"result\":\"refused\"}\n",
                                   "l.jsonl");
  ASSERT_TRUE(lines.ok()) << lines.error().message;
  ASSERT_EQ(lines->size(), 2u);
  EXPECT_EQ((*lines)[1].where, "l.jsonl:3");
}

TEST(ProbeEvidenceLoad, ErrorsNameFileAndLine) {
  auto e = parse_probe_results("{\"probe\":\"tcp\",\"target\":\"a:1\",\"result\":\"connected\"}\n{\"probe\": tcp}\n", "l.jsonl");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message.rfind("l.jsonl:2: ", 0), 0u) << e.error().message;
  e = parse_probe_results("[\n {\"probe\":\"tcp\",\"target\":\"a:1\"}\n]", "a.json");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message, "a.json:2: result: missing");
  e = parse_probe_results("[\n {\"probe\":\"smtp\",\"target\":\"a:1\",\"result\":\"x\"}\n]", "a.json");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("smtp"), std::string::npos);
  e = parse_probe_results("{\n \"probe\": \"tcp\",\n \"target\": \n}", "b.json");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message.rfind("b.json:4: invalid JSON", 0), 0u) << e.error().message;
  EXPECT_FALSE(parse_probe_results("  \n", "empty.json").ok());
  EXPECT_FALSE(load_probe_results("/nonexistent/probes.json").ok());
  e = parse_probe_results("[{\"probe\":\"tcp\",\"target\":\"a:1\",\"result\":\"x\",\"time_ms\":\"slow\"}]", "t.json");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("time_ms"), std::string::npos);
}

Finding finding(std::string id, std::string kind, std::string ns, std::string name, std::string summary = "") {
  Finding f;
  f.id = std::move(id);
  f.subject = {std::move(kind), std::move(ns), std::move(name)};
  f.summary = std::move(summary);
  return f;
}

ProbeRecord rec(std::string probe, std::string target, std::string result, std::string from = "netns web") {
  ProbeRecord r;
  r.probe = std::move(probe);
  r.target = std::move(target);
  r.result = std::move(result);
  r.from = std::move(from);
  r.where = "probes.json:1";
  return r;
}

TEST(ProbeEvidenceAttach, ServiceFindingAndItsClusterIpPort) {
  Cluster c;
  Service s;
  s.meta.ns = "shop";
  s.meta.name = "db";
  s.cluster_ip = "10.96.5.5";
  s.ports.push_back({});
  s.ports.back().port = 3306;
  c.services.push_back(s);
  c.finalize();
  std::vector<Finding> fs = {finding("service-no-endpoints", "Service", "shop", "db"),
                             finding("service-no-endpoints", "Service", "shop", "other")};
  std::vector<ProbeRecord> probes = {rec("tcp", "10.96.5.5:3306", "unreachable"), rec("tcp", "10.96.5.5:80", "timeout"),
                                     rec("tcp", "10.96.5.6:3306", "connected"), rec("dns", "db.shop", "answered")};
  EXPECT_EQ(attach_probe_evidence(fs, c, probes), 1u);
  ASSERT_EQ(fs[0].evidence.size(), 1u);
  EXPECT_EQ(fs[0].evidence[0].source, "probes.json:1");
  EXPECT_EQ(fs[0].evidence[0].text.rfind("confirmed live: probe tcp 10.96.5.5:3306 from netns web: unreachable", 0), 0u)
      << fs[0].evidence[0].text;
  EXPECT_TRUE(fs[1].evidence.empty());

  std::vector<Finding> again = {finding("service-target-port-mismatch", "Service", "shop", "db")};
  attach_probe_evidence(again, c, {rec("http", "http://10.96.5.5:3306/", "200")});
  ASSERT_EQ(again[0].evidence.size(), 1u);
  EXPECT_EQ(again[0].evidence[0].text.rfind("not reproduced", 0), 0u);
}

TEST(ProbeEvidenceAttach, DnsFindingsAndDnsProbes) {
  Cluster c;
  std::vector<Finding> fs = {finding("coredns-loop", "Pod", "kube-system", "coredns-1"),
                             finding("dns-short-name-cross-namespace", "Pod", "shop", "web", "uses redis (a Service of cache)"),
                             finding("node-ip-forward-disabled", "Node", "", "worker-1")};
  std::vector<ProbeRecord> probes = {rec("dns", "example.org.", "servfail"), rec("dns", "redis", "nxdomain"),
                                     rec("tcp", "10.96.0.10:53", "connected")};
  attach_probe_evidence(fs, c, probes);
  ASSERT_EQ(fs[0].evidence.size(), 2u);  // every lookup concerns the cluster DNS
  EXPECT_EQ(fs[0].evidence[0].text.rfind("confirmed live", 0), 0u);
  ASSERT_EQ(fs[1].evidence.size(), 1u);  // only the probe of the name it is about
  EXPECT_NE(fs[1].evidence[0].text.find("redis"), std::string::npos);
  EXPECT_TRUE(fs[2].evidence.empty());
}

TEST(ProbeEvidenceAttach, PodRangeNamedByTheFinding) {
  Cluster c;
  Node n;
  n.meta.name = "worker-2";
  n.pod_cidr = "10.244.2.0/24";
  c.nodes.push_back(n);
  c.finalize();
  Finding route = finding("node-missing-pod-route", "Node", "", "worker-1");
  route.evidence.push_back({"nodes/worker-1/ip-route.json", "no route for 10.244.2.0/24 in the main table"});
  Finding forward = finding("node-ip-forward-disabled", "Node", "", "worker-2");
  std::vector<Finding> fs = {route, forward};
  std::vector<ProbeRecord> probes = {rec("icmp", "10.244.2.7", "timeout"), rec("tcp", "10.244.3.7:80", "timeout"),
                                     rec("tcp", "10.244.2.9:8080", "connected")};
  attach_probe_evidence(fs, c, probes);
  ASSERT_EQ(fs[0].evidence.size(), 3u);
  EXPECT_EQ(fs[0].evidence[1].text.rfind("confirmed live: probe icmp 10.244.2.7", 0), 0u);
  EXPECT_EQ(fs[0].evidence[2].text.rfind("not reproduced: probe tcp 10.244.2.9:8080", 0), 0u);
  ASSERT_EQ(fs[1].evidence.size(), 2u);  // worker-2's own pod range, from its podCIDR
}

}  // namespace
}  // namespace nd
