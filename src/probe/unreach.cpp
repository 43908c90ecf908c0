#include "probe/unreach.h"

#include <fmt/format.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "probe/target.h"

namespace nd::probe {
namespace {

struct CodeRow {
  bool v6;
  int type, code;
  std::string_view name;     // as iptables' --reject-with spells it, without "icmp-"
  std::string_view meaning;  // what it tells the user
};

// ICMPv4 type 3 (destination unreachable) and ICMPv6 type 1; RFC 792, 1812, 4443.
constexpr CodeRow kCodes[] = {
    {false, 3, 0, "net-unreachable",
     "a router on the path has no route to the destination network (the application sees \"Network is "
     "unreachable\"); look at the routes toward that range on the router named here (P9)"},
    {false, 3, 1, "host-unreachable",
     "the last router could not deliver to the host: no ARP/neighbour answer, or a reject rule; the "
     "application sees \"No route to host\" (P9: pod ranges that overlap the node network end this way)"},
    {false, 3, 2, "proto-unreachable", "the destination does not speak this protocol, or a rule rejects it so"},
    {false, 3, 3, "port-unreachable",
     "the packet was rejected with port-unreachable: a reject rule (kube-proxy answers this way for a "
     "Service without endpoints, P1.3) or, for UDP, nothing listens on the port"},
    {false, 3, 4, "frag-needed", "the packet is larger than a link's MTU on the path and may not be fragmented"},
    {false, 3, 6, "net-unknown", "the destination network is unknown to a router"},
    {false, 3, 7, "host-unknown", "the destination host is unknown to a router"},
    {false, 3, 9, "net-prohibited",
     "a firewall rejects traffic to that network (iptables REJECT --reject-with icmp-net-prohibited); "
     "for a database outside the cluster, check its allow-list of source addresses (P3.5)"},
    {false, 3, 10, "host-prohibited",
     "a firewall on or before the host rejects it (firewalld and iptables' default REJECT rule answer "
     "host-prohibited); for a database, check its allow-list of source addresses (P3.5)"},
    {false, 3, 13, "admin-prohibited",
     "a filter rejects it as administratively prohibited (a firewall, a cloud security group, a network "
     "policy); for a database, check its allow-list of source addresses (P3.5)"},
    {true, 1, 0, "no-route", "a router has no route to the destination (the application sees \"No route to host\", P9)"},
    {true, 1, 1, "adm-prohibited", "a filter rejects it as administratively prohibited (a firewall or network policy)"},
    {true, 1, 3, "addr-unreachable", "the last router could not reach the host (no neighbour answer): \"No route to host\""},
    {true, 1, 4, "port-unreachable", "rejected with port-unreachable: a reject rule, or nothing listens (UDP)"},
    {true, 1, 5, "policy-fail", "a source address policy rejects it (ingress/egress filtering)"},
    {true, 1, 6, "reject-route", "a reject route on a router"},
};

const CodeRow* find_code(const IcmpError& e) {
  for (const auto& row : kCodes)
    if (row.v6 == e.v6 && row.type == e.type && row.code == e.code) return &row;
  return nullptr;
}

}  // namespace

IcmpError read_icmp_error(int fd) {
  IcmpError out;
  char control[512];
  char data[64];
  sockaddr_storage from{};
  iovec iov{data, sizeof data};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  // Drain the queue; the last ICMP entry is the one that ended the attempt.
  for (int i = 0; i < 16; ++i) {
    msg.msg_controllen = sizeof control;
    if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
      bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
      if (!v4 && !v6) continue;
      sock_extended_err ee;
      std::memcpy(&ee, CMSG_DATA(c), sizeof ee);
      if (ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6) {
        out.present = true;
        out.v6 = ee.ee_origin == SO_EE_ORIGIN_ICMP6;
        out.type = ee.ee_type;
        out.code = ee.ee_code;
        out.err = static_cast<int>(ee.ee_errno);
        const sockaddr* off = SO_EE_OFFENDER(reinterpret_cast<sock_extended_err*>(CMSG_DATA(c)));
        out.offender = address_text(off);
      } else if (ee.ee_origin == SO_EE_ORIGIN_LOCAL) {
        out.present = true;
        out.from_self = true;
        out.err = static_cast<int>(ee.ee_errno);
      }
    }
  }
  return out;
}

std::string icmp_name(const IcmpError& e) {
  if (const CodeRow* row = find_code(e)) return std::string(row->name);
  return fmt::format("{} type {} code {}", e.v6 ? "ICMPv6" : "ICMP", e.type, e.code);
}

std::string icmp_meaning(const IcmpError& e) {
  if (const CodeRow* row = find_code(e)) return std::string(row->meaning);
  return "an ICMP error came back for the packet";
}

Classified classify_connect(int err, bool immediate, const IcmpError& icmp) {
  if (err == 0) return {"connected", "the three-way handshake completed"};
  // An ICMP message from another host explains the failure better than the errno it became.
  if (icmp.present && !icmp.from_self && !icmp.offender.empty()) {
    return {"unreachable", fmt::format("ICMP {} from {} ({})", icmp_name(icmp), icmp.offender, std::strerror(err))};
  }
  switch (err) {
    case ECONNREFUSED:
      return {"refused", "the target answered the SYN with a reset (RST): reachable, but nothing accepts "
                         "connections on that port, or a rule resets them"};
    case ETIMEDOUT:
      return {"timeout", "no answer to the SYN"};
    case ENETUNREACH:
    case EHOSTUNREACH:
      if (immediate)
        return {"no-route", fmt::format("this host has no usable route to the target ({})", std::strerror(err))};
      return {"no-route", fmt::format("no neighbour answered for the target or its gateway ({})", std::strerror(err))};
    case EACCES:
    case EPERM:
      return {"unreachable", fmt::format("refused on this host before sending: a prohibit route or a local "
                                         "firewall rule ({})", std::strerror(err))};
    case EINVAL:
      return {"no-route", "the route to the target is a blackhole (EINVAL)"};
    default:
      return {"unreachable", fmt::format("connect failed: {}", std::strerror(err))};
  }
}

}  // namespace nd::probe
