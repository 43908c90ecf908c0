// Pure parts of the probes, without a network: target and URL parsing, the targets file, the JSON
// shape, connect classification, DNS reply parsing and the resolver walk against a scripted server.
#include <gtest/gtest.h>

#include <cerrno>

#include "probe/dns.h"
#include "probe/dns_wire.h"
#include "probe/http.h"
#include "probe/icmp.h"
#include "probe/mesh.h"
#include "probe/result.h"
#include "probe/target.h"
#include "probe/unreach.h"

namespace nd::probe {
namespace {

TEST(ProbeTarget, HostPort) {
  auto a = parse_host_port("10.96.0.10:53");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "10.96.0.10");
  EXPECT_EQ(a->port, 53);
  auto b = parse_host_port("[fd00::a]:443");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "fd00::a");
  EXPECT_FALSE(parse_host_port("10.0.0.1").ok());
  EXPECT_FALSE(parse_host_port("10.0.0.1:0").ok());
  EXPECT_FALSE(parse_host_port("10.0.0.1:65536").ok());
  EXPECT_FALSE(parse_host_port("fd00::a:443").ok());
  EXPECT_FALSE(parse_host_port(":80").ok());
}

TEST(ProbeTarget, Url) {
  auto u = parse_url("http://10.96.5.5:8080/healthz?x=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "10.96.5.5");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "/healthz?x=1");
  auto d = parse_url("http://web.shop");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->port, 80);
  EXPECT_EQ(d->path, "/");
  EXPECT_FALSE(parse_url("https://x/").ok());
  EXPECT_FALSE(parse_url("ftp://x/").ok());
  EXPECT_FALSE(parse_url("http://:80/").ok());
  EXPECT_NE(parse_url("https://x/").error().message.find("plain HTTP"), std::string::npos);
}

TEST(ProbeResultJson, ExactKeysInOrder) {
  ProbeResult r;
  r.probe = "tcp";
  r.target = "10.96.5.5:3306";
  r.from = "netns shop-web";
  r.result = "timeout";
  r.time_ms = 3001;
  r.source = "10.244.1.7";
  r.detail = "no answer";
  r.explain = {"not in JSON"};
  auto j = to_json(r);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"probe", "target", "from", "result", "time_ms", "source", "detail"}));
  r.probe = "dns";
  r.queries = {{"a.b.", "10.0.0.1", "A", "NXDOMAIN", 3, {}}};
  j = to_json(r);
  EXPECT_EQ(j["queries"][0]["rcode"], "NXDOMAIN");
  EXPECT_TRUE(j.contains("answers"));
}

TEST(ProbeClassify, ConnectOutcomes) {
  IcmpError none;
  EXPECT_EQ(classify_connect(0, false, none).result, "connected");
  EXPECT_EQ(classify_connect(ECONNREFUSED, false, none).result, "refused");
  EXPECT_EQ(classify_connect(ETIMEDOUT, false, none).result, "timeout");
  EXPECT_EQ(classify_connect(ENETUNREACH, true, none).result, "no-route");
  EXPECT_EQ(classify_connect(EHOSTUNREACH, true, none).result, "no-route");
  IcmpError icmp;
  icmp.present = true;
  icmp.type = 3;
  icmp.code = 13;
  icmp.offender = "192.0.2.1";
  auto c = classify_connect(EHOSTUNREACH, false, icmp);
  EXPECT_EQ(c.result, "unreachable");
  EXPECT_NE(c.detail.find("admin-prohibited from 192.0.2.1"), std::string::npos);
  icmp.code = 3;  // port unreachable from a reject rule: ICMP, not a reset
  EXPECT_EQ(classify_connect(ECONNREFUSED, false, icmp).result, "unreachable");
  icmp.code = 99;
  EXPECT_EQ(icmp_name(icmp), "ICMP type 3 code 99");
}

TEST(ProbeHttp, StatusLine) {
  EXPECT_EQ(parse_status_line("HTTP/1.1 200 OK"), 200);
  EXPECT_EQ(parse_status_line("HTTP/1.0 503 Service Unavailable"), 503);
  EXPECT_EQ(parse_status_line("HTTP/1.1 204"), 204);
  EXPECT_EQ(parse_status_line("SSH-2.0-OpenSSH"), 0);
  EXPECT_EQ(parse_status_line("HTTP/1.1 2000 x"), 0);
  EXPECT_EQ(parse_status_line("HTTP/1.1 abc"), 0);
}

TEST(ProbeIcmp, Checksum) {
  // An echo request with id 0x1234 seq 1 and no payload: 0x0800 + 0x1234 + 0x0001 -> ~0x1a35.
  uint8_t pkt[8] = {8, 0, 0, 0, 0x12, 0x34, 0, 1};
  EXPECT_EQ(inet_checksum(pkt, sizeof pkt), 0xe5ca);
}

