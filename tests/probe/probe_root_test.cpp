// Live probes against real servers in namespaces this test creates (ndprb-PID-c / -s): a TCP listener,
// a closed port, DROP, REJECT with each ICMP code and with tcp-reset, a missing route; dnsmasq set up
// to answer, to say NXDOMAIN, to relay SERVFAIL, to refuse, and a silent address. Each test runs the
// real binary with --netns and asserts the classification. Skips, saying why, without root.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "netns_lab.h"

namespace nd::probe::test {
namespace {

class ProbeRoot : public ::testing::Test {
 protected:
  static std::unique_ptr<NetnsLab> lab;

  static void SetUpTestSuite() {
    lab = std::make_unique<NetnsLab>();
    if (!lab->skip_reason.empty()) return;
    NetnsLab& l = *lab;
    l.tcp_listener("10.77.0.2", 7000);
    l.http_server("10.77.0.2", 8080, "HTTP/1.1 200 OK");
    l.http_server("10.77.0.2", 8081, "HTTP/1.1 503 Service Unavailable");
    struct Reject {
      int port;
      const char* with;
    };
    const Reject rejects[] = {{7001, "icmp-net-unreachable"},   {7002, "icmp-host-unreachable"},
                              {7003, "icmp-port-unreachable"},  {7004, "icmp-proto-unreachable"},
                              {7005, "icmp-net-prohibited"},    {7006, "icmp-host-prohibited"},
                              {7007, "icmp-admin-prohibited"},  {7010, "tcp-reset"}};
    bool ok = true;
    for (const auto& r : rejects)
      ok = ok && l.in_server({"iptables", "-A", "INPUT", "-p", "tcp", "--dport", std::to_string(r.port), "-j",
                              "REJECT", "--reject-with", r.with});
    ok = ok && l.in_server({"iptables", "-A", "INPUT", "-p", "tcp", "--dport", "7011", "-j", "DROP"});
    // The kernel rate-limits ICMP errors per destination (about one a second after a burst of six):
    // the tests send more than that to the one client address.
    ok = ok && l.in_server({"sysctl", "-qw", "net.ipv4.icmp_ratelimit=0"});
    // 10.77.0.3: a DNS address that stays silent (nothing listens, and DROP stops the port unreachable).
    ok = ok && l.in_server({"iptables", "-A", "INPUT", "-d", "10.77.0.3", "-p", "udp", "--dport", "53", "-j", "DROP"});
    // 10.77.0.7 drops ping, 10.77.0.8 rejects it.
    ok = ok && l.in_server({"iptables", "-A", "INPUT", "-d", "10.77.0.7", "-p", "icmp", "-j", "DROP"});
    ok = ok && l.in_server({"iptables", "-A", "INPUT", "-d", "10.77.0.8", "-p", "icmp", "-j", "REJECT",
                            "--reject-with", "icmp-host-prohibited"});
    // A route that says unreachable, beside the plain absence of a route (10.99.0.0/16).
    ok = ok && l.run({"ip", "-n", l.client, "route", "add", "unreachable", "10.98.0.0/16"});
    if (!ok) {
      lab->skip_reason = "iptables rules could not be set in the test namespace";
      return;
    }
    // The cluster DNS: answers cluster names, NXDOMAIN for unknown ones under cluster.local, refuses
    // outside names (no upstream).
    l.dnsmasq({"--listen-address=10.77.0.2", "--no-resolv", "--local=/cluster.local/",
               "--host-record=kubernetes.default.svc.cluster.local,10.96.0.1",
               "--host-record=web.shop.svc.cluster.local,10.96.5.5", "--host-record=www.example.test,10.77.0.50",
               "--srv-host=_http._tcp.web.shop.svc.cluster.local,web.shop.svc.cluster.local,80"});
    // 10.77.0.4 answers SERVFAIL to everything; 10.77.0.5 is a dnsmasq that forwards outside names there
    // (and relays the SERVFAIL); 10.77.0.6 forwards to the silent 10.77.0.3.
    l.dns_rcode_server("10.77.0.4", 2);
    l.dnsmasq({"--listen-address=10.77.0.5", "--no-resolv", "--server=10.77.0.4", "--local=/cluster.local/",
               "--host-record=kubernetes.default.svc.cluster.local,10.96.0.1"});
    l.dnsmasq({"--listen-address=10.77.0.6", "--no-resolv", "--server=10.77.0.3", "--local=/cluster.local/",
               "--host-record=kubernetes.default.svc.cluster.local,10.96.0.1"});
    if (!l.wait_dns("10.77.0.2") || !l.wait_dns("10.77.0.5") || !l.wait_dns("10.77.0.6"))
      lab->skip_reason = "dnsmasq did not start in the test namespace (is dnsmasq-base installed?)";
  }
  static void TearDownTestSuite() { lab.reset(); }

