// node-missing-pod-route (P9, P2.3): a node has no route, or a wrong one, to another node's pod range
// for the CNI's mode: flannel host-gw / vxlan / DirectRouting, Calico BGP / IPIP / VXLAN. The
// expectation and the judgement are in node_routes.cpp; this check words them.
#include "checks/node_missing_pod_route.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include <map>

#include "checks/node_routes.h"
#include "checks/util.h"

namespace nd::checks {
namespace {

constexpr size_t kMaxPairsPerNode = 5;  // beyond this, one finding per node lists the peers

std::string actual_line(const PeerRoute& pr) {
  if (pr.exact) return pr.exact->to_line();
  if (pr.covering) return pr.covering->to_line();
  return "none";
}

std::vector<Evidence> evidence_of(const PeerRoute& pr) {
  const NodeFacts& self = *pr.self;
  std::vector<Evidence> ev;
  if (pr.exact) ev.push_back({self.route_src(*pr.exact), pr.exact->to_line()});
  for (const node::Route* s : pr.shadows)
    if (ev.size() < 4) ev.push_back({self.route_src(*s), s->to_line() + " (more specific, inside the range)"});
  if (!pr.exact) {
    std::string where = pr.covering ? pr.covering->to_line() : "no route at all";
    ev.push_back({pr.covering ? self.route_src(*pr.covering) : self.src("ip-route.json"),
                  fmt::format("no route for {} in the main table; its addresses take: {}", pr.range->prefix.to_string(),
                              where)});
  }
  ev.push_back(pr.range->evidence);
  if (!pr.dev.empty() && !self.links.empty() && !self.iface(pr.dev))
    ev.push_back({self.src(self.links_file), fmt::format("{} has no device {}", self.name, pr.dev)});
  return ev;
}

void report_pair(Context& ctx, const PeerRoute& pr) {
  const std::string& self = pr.self->name;
  Finding& f = ctx.report("node-missing-pod-route", Subject{"Node", "", self});
  f.node = self;
  const std::string range =
      fmt::format("{}'s pod range {} ({})", pr.peer, pr.range->prefix.to_string(), pr.range->origin);
  std::string what, who = "pods on " + pr.peer;
  if (pr.problem == "no route") {
    what = "has no route to " + range;
  } else if (pr.problem == "impossible") {
    what = "cannot route " + range + " the way the CNI needs";
  } else {
    what = "has a wrong route to " + range + ": " + pr.problem;
    if (pr.exact == nullptr || !pr.shadows.empty())
      who = fmt::format("{}'s pods in {}", pr.peer,
                        pr.shadows.empty() ? pr.range->prefix.to_string() : pr.shadows.front()->prefix.to_string());
  }
  f.summary = fmt::format(
      "Node {} {}. Expected for {}: `{}` ({}). Found: `{}`.{} Pods on {} cannot reach {} (\"No route to host\" or "
      "timeouts), and Services with endpoints there fail from {} (P9).",
      self, what, pr.mode, pr.expected, pr.why, actual_line(pr), pr.impossible.empty() ? "" : " " + pr.impossible + ".",
      self, who, self);
  f.evidence = evidence_of(pr);
  if (pr.impossible.empty()) {
    f.fix.push_back(
        fmt::format("Check the CNI agent on {} and on {} (the agent programs these routes): kubectl get "
                    "pods -A -o wide --field-selector spec.nodeName={} and their logs; restarting the "
                    "agent pod on {} makes it program every route again.",
                    self, pr.peer, self, self));
    if (pr.exact || !pr.shadows.empty())
      f.fix.push_back(
          fmt::format("Remove the wrong route if the agent does not replace it: ip route del {} on {}, and "
                      "find what adds it (network config files, scripts, a leftover of an earlier CNI).",
                      pr.exact ? pr.exact->dst : pr.shadows.front()->dst, self));
    f.fix.push_back(
        fmt::format("Test it by hand (the agent may replace it): ip route replace {} on {}.", pr.expected, self));
  } else {
    f.fix.push_back(
        "host-gw needs all nodes on one L2 segment: switch net-conf.json to \"Backend\": {\"Type\": "
        "\"vxlan\"} (or vxlan with \"DirectRouting\": true to keep direct routes inside a subnet) and "
        "restart the kube-flannel pods on every node.");
  }
  f.fix.push_back(fmt::format("Verify: on {}, ip route get <an address in {}> shows the expected device and next hop.",
                              self, pr.range->prefix.to_string()));
}

}  // namespace

void run_node_missing_pod_route(Context& ctx) {
  const auto& all = peer_routes(ctx);
  std::map<std::string, std::vector<const PeerRoute*>> bad;
  std::vector<std::string> order;
  for (const auto& pr : all) {
    if (pr.problem.empty()) continue;
    if (!bad.count(pr.self->name)) order.push_back(pr.self->name);
    bad[pr.self->name].push_back(&pr);
  }
  for (const auto& self : order) {
    const auto& list = bad[self];
    if (list.size() <= kMaxPairsPerNode) {
      for (const PeerRoute* pr : list) report_pair(ctx, *pr);
      continue;
    }
    // Many peers at once: the agent never programmed this node (or lost everything). One finding.
    Finding& f = ctx.report("node-missing-pod-route", Subject{"Node", "", self});
    f.node = self;
    std::vector<std::string> peers;
    for (const PeerRoute* pr : list) {
      peers.push_back(fmt::format("{} {} ({})", pr->peer, pr->range->prefix.to_string(),
                                  pr->problem == "no route" ? "missing" : pr->problem));
      if (f.evidence.size() < 10) {
        auto ev = evidence_of(*pr);
        f.evidence.push_back(ev.front());
      }
    }
    f.summary = fmt::format(
        "Node {} has no working route to the pod ranges of {} other nodes ({}): {}. Expected routes look like `{}` "
        "({}). Pods on {} cannot reach pods elsewhere (P9).",
        self, list.size(), list.front()->mode, join(peers, "; "), list.front()->expected, list.front()->why, self);
    f.fix = {fmt::format("The CNI agent on {} has not programmed its routes: kubectl get pods -A -o wide "
                         "--field-selector spec.nodeName={} and read the agent's logs; restart it.",
                         self, self),
             fmt::format("Verify: ip route show on {} lists one route per other node's pod range.", self)};
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
