// cni-policy-not-enforced (P2.2): NetworkPolicy objects exist but the CNI is flannel alone, which
// assigns addresses and routes but enforces no policy: every policy is silently ignored.
#include "checks/cni_policy_not_enforced.h"

#include <map>

#include <fmt/format.h>

#include "checks/util.h"

namespace nd::checks {

void run_cni_policy_not_enforced(Context& ctx) {
  if (ctx.cni.kind != CniKind::Flannel || ctx.cluster.network_policies.empty()) return;
  std::map<std::string, std::vector<const NetworkPolicy*>> by_ns;
  for (const auto& np : ctx.cluster.network_policies) by_ns[np.meta.ns].push_back(&np);
  for (const auto& [ns, list] : by_ns) {
    std::vector<std::string> names;
    for (const auto* np : list) names.push_back(np->meta.name);
    Finding& f = ctx.report("cni-policy-not-enforced", Subject{"NetworkPolicy", ns, join(names, ",")});
    f.summary = fmt::format(
        "{} NetworkPolicy object{} in namespace {} {} no effect: the cluster's CNI is flannel, which assigns pod "
        "addresses but does not enforce policy (P2.2). Traffic the policies mean to block is allowed.",
        list.size(), list.size() == 1 ? "" : "s", ns, list.size() == 1 ? "has" : "have");
    for (const auto* np : list)
      f.evidence.push_back({np->meta.src.str(), fmt::format("NetworkPolicy {}/{} (policyTypes {})", ns, np->meta.name,
                                                            join(np->policy_types, ","))});
    for (const auto& e : ctx.cni.evidence) {
      f.evidence.push_back(e);
      break;
    }
    f.fix = {"Decide whether the policies must hold. If they must, add a policy engine that works with flannel: "
             "Canal (Calico policy on a flannel network) or move to Calico or Cilium.",
             "If they are not needed, delete them so they do not give a false sense of isolation: kubectl delete "
             "networkpolicy -n " + ns + " " + join(names, " "),
             "Verify enforcement after the change: from a pod the policy should block, try a TCP connect and expect "
             "a timeout (netdoctor probe tcp HOST:PORT)."};
  }
}

}  // namespace nd::checks