  void SetUp() override {
    if (!lab->skip_reason.empty()) GTEST_SKIP() << lab->skip_reason;
  }

  // Runs `netdoctor probe ARGS --netns CLIENT -o json`; the parsed result and the exit status.
  static nlohmann::json probe(std::vector<std::string> args, int* rc) {
    args.insert(args.begin(), "probe");
    args.insert(args.end(), {"--netns", lab->client, "-o", "json"});
    std::string out;
    *rc = netdoctor(args, &out);
    auto j = nlohmann::json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << out;
    return j;
  }
};
std::unique_ptr<NetnsLab> ProbeRoot::lab;

// ---- tcp ----

TEST_F(ProbeRoot, TcpConnectedToListener) {
  int rc;
  auto j = probe({"tcp", "10.77.0.2:7000"}, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(j["result"], "connected");
  EXPECT_EQ(j["source"], "10.77.0.1");
  EXPECT_EQ(j["from"], "netns " + lab->client);
  EXPECT_LT(j["time_ms"].get<int>(), 1000);
}

TEST_F(ProbeRoot, TcpClosedPortIsRefused) {
  int rc;
  auto j = probe({"tcp", "10.77.0.2:7012"}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "refused");
}

TEST_F(ProbeRoot, TcpRejectWithResetIsRefused) {
  int rc;
  auto j = probe({"tcp", "10.77.0.2:7010"}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "refused");
}

TEST_F(ProbeRoot, TcpDropIsTimeout) {
  int rc;
  auto j = probe({"tcp", "10.77.0.2:7011", "--timeout", "1200"}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "timeout");
  EXPECT_GE(j["time_ms"].get<int>(), 1150);
  EXPECT_LT(j["time_ms"].get<int>(), 3000);
  EXPECT_NE(j["detail"].get<std::string>().find("sent 2 times"), std::string::npos) << j["detail"];
}

TEST_F(ProbeRoot, TcpRejectEachIcmpCodeIsUnreachableWithTheCode) {
  struct Case {
    int port;
    const char* name;
  };
  const Case cases[] = {{7001, "net-unreachable"},  {7002, "host-unreachable"}, {7003, "port-unreachable"},
                        {7004, "proto-unreachable"}, {7005, "net-prohibited"},  {7006, "host-prohibited"},
                        {7007, "admin-prohibited"}};
  for (const auto& c : cases) {
    int rc;
    auto j = probe({"tcp", "10.77.0.2:" + std::to_string(c.port)}, &rc);
    EXPECT_EQ(rc, 1) << c.name;
    EXPECT_EQ(j["result"], "unreachable") << c.name;
    std::string detail = j["detail"];
    EXPECT_NE(detail.find(std::string("ICMP ") + c.name + " from 10.77.0.2"), std::string::npos)
        << c.name << ": " << detail;
  }
}

TEST_F(ProbeRoot, TcpWithoutRouteIsNoRoute) {
  int rc;
  auto j = probe({"tcp", "10.99.0.1:80"}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "no-route");
  EXPECT_LT(j["time_ms"].get<int>(), 100);
  j = probe({"tcp", "10.98.0.1:80"}, &rc);  // an "unreachable" route
  EXPECT_EQ(j["result"], "no-route");
}

TEST_F(ProbeRoot, TcpTextExplainsNoRouteWithP9) {
  std::string out;
  int rc = netdoctor({"probe", "tcp", "10.99.0.1:80", "--netns", lab->client}, &out);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("no-route"), std::string::npos);
  EXPECT_NE(out.find("P9"), std::string::npos) << out;
}

TEST_F(ProbeRoot, CouldNotRunIsExit2) {
  std::string out;
  EXPECT_EQ(netdoctor({"probe", "tcp", "10.77.0.2", "--netns", lab->client}, &out), 2);  // no port
  EXPECT_EQ(netdoctor({"probe", "tcp", "10.77.0.2:80", "--netns", "ndprb-no-such-ns"}, &out), 2);
  EXPECT_EQ(netdoctor({"probe", "icmp", "10.77.0.2", "-c", "1000"}, &out), 2);  // unbounded count refused
}

// ---- http ----

TEST_F(ProbeRoot, HttpStatusAndFailedConnect) {
  int rc;
  auto j = probe({"http", "http://10.77.0.2:8080/healthz"}, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(j["result"], "200");
  j = probe({"http", "http://10.77.0.2:8081/"}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "503");
  j = probe({"http", "http://10.77.0.2:7012/"}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "refused");
}

// ---- icmp ----

TEST_F(ProbeRoot, IcmpReplyTimeoutUnreachable) {
  int rc;
  auto j = probe({"icmp", "10.77.0.2", "-c", "2", "--interval", "50"}, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(j["result"], "reply");
  EXPECT_NE(j["detail"].get<std::string>().find("2/2 replies"), std::string::npos) << j["detail"];
  j = probe({"icmp", "10.77.0.7", "-c", "2", "--interval", "50", "--timeout", "300"}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "timeout");
  j = probe({"icmp", "10.77.0.8", "-c", "1", "--timeout", "1000"}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "unreachable");
  EXPECT_NE(j["detail"].get<std::string>().find("host-prohibited from 10.77.0.8"), std::string::npos) << j["detail"];
  j = probe({"icmp", "10.99.0.1", "-c", "1"}, &rc);
  EXPECT_EQ(j["result"], "unreachable");
}

TEST_F(ProbeRoot, IcmpUnprivilegedDatagramSocket) {
  ASSERT_TRUE(lab->in_client({"sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647"}));
  int rc;
  auto j = probe({"icmp", "10.77.0.2", "-c", "1", "--method", "dgram"}, &rc);
  EXPECT_EQ(j["result"], "reply");
  EXPECT_NE(j["detail"].get<std::string>().find("unprivileged"), std::string::npos);
  j = probe({"icmp", "10.77.0.8", "-c", "1", "--method", "dgram"}, &rc);
  EXPECT_EQ(j["result"], "unreachable");  // read back from the error queue (IP_RECVERR)
  EXPECT_NE(j["detail"].get<std::string>().find("host-prohibited"), std::string::npos) << j["detail"];
  lab->in_client({"sysctl", "-qw", "net.ipv4.ping_group_range=1 0"});
}

// ICMPv6 echo (RFC 4443) over raw and datagram sockets: reply, a reject read back as adm-prohibited
// with its sender, and a drop as a timeout. Own addresses, removed again at the end.
TEST_F(ProbeRoot, IcmpV6ReplyUnreachableTimeout) {
  ASSERT_TRUE(lab->run({"ip", "-n", lab->client, "addr", "add", "fd77::1/64", "dev", "c0", "nodad"}));
  for (const char* a : {"fd77::2/64", "fd77::7/64", "fd77::8/64"})
    ASSERT_TRUE(lab->run({"ip", "-n", lab->server, "addr", "add", a, "dev", "s0", "nodad"}));
  lab->in_server({"sysctl", "-qw", "net.ipv6.icmp.ratelimit=0"});
  ASSERT_TRUE(lab->in_server({"ip6tables", "-A", "INPUT", "-d", "fd77::7", "-p", "ipv6-icmp", "--icmpv6-type",
                              "echo-request", "-j", "DROP"}));
  ASSERT_TRUE(lab->in_server({"ip6tables", "-A", "INPUT", "-d", "fd77::8", "-p", "ipv6-icmp", "--icmpv6-type",
                              "echo-request", "-j", "REJECT", "--reject-with", "icmp6-adm-prohibited"}));
  int rc;
  auto j = probe({"icmp", "fd77::2", "-c", "2", "--interval", "50"}, &rc);
  EXPECT_EQ(rc, 0) << j.dump();
  EXPECT_EQ(j["result"], "reply") << j.dump();
  EXPECT_NE(j["detail"].get<std::string>().find("2/2 replies"), std::string::npos) << j["detail"];
  j = probe({"icmp", "fd77::7", "-c", "1", "--timeout", "300"}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "timeout") << j.dump();
  j = probe({"icmp", "fd77::8", "-c", "1", "--timeout", "1000"}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "unreachable") << j.dump();
  EXPECT_NE(j["detail"].get<std::string>().find("adm-prohibited from fd77::8"), std::string::npos) << j["detail"];

  ASSERT_TRUE(lab->in_client({"sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647"}));  // v4 and v6
  j = probe({"icmp", "fd77::2", "-c", "1", "--method", "dgram"}, &rc);
  EXPECT_EQ(j["result"], "reply") << j.dump();
  EXPECT_NE(j["detail"].get<std::string>().find("unprivileged"), std::string::npos);
  j = probe({"icmp", "fd77::8", "-c", "1", "--method", "dgram"}, &rc);
  EXPECT_EQ(j["result"], "unreachable") << j.dump();  // from the error queue (IPV6_RECVERR)
  lab->in_client({"sysctl", "-qw", "net.ipv4.ping_group_range=1 0"});
  lab->in_server({"ip6tables", "-F", "INPUT"});
  lab->run({"ip", "-n", lab->client, "addr", "del", "fd77::1/64", "dev", "c0"});
  for (const char* a : {"fd77::2/64", "fd77::7/64", "fd77::8/64"}) lab->run({"ip", "-n", lab->server, "addr", "del", a, "dev", "s0"});
}

// ---- dns ----

std::string cluster_first(const std::string& nameservers, const std::string& options = "timeout:1 attempts:1") {
  return "search shop.svc.cluster.local svc.cluster.local cluster.local\n" + nameservers + "options ndots:5 " + options + "\n";
}

TEST_F(ProbeRoot, DnsAnsweredAfterNxdomainWalk) {
  std::string rc_file = lab->write("walk.conf", cluster_first("nameserver 10.77.0.2\n"));
  int rc;
  auto j = probe({"dns", "www.example.test", "--resolv-conf", rc_file}, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(j["result"], "answered");
  ASSERT_EQ(j["queries"].size(), 4u) << j.dump();
  EXPECT_EQ(j["queries"][0]["name"], "www.example.test.shop.svc.cluster.local.");
  EXPECT_EQ(j["queries"][0]["rcode"], "NXDOMAIN");
  EXPECT_EQ(j["queries"][2]["rcode"], "NXDOMAIN");
  EXPECT_EQ(j["queries"][3]["name"], "www.example.test.");
  EXPECT_EQ(j["queries"][3]["server"], "10.77.0.2");
  EXPECT_EQ(j["answers"], nlohmann::json::array({"10.77.0.50"}));
  std::string out;
  netdoctor({"probe", "dns", "www.example.test", "--resolv-conf", rc_file, "--netns", lab->client}, &out);
  EXPECT_NE(out.find("NXDOMAIN walk"), std::string::npos) << out;
}

TEST_F(ProbeRoot, DnsShortNameAnsweredFirstTry) {
  std::string rc_file = lab->write("short.conf", cluster_first("nameserver 10.77.0.2\n"));
  int rc;
  auto j = probe({"dns", "web", "--resolv-conf", rc_file}, &rc);
  EXPECT_EQ(j["result"], "answered");
  ASSERT_EQ(j["queries"].size(), 1u);
  EXPECT_EQ(j["queries"][0]["name"], "web.shop.svc.cluster.local.");
  j = probe({"dns", "_http._tcp.web.shop.svc.cluster.local.", "--type", "SRV", "--resolv-conf", rc_file}, &rc);
  EXPECT_EQ(j["result"], "answered");
  EXPECT_EQ(j["answers"][0], "SRV 0 0 80 web.shop.svc.cluster.local.");
}

TEST_F(ProbeRoot, DnsNxdomain) {
  std::string rc_file = lab->write("nx.conf", cluster_first("nameserver 10.77.0.2\n"));
  int rc;
  auto j = probe({"dns", "redis.other.svc.cluster.local.", "--resolv-conf", rc_file}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "nxdomain");
  ASSERT_EQ(j["queries"].size(), 1u);
  EXPECT_EQ(j["queries"][0]["rcode"], "NXDOMAIN");
}

TEST_F(ProbeRoot, DnsServfailRelayedFromUpstreamAndClusterNamesStillAnswer) {
  std::string rc_file = lab->write("sf.conf", cluster_first("nameserver 10.77.0.5\n"));
  int rc;
  auto j = probe({"dns", "shop.example.org.", "--resolv-conf", rc_file}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "servfail");
  ASSERT_GE(j["queries"].size(), 2u);
  EXPECT_EQ(j["queries"][0]["rcode"], "SERVFAIL");
  // The control query: the same server answers a cluster name.
  EXPECT_EQ(j["queries"].back()["name"], "kubernetes.default.svc.cluster.local.");
  EXPECT_EQ(j["queries"].back()["rcode"], "NOERROR");
  std::string out;
  netdoctor({"probe", "dns", "shop.example.org.", "--resolv-conf", rc_file, "--netns", lab->client}, &out);
  EXPECT_NE(out.find("answers cluster names"), std::string::npos) << out;
  EXPECT_NE(out.find("P10.1"), std::string::npos);
}

TEST_F(ProbeRoot, DnsRefused) {
  int rc;
  auto j = probe({"dns", "outside.example.org.", "--server", "10.77.0.2", "--no-control"}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "refused");
}

TEST_F(ProbeRoot, DnsSilentServerTimesOutPerServer) {
  std::string rc_file = lab->write("silent.conf", cluster_first("nameserver 10.77.0.3\n", "timeout:1 attempts:2"));
  int rc;
  auto j = probe({"dns", "web", "--resolv-conf", rc_file}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "timeout");
  ASSERT_EQ(j["queries"].size(), 2u) << j.dump();  // attempts:2, and a timeout ends the search
  EXPECT_EQ(j["queries"][0]["rcode"], "timeout");
  EXPECT_GE(j["time_ms"].get<int>(), 1900);
}

TEST_F(ProbeRoot, DnsFailsOverFromSilentServerToTheNext) {
  std::string rc_file =
      lab->write("two.conf", cluster_first("nameserver 10.77.0.3\nnameserver 10.77.0.2\n"));
  int rc;
  auto j = probe({"dns", "web", "--resolv-conf", rc_file}, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(j["result"], "answered");
  ASSERT_EQ(j["queries"].size(), 2u);
  EXPECT_EQ(j["queries"][0]["server"], "10.77.0.3");
  EXPECT_EQ(j["queries"][0]["rcode"], "timeout");
  EXPECT_EQ(j["queries"][1]["server"], "10.77.0.2");
  EXPECT_EQ(j["queries"][1]["rcode"], "NOERROR");
}

TEST_F(ProbeRoot, DnsUpstreamSilentButClusterNamesAnswer) {
  std::string rc_file = lab->write("up.conf", cluster_first("nameserver 10.77.0.6\n"));
  int rc;
  auto j = probe({"dns", "shop.example.org.", "--resolv-conf", rc_file}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_TRUE(j["result"] == "timeout" || j["result"] == "servfail") << j["result"];
  EXPECT_EQ(j["queries"].back()["rcode"], "NOERROR");
}

// ---- self and mesh ----

TEST_F(ProbeRoot, SelfComparesResolvConfWithThePolicy) {
  std::string good = lab->write("good.conf", "search shop.svc.cluster.local svc.cluster.local cluster.local\n"
                                             "nameserver 10.96.0.10\noptions ndots:5\n");
  std::string bad = lab->write("bad.conf", "nameserver 10.77.0.2\n");
  int rc;
  auto j = probe({"self", "--resolv-conf", good, "--dns-policy", "ClusterFirst", "--cluster-dns", "10.96.0.10",
                  "--namespace", "shop"},
                 &rc);
  EXPECT_EQ(rc, 0) << j.dump();
  EXPECT_EQ(j["result"], "match");
  bool has_addr = false;
  for (const auto& a : j["addresses"]) has_addr |= a.get<std::string>().find("c0 10.77.0.1/24") != std::string::npos;
  EXPECT_TRUE(has_addr) << j["addresses"];
  j = probe({"self", "--resolv-conf", bad, "--dns-policy", "ClusterFirst", "--cluster-dns", "10.96.0.10",
             "--namespace", "shop"},
            &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["result"], "mismatch");
}

TEST_F(ProbeRoot, MeshMatrixFromTwoNamespaces) {
  std::string targets = lab->write("mesh.yaml",
                                   "targets:\n"
                                   "  - {probe: tcp, target: \"10.77.0.2:7000\"}\n"
                                   "  - {probe: tcp, target: \"10.77.0.2:7012\", expect: refused}\n"
                                   "  - {probe: tcp, target: \"10.77.0.2:7011\", timeout_ms: 500}\n"
                                   "  - {probe: dns, target: web.shop.svc.cluster.local., server: 10.77.0.2}\n"
                                   "  - {probe: icmp, target: 10.77.0.2}\n"
                                   "  - {probe: tcp, target: \"10.77.0.2:7000\", netns: " +
                                       lab->server + "}\n");
  std::string out;
  int rc = netdoctor({"probe", "mesh", "--targets", targets, "--netns", lab->client, "--parallel", "3", "-o", "json"},
                     &out);
  EXPECT_EQ(rc, 1);  // the DROP one fails
  auto j = nlohmann::json::parse(out);
  ASSERT_EQ(j["results"].size(), 6u);
  EXPECT_EQ(j["results"][0]["result"], "connected");
  EXPECT_EQ(j["results"][1]["result"], "refused");
  EXPECT_EQ(j["results"][1]["ok"], true);
  EXPECT_EQ(j["results"][2]["result"], "timeout");
  EXPECT_EQ(j["results"][3]["result"], "answered");
  EXPECT_EQ(j["results"][4]["result"], "reply");
  EXPECT_EQ(j["results"][5]["result"], "connected");
  EXPECT_EQ(j["results"][5]["from"], "netns " + lab->server);
  EXPECT_EQ(j["mesh"]["failed"], 1);
  EXPECT_EQ(j["matrix"]["rows"].size(), 2u);
  rc = netdoctor({"probe", "mesh", "--targets", targets, "--netns", lab->client}, &out);
  EXPECT_NE(out.find("FAIL tcp 10.77.0.2:7011"), std::string::npos) << out;
}

}  // namespace
}  // namespace nd::probe::test
