#include "lab/plan.h"

#include <cstdio>

#include "lab/sha256.h"

namespace nd::lab {

std::string backend_name(Backend b) {
  switch (b) {
    case Backend::HostGw: return "host-gw";
    case Backend::Vxlan: return "vxlan";
    case Backend::DirectRouting: return "directrouting";
  }
  return "?";
}

std::optional<Backend> parse_backend(std::string_view s) {
  if (s == "host-gw") return Backend::HostGw;
  if (s == "vxlan") return Backend::Vxlan;
  if (s == "directrouting") return Backend::DirectRouting;
  return std::nullopt;
}

// ---- IPv4 helpers ------------------------------------------------------------------------------

std::optional<Cidr> parse_cidr(std::string_view s) {
  Cidr c;
  unsigned a, b, d, e;
  int prefix = 32;
  char tail = 0;
  std::string str(s);
  int n = std::sscanf(str.c_str(), "%u.%u.%u.%u/%d%c", &a, &b, &d, &e, &prefix, &tail);
  if (n != 4 && n != 5) return std::nullopt;
  if (a > 255 || b > 255 || d > 255 || e > 255 || prefix < 0 || prefix > 32) return std::nullopt;
  c.addr = a << 24 | b << 16 | d << 8 | e;
  c.prefix = prefix;
  return c;
}

std::string ip_str(uint32_t x) {
  return std::to_string(x >> 24) + "." + std::to_string((x >> 16) & 255) + "." +
         std::to_string((x >> 8) & 255) + "." + std::to_string(x & 255);
}

std::string cidr_str(const Cidr& c) { return ip_str(c.addr) + "/" + std::to_string(c.prefix); }

static uint32_t mask_of(int prefix) { return prefix == 0 ? 0 : ~uint32_t(0) << (32 - prefix); }

bool cidr_contains(const Cidr& net, uint32_t addr) {
  return (addr & mask_of(net.prefix)) == (net.addr & mask_of(net.prefix));
}

bool cidr_overlaps(const Cidr& a, const Cidr& b) {
  int p = a.prefix < b.prefix ? a.prefix : b.prefix;
  return (a.addr & mask_of(p)) == (b.addr & mask_of(p));
}

std::string nth_ip(std::string_view cidr, uint32_t n) {
  auto c = parse_cidr(cidr);
  if (!c) return "";
  return ip_str((c->addr & mask_of(c->prefix)) + n);
}

// ---- names -------------------------------------------------------------------------------------

namespace {

// The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes).
constexpr const char* kSafe = "bcdfghjklmnpqrstvwxz2456789";

std::string safe_chars(std::string_view seed, size_t n) {
  auto h = sha256(seed);
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(kSafe[h[i] % 27]);
  return s;
}

std::string uid_for(std::string_view seed) {
  std::string h = sha256_hex(seed);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-a" + h.substr(17, 3) +
         "-" + h.substr(20, 12);
}

std::string mac_for(int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0e:6e:64:6c:00:%02x", index);  // locally administered, unicast
  return buf;
}

}  // namespace

std::string replicaset_name(std::string_view lab, std::string_view deployment) {
  return std::string(deployment) + "-" + safe_chars(std::string(lab) + "/" + std::string(deployment), 10);
}

std::string deployment_pod_name(std::string_view lab, std::string_view deployment, int ordinal) {
  return replicaset_name(lab, deployment) + "-" +
         safe_chars(std::string(lab) + "/" + std::string(deployment) + "/" + std::to_string(ordinal), 5);
}

std::string validate_name(std::string_view name) {
  if (name.empty() || name.size() > 12) return "lab name must be 1 to 12 characters";
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
      return "lab name may hold only a-z and 0-9 (got '" + std::string(name) + "')";
  return "";
}

std::string validate_spec(const Spec& spec) {
  if (auto e = validate_name(spec.name); !e.empty()) return e;
  if (spec.nodes < 2 || spec.nodes > kMaxNodes)
    return "--nodes must be between 2 and " + std::to_string(kMaxNodes);
  if (spec.backend == Backend::DirectRouting && spec.nodes < 3)
    return "the directrouting backend needs at least 3 nodes (two underlay subnets)";
  return "";
}

// ---- State lookups ----------------------------------------------------------------------------

const NodeState* State::node(std::string_view name) const {
  for (const auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}
NodeState* State::node(std::string_view name) {
  return const_cast<NodeState*>(static_cast<const State*>(this)->node(name));
}

const PodState* State::pod(std::string_view name) const {
  for (const auto& p : pods)
    if (p.name == name || p.ns + "/" + p.name == name) return &p;
  return nullptr;
}
PodState* State::pod(std::string_view name) {
  return const_cast<PodState*>(static_cast<const State*>(this)->pod(name));
}

const PodState* State::dns_pod() const {
  for (const auto& p : pods)
    for (const auto& c : p.containers)
      for (const auto& port : c.ports)
        if (port.serve == "dns") return &p;
  return nullptr;
}

bool State::has_fault(std::string_view id, std::string_view node) const {
  for (const auto& f : faults)
    if (f.id == id && (node.empty() || f.node == node)) return true;
  return false;
}

std::string State::dir() const { return std::string(kStateRoot) + "/" + spec.name; }

std::string State::netns(std::string_view what) const {
  return std::string(kNetnsPrefix) + spec.name + "-" + std::string(what);
}

// ---- the plan ---------------------------------------------------------------------------------

State make_plan(const Spec& spec, std::string_view now) {
  State s;
  s.spec = spec;
  s.phase = "creating";
  s.created = std::string(now);
  for (int i = 1; i <= spec.nodes; ++i) {
    NodeState n;
    n.name = "node" + std::to_string(i);
    n.index = i;
    n.segment = (spec.backend == Backend::DirectRouting && i >= 3) ? 1 : 0;
    n.ip = (n.segment == 0 ? "192.168.50." : "192.168.51.") + std::to_string(10 + i);
    n.gateway = n.segment == 0 ? kRouterIpA : kRouterIpB;
    n.pod_cidr = "10.244." + std::to_string(i) + ".0/24";
    n.cni_gateway = nth_ip(n.pod_cidr, 1);
    n.vtep_mac = mac_for(i);
    n.created = s.created;
    s.nodes.push_back(n);
  }

  auto add_pod = [&](std::string ns, std::string deployment, int ordinal, const NodeState& node,
                     Labels labels, std::vector<ContainerDef> containers, std::string dns_policy) {
    PodState p;
    p.ns = std::move(ns);
    p.deployment = deployment;
    p.owner = replicaset_name(spec.name, deployment);
    p.name = deployment_pod_name(spec.name, deployment, ordinal);
    p.node = node.name;
    labels.emplace_back("pod-template-hash", p.owner.substr(deployment.size() + 1));
    p.labels = std::move(labels);
    p.containers = std::move(containers);
    p.dns_policy = std::move(dns_policy);
    p.container_id = sha256_hex(spec.name + "/" + p.ns + "/" + p.name + "/sandbox");
    p.uid = uid_for(spec.name + "/Pod/" + p.ns + "/" + p.name);
    p.created = s.created;
    s.pods.push_back(std::move(p));
  };

  // The DNS pod first: on node1, as the lab's faults (bridge-nf-off, dns-upstream-loop) expect.
  add_pod("kube-system", "coredns", 1, s.nodes[0], {{"k8s-app", "kube-dns"}},
          {{"coredns",
            "registry.k8s.io/coredns/coredns:v1.11.1",
            {{"dns", 53, "UDP", "dns", false}, {"dns-tcp", 53, "TCP", "dns", false}}}},
          "Default");
  for (const auto& node : s.nodes) {
    add_pod("shop", "web", node.index, node, {{"app", "web"}},
            {{"web", "netdoctor-lab/web:1.0", {{"http", 8080, "TCP", "http", false}}},
             {"metrics", "netdoctor-lab/metrics:1.0", {{"metrics", 9090, "TCP", "http", true}}}},
            "ClusterFirst");
    add_pod("cache", "redis", node.index, node, {{"app", "redis"}},
            {{"redis", "redis:7.2", {{"redis", 6379, "TCP", "banner", false}}}}, "ClusterFirst");
  }

  auto add_svc = [&](std::string ns, std::string name, std::string type, std::string ip,
                     std::vector<ServicePortDef> ports, Labels selector) {
    ServiceState v;
    v.ns = std::move(ns);
    v.name = std::move(name);
    v.type = std::move(type);
    v.cluster_ip = std::move(ip);
    v.ports = std::move(ports);
    v.selector = std::move(selector);
    v.uid = uid_for(spec.name + "/Service/" + v.ns + "/" + v.name);
    v.created = s.created;
    s.services.push_back(std::move(v));
  };
  add_svc("kube-system", "kube-dns", "ClusterIP", kDnsServiceIp,
          {{"dns", "UDP", 53, 53, 0}, {"dns-tcp", "TCP", 53, 53, 0}}, {{"k8s-app", "kube-dns"}});
  add_svc("shop", "web", "ClusterIP", "10.96.0.20", {{"http", "TCP", 80, 8080, 0}}, {{"app", "web"}});
  add_svc("shop", "web-public", "NodePort", "10.96.0.21", {{"http", "TCP", 80, 8080, kWebNodePort}},
          {{"app", "web"}});
  add_svc("cache", "redis", "ClusterIP", "10.96.0.30", {{"redis", "TCP", 6379, 6379, 0}},
          {{"app", "redis"}});
  return s;
}

}  // namespace nd::lab