// A DNS reply built by hand: header, question, answers.
std::string reply(int rcode, const std::vector<std::pair<int, std::string>>& answers) {
  std::string m = {'\x12', '\x34', '\x81', static_cast<char>(0x80 | rcode), 0, 1, 0, static_cast<char>(answers.size()), 0, 0, 0, 0};
  std::string qname = std::string("\x03web\x04shop\x00", 10);
  m += qname + std::string("\x00\x01\x00\x01", 4);
  for (const auto& [type, rdata] : answers) {
    m += std::string("\xc0\x0c", 2);
    m += static_cast<char>(type >> 8);
    m += static_cast<char>(type);
    m += std::string("\x00\x01\x00\x00\x00\x1e", 6);
    m += static_cast<char>(rdata.size() >> 8);
    m += static_cast<char>(rdata.size());
    m += rdata;
  }
  return m;
}

TEST(ProbeDnsWire, ParseReply) {
  std::string a = reply(0, {{1, std::string("\x0a\x60\x05\x05", 4)}});
  auto r = parse_reply(reinterpret_cast<const unsigned char*>(a.data()), a.size());
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_EQ(r.outcome, dns::Outcome::Answer);
  EXPECT_EQ(r.answers, std::vector<std::string>{"10.96.5.5"});
  std::string srv = reply(0, {{33, std::string("\x00\x00\x00\x0a\x00\x50\xc0\x0c", 8)}});
  r = parse_reply(reinterpret_cast<const unsigned char*>(srv.data()), srv.size());
  EXPECT_EQ(r.answers, std::vector<std::string>{"SRV 0 10 80 web.shop."});
  std::string nx = reply(3, {});
  EXPECT_EQ(parse_reply(reinterpret_cast<const unsigned char*>(nx.data()), nx.size()).outcome, dns::Outcome::NxDomain);
  std::string sf = reply(2, {});
  EXPECT_EQ(parse_reply(reinterpret_cast<const unsigned char*>(sf.data()), sf.size()).rcode, "SERVFAIL");
  std::string nodata = reply(0, {});
  EXPECT_EQ(parse_reply(reinterpret_cast<const unsigned char*>(nodata.data()), nodata.size()).outcome,
            dns::Outcome::NoData);
  // Truncated: an answer that claims more data than there is is dropped, not read past the end.
  std::string cut = a.substr(0, a.size() - 2);
  EXPECT_TRUE(parse_reply(reinterpret_cast<const unsigned char*>(cut.data()), cut.size()).answers.empty());
  EXPECT_EQ(parse_reply(reinterpret_cast<const unsigned char*>(a.data()), 5).rcode, "malformed");
}

TEST(ProbeDnsWire, TypesAndReverse) {
  EXPECT_EQ(*parse_qtype("srv"), 33);
  EXPECT_EQ(*parse_qtype("TYPE65"), 65);
  EXPECT_FALSE(parse_qtype("BOGUS").ok());
  EXPECT_EQ(qtype_name(28), "AAAA");
  EXPECT_EQ(reverse_name("10.96.0.10"), "10.0.96.10.in-addr.arpa.");
  EXPECT_EQ(reverse_name("web"), "");
}

// A scripted server: fqdn@server -> reply.
QueryFn scripted(std::map<std::string, QueryReply> table, std::vector<std::string>* log) {
  return [table, log](const std::string& n, const std::string& s, int, int wait) {
    log->push_back(n + "@" + s);
    auto it = table.find(n + "@" + s);
    if (it != table.end()) return it->second;
    QueryReply t;
    t.rcode = "timeout";
    t.time_ms = wait;
    return t;
  };
}

QueryReply rep(dns::Outcome o, std::string rcode, std::vector<std::string> answers = {}) {
  QueryReply r;
  r.outcome = o;
  r.rcode = std::move(rcode);
  r.answers = std::move(answers);
  return r;
}

TEST(ProbeDns, NxdomainWalkThenAnswer) {
  DnsProbeOptions o;
  o.name = "redis.cache";
  o.resolv_conf_text = "search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n";
  std::vector<std::string> log;
  auto nx = rep(dns::Outcome::NxDomain, "NXDOMAIN");
  auto r = probe_dns(o, scripted({{"redis.cache.shop.svc.cluster.local.@10.96.0.10", nx},
                                  {"redis.cache.svc.cluster.local.@10.96.0.10",
                                   rep(dns::Outcome::Answer, "NOERROR", {"10.96.7.7"})}},
                                 &log));
  EXPECT_EQ(r.result, "answered");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(log.size(), 2u);
  EXPECT_EQ(r.answers, std::vector<std::string>{"10.96.7.7"});
  bool walk = false;
  for (const auto& e : r.explain) walk |= e.find("NXDOMAIN walk") != std::string::npos;
  EXPECT_TRUE(walk);
}

