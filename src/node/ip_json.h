// iproute2's JSON output: `ip -j addr show`, `ip -j -d link show`, `ip -j route show table all`,
// `ip -j neigh show`, `bridge -j fdb show`. Field names and defaults are those of iproute2 6.1
// (fixtures in tests/data/node/). Fields we do not use are ignored; a field we use with the wrong
// JSON type is an error naming the element and field ("ip-route.json: [3].metric: ...").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "node/cidr.h"

namespace nd::node {

struct IpAddr {
  std::string family;  // "inet" or "inet6"
  std::string local;   // the address
  int prefixlen = 0;
  std::string scope;  // host, link, global
  std::string label, broadcast;
  std::string peer;                // "address" of point-to-point links
  std::vector<std::string> flags;  // boolean markers present in the JSON: dynamic, tentative, nodad, ...
  Prefix prefix;                   // local/prefixlen, host bits kept (see Prefix::network)
};

struct VxlanInfo {
  uint32_t id = 0;    // the VNI
  std::string local;  // source address of the tunnel ("local" or "local6")
  std::string group;  // multicast group or fixed remote ("group", "remote", or their "6" forms)
  std::string dev;    // underlay device ("link")
  int port = 0;       // UDP destination port (flannel 8472, Calico 4789)
  bool learning = true;
};

// One interface. `ip -j addr show` fills addrs; `ip -j -d link show` fills kind, slave_kind, vxlan.
struct Link {
  int ifindex = 0;
  std::string ifname;
  std::vector<std::string> flags;  // UP, LOWER_UP, BROADCAST, ...
  int mtu = 0;
  std::string operstate, link_type, address, master, qdisc;
  std::optional<int> link_index;    // peer ifindex (veth) or lower device
  std::optional<int> link_netnsid;  // the peer lives in another network namespace
  std::string link;                 // lower device name when in this namespace ("eth0" for eth0.100)
  std::string kind;                 // linkinfo.info_kind: vxlan, bridge, veth, ipip, wireguard, ...
  std::string slave_kind;           // linkinfo.info_slave_kind: bridge, bond, ...
  std::optional<VxlanInfo> vxlan;
  std::vector<IpAddr> addrs;

  bool has_flag(std::string_view f) const;
  bool up() const { return has_flag("UP"); }
};

struct Nexthop {
  std::string gateway, dev;
  int weight = 1;
  std::vector<std::string> flags;
};

struct Route {
  size_t index = 0;              // position in the JSON array: evidence "ip-route.json[3]"
  std::string type = "unicast";  // unicast, local, broadcast, blackhole, unreachable, prohibit, ...
  std::string dst;               // as printed: "default", "10.244.2.0/24", "10.244.1.0" (host)
  Prefix prefix;                 // dst as a prefix; "default" is 0.0.0.0/0 or ::/0
  std::string gateway, dev, prefsrc;
  std::string protocol = "boot";   // iproute2 omits "boot"
  std::string scope = "global";    // omitted when global ("universe")
  std::string table = "main";      // omitted for main
  std::vector<std::string> flags;  // onlink, linkdown, ...
  std::optional<int> metric;
  std::vector<Nexthop> nexthops;  // multipath routes (then gateway and dev are empty)

  Family family() const { return prefix.family(); }
  bool is_default() const { return dst == "default"; }
  bool has_flag(std::string_view f) const;
  bool onlink() const { return has_flag("onlink"); }
  // The route as `ip route` prints it, for evidence: "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink".
  std::string to_line() const;
};

struct Neighbor {
  size_t index = 0;
  std::string dst, dev, lladdr;
  std::vector<std::string> state;  // PERMANENT, REACHABLE, STALE, FAILED, INCOMPLETE, NOARP, ...
  bool router = false;
  bool has_state(std::string_view s) const;
};

struct FdbEntry {
  size_t index = 0;
  std::string mac, ifname, dst, master, state;  // state: "permanent", "static", "" (learned)
  std::vector<std::string> flags;               // self, master, extern_learn, ...
  std::optional<int> vlan, vni, port;
};

Result<std::vector<Link>> parse_ip_addr(std::string_view text, std::string_view label);
Result<std::vector<Link>> parse_ip_link(std::string_view text, std::string_view label);
Result<std::vector<Route>> parse_ip_route(std::string_view text, std::string_view label);
Result<std::vector<Neighbor>> parse_ip_neigh(std::string_view text, std::string_view label);
Result<std::vector<FdbEntry>> parse_bridge_fdb(std::string_view text, std::string_view label);

const Link* find_link(const std::vector<Link>& links, std::string_view ifname);

}  // namespace nd::node
