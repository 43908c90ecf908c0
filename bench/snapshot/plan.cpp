// Building the plan: the system workloads (CNI agent, kube-proxy, CoreDNS) with their real pod templates,
// application Deployments with varied templates, pods placed on nodes, Services over the Deployments,
// and the planted faults (crash loops, OOM kills, Pending pods, a NotReady node, selector and port
// mistakes) so the checks have work.
#include <cstdio>

#include "plan.h"

namespace ndbench::detail {

// Kubernetes names generated objects with this alphabet (no vowels, no confusable digits).
namespace {
constexpr std::string_view kSafe = "bcdfghjklmnpqrstvwxz2456789";
constexpr std::string_view kHex = "0123456789abcdef";
}  // namespace

std::string safe_id(Rng& r, size_t n) {
  std::string s(n, ' ');
  for (auto& c : s) c = kSafe[r.below(static_cast<uint32_t>(kSafe.size()))];
  return s;
}

std::string hex(Rng& r, size_t n) {
  std::string s(n, ' ');
  for (auto& c : s) c = kHex[r.below(16)];
  return s;
}

std::string uid(Rng& r) {
  std::string s = hex(r, 32);
  s[12] = '4';
  return s.substr(0, 8) + "-" + s.substr(8, 4) + "-" + s.substr(12, 4) + "-" + s.substr(16, 4) + "-" + s.substr(20);
}

// RFC 3339 in UTC, as the API server prints it (days-from-civil by Howard Hinnant).
std::string ts(int64_t t) {
  int64_t days = t / kDay, secs = t % kDay;
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char b[24];
  std::snprintf(b, sizeof b, "%04d-%02d-%02dT%02d:%02d:%02dZ", static_cast<int>(y), static_cast<int>(m),
                static_cast<int>(d), static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  return b;
}

std::string ip4(uint32_t a) {
  char b[16];
  std::snprintf(b, sizeof b, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
  return b;
}

namespace {

// ---- Templates of the system workloads ------------------------------------------------------------

EnvDef lit(std::string n, std::string v) { return {EnvDef::Literal, std::move(n), std::move(v), {}, {}}; }
EnvDef field(std::string n, std::string path) { return {EnvDef::FieldRef, std::move(n), std::move(path), {}, {}}; }
EnvDef cm_key(std::string n, std::string cm, std::string key) {
  return {EnvDef::ConfigMapKey, std::move(n), {}, std::move(cm), std::move(key)};
}

ContainerDef cdef(std::string name, std::string image) {
  ContainerDef c;
  c.name = std::move(name);
  c.image = std::move(image);
  return c;
}

ProbeDef http_probe(std::string path, int port, int delay, int period, int timeout, int failure) {
  ProbeDef p;
  p.kind = ProbeDef::Http;
  p.path = std::move(path);
  p.port = port;
  p.delay = delay;
  p.period = period;
  p.timeout = timeout;
  p.failure = failure;
  return p;
}

ProbeDef exec_probe(std::vector<std::string> cmd, int delay, int period, int timeout, int failure) {
  ProbeDef p;
  p.kind = ProbeDef::Exec;
  p.exec = std::move(cmd);
  p.delay = delay;
  p.period = period;
  p.timeout = timeout;
  p.failure = failure;
  return p;
}

VolumeDef host_path(std::string name, std::string path, std::string type = "") {
  return {VolumeDef::HostPath, std::move(name), std::move(path), std::move(type)};
}

void calico_node_template(WorkloadRec& w) {
  w.labels = {{"k8s-app", "calico-node"}};
  w.selector = w.labels;
  w.sa = "calico-node";
  w.priority_class = "system-node-critical";
  w.priority = 2000001000;
  w.host_network = true;
  w.grace = 0;
  w.qos = "Burstable";
  w.node_selector = {{"kubernetes.io/os", "linux"}};
  w.tolerations = {{"", "Exists", "NoSchedule"}, {"CriticalAddonsOnly", "Exists", ""}, {"", "Exists", "NoExecute"}};
  const std::string cni_image = "docker.io/calico/cni:v3.27.2", node_image = "docker.io/calico/node:v3.27.2";
  ContainerDef ipam = cdef("upgrade-ipam", cni_image);
  ipam.command = {"/opt/cni/bin/calico-ipam", "-upgrade"};
  ipam.env = {field("KUBERNETES_NODE_NAME", "spec.nodeName"),
              cm_key("CALICO_NETWORKING_BACKEND", "calico-config", "calico_backend")};
  ipam.env_from_cm = {"kubernetes-services-endpoint"};
  ipam.privileged = true;
  ipam.mounts = {{"host-local-net-dir", "/var/lib/cni/networks"}, {"cni-bin-dir", "/host/opt/cni/bin"}};
  ContainerDef install = cdef("install-cni", cni_image);
  install.command = {"/opt/cni/bin/install"};
  install.env = {cm_key("CNI_CONF_NAME", "calico-config", "cni_conf_name"),
                 cm_key("CNI_NETWORK_CONFIG", "calico-config", "cni_network_config"),
                 field("KUBERNETES_NODE_NAME", "spec.nodeName"), cm_key("CNI_MTU", "calico-config", "veth_mtu"),
                 lit("SLEEP", "false")};
  install.env_from_cm = {"kubernetes-services-endpoint"};
  install.privileged = true;
  install.mounts = {{"cni-bin-dir", "/host/opt/cni/bin"}, {"cni-net-dir", "/host/etc/cni/net.d"}};
  ContainerDef bpffs = cdef("mount-bpffs", node_image);
  bpffs.command = {"calico-node", "-init", "-best-effort"};
  bpffs.privileged = true;
  bpffs.mounts = {{"bpffs", "/sys/fs"}, {"nodeproc", "/nodeproc", true}};
  w.init = {ipam, install, bpffs};
  ContainerDef node = cdef("calico-node", node_image);
  node.env = {lit("DATASTORE_TYPE", "kubernetes"),
              lit("WAIT_FOR_DATASTORE", "true"),
              field("NODENAME", "spec.nodeName"),
              cm_key("CALICO_NETWORKING_BACKEND", "calico-config", "calico_backend"),
              lit("CLUSTER_TYPE", "k8s,bgp"),
              lit("IP", "autodetect"),
              lit("CALICO_IPV4POOL_IPIP", "Always"),
              lit("CALICO_IPV4POOL_VXLAN", "Never"),
              lit("CALICO_IPV6POOL_VXLAN", "Never"),
              cm_key("FELIX_IPINIPMTU", "calico-config", "veth_mtu"),
              cm_key("FELIX_VXLANMTU", "calico-config", "veth_mtu"),
              cm_key("FELIX_WIREGUARDMTU", "calico-config", "veth_mtu"),
              lit("CALICO_IPV4POOL_CIDR", std::string(kPodCidr)),
              lit("CALICO_DISABLE_FILE_LOGGING", "true"),
              lit("FELIX_DEFAULTENDPOINTTOHOSTACTION", "ACCEPT"),
              lit("FELIX_IPV6SUPPORT", "false"),
              lit("FELIX_HEALTHENABLED", "true")};
  node.env_from_cm = {"kubernetes-services-endpoint"};
  node.liveness = exec_probe({"/bin/calico-node", "-felix-live", "-bird-live"}, 10, 10, 10, 6);
  node.readiness = exec_probe({"/bin/calico-node", "-felix-ready", "-bird-ready"}, 0, 10, 10, 3);
  node.cpu_req = "250m";
  node.privileged = true;
  node.mounts = {{"cni-net-dir", "/host/etc/cni/net.d"},       {"lib-modules", "/lib/modules", true},
                 {"xtables-lock", "/run/xtables.lock"},        {"var-run-calico", "/var/run/calico"},
                 {"var-lib-calico", "/var/lib/calico"},        {"policysync", "/var/run/nodeagent"},
                 {"bpffs", "/sys/fs/bpf"},                     {"cni-log-dir", "/var/log/calico/cni", true}};
  w.containers = {node};
  w.volumes = {host_path("lib-modules", "/lib/modules"),
               host_path("var-run-calico", "/var/run/calico"),
               host_path("var-lib-calico", "/var/lib/calico"),
               host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
               host_path("sys-fs", "/sys/fs/", "DirectoryOrCreate"),
               host_path("bpffs", "/sys/fs/bpf", "Directory"),
               host_path("nodeproc", "/proc"),
               host_path("cni-bin-dir", "/opt/cni/bin"),
               host_path("cni-net-dir", "/etc/cni/net.d"),
               host_path("cni-log-dir", "/var/log/calico/cni"),
               host_path("host-local-net-dir", "/var/lib/cni/networks"),
               host_path("policysync", "/var/run/nodeagent", "DirectoryOrCreate")};
}

void flannel_template(WorkloadRec& w) {
  w.labels = {{"app", "flannel"}, {"k8s-app", "flannel"}, {"tier", "node"}};
  w.selector = {{"app", "flannel"}};
  w.sa = "flannel";
  w.priority_class = "system-node-critical";
  w.priority = 2000001000;
  w.host_network = true;
  w.qos = "Burstable";
  w.tolerations = {{"", "Exists", "NoSchedule"}};
  const std::string image = "docker.io/flannel/flannel:v0.25.1";
  ContainerDef plugin = cdef("install-cni-plugin", "docker.io/flannel/flannel-cni-plugin:v1.4.0-flannel1");
  plugin.command = {"cp"};
  plugin.args = {"-f", "/flannel", "/opt/cni/bin/flannel"};
  plugin.mounts = {{"cni-plugin", "/opt/cni/bin"}};
  ContainerDef cni = cdef("install-cni", image);
  cni.command = {"cp"};
  cni.args = {"-f", "/etc/kube-flannel/cni-conf.json", "/etc/cni/net.d/10-flannel.conflist"};
  cni.mounts = {{"cni", "/etc/cni/net.d"}, {"flannel-cfg", "/etc/kube-flannel/"}};
  w.init = {plugin, cni};
  ContainerDef main = cdef("kube-flannel", image);
  main.command = {"/opt/bin/flanneld"};
  main.args = {"--ip-masq", "--kube-subnet-mgr"};
  main.env = {field("POD_NAME", "metadata.name"), field("POD_NAMESPACE", "metadata.namespace"),
              lit("EVENT_QUEUE_DEPTH", "5000")};
  main.cpu_req = "100m";
  main.mem_req = "50Mi";
  main.privileged = true;
  main.mounts = {{"run", "/run/flannel"}, {"flannel-cfg", "/etc/kube-flannel/"}, {"xtables-lock", "/run/xtables.lock"}};
  w.containers = {main};
  w.volumes = {host_path("run", "/run/flannel"), host_path("cni-plugin", "/opt/cni/bin"),
               host_path("cni", "/etc/cni/net.d"), {VolumeDef::ConfigMap, "flannel-cfg", "kube-flannel-cfg", ""},
               host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate")};
}

void kube_proxy_template(WorkloadRec& w) {
  w.labels = {{"controller-revision-hash", "7d8b6c9f54"}, {"k8s-app", "kube-proxy"}, {"pod-template-generation", "1"}};
  w.selector = {{"k8s-app", "kube-proxy"}};
  w.sa = "kube-proxy";
  w.priority_class = "system-node-critical";
  w.priority = 2000001000;
  w.host_network = true;
  w.node_selector = {{"kubernetes.io/os", "linux"}};
  w.tolerations = {{"", "Exists", ""}};
  ContainerDef c = cdef("kube-proxy", "registry.k8s.io/kube-proxy:v1.29.4");
  c.command = {"/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
               "--hostname-override=$(NODE_NAME)"};
  c.env = {field("NODE_NAME", "spec.nodeName")};
  c.privileged = true;
  c.mounts = {{"kube-proxy", "/var/lib/kube-proxy"}, {"xtables-lock", "/run/xtables.lock"},
              {"lib-modules", "/lib/modules", true}};
  w.containers = {c};
  w.volumes = {{VolumeDef::ConfigMap, "kube-proxy", "kube-proxy", ""},
               host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"), host_path("lib-modules", "/lib/modules")};
}

void coredns_template(WorkloadRec& w) {
  w.labels = {{"k8s-app", "kube-dns"}};
  w.selector = w.labels;
  w.sa = "coredns";
  w.priority_class = "system-cluster-critical";
  w.priority = 2000000000;
  w.dns_policy = "Default";
  w.qos = "Burstable";
  w.node_selector = {{"kubernetes.io/os", "linux"}};
  w.tolerations = {{"CriticalAddonsOnly", "Exists", ""}, {"node-role.kubernetes.io/control-plane", "", "NoSchedule"}};
  ContainerDef c = cdef("coredns", "registry.k8s.io/coredns/coredns:v1.11.1");
  c.args = {"-conf", "/etc/coredns/Corefile"};
  c.ports = {{"dns", 53, 0, "UDP"}, {"dns-tcp", 53, 0, "TCP"}, {"metrics", 9153, 0, "TCP"}};
  c.liveness = http_probe("/health", 8080, 60, 10, 5, 5);
  c.readiness = http_probe("/ready", 8181, 0, 10, 1, 3);
  c.cpu_req = "100m";
  c.mem_req = "70Mi";
  c.mem_lim = "170Mi";
  c.hardened = true;
  c.mounts = {{"config-volume", "/etc/coredns", true}};
  w.containers = {c};
  w.volumes = {{VolumeDef::ConfigMap, "config-volume", "coredns", ""}};
}

void kube_controllers_template(WorkloadRec& w) {
  w.labels = {{"k8s-app", "calico-kube-controllers"}};
  w.selector = w.labels;
  w.sa = "calico-kube-controllers";
  w.priority_class = "system-cluster-critical";
  w.priority = 2000000000;
  w.node_selector = {{"kubernetes.io/os", "linux"}};
  w.tolerations = {{"CriticalAddonsOnly", "Exists", ""}, {"node-role.kubernetes.io/master", "", "NoSchedule"},
                   {"node-role.kubernetes.io/control-plane", "", "NoSchedule"}};
  ContainerDef c = cdef("calico-kube-controllers", "docker.io/calico/kube-controllers:v3.27.2");
  c.env = {lit("ENABLED_CONTROLLERS", "node"), lit("DATASTORE_TYPE", "kubernetes")};
  c.liveness = exec_probe({"/usr/bin/check-status", "-l"}, 10, 10, 10, 6);
  c.readiness = exec_probe({"/usr/bin/check-status", "-r"}, 0, 10, 1, 3);
  w.containers = {c};
}

// ---- Application workloads ----------------------------------------------------------------------

constexpr std::string_view kDomains[] = {"shop",    "payments", "orders",  "billing",  "search",  "media",  "identity",
                                         "catalog", "checkout", "stock",   "shipping", "notify",  "reports", "ml",
                                         "data",    "platform", "web",     "mobile",   "ads",     "support"};
constexpr std::string_view kParts[] = {"api",        "worker",  "frontend", "gateway",  "cache",   "indexer", "scheduler",
                                       "consumer",   "producer", "auth",    "recommender", "ingest", "renderer", "exporter",
                                       "sync",       "cron",    "proxy",    "backend",  "store",   "queue"};
constexpr std::string_view kTeams[] = {"core", "growth", "infra", "checkout", "discovery", "risk", "content", "mobile"};

void app_template(WorkloadRec& w, const std::string& ns, Rng& r) {
  w.team = std::string(kTeams[r.below(std::size(kTeams))]);
  std::string version = "1." + std::to_string(r.below(30)) + "." + std::to_string(r.below(10));
  w.labels = {{"app", w.name},
              {"app.kubernetes.io/name", w.name},
              {"app.kubernetes.io/part-of", ns},
              {"app.kubernetes.io/version", version},
              {"team", w.team}};
  sort_labels(w.labels);
  w.selector = {{"app", w.name}};
  w.metrics = r.percent(60);
  if (w.metrics) w.pod_annotations = {{"prometheus.io/port", "9090"}, {"prometheus.io/scrape", "true"}};
  if (r.percent(15)) w.pod_annotations.emplace_back("kubectl.kubernetes.io/restartedAt", ts(w.rolled));
  sort_labels(w.pod_annotations);
  w.has_cm = r.percent(40);
  w.last_applied = r.percent(50);
  w.qos = "Burstable";

  ContainerDef c = cdef("app", "registry.example.internal/" + ns + "/" + w.name + ":" + version);
  // Between 2 and 9 variables, the common ones first: pod sizes vary as in a real cluster.
  std::vector<EnvDef> env = {lit("APP_ENV", "production"),
                             lit("LOG_LEVEL", r.percent(80) ? "info" : "debug"),
                             field("POD_NAME", "metadata.name"),
                             lit("DATABASE_HOST", "postgres." + ns + ".svc.cluster.local"),
                             {EnvDef::SecretKey, "DATABASE_PASSWORD", "", w.name + "-db", "password"},
                             field("POD_NAMESPACE", "metadata.namespace"),
                             lit("REDIS_URL", "redis://redis-master." + ns + ".svc.cluster.local:6379/0"),
                             lit("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.observability.svc.cluster.local:4317"),
                             {EnvDef::ResourceField, "GOMEMLIMIT", "limits.memory", "app", ""}};
  env.resize(2 + r.below(8));
  c.env = std::move(env);
  if (w.has_cm) {
    c.env.push_back(cm_key("FEATURE_FLAGS", w.name + "-config", "feature-flags"));
    c.env_from_cm = {w.name + "-config"};
  }
  c.ports = {{"http", 8080, 0, "TCP"}};
  if (w.metrics) c.ports.push_back({"metrics", 9090, 0, "TCP"});
  c.liveness = http_probe("/healthz", 8080, 15, 20, 3, 3);
  c.readiness = http_probe("/ready", 8080, 5, 10, 2, 3);
  static constexpr std::string_view kCpu[] = {"50m", "100m", "250m", "500m", "1"};
  static constexpr std::string_view kMem[] = {"64Mi", "128Mi", "256Mi", "512Mi", "1Gi", "2Gi"};
  uint32_t ci = r.below(std::size(kCpu)), mi = r.below(std::size(kMem));
  c.cpu_req = std::string(kCpu[ci]);
  c.mem_req = std::string(kMem[mi]);
  c.cpu_lim = std::string(kCpu[std::min<uint32_t>(ci + 2, std::size(kCpu) - 1)]);
  c.mem_lim = std::string(kMem[std::min<uint32_t>(mi + 1, std::size(kMem) - 1)]);
  c.hardened = true;
  c.mounts = {{"tmp", "/tmp"}};
  if (w.has_cm) c.mounts.push_back({"config", "/etc/" + w.name, true});
  w.containers = {c};
  w.volumes = {};
  if (w.has_cm) w.volumes.push_back({VolumeDef::ConfigMap, "config", w.name + "-config", ""});
  w.volumes.push_back({VolumeDef::EmptyDir, "tmp", "", ""});
  if (r.percent(15)) {  // a log shipping sidecar
    ContainerDef s = cdef("log-shipper", "registry.example.internal/platform/fluent-bit:2.2.2");
    s.args = {"--config=/fluent-bit/etc/fluent-bit.conf"};
    s.env = {field("NODE_NAME", "spec.nodeName"), lit("FLUENT_ELASTICSEARCH_HOST", "logs.observability.svc.cluster.local")};
    s.ports = {{"metrics", 2020, 0, "TCP"}};
    s.cpu_req = "20m";
    s.mem_req = "32Mi";
    s.mem_lim = "64Mi";
    s.mounts = {{"varlog", "/var/log/app"}};
    w.containers.push_back(s);
    w.containers[0].mounts.push_back({"varlog", "/var/log/app"});
    w.volumes.push_back({VolumeDef::EmptyDir, "varlog", "", ""});
  }
  if (r.percent(10)) {  // waits for its database
    ContainerDef i = cdef("wait-for-db", "registry.example.internal/library/busybox:1.36");
    i.command = {"sh", "-c", "until nc -z postgres." + ns + ".svc.cluster.local 5432; do echo waiting for db; sleep 2; done"};
    w.init.push_back(i);
  }
  std::sort(w.volumes.begin(), w.volumes.end(), [](const VolumeDef& a, const VolumeDef& b) { return a.name < b.name; });
}

}  // namespace

// ---- Building the plan ----------------------------------------------------------------------------

std::string build_plan(Plan& p, Rng& r) {
  const GenOptions& o = p.opts;
  p.calico = o.cni != "flannel";
  if (o.cni != "calico" && o.cni != "flannel") return "--cni must be calico or flannel";
  size_t n_nodes = o.nodes, n_services = o.services;
  if (o.pods == 0) return "--pods must be at least 1";
  if (n_nodes == 0) n_nodes = std::max<size_t>(3, o.pods / 30);
  if (n_services == 0) n_services = std::max<size_t>(1, o.pods / 15);
  if (n_nodes > kMaxNodes) return "at most 16000 nodes (one /24 each in " + std::string(kPodCidr) + ")";
  size_t system_pods = 2 * n_nodes + 2 + (p.calico ? 1 : 0);
  if (o.pods < system_pods + 1)
    return "--pods " + std::to_string(o.pods) + " is too few for " + std::to_string(n_nodes) +
           " nodes: the two DaemonSets and CoreDNS alone make " + std::to_string(system_pods) + " pods";
  size_t app_pods = o.pods - system_pods;

  // The CA bundle of the cluster, as in every namespace's kube-root-ca.crt.
  {
    std::string b64 = "MIIDBTCCAe2gAwIBAgIIB";
    constexpr std::string_view kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    while (b64.size() < 1040) b64 += kB64[r.below(64)];
    b64 += "==";
    p.ca_pem = "-----BEGIN CERTIFICATE-----\n";
    for (size_t i = 0; i < b64.size(); i += 64) p.ca_pem += b64.substr(i, 64) + "\n";
    p.ca_pem += "-----END CERTIFICATE-----\n";
  }

  // Nodes: three tainted control-plane nodes on larger clusters, a few NotReady workers whose CNI agent
  // crash-loops (node-network-unavailable, cni-pod-unhealthy, pod-sandbox-network-failed have work).
  static constexpr std::string_view kTypes[] = {"m6i.2xlarge", "m6i.4xlarge", "c6i.4xlarge", "r6i.2xlarge"};
  size_t cp = n_nodes >= 10 ? 3 : 0;
  for (size_t i = 0; i < n_nodes; ++i) {
    NodeRec n;
    char name[32];
    if (i < cp) std::snprintf(name, sizeof name, "control-plane-%zu", i + 1);
    else std::snprintf(name, sizeof name, "worker-%05zu", i - cp + 1);
    n.name = name;
    n.uid = uid(r);
    n.ip = kNodeBase + static_cast<uint32_t>(i);
    n.control_plane = i < cp;
    n.zone = "zone-" + std::string(1, static_cast<char>('a' + i % 3));
    n.instance_type = std::string(kTypes[i % std::size(kTypes)]);
    n.boot_id = uid(r);
    n.machine_id = hex(r, 32);
    n.created = kNow - 400 * kDay + static_cast<int64_t>(i) * 60;
    p.nodes.push_back(std::move(n));
  }
  std::vector<uint32_t> broken;
  if (n_nodes >= 4) {
    size_t nb = std::max<size_t>(1, n_nodes / 2500), workers = n_nodes - cp;
    for (size_t k = 0; k < nb; ++k) {
      uint32_t i = static_cast<uint32_t>(cp + (k + 1) * workers / (nb + 1));
      p.nodes[i].broken = true;
      broken.push_back(i);
      p.faults.push_back("node " + p.nodes[i].name + ": NotReady, NetworkUnavailable, its " +
                         (p.calico ? "calico-node" : "kube-flannel") + " pod in CrashLoopBackOff");
    }
  }
  std::vector<uint32_t> schedulable;
  for (uint32_t i = 0; i < n_nodes; ++i)
    if (!p.nodes[i].control_plane && !p.nodes[i].broken) schedulable.push_back(i);
  if (schedulable.empty())
    for (uint32_t i = 0; i < n_nodes; ++i) schedulable.push_back(i);

  // Namespaces: about a hundred Deployments each.
  auto add_ns = [&](std::string name, int64_t created) {
    p.namespaces.push_back({std::move(name), uid(r), created});
    return static_cast<uint32_t>(p.namespaces.size() - 1);
  };
  const int64_t born = kNow - 400 * kDay;
  add_ns("default", born);
  uint32_t kube_system = add_ns("kube-system", born);
  add_ns("kube-public", born);
  add_ns("kube-node-lease", born);
  uint32_t flannel_ns = p.calico ? kube_system : add_ns("kube-flannel", born + 600);
  size_t est_deployments = std::max<size_t>(1, app_pods * 2 / 13);  // mean replicas is about 6.5
  size_t n_app_ns = std::max<size_t>(1, est_deployments / 100);
  uint32_t first_app_ns = static_cast<uint32_t>(p.namespaces.size());
  for (size_t i = 0; i < n_app_ns; ++i) {
    std::string name(kDomains[i % std::size(kDomains)]);
    if (i >= std::size(kDomains)) name += "-" + std::to_string(i / std::size(kDomains) + 1);
    add_ns(name, born + static_cast<int64_t>(i) * 3600);
  }

  // Workloads and their pods.
  auto add_workload = [&](std::string kind, Tpl tpl, uint32_t ns, std::string name, int replicas) -> WorkloadRec& {
    WorkloadRec& w = p.workloads.emplace_back();
    w.kind = std::move(kind);
    w.tpl = tpl;
    w.ns = ns;
    w.name = std::move(name);
    w.uid = uid(r);
    w.hash = safe_id(r, 10);
    w.rs_uid = uid(r);
    w.replicas = replicas;
    w.created = std::max(p.namespaces[ns].created, kNow - static_cast<int64_t>(r.below(300)) * kDay - r.below(kDay));
    w.rolled = w.created + static_cast<int64_t>(r.below(static_cast<uint32_t>((kNow - w.created) / 60 + 1))) * 60;
    w.has_old_rs = tpl == Tpl::App && r.percent(40);
    if (w.has_old_rs) {
      w.old_hash = safe_id(r, 10);
      w.old_rs_uid = uid(r);
      w.revision = 2 + static_cast<int>(r.below(8));
    }
    return w;
  };
  auto add_pod = [&](uint32_t wi, uint32_t node, bool host_net) {
    WorkloadRec& w = p.workloads[wi];
    PodRec pod;
    pod.workload = wi;
    pod.node = node;
    if (host_net) pod.ip = p.nodes[node].ip;
    else {
      NodeRec& n = p.nodes[node];
      pod.ip = kPodNet + node * 256 + 2 + (n.next_ip++ % 250);
    }
    pod.start = w.rolled + r.below(120);
    pod.uid = uid(r);
    pod.name = w.kind == "DaemonSet" ? w.name + "-" + safe_id(r, 5) : w.name + "-" + w.hash + "-" + safe_id(r, 5);
    if (w.n_pods == 0) w.first_pod = static_cast<uint32_t>(p.pods.size());
    w.n_pods++;
    p.pods.push_back(std::move(pod));
  };

  {
    WorkloadRec& w = p.calico ? add_workload("DaemonSet", Tpl::CalicoNode, kube_system, "calico-node", 0)
                              : add_workload("DaemonSet", Tpl::Flannel, flannel_ns, "kube-flannel-ds", 0);
    w.created = w.rolled = born + 300;
    p.calico ? calico_node_template(w) : flannel_template(w);
    uint32_t wi = static_cast<uint32_t>(p.workloads.size() - 1);
    for (uint32_t i = 0; i < n_nodes; ++i) {
      add_pod(wi, i, true);
      if (p.nodes[i].broken) p.pods.back().fault = Fault::CrashLoop;
    }
  }
  {
    WorkloadRec& w = add_workload("DaemonSet", Tpl::KubeProxy, kube_system, "kube-proxy", 0);
    w.created = w.rolled = born + 60;
    kube_proxy_template(w);
    uint32_t wi = static_cast<uint32_t>(p.workloads.size() - 1);
    for (uint32_t i = 0; i < n_nodes; ++i) add_pod(wi, i, true);
  }
  {
    WorkloadRec& w = add_workload("Deployment", Tpl::CoreDns, kube_system, "coredns", 2);
    coredns_template(w);
    uint32_t wi = static_cast<uint32_t>(p.workloads.size() - 1);
    for (int i = 0; i < 2; ++i) add_pod(wi, schedulable[r.below(static_cast<uint32_t>(schedulable.size()))], false);
  }
  if (p.calico) {
    WorkloadRec& w = add_workload("Deployment", Tpl::CalicoKubeControllers, kube_system, "calico-kube-controllers", 1);
    kube_controllers_template(w);
    uint32_t wi = static_cast<uint32_t>(p.workloads.size() - 1);
    add_pod(wi, schedulable[r.below(static_cast<uint32_t>(schedulable.size()))], false);
  }

  uint32_t first_app_workload = static_cast<uint32_t>(p.workloads.size());
  size_t left = app_pods, d = 0;
  while (left > 0) {
    uint32_t roll = r.below(100);
    size_t replicas = roll < 40 ? 1 + r.below(3) : roll < 80 ? 3 + r.below(6) : 8 + r.below(13);
    replicas = std::min(replicas, left);
    uint32_t ns = first_app_ns + static_cast<uint32_t>(d % n_app_ns);
    size_t in_ns = d / n_app_ns;
    std::string name = std::string(kDomains[(in_ns + ns) % std::size(kDomains)]) + "-" +
                       std::string(kParts[(in_ns / std::size(kDomains)) % std::size(kParts)]);
    if (in_ns >= std::size(kDomains) * std::size(kParts))
      name += "-" + std::to_string(in_ns / (std::size(kDomains) * std::size(kParts)) + 1);
    WorkloadRec& w = add_workload("Deployment", Tpl::App, ns, name, static_cast<int>(replicas));
    w.recent = r.percent(5);
    if (w.recent) w.rolled = kNow - r.below(3600);
    app_template(w, p.namespaces[ns].name, r);
    uint32_t wi = static_cast<uint32_t>(p.workloads.size() - 1);
    for (size_t k = 0; k < replicas; ++k)
      add_pod(wi, schedulable[r.below(static_cast<uint32_t>(schedulable.size()))], false);
    left -= replicas;
    ++d;
  }
  size_t n_app_workloads = p.workloads.size() - first_app_workload;
  uint32_t first_app_pod = p.workloads[first_app_workload].first_pod;

  // Faults among the application pods, each at a distinct pod.
  std::vector<uint8_t> taken(p.pods.size(), 0);
  auto plant = [&](Fault f, size_t count, const char* what) {
    size_t planted = 0;
    for (size_t tries = 0; planted < count && tries < count * 100; ++tries) {
      uint32_t i = first_app_pod + r.below(static_cast<uint32_t>(p.pods.size() - first_app_pod));
      if (taken[i]) continue;
      taken[i] = 1;
      p.pods[i].fault = f;
      if (f == Fault::Unschedulable) {
        p.pods[i].node = kNoNode;
        p.pods[i].ip = 0;
      }
      ++planted;
      if (planted <= 3) {
        const PodRec& pod = p.pods[i];
        p.faults.push_back(std::string(what) + ": pod " + p.namespaces[p.workloads[pod.workload].ns].name + "/" +
                           pod.name);
      }
    }
    if (planted > 3) p.faults.push_back(std::string(what) + ": " + std::to_string(planted - 3) + " more pod(s)");
  };
  plant(Fault::CrashLoop, std::max<size_t>(3, app_pods / 1000), "CrashLoopBackOff (Error, exit 1)");
  plant(Fault::OomRunning, std::max<size_t>(2, app_pods / 3000), "OOMKilled, running again");
  plant(Fault::Exit137, std::max<size_t>(1, app_pods / 10000), "exit 137 without OOMKilled, running again");
  plant(Fault::NotReady, std::max<size_t>(2, app_pods / 2000), "readiness probe failing");
  plant(Fault::Unschedulable, std::max<size_t>(2, app_pods / 5000), "Pending, unschedulable");
  if (!broken.empty()) {
    size_t planted = 0;
    for (size_t tries = 0; planted < 2 && tries < 1000; ++tries) {
      uint32_t i = first_app_pod + r.below(static_cast<uint32_t>(p.pods.size() - first_app_pod));
      if (taken[i]) continue;
      taken[i] = 1;
      PodRec& pod = p.pods[i];
      pod.fault = Fault::SandboxFailed;
      pod.node = broken[0];
      pod.ip = 0;
      pod.start = kNow - 1800;
      ++planted;
      p.faults.push_back("Pending, FailedCreatePodSandBox on " + p.nodes[broken[0]].name + ": pod " +
                         p.namespaces[p.workloads[pod.workload].ns].name + "/" + pod.name);
    }
  }

  // Services: one per Deployment for the first n_services Deployments (cycling through the namespaces).
  auto add_service = [&](uint32_t ns, std::string name, uint32_t ip, uint32_t workload) -> ServiceRec& {
    ServiceRec& s = p.services.emplace_back();
    s.ns = ns;
    s.name = std::move(name);
    s.uid = uid(r);
    s.ip = ip;
    s.workload = workload;
    s.slice = safe_id(r, 5);
    s.created = workload == UINT32_MAX ? born : p.workloads[workload].created;
    return s;
  };
  {
    ServiceRec& k = add_service(0, "kubernetes", kSvcNet + 1, UINT32_MAX);
    k.labels = {{"component", "apiserver"}, {"provider", "kubernetes"}};
    k.ports = {{"https", 443, 0, "TCP"}};
    k.target_ports = {6443};
    k.target_names = {""};
    k.node_ports = {0};
    k.resolved = {6443};
  }
  {
    uint32_t dns_wl = 0;
    for (uint32_t i = 0; i < p.workloads.size(); ++i)
      if (p.workloads[i].tpl == Tpl::CoreDns) dns_wl = i;
    ServiceRec& s = add_service(kube_system, "kube-dns", kSvcNet + 10, dns_wl);
    s.labels = {{"k8s-app", "kube-dns"}, {"kubernetes.io/cluster-service", "true"}, {"kubernetes.io/name", "CoreDNS"}};
    s.selector = {{"k8s-app", "kube-dns"}};
    s.ports = {{"dns", 53, 0, "UDP"}, {"dns-tcp", 53, 0, "TCP"}, {"metrics", 9153, 0, "TCP"}};
    s.target_ports = {53, 53, 9153};
    s.target_names = {"", "", ""};
    s.node_ports = {0, 0, 0};
    s.resolved = {53, 53, 9153};
  }
  if (n_services > n_app_workloads) {
    p.faults.push_back("note: only " + std::to_string(n_app_workloads) + " Deployments, so " +
                       std::to_string(n_app_workloads) + " Services instead of " + std::to_string(n_services));
    n_services = n_app_workloads;
  }
  // Planted Service faults, one every `stride` Services so they spread over namespaces.
  const size_t typos = std::max<size_t>(1, n_services / 2000), mismatches = std::max<size_t>(1, n_services / 5000);
  const size_t typo_stride = std::max<size_t>(1, n_services / typos);
  const size_t mismatch_stride = std::max<size_t>(1, n_services / mismatches);
  size_t typos_done = 0, mismatches_done = 0;
  for (size_t k = 0; k < n_services; ++k) {
    uint32_t wi = first_app_workload + static_cast<uint32_t>(k);
    const WorkloadRec& w = p.workloads[wi];
    ServiceRec& s = add_service(w.ns, w.name, kSvcNet + 256 + static_cast<uint32_t>(k), wi);
    s.labels = {{"app", w.name}, {"app.kubernetes.io/part-of", p.namespaces[w.ns].name}};
    s.selector = {{"app", w.name}};
    bool named = r.percent(50);
    s.ports = {{"http", 80, 0, "TCP"}};
    s.target_ports = {named ? 0 : 8080};
    s.target_names = {named ? "http" : ""};
    s.node_ports = {0};
    s.resolved = {8080};
    if (w.metrics) {
      s.ports.push_back({"metrics", 9090, 0, "TCP"});
      s.target_ports.push_back(named ? 0 : 9090);
      s.target_names.push_back(named ? "metrics" : "");
      s.node_ports.push_back(0);
      s.resolved.push_back(9090);
    }
    if (r.percent(3)) {
      s.type = "NodePort";
      for (auto& np : s.node_ports) np = 30000 + static_cast<int>(r.below(2768));
    }
    if (k % typo_stride == typo_stride / 2 && typos_done < typos) {
      s.selector_typo = true;
      s.selector.emplace_back("tier", "backend");
      sort_labels(s.selector);
      ++typos_done;
      p.faults.push_back("Service selects no pod (extra label tier=backend): " + p.namespaces[w.ns].name + "/" + s.name);
    } else if (k % mismatch_stride == mismatch_stride / 3 && mismatches_done < mismatches) {
      s.port_mismatch = true;
      s.target_ports[0] = 8081;
      s.target_names[0] = "";
      s.resolved[0] = 8081;
      ++mismatches_done;
      p.faults.push_back("Service targetPort 8081, containers listen on 8080: " + p.namespaces[w.ns].name + "/" + s.name);
    }
  }
  return "";
}
}  // namespace ndbench::detail