TEST(ProbeDns, TimeoutPerServerInScheduleOrder) {
  DnsProbeOptions o;
  o.name = "db.example.org.";
  o.resolv_conf_text = "nameserver 10.0.0.1\nnameserver 10.0.0.2\noptions timeout:1 attempts:2\n";
  o.control = false;
  std::vector<std::string> log;
  auto r = probe_dns(o, scripted({}, &log));
  EXPECT_EQ(r.result, "timeout");
  // glibc: two rounds over both servers.
  EXPECT_EQ(log, (std::vector<std::string>{"db.example.org.@10.0.0.1", "db.example.org.@10.0.0.2",
                                           "db.example.org.@10.0.0.1", "db.example.org.@10.0.0.2"}));
  EXPECT_EQ(r.queries.size(), 4u);
}

TEST(ProbeDns, ServfailOutsideButClusterNamesAnswer) {
  DnsProbeOptions o;
  o.name = "api.example.org.";
  o.resolv_conf_text = "nameserver 10.96.0.10\noptions attempts:1\n";
  std::vector<std::string> log;
  auto r = probe_dns(o, scripted({{"api.example.org.@10.96.0.10", rep(dns::Outcome::ServFail, "SERVFAIL")},
                                  {"kubernetes.default.svc.cluster.local.@10.96.0.10",
                                   rep(dns::Outcome::Answer, "NOERROR", {"10.96.0.1"})}},
                                 &log));
  EXPECT_EQ(r.result, "servfail");
  EXPECT_FALSE(r.ok);
  bool upstream = false;
  for (const auto& e : r.explain) upstream |= e.find("answers cluster names") != std::string::npos;
  EXPECT_TRUE(upstream);
}

TEST(ProbeDns, ServerOverrideAndBoundedTime) {
  DnsProbeOptions o;
  o.name = "x.";
  o.servers = {"10.1.1.1"};
  o.max_total_ms = 10;  // the scripted timeouts report their wait; the probe stops by its own clock
  o.timeout_ms = 5;
  o.control = false;
  std::vector<std::string> log;
  auto r = probe_dns(o, scripted({}, &log));
  EXPECT_EQ(log.front(), "x.@10.1.1.1");
  EXPECT_EQ(r.result, "timeout");
}

TEST(ProbeMesh, ParseTargets) {
  auto t = parse_targets("targets:\n  - {probe: tcp, target: \"10.0.0.1:80\", expect: refused}\n"
                         "  - probe: dns\n    target: web\n    type: SRV\n    server: 10.96.0.10\n",
                         "t.yaml");
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].expect, "refused");
  EXPECT_EQ((*t)[1].type, "SRV");
  EXPECT_EQ((*t)[1].line, 3u);
  auto json = parse_targets(R"([{"probe":"icmp","target":"10.0.0.2","count":2}])", "t.json");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ((*json)[0].count, 2);
}

TEST(ProbeMesh, TargetsErrorsNameTheLine) {
  auto e = parse_targets("targets:\n  - {probe: tcp, target: 10.0.0.1}\n", "t.yaml");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message.rfind("t.yaml:2: ", 0), 0u) << e.error().message;
  e = parse_targets("- {probe: smtp, target: x}\n", "t.yaml");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("smtp"), std::string::npos);
  e = parse_targets("- {probe: icmp, target: x, count: 100000}\n", "t.yaml");
  ASSERT_FALSE(e.ok());
  e = parse_targets("- {probe: tcp, target: \"a:1\", colour: red}\n", "t.yaml");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("colour"), std::string::npos);
  EXPECT_FALSE(parse_targets("targets: []\n", "t.yaml").ok());  // nothing named, nothing probed
  EXPECT_FALSE(parse_targets("targets: [\n", "t.yaml").ok());
  e = parse_targets("- {probe: dns, target: x, type: BOGUS}\n", "t.yaml");
  ASSERT_FALSE(e.ok());
}

TEST(ProbeMesh, MatrixJson) {
  std::vector<MeshTarget> t(2);
  t[0].probe = "tcp";
  t[0].target = "10.0.0.1:80";
  t[1].probe = "tcp";
  t[1].target = "10.0.0.2:80";
  t[1].name = "db";
  MeshRun run;
  run.results.resize(2);
  run.results[0].probe = run.results[1].probe = "tcp";
  run.results[0].from = "netns a";
  run.results[1].from = "netns b";
  run.results[0].result = "connected";
  run.results[0].ok = true;
  run.results[1].result = "timeout";
  run.failed = 1;
  auto j = to_json(run, t);
  EXPECT_EQ(j["matrix"]["rows"], nlohmann::ordered_json::array({"netns a", "netns b"}));
  EXPECT_EQ(j["matrix"]["columns"], nlohmann::ordered_json::array({"tcp 10.0.0.1:80", "db"}));
  EXPECT_EQ(j["matrix"]["cells"][0][0], "connected");
  EXPECT_TRUE(j["matrix"]["cells"][0][1].is_null());
  EXPECT_EQ(j["matrix"]["cells"][1][1], "timeout");
  EXPECT_EQ(j["results"].size(), 2u);
  std::string text = to_text(run, t);
  EXPECT_NE(text.find("FAIL tcp"), std::string::npos);
}

}  // namespace
}  // namespace nd::probe
