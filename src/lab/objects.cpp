#include "lab/objects.h"

#include <algorithm>

#include "lab/agents.h"
#include "lab/cni.h"
#include "lab/kube_proxy.h"
#include "lab/sha256.h"

namespace nd::lab {

using json = nlohmann::json;

namespace {

constexpr const char* kSafe = "bcdfghjklmnpqrstvwxz2456789";

std::string suffix(const std::string& seed, size_t n) {
  auto h = sha256(seed);
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(kSafe[h[i] % 27]);
  return s;
}

std::string uid(const std::string& seed) {
  std::string h = sha256_hex(seed);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-a" + h.substr(17, 3) + "-" +
         h.substr(20, 12);
}

json labels_json(const Labels& l) {
  json j = json::object();
  for (const auto& [k, v] : l) j[k] = v;
  return j;
}

// `kubectl get KIND -o json` prints a v1 List whatever the kind.
json list_of(json items) {
  return {{"apiVersion", "v1"}, {"kind", "List"}, {"metadata", {{"resourceVersion", ""}}}, {"items", std::move(items)}};
}

json meta(const State& s, const std::string& kind, const std::string& ns, const std::string& name,
          json labels = json::object()) {
  json m = {{"name", name},
            {"uid", uid(s.spec.name + "/" + kind + "/" + ns + "/" + name)},
            {"creationTimestamp", s.created},
            {"resourceVersion", "1"}};
  if (!ns.empty()) m["namespace"] = ns;
  if (!labels.empty()) m["labels"] = std::move(labels);
  return m;
}

json condition(const std::string& type, bool ok, const std::string& when, const std::string& reason = "",
               const std::string& message = "") {
  json c = {{"type", type}, {"status", ok ? "True" : "False"}, {"lastProbeTime", nullptr},
            {"lastTransitionTime", when}};
  if (!reason.empty()) c["reason"] = reason;
  if (!message.empty()) c["message"] = message;
  return c;
}

json container_spec(const ContainerDef& c) {
  json ports = json::array();
  for (const auto& p : c.ports)
    ports.push_back({{"name", p.name}, {"containerPort", p.port}, {"protocol", p.protocol}});
  json j = {{"name", c.name}, {"image", c.image}, {"imagePullPolicy", "IfNotPresent"}, {"resources", json::object()},
            {"terminationMessagePath", "/dev/termination-log"}, {"terminationMessagePolicy", "File"}};
  if (!ports.empty()) j["ports"] = ports;
  return j;
}

// A pod's status from what runs: serving -> Running and Ready; not serving -> the container is in
// CrashLoopBackOff after exiting (how the kubelet shows a server that keeps dying).
json pod_status(const std::string& pod_name, const std::string& ns, const std::vector<ContainerDef>& containers,
                const std::string& pod_ip, const std::string& host_ip, bool serving, const std::string& started,
                const std::string& now) {
  json statuses = json::array();
  std::vector<std::string> unready;
  for (const auto& c : containers) {
    std::string cid = "containerd://" + sha256_hex(ns + "/" + pod_name + "/" + c.name);
    json st = {{"name", c.name}, {"image", c.image}, {"imageID", c.image + "@sha256:" + sha256_hex(c.image)},
               {"containerID", cid}, {"ready", serving}, {"started", serving}, {"restartCount", serving ? 0 : 5}};
    if (serving) {
      st["state"] = {{"running", {{"startedAt", started}}}};
      st["lastState"] = json::object();
    } else {
      unready.push_back(c.name);
      st["state"] = {{"waiting",
                      {{"reason", "CrashLoopBackOff"},
                       {"message", "back-off 2m40s restarting failed container=" + c.name + " pod=" + pod_name +
                                       "_" + ns + "(" + uid(ns + "/" + pod_name) + ")"}}}};
      st["lastState"] = {{"terminated",
                          {{"exitCode", 1}, {"reason", "Error"}, {"startedAt", started}, {"finishedAt", now},
                           {"containerID", cid}}}};
    }
    statuses.push_back(st);
  }
  std::string names;
  for (const auto& n : unready) names += (names.empty() ? "" : " ") + n;
  json conds = json::array({condition("PodReadyToStartContainers", true, started),
                            condition("Initialized", true, started),
                            condition("Ready", serving, serving ? started : now, serving ? "" : "ContainersNotReady",
                                      serving ? "" : "containers with unready status: [" + names + "]"),
                            condition("ContainersReady", serving, serving ? started : now,
                                      serving ? "" : "ContainersNotReady",
                                      serving ? "" : "containers with unready status: [" + names + "]"),
                            condition("PodScheduled", true, started)});
  json st = {{"phase", "Running"}, {"conditions", conds}, {"hostIP", host_ip}, {"hostIPs", {{{"ip", host_ip}}}},
             {"startTime", started}, {"qosClass", "BestEffort"}, {"containerStatuses", statuses}};
  if (!pod_ip.empty()) {
    st["podIP"] = pod_ip;
    st["podIPs"] = {{{"ip", pod_ip}}};
  } else {
    st["phase"] = "Pending";
    for (auto& c : st["containerStatuses"]) {
      c["state"] = {{"waiting", {{"reason", "ContainerCreating"}}}};
      c["ready"] = false;
    }
  }
  return st;
}

json owner(const State& s, const std::string& kind, const std::string& ns, const std::string& name) {
  return {{"apiVersion", "apps/v1"}, {"kind", kind}, {"name", name},
          {"uid", uid(s.spec.name + "/" + kind + "/" + ns + "/" + name)}, {"controller", true},
          {"blockOwnerDeletion", true}};
}

json lab_pod(const State& s, const PodState& p, const Observed& o) {
  const NodeState* n = s.node(p.node);
  std::string host_ip = n ? n->ip : "";
  json m = meta(s, "Pod", p.ns, p.name, labels_json(p.labels));
  m["uid"] = p.uid;
  m["generateName"] = p.owner + "-";
  m["ownerReferences"] = {owner(s, "ReplicaSet", p.ns, p.owner)};
  json containers = json::array();
  for (const auto& c : p.containers) containers.push_back(container_spec(c));
  json spec = {{"nodeName", p.node}, {"containers", containers}, {"dnsPolicy", p.dns_policy},
               {"restartPolicy", "Always"}, {"schedulerName", "default-scheduler"},
               {"serviceAccountName", p.deployment == "coredns" ? "coredns" : "default"},
               {"terminationGracePeriodSeconds", 30}, {"enableServiceLinks", true}, {"priority", 0}};
  if (p.deployment == "coredns") {
    spec["priorityClassName"] = "system-cluster-critical";
    spec["priority"] = 2000000000;
  }
  auto it = o.serving.find(p.name);
  bool serving = it != o.serving.end() && it->second;
  return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", m}, {"spec", spec},
          {"status", pod_status(p.name, p.ns, p.containers, p.ip, host_ip, serving, p.created, o.now)}};
}

json host_pod(const State& s, const NodeState& n, const std::string& ns, const std::string& name,
              const std::string& ds, Labels labels, const ContainerDef& c, const Observed& o, bool serving = true) {
  json m = meta(s, "Pod", ns, name, labels_json(labels));
  m["generateName"] = ds + "-";
  m["ownerReferences"] = {owner(s, "DaemonSet", ns, ds)};
  bool agent = ds == "netdoctor-agent";
  json spec = {{"nodeName", n.name}, {"hostNetwork", true}, {"containers", {container_spec(c)}},
               {"dnsPolicy", agent ? "ClusterFirstWithHostNet" : "ClusterFirst"}, {"restartPolicy", "Always"},
               {"schedulerName", "default-scheduler"},
               {"serviceAccountName", ds == "kube-proxy" ? "kube-proxy" : agent ? "netdoctor" : "flannel"}};
  if (!agent) {
    spec["priorityClassName"] = "system-node-critical";
    spec["priority"] = 2000001000;
  }
  return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", m}, {"spec", spec},
          {"status", pod_status(name, ns, {c}, n.ip, n.ip, serving, n.created, o.now)}};
}

