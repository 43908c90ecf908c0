#include "node/ip_json.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "fixture.h"

using namespace nd::node;

namespace {

const Route* find_route(const std::vector<Route>& routes, std::string_view dst, std::string_view table = "main") {
  for (const auto& r : routes)
    if (r.dst == dst && r.table == table) return &r;
  return nullptr;
}

}  // namespace

TEST(IpJson, AddrShowOfTheFixtureNode) {
  auto r = parse_ip_addr(nd::test::fixture("ip-addr.json"), "nodes/n1/ip-addr.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::vector<std::string> names;
  for (const auto& l : *r) names.push_back(l.ifname);
  EXPECT_EQ(names, (std::vector<std::string>{"lo", "eth0", "cni0", "veth1a2b3c4d", "flannel.1"}));

  const Link* eth0 = find_link(*r, "eth0");
  ASSERT_NE(eth0, nullptr);
  EXPECT_EQ(eth0->ifindex, 2);
  EXPECT_EQ(eth0->mtu, 1500);
  EXPECT_TRUE(eth0->up());
  EXPECT_EQ(eth0->link_netnsid, 0);  // its peer is in another namespace
  ASSERT_EQ(eth0->addrs.size(), 3u);
  EXPECT_EQ(eth0->addrs[0].family, "inet");
  EXPECT_EQ(eth0->addrs[0].prefix.to_string(), "192.168.50.11/24");
  EXPECT_EQ(eth0->addrs[0].prefix.network().to_string(), "192.168.50.0/24");
  EXPECT_EQ(eth0->addrs[0].scope, "global");
  EXPECT_EQ(eth0->addrs[1].family, "inet6");
  EXPECT_EQ(eth0->addrs[1].local, "fd00:50::11");
  EXPECT_EQ(eth0->addrs[1].prefixlen, 64);
  EXPECT_EQ(eth0->addrs[1].flags, std::vector<std::string>{"nodad"});
  EXPECT_EQ(eth0->addrs[2].scope, "link");

  const Link* cni0 = find_link(*r, "cni0");
  ASSERT_NE(cni0, nullptr);
  EXPECT_EQ(cni0->mtu, 1450);
  EXPECT_EQ(cni0->addrs[0].prefix.to_string(), "10.244.1.1/24");
  const Link* veth = find_link(*r, "veth1a2b3c4d");
  ASSERT_NE(veth, nullptr);
  EXPECT_EQ(veth->master, "cni0");
  const Link* flannel = find_link(*r, "flannel.1");
  ASSERT_NE(flannel, nullptr);
  EXPECT_EQ(flannel->addrs[0].prefix.to_string(), "10.244.1.0/32");
  EXPECT_EQ(find_link(*r, "eth1"), nullptr);
}

TEST(IpJson, LinkShowDetailsVxlanBridgeVeth) {
  auto r = parse_ip_link(nd::test::fixture("ip-link.json"), "nodes/n1/ip-link.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 5u);
  const Link* vx = find_link(*r, "flannel.1");
  ASSERT_NE(vx, nullptr);
  EXPECT_EQ(vx->kind, "vxlan");
  ASSERT_TRUE(vx->vxlan.has_value());
  EXPECT_EQ(vx->vxlan->id, 1u);
  EXPECT_EQ(vx->vxlan->local, "192.168.50.11");
  EXPECT_EQ(vx->vxlan->dev, "eth0");
  EXPECT_EQ(vx->vxlan->port, 8472);
  EXPECT_FALSE(vx->vxlan->learning);  // created with nolearning, as flannel does
  EXPECT_EQ(vx->vxlan->group, "");
  EXPECT_EQ(vx->mtu, 1450);
  EXPECT_EQ(find_link(*r, "cni0")->kind, "bridge");
  EXPECT_FALSE(find_link(*r, "cni0")->vxlan.has_value());
  const Link* veth = find_link(*r, "veth1a2b3c4d");
  EXPECT_EQ(veth->kind, "veth");
  EXPECT_EQ(veth->slave_kind, "bridge");
  EXPECT_EQ(veth->master, "cni0");
  EXPECT_EQ(find_link(*r, "eth0")->kind, "veth");
  EXPECT_EQ(find_link(*r, "lo")->kind, "");
  EXPECT_TRUE(find_link(*r, "lo")->addrs.empty());  // link show has no addresses
}

TEST(IpJson, RouteShowTableAll) {
  auto r = parse_ip_route(nd::test::fixture("ip-route.json"), "nodes/n1/ip-route.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 33u);
  for (size_t i = 0; i < r->size(); ++i) EXPECT_EQ((*r)[i].index, i);

  const Route* def = find_route(*r, "default");
  ASSERT_NE(def, nullptr);
  EXPECT_TRUE(def->is_default());
  EXPECT_EQ(def->family(), Family::V4);
  EXPECT_EQ(def->prefix.to_string(), "0.0.0.0/0");
  EXPECT_EQ(def->gateway, "192.168.50.1");
  EXPECT_EQ(def->protocol, "static");
  EXPECT_EQ(def->metric, 100);
  EXPECT_TRUE(def->onlink());
  EXPECT_EQ(def->to_line(), "default via 192.168.50.1 dev eth0 proto static metric 100 onlink");

  const Route* vx = find_route(*r, "10.244.2.0/24");
  ASSERT_NE(vx, nullptr);
  EXPECT_EQ(vx->index, 3u);
  EXPECT_EQ(vx->gateway, "10.244.2.0");
  EXPECT_EQ(vx->dev, "flannel.1");
  EXPECT_TRUE(vx->onlink());
  EXPECT_EQ(vx->protocol, "boot");  // omitted in the JSON
  EXPECT_EQ(vx->scope, "global");
  EXPECT_FALSE(vx->metric.has_value());
  EXPECT_EQ(vx->to_line(), "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");

  EXPECT_EQ(find_route(*r, "10.244.3.0/24")->protocol, "bird");
  const Route* mp = find_route(*r, "10.244.5.0/24");
  ASSERT_NE(mp, nullptr);
  ASSERT_EQ(mp->nexthops.size(), 2u);
  EXPECT_EQ(mp->nexthops[0].gateway, "192.168.50.13");
  EXPECT_EQ(mp->nexthops[1].gateway, "192.168.50.14");
  EXPECT_EQ(mp->nexthops[1].weight, 2);
  EXPECT_EQ(mp->dev, "");

  EXPECT_EQ(find_route(*r, "10.244.7.0/24")->type, "prohibit");
  EXPECT_EQ(find_route(*r, "10.244.8.0/24")->type, "unreachable");
  const Route* bh = find_route(*r, "10.244.9.0/24");
  EXPECT_EQ(bh->type, "blackhole");
  EXPECT_EQ(bh->to_line(), "blackhole 10.244.9.0/24");
  EXPECT_EQ(find_route(*r, "10.99.0.0/16", "100")->scope, "link");
  EXPECT_EQ(find_route(*r, "10.99.0.0/16"), nullptr);  // not in main

  const Route* local = find_route(*r, "10.244.1.1", "local");
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->type, "local");
  EXPECT_EQ(local->prefix.to_string(), "10.244.1.1/32");

  const Route* v6 = find_route(*r, "fd00:10:244:2::/64");
  ASSERT_NE(v6, nullptr);
  EXPECT_EQ(v6->family(), Family::V6);
  EXPECT_EQ(v6->gateway, "fd00:50::12");
  EXPECT_EQ(v6->metric, 1024);
  const Route* bh6 = find_route(*r, "fd00:10:244:9::/64");
  EXPECT_EQ(bh6->type, "blackhole");
  EXPECT_EQ(bh6->dev, "lo");
  EXPECT_EQ(std::count_if(r->begin(), r->end(), [](const Route& x) { return x.family() == Family::V6; }), 15);
}

TEST(IpJson, DefaultRouteFamilyFromGatewayOrPref) {
  auto r = parse_ip_route(
      R"([{"dst":"default","gateway":"fe80::1","dev":"eth0","protocol":"ra","metric":1024,"flags":[],"pref":"medium"},
          {"dst":"default","dev":"wg0","metric":1024,"flags":[],"pref":"medium"},
          {"dst":"default","dev":"tun0","scope":"link","flags":[]},
          {"dst":"10.0.0.0/8","via":{"family":"inet6","host":"fe80::2"},"dev":"eth0","flags":[]}])",
      "r.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)[0].prefix.to_string(), "::/0");
  EXPECT_EQ((*r)[1].prefix.to_string(), "::/0");
  EXPECT_EQ((*r)[2].prefix.to_string(), "0.0.0.0/0");
  EXPECT_EQ((*r)[3].gateway, "fe80::2");
}

TEST(IpJson, NeighShow) {
  auto r = parse_ip_neigh(nd::test::fixture("ip-neigh.json"), "nodes/n1/ip-neigh.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].dst, "10.244.2.0");
  EXPECT_EQ((*r)[0].dev, "flannel.1");
  EXPECT_EQ((*r)[0].lladdr, "5e:2a:9c:41:7b:02");  // the peer's VTEP MAC, as flannel programs it
  EXPECT_TRUE((*r)[0].has_state("PERMANENT"));
  EXPECT_FALSE((*r)[0].router);
  EXPECT_EQ((*r)[2].dst, "fd00:50::12");
  auto rt = parse_ip_neigh(
      R"([{"dst":"fe80::1","dev":"eth0","lladdr":"52:54:00:12:35:02","router":null,"state":["STALE"]}])", "n");
  ASSERT_TRUE(rt.ok());
  EXPECT_TRUE((*rt)[0].router);
}

TEST(IpJson, BridgeFdbShow) {
  auto r = parse_bridge_fdb(nd::test::fixture("bridge-fdb.json"), "nodes/n1/bridge-fdb.json");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size(), 17u);
  std::vector<const FdbEntry*> vxlan;
  for (const auto& e : *r)
    if (e.ifname == "flannel.1") vxlan.push_back(&e);
  ASSERT_EQ(vxlan.size(), 2u);
  EXPECT_EQ(vxlan[0]->mac, "5e:2a:9c:41:7b:02");
  EXPECT_EQ(vxlan[0]->dst, "192.168.50.12");
  EXPECT_EQ(vxlan[0]->state, "permanent");
  EXPECT_EQ(vxlan[0]->flags, std::vector<std::string>{"self"});
  EXPECT_EQ(vxlan[1]->mac, "00:00:00:00:00:00");  // the flood entry
  EXPECT_EQ(vxlan[1]->dst, "192.168.50.12");
  // A learned MAC on the bridge port: state "" and master cni0.
  auto learned = std::find_if(r->begin(), r->end(), [](const FdbEntry& e) { return e.state.empty(); });
  ASSERT_NE(learned, r->end());
  EXPECT_EQ(learned->ifname, "veth1a2b3c4d");
  EXPECT_EQ(learned->master, "cni0");
}

TEST(IpJson, MalformedInputNamesFileAndPosition) {
  auto r = parse_ip_route("[{\"dst\":\"10.0.0.0/8\",\n \"dev\": eth0}]", "nodes/w1/ip-route.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("nodes/w1/ip-route.json:2:", 0), 0u) << r.error().message;
  EXPECT_NE(r.error().message.find("invalid JSON"), std::string::npos);

  r = parse_ip_route("[{\"dst\":\"10.0.0.0/8\",\"dev\":\"eth0\"", "f.json");  // cut short
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("f.json:1:", 0), 0u) << r.error().message;

  r = parse_ip_route("{\"dst\":\"x\"}", "f.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "f.json: expected a JSON array, got object");

  r = parse_ip_route("[{\"dst\":\"10.0.0.0/8\"}, 3]", "f.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "f.json: [1]: expected an object, got number");

  r = parse_ip_route("[{\"dst\":\"10.0.0.0/8\",\"metric\":\"high\"}]", "f.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "f.json: [0].metric: expected an integer, got string");

  r = parse_ip_route("[{\"dev\":\"eth0\"}]", "f.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "f.json: [0].dst: missing");

  r = parse_ip_route("[{\"dst\":\"10.0.0.300/24\"}]", "f.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "f.json: [0].dst: '10.0.0.300': number above 255 at offset 7 (in '10.0.0.300/24')");

  auto a = parse_ip_addr("[{\"ifname\":\"eth0\",\"addr_info\":[{\"local\":\"10.0.0.1\",\"prefixlen\":40}]}]", "a.json");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("a.json: [0].addr_info[0].local"), std::string::npos) << a.error().message;
  EXPECT_NE(a.error().message.find("prefix length above 32"), std::string::npos);

  auto l = parse_ip_link("[{\"ifindex\":1,\"flags\":\"UP\",\"ifname\":\"lo\"}]", "l.json");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message, "l.json: [0].flags: expected an array, got string");

  auto f = parse_bridge_fdb("", "b.json");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().message, "b.json: empty, expected a JSON array");
  auto n = parse_ip_neigh("[]\n", "n.json");
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(n->empty());
}