const ContainerDef kFlannelContainer{"kube-flannel", "docker.io/flannel/flannel:v0.24.2", {}};
const ContainerDef kProxyContainer{"kube-proxy", "registry.k8s.io/kube-proxy:v1.29.3", {}};
// The netdoctor agent (deploy/manifests/40-daemonset.yaml), present when the lab runs agents.
const ContainerDef kAgentContainer{"agent", "kube-netdoctor/netdoctor:0.1.0", {{"http", kAgentPort, "TCP", "", false}}};
const Labels kAgentLabels{{"app.kubernetes.io/name", "netdoctor-agent"}, {"app.kubernetes.io/part-of", "netdoctor"}};

std::string net_conf(const State& s) {
  json backend;
  switch (s.spec.backend) {
    case Backend::HostGw: backend = {{"Type", "host-gw"}}; break;
    case Backend::Vxlan: backend = {{"Type", "vxlan"}}; break;
    case Backend::DirectRouting: backend = {{"Type", "vxlan"}, {"DirectRouting", true}}; break;
  }
  return json({{"Network", kClusterCidr}, {"Backend", backend}}).dump(2) + "\n";
}

std::string corefile() {
  return ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n"
         "    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n"
         "       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n"
         "    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n"
         "    reload\n    loadbalance\n}\n";
}

json workload(const State& s, const std::string& kind, const std::string& ns, const std::string& name,
              Labels selector, const std::vector<ContainerDef>& cs, bool host_network, int desired, int ready,
              const std::string& dns_policy) {
  json tmpl_labels = labels_json(selector);
  json containers = json::array();
  for (const auto& c : cs) containers.push_back(container_spec(c));
  json spec_tmpl = {{"containers", containers}, {"dnsPolicy", dns_policy}, {"restartPolicy", "Always"}};
  if (host_network) spec_tmpl["hostNetwork"] = true;
  json spec = {{"selector", {{"matchLabels", labels_json(selector)}}},
               {"template", {{"metadata", {{"labels", tmpl_labels}}}, {"spec", spec_tmpl}}}};
  json status;
  if (kind == "DaemonSet") {
    status = {{"currentNumberScheduled", desired}, {"desiredNumberScheduled", desired}, {"numberAvailable", ready},
              {"numberMisscheduled", 0}, {"numberReady", ready}, {"observedGeneration", 1},
              {"updatedNumberScheduled", desired}};
    if (ready < desired) status["numberUnavailable"] = desired - ready;
  } else {
    spec["replicas"] = desired;
    status = {{"observedGeneration", 1}, {"replicas", desired}, {"updatedReplicas", desired},
              {"readyReplicas", ready}, {"availableReplicas", ready}};
    if (kind == "Deployment") {
      status["conditions"] = {condition("Available", ready >= desired, s.created,
                                        ready >= desired ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable"),
                              condition("Progressing", true, s.created, "NewReplicaSetAvailable")};
      for (auto& cnd : status["conditions"]) cnd.erase("lastProbeTime");
    }
    if (ready < desired) status["unavailableReplicas"] = desired - ready;
  }
  json m = meta(s, kind, ns, name, labels_json(selector));
  m["generation"] = 1;
  return {{"apiVersion", "apps/v1"}, {"kind", kind}, {"metadata", m}, {"spec", spec}, {"status", status}};
}

}  // namespace

std::string flannel_pod_name(const State& s, const NodeState& n) {
  return "kube-flannel-ds-" + suffix(s.spec.name + "/flannel/" + n.name, 5);
}
std::string kube_proxy_pod_name(const State& s, const NodeState& n) {
  return "kube-proxy-" + suffix(s.spec.name + "/kube-proxy/" + n.name, 5);
}

std::vector<std::pair<std::string, json>> cluster_objects(const State& s, const Observed& o) {
  std::vector<std::pair<std::string, json>> out;
  int n_nodes = static_cast<int>(s.nodes.size());

  json nodes = json::array();
  for (const auto& n : s.nodes) {
    json m = meta(s, "Node", "", n.name,
                  {{"kubernetes.io/hostname", n.name}, {"kubernetes.io/os", "linux"}, {"kubernetes.io/arch", "amd64"},
                   {"beta.kubernetes.io/os", "linux"}, {"beta.kubernetes.io/arch", "amd64"}});
    if (n.index == 1) m["labels"]["node-role.kubernetes.io/control-plane"] = "";
    bool vx = s.spec.backend != Backend::HostGw;
    m["annotations"] = {
        {"flannel.alpha.coreos.com/backend-type", vx ? "vxlan" : "host-gw"},
        {"flannel.alpha.coreos.com/backend-data",
         vx ? json({{"VNI", kVxlanVni}, {"VtepMAC", n.vtep_mac}}).dump() : "null"},
        {"flannel.alpha.coreos.com/kube-subnet-manager", "true"},
        {"flannel.alpha.coreos.com/public-ip", n.ip},
        {"kubeadm.alpha.kubernetes.io/cri-socket", "unix:///var/run/containerd/containerd.sock"},
        {"node.alpha.kubernetes.io/ttl", "0"}};
    json conds = json::array(
        {condition("NetworkUnavailable", false, n.created, "FlannelIsUp", "Flannel is running on this node"),
         condition("MemoryPressure", false, n.created, "KubeletHasSufficientMemory"),
         condition("DiskPressure", false, n.created, "KubeletHasNoDiskPressure"),
         condition("PIDPressure", false, n.created, "KubeletHasSufficientPID"),
         condition("Ready", true, n.created, "KubeletReady", "kubelet is posting ready status")});
    for (auto& c : conds) {
      c.erase("lastProbeTime");
      c["lastHeartbeatTime"] = o.now;
    }
    nodes.push_back(
        {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", m},
         {"spec", {{"podCIDR", n.pod_cidr}, {"podCIDRs", {n.pod_cidr}}}},
         {"status",
          {{"addresses", {{{"type", "InternalIP"}, {"address", n.ip}}, {{"type", "Hostname"}, {"address", n.name}}}},
           {"conditions", conds},
           {"nodeInfo",
            {{"architecture", "amd64"}, {"operatingSystem", "linux"}, {"kernelVersion", o.kernel},
             {"osImage", "netdoctor lab (network namespaces)"}, {"containerRuntimeVersion", "containerd://1.7.13"},
             {"kubeletVersion", "v1.29.3"}, {"kubeProxyVersion", "v1.29.3"},
             {"machineID", sha256_hex(s.spec.name + n.name).substr(0, 32)}}}}}});
  }
  out.emplace_back("nodes.json", list_of(nodes));

  json namespaces = json::array();
  std::vector<std::string> ns_names{"default", "kube-system", "kube-public", "kube-node-lease", "kube-flannel", "shop", "cache"};
  if (!s.agents.empty()) ns_names.push_back(kAgentNamespace);
  for (const auto& ns : ns_names)
    namespaces.push_back({{"apiVersion", "v1"}, {"kind", "Namespace"},
                          {"metadata", meta(s, "Namespace", "", ns, {{"kubernetes.io/metadata.name", ns}})},
                          {"spec", {{"finalizers", {"kubernetes"}}}}, {"status", {{"phase", "Active"}}}});
  out.emplace_back("namespaces.json", list_of(namespaces));

  json pods = json::array();
  for (const auto& p : s.pods) pods.push_back(lab_pod(s, p, o));
  for (const auto& n : s.nodes) {
    pods.push_back(host_pod(s, n, "kube-flannel", flannel_pod_name(s, n), "kube-flannel-ds",
                            {{"app", "flannel"}, {"tier", "node"}}, kFlannelContainer, o));
    pods.push_back(host_pod(s, n, "kube-system", kube_proxy_pod_name(s, n), "kube-proxy",
                            {{"k8s-app", "kube-proxy"}}, {kProxyContainer}, o));
  }
  // The agents' pods: host network, so their pod IP is the node's (what the API server's pod proxy dials).
  for (const auto& a : s.agents)
    if (const NodeState* n = s.node(a.node)) {
      std::string name = agent_pod_name(s, *n);
      auto it = o.serving.find(name);  // absent from o: the state says it runs
      pods.push_back(host_pod(s, *n, kAgentNamespace, name, "netdoctor-agent", kAgentLabels, kAgentContainer, o,
                              it == o.serving.end() || it->second));
    }
  out.emplace_back("pods.json", list_of(pods));

  json services = json::array(), slices = json::array();
  for (const auto& v : s.services) {
    json ports = json::array();
    for (const auto& p : v.ports) {
      json port = {{"name", p.name}, {"port", p.port}, {"protocol", p.protocol}, {"targetPort", p.target_port}};
      if (p.node_port) port["nodePort"] = p.node_port;
      ports.push_back(port);
    }
    json labels = json::object();
    if (v.name == "kube-dns")
      labels = {{"k8s-app", "kube-dns"}, {"kubernetes.io/cluster-service", "true"}, {"kubernetes.io/name", "CoreDNS"}};
    json m = meta(s, "Service", v.ns, v.name, labels);
    m["uid"] = v.uid;
    json spec = {{"type", v.type}, {"clusterIP", v.cluster_ip}, {"clusterIPs", {v.cluster_ip}},
                 {"ipFamilies", {"IPv4"}}, {"ipFamilyPolicy", "SingleStack"}, {"ports", ports},
                 {"selector", labels_json(v.selector)}, {"sessionAffinity", "None"},
                 {"internalTrafficPolicy", "Cluster"}};
    if (v.type == "NodePort") spec["externalTrafficPolicy"] = "Cluster";
    services.push_back({{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", m}, {"spec", spec},
                        {"status", {{"loadBalancer", json::object()}}}});

    json eps = json::array(), sports = json::array();
    for (const auto& p : v.ports) sports.push_back({{"name", p.name}, {"port", p.target_port}, {"protocol", p.protocol}});
    if (!v.ports.empty())
      for (const auto& e : endpoints_of(s, v, v.ports.front())) {
        if (e.ip.empty()) continue;
        const PodState* pod = s.pod(e.pod);
        auto it = o.serving.find(e.pod);
        bool ready = e.ready && it != o.serving.end() && it->second;
        eps.push_back({{"addresses", {e.ip}},
                       {"conditions", {{"ready", ready}, {"serving", ready}, {"terminating", false}}},
                       {"nodeName", e.node},
                       {"targetRef", {{"kind", "Pod"}, {"name", e.pod}, {"namespace", v.ns}, {"uid", pod ? pod->uid : ""}}}});
      }
    std::string slice_name = v.name + "-" + suffix(s.spec.name + "/slice/" + v.ns + "/" + v.name, 5);
    json sm = meta(s, "EndpointSlice", v.ns, slice_name,
                   {{"kubernetes.io/service-name", v.name},
                    {"endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io"}});
    sm["generateName"] = v.name + "-";
    sm["ownerReferences"] = {{{"apiVersion", "v1"}, {"kind", "Service"}, {"name", v.name}, {"uid", v.uid},
                              {"controller", true}, {"blockOwnerDeletion", true}}};
    slices.push_back({{"apiVersion", "discovery.k8s.io/v1"}, {"kind", "EndpointSlice"}, {"metadata", sm},
                      {"addressType", "IPv4"}, {"endpoints", eps}, {"ports", sports}});
  }
  out.emplace_back("services.json", list_of(services));
  out.emplace_back("endpointslices.json", list_of(slices));

  json cms = json::array();
  cms.push_back({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", meta(s, "ConfigMap", "kube-system", "coredns")},
                 {"data", {{"Corefile", corefile()}}}});
  std::string cni_conf = s.nodes.empty() ? "" : conflist_json(s, s.nodes.front());
  cms.push_back({{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                 {"metadata", meta(s, "ConfigMap", "kube-flannel", "kube-flannel-cfg",
                                   {{"app", "flannel"}, {"k8s-app", "flannel"}, {"tier", "node"}})},
                 {"data", {{"cni-conf.json", cni_conf}, {"net-conf.json", net_conf(s)}}}});
  std::string proxy_conf = std::string("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n") +
                           "bindAddress: 0.0.0.0\nclusterCIDR: " + kClusterCidr + "\nmode: iptables\n" +
                           "iptables:\n  masqueradeAll: false\n  masqueradeBit: 14\n  syncPeriod: 30s\n";
  cms.push_back({{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                 {"metadata", meta(s, "ConfigMap", "kube-system", "kube-proxy", {{"app", "kube-proxy"}})},
                 {"data", {{"config.conf", proxy_conf}}}});
  out.emplace_back("configmaps.json", list_of(cms));

  json ds = json::array();
  ds.push_back(workload(s, "DaemonSet", "kube-flannel", "kube-flannel-ds", {{"app", "flannel"}}, {kFlannelContainer},
                        true, n_nodes, n_nodes, "ClusterFirst"));
  ds.push_back(workload(s, "DaemonSet", "kube-system", "kube-proxy", {{"k8s-app", "kube-proxy"}}, {kProxyContainer},
                        true, n_nodes, n_nodes, "ClusterFirst"));
  if (!s.agents.empty()) {
    int n_agents = static_cast<int>(s.agents.size()), ready = 0;
    for (const auto& a : s.agents)
      if (const NodeState* n = s.node(a.node)) {
        auto it = o.serving.find(agent_pod_name(s, *n));
        if (it == o.serving.end() || it->second) ++ready;
      }
    ds.push_back(workload(s, "DaemonSet", kAgentNamespace, "netdoctor-agent", {kAgentLabels.front()}, {kAgentContainer},
                          true, n_agents, ready, "ClusterFirstWithHostNet"));
  }
  out.emplace_back("daemonsets.json", list_of(ds));

  json deps = json::array(), rss = json::array();
  std::vector<std::string> seen;
  for (const auto& p : s.pods) {
    if (std::find(seen.begin(), seen.end(), p.deployment) != seen.end()) continue;
    seen.push_back(p.deployment);
    int desired = 0, ready = 0;
    for (const auto& q : s.pods)
      if (q.deployment == p.deployment) {
        ++desired;
        auto it = o.serving.find(q.name);
        if (it != o.serving.end() && it->second) ++ready;
      }
    Labels sel;
    for (const auto& kv : p.labels)
      if (kv.first != "pod-template-hash") sel.push_back(kv);
    deps.push_back(workload(s, "Deployment", p.ns, p.deployment, sel, p.containers, false, desired, ready,
                            p.dns_policy));
    json rs = workload(s, "ReplicaSet", p.ns, p.owner, p.labels, p.containers, false, desired, ready,
                       p.dns_policy);
    rs["metadata"]["ownerReferences"] = {owner(s, "Deployment", p.ns, p.deployment)};
    rss.push_back(rs);
  }
  out.emplace_back("deployments.json", list_of(deps));
  out.emplace_back("replicasets.json", list_of(rss));
  return out;
}

}  // namespace nd::lab
