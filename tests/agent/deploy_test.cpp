// deploy/: every manifest and every Helm template (rendered here with values.yaml by a small
// renderer of the few template forms the chart uses) parses as YAML, and the objects keep their
// promises: RBAC is read-only and never reaches Secrets, host mounts are read-only, the agent runs
// on every node in the host network, with the labels, port and probe the CLI relies on.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace {

namespace fs = std::filesystem;
const std::string kRoot = ND_SOURCE_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// --- a renderer for the chart's template forms -------------------------------------------------
// {{ .Values.a.b }}, {{ .Values.a.b | quote }}, {{ .Chart.AppVersion }}, {{- if .Values.a }} ... {{- end }},
// {{- toYaml .Values.a | nindent N }}. Anything else fails the test, so the chart cannot grow forms
// this test does not understand.

YAML::Node lookup(const YAML::Node& values, const YAML::Node& chart, const std::string& path) {
  std::string p = path;
  YAML::Node cur;
  if (p.rfind(".Values.", 0) == 0) {
    cur = YAML::Clone(values);
    p = p.substr(8);
  } else if (p == ".Chart.AppVersion") {
    return chart["appVersion"];
  } else if (p == ".Chart.Name") {
    return chart["name"];
  } else {
    throw std::runtime_error("unknown template value " + path);
  }
  std::stringstream ss(p);
  std::string part;
  while (std::getline(ss, part, '.')) {
    if (!cur.IsMap() || !cur[part]) throw std::runtime_error("no value " + path);
    cur = cur[part];
  }
  return cur;
}

bool truthy(const YAML::Node& n) {
  if (!n || n.IsNull()) return false;
  if (n.IsScalar()) {
    std::string s = n.Scalar();
    return !(s.empty() || s == "false" || s == "0");
  }
  return n.size() > 0;
}

std::string to_yaml(const YAML::Node& n) {
  YAML::Emitter e;
  e << n;
  return e.c_str();
}

std::string render(const std::string& tpl, const YAML::Node& values, const YAML::Node& chart) {
  std::string out;
  std::vector<bool> emitting;  // one per open `if`
  auto on = [&] {
    for (bool b : emitting)
      if (!b) return false;
    return true;
  };
  size_t at = 0;
  static const std::regex kIf(R"(^if\s+(\S+)$)"), kValue(R"(^(\.[A-Za-z.]+)(\s*\|\s*quote)?$)"),
      kToYaml(R"(^toYaml\s+(\S+)\s*\|\s*nindent\s+(\d+)$)");
  while (at < tpl.size()) {
    size_t open = tpl.find("{{", at);
    if (open == std::string::npos) {
      if (on()) out += tpl.substr(at);
      break;
    }
    std::string text = tpl.substr(at, open - at);
    size_t close = tpl.find("}}", open);
    if (close == std::string::npos) throw std::runtime_error("unclosed {{");
    std::string expr = tpl.substr(open + 2, close - open - 2);
    bool trim_left = !expr.empty() && expr[0] == '-';
    if (trim_left) expr.erase(0, 1);
    expr = std::regex_replace(expr, std::regex(R"(^\s+|\s+$)"), "");
    if (trim_left) {  // {{- eats the whitespace (and newline) before it
      size_t keep = text.find_last_not_of(" \t\n");
      text = keep == std::string::npos ? "" : text.substr(0, keep + 1);
    }
    if (on()) out += text;
    at = close + 2;
    std::smatch m;
    if (std::regex_match(expr, m, kIf)) {
      emitting.push_back(truthy(lookup(values, chart, m[1])));
    } else if (expr == "end") {
      if (emitting.empty()) throw std::runtime_error("end without if");
      emitting.pop_back();
    } else if (std::regex_match(expr, m, kToYaml)) {
      if (!on()) continue;
      std::string y = to_yaml(lookup(values, chart, m[1]));
      std::string pad(std::stoul(m[2]), ' ');
      std::string ind = "\n" + pad;
      for (char c : y) ind += c == '\n' ? "\n" + pad : std::string(1, c);
      out += ind;
    } else if (std::regex_match(expr, m, kValue)) {
      if (!on()) continue;
      YAML::Node v = lookup(values, chart, m[1]);
      if (!v.IsScalar()) throw std::runtime_error(std::string(m[1]) + " is not a scalar");
      out += m[2].matched ? "\"" + v.Scalar() + "\"" : v.Scalar();
    } else {
      throw std::runtime_error("template form not understood by the test: {{" + expr + "}}");
    }
  }
  if (!emitting.empty()) throw std::runtime_error("if without end");
  return out;
}

// --- the documents ------------------------------------------------------------------------------

struct Doc {
  std::string origin;  // file (and "rendered" for templates)
  YAML::Node node;
};

std::vector<Doc> load_docs(const std::string& origin, const std::string& text) {
  std::vector<Doc> docs;
  for (const auto& n : YAML::LoadAll(text))
    if (n && n.IsMap()) docs.push_back({origin, n});
  return docs;
}

std::vector<Doc> manifest_docs() {
  std::vector<Doc> docs;
  for (const auto& e : fs::directory_iterator(kRoot + "/deploy/manifests"))
    if (e.path().extension() == ".yaml") {
      auto d = load_docs(e.path().string(), slurp(e.path()));
      docs.insert(docs.end(), d.begin(), d.end());
    }
  return docs;
}

std::vector<Doc> chart_docs(const YAML::Node& values) {
  std::string dir = kRoot + "/deploy/helm/netdoctor-agent";
  YAML::Node chart = YAML::LoadFile(dir + "/Chart.yaml");
  std::vector<Doc> docs;
  for (const auto& e : fs::directory_iterator(dir + "/templates"))
    if (e.path().extension() == ".yaml") {
      std::string text = render(slurp(e.path()), values, chart);
      auto d = load_docs(e.path().string() + " (rendered)", text);
      docs.insert(docs.end(), d.begin(), d.end());
    }
  return docs;
}

YAML::Node chart_values() { return YAML::LoadFile(kRoot + "/deploy/helm/netdoctor-agent/values.yaml"); }

std::vector<std::string> strings(const YAML::Node& n) {
  std::vector<std::string> v;
  if (n && n.IsSequence())
    for (const auto& x : n) v.push_back(x.as<std::string>());
  return v;
}

// The RBAC promise, for every ClusterRole and Role in a set of documents.
void expect_read_only_rbac(const std::vector<Doc>& docs, int& roles_seen, std::set<std::string>& granted) {
  static const std::set<std::string> kWrite = {"create", "update", "patch", "delete", "deletecollection",
                                               "escalate", "bind", "impersonate", "*", "approve", "sign"};
  static const std::set<std::string> kRead = {"get", "list", "watch"};
  for (const auto& d : docs) {
    std::string kind = d.node["kind"].as<std::string>("");
    if (kind != "ClusterRole" && kind != "Role") continue;
    ++roles_seen;
    SCOPED_TRACE(d.origin);
    EXPECT_FALSE(d.node["aggregationRule"]) << "an aggregated role could pick up other roles' verbs";
    ASSERT_TRUE(d.node["rules"] && d.node["rules"].IsSequence());
    for (const auto& rule : d.node["rules"]) {
      auto verbs = strings(rule["verbs"]);
      auto groups = strings(rule["apiGroups"]);
      auto resources = strings(rule["resources"]);
      EXPECT_FALSE(verbs.empty());
      EXPECT_FALSE(rule["nonResourceURLs"]) << "no non-resource URLs";
      for (const auto& v : verbs) {
        EXPECT_FALSE(kWrite.count(v)) << "write verb " << v;
        EXPECT_TRUE(kRead.count(v)) << "verb outside get/list/watch: " << v;
      }
      for (const auto& g : groups) EXPECT_NE(g, "*") << "apiGroups '*' would include Secrets";
      for (const auto& r : resources) {
        EXPECT_NE(r, "*") << "resources '*' would include Secrets";
        EXPECT_EQ(r.find('*'), std::string::npos) << r;
        EXPECT_NE(r, "secrets");
        EXPECT_NE(r.rfind("secrets/", 0), 0u) << r;
        for (const auto& g : groups) granted.insert(g + "/" + r);
      }
    }
  }
}

// The DaemonSet promise.
void expect_agent_daemonset(const std::vector<Doc>& docs) {
  int seen = 0;
  for (const auto& d : docs) {
    if (d.node["kind"].as<std::string>("") != "DaemonSet") continue;
    ++seen;
    SCOPED_TRACE(d.origin);
    const YAML::Node& meta = d.node["metadata"];
    EXPECT_EQ(meta["namespace"].as<std::string>(""), "netdoctor");
    const YAML::Node& pod = d.node["spec"]["template"]["spec"];
    EXPECT_EQ(d.node["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"].as<std::string>(""),
              "netdoctor-agent");
    EXPECT_TRUE(pod["hostNetwork"].as<bool>(false));
    EXPECT_EQ(pod["dnsPolicy"].as<std::string>(""), "ClusterFirstWithHostNet");
    EXPECT_FALSE(pod["automountServiceAccountToken"].as<bool>(true)) << "the agent needs no API token";
    EXPECT_FALSE(pod["hostPID"].as<bool>(false));
    // Tolerations cover every taint: one with operator Exists, no key and no effect.
    bool all_taints = false;
    for (const auto& t : pod["tolerations"])
      if (t["operator"].as<std::string>("") == "Exists" && !t["key"] && !t["effect"]) all_taints = true;
    EXPECT_TRUE(all_taints) << "tolerations do not cover every taint";
    // hostPath volumes: each mounted, and only read-only.
    std::set<std::string> host_vols;
    std::set<std::string> host_paths;
    for (const auto& v : pod["volumes"])
      if (v["hostPath"]) {
        host_vols.insert(v["name"].as<std::string>());
        host_paths.insert(v["hostPath"]["path"].as<std::string>());
      }
    EXPECT_TRUE(host_paths.count("/etc/resolv.conf"));
    for (const char* p : {"/", "/etc", "/run", "/var", "/var/lib/kubelet", "/proc", "/sys", "/var/run"})
      EXPECT_FALSE(host_paths.count(p)) << "too broad a host mount: " << p;
    for (const auto& p : host_paths) EXPECT_EQ(p.find("secret"), std::string::npos) << p;
    ASSERT_EQ(pod["containers"].size(), 1u);
    const YAML::Node& c = pod["containers"][0];
    std::set<std::string> mounted;
    for (const auto& m : c["volumeMounts"]) {
      std::string name = m["name"].as<std::string>();
      if (!host_vols.count(name)) continue;
      mounted.insert(name);
      EXPECT_TRUE(m["readOnly"].as<bool>(false)) << "hostPath mount " << name << " is not readOnly";
      EXPECT_EQ(m["mountPath"].as<std::string>("").rfind("/host/", 0), 0u) << name << " is not under --root=/host";
    }
    EXPECT_EQ(mounted, host_vols) << "a hostPath volume is not mounted (or mounted without the check)";
    // The port the CLI proxies to, the probe, resources, capabilities.
    bool port = false;
    for (const auto& p : c["ports"])
      port = port || (p["name"].as<std::string>("") == "http" && p["containerPort"].as<int>(0) == 9742);
    EXPECT_TRUE(port) << "no container port http 9742";
    EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"].as<std::string>(""), "/healthz");
    for (const char* k : {"requests", "limits"})
      for (const char* r : {"cpu", "memory"}) EXPECT_TRUE(c["resources"][k][r]) << k << "." << r;
    const YAML::Node& sc = c["securityContext"];
    EXPECT_FALSE(sc["privileged"].as<bool>(true));
    EXPECT_FALSE(sc["allowPrivilegeEscalation"].as<bool>(true));
    EXPECT_TRUE(sc["readOnlyRootFilesystem"].as<bool>(false));
    EXPECT_EQ(strings(sc["capabilities"]["drop"]), std::vector<std::string>{"ALL"});
    EXPECT_EQ(strings(sc["capabilities"]["add"]), std::vector<std::string>{"NET_ADMIN"});
    bool node_name = false;
    for (const auto& e : c["env"])
      node_name = node_name || (e["name"].as<std::string>("") == "NODE_NAME" &&
                                e["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>("") == "spec.nodeName");
    EXPECT_TRUE(node_name) << "NODE_NAME from the downward API";
    auto args = strings(c["args"]);
    ASSERT_FALSE(args.empty());
    EXPECT_EQ(args[0], "agent");
    EXPECT_NE(std::find(args.begin(), args.end(), "--root=/host"), args.end());
  }
  EXPECT_EQ(seen, 1);
}

// The expected reads: what the live client lists and fetches.
const char* kNeeded[] = {"/nodes", "/pods", "/services", "/endpoints", "/configmaps", "/namespaces", "/events",
                         "/pods/log", "/pods/proxy", "discovery.k8s.io/endpointslices", "apps/daemonsets",
                         "apps/deployments", "networking.k8s.io/networkpolicies", "crd.projectcalico.org/ippools",
                         "projectcalico.org/ippools", "operator.tigera.io/installations"};

TEST(Deploy, ManifestsParseAndKeepTheirPromises) {
  auto docs = manifest_docs();
  ASSERT_GE(docs.size(), 6u);
  int roles = 0;
  std::set<std::string> granted;
  expect_read_only_rbac(docs, roles, granted);
  EXPECT_GE(roles, 1);
  for (const char* r : kNeeded) EXPECT_TRUE(granted.count(r)) << "not granted: " << r;
  expect_agent_daemonset(docs);
  std::set<std::string> kinds;
  for (const auto& d : docs) kinds.insert(d.node["kind"].as<std::string>(""));
  for (const char* k : {"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "DaemonSet"})
    EXPECT_TRUE(kinds.count(k)) << "no " << k;
  // Bindings never reach a role that is not one of ours (checked above), and pods/proxy is bound
  // in the netdoctor namespace only.
  for (const auto& d : docs) {
    std::string kind = d.node["kind"].as<std::string>("");
    if (kind != "ClusterRoleBinding" && kind != "RoleBinding") continue;
    std::string role = d.node["roleRef"]["name"].as<std::string>("");
    EXPECT_TRUE(role == "netdoctor-reader" || role == "netdoctor-agent-proxy") << role;
    if (role == "netdoctor-agent-proxy") {
      EXPECT_EQ(kind, "RoleBinding") << "pods/proxy cluster-wide reaches every pod";
      EXPECT_EQ(d.node["metadata"]["namespace"].as<std::string>(""), "netdoctor");
    }
  }
}

TEST(Deploy, HelmChartRendersAndKeepsThePromises) {
  YAML::Node values = chart_values();
  auto docs = chart_docs(values);
  int roles = 0;
  std::set<std::string> granted;
  expect_read_only_rbac(docs, roles, granted);
  EXPECT_GE(roles, 1);
  for (const char* r : kNeeded) EXPECT_TRUE(granted.count(r)) << "not granted: " << r;
  expect_agent_daemonset(docs);
  // With the default values the chart makes the same objects as the plain manifests.
  std::multiset<std::string> a, b;
  for (const auto& d : docs) a.insert(d.node["kind"].as<std::string>() + "/" + d.node["metadata"]["name"].as<std::string>());
  for (const auto& d : manifest_docs())
    b.insert(d.node["kind"].as<std::string>() + "/" + d.node["metadata"]["name"].as<std::string>());
  EXPECT_EQ(a, b);

  // Turning the optional mounts off removes the volume and its mount together.
  values["hostMounts"]["flannel"] = false;
  values["hostMounts"]["kubeletConfig"] = "";
  values["createNamespace"] = false;
  auto fewer = chart_docs(values);
  expect_agent_daemonset(fewer);
  for (const auto& d : fewer) {
    if (d.node["kind"].as<std::string>("") != "DaemonSet") continue;
    for (const auto& v : d.node["spec"]["template"]["spec"]["volumes"]) {
      EXPECT_NE(v["name"].as<std::string>(), "flannel-run");
      EXPECT_NE(v["name"].as<std::string>(), "kubelet-config");
    }
  }
  for (const auto& d : fewer) EXPECT_NE(d.node["kind"].as<std::string>(""), "Namespace");
}

TEST(Deploy, TheRbacCheckCatchesWritesAndSecrets) {
  // The checker itself must fail on the things it guards against.
  const char* bad[] = {
      "kind: ClusterRole\nrules:\n- apiGroups: ['']\n  resources: [pods]\n  verbs: [get, delete]\n",
      "kind: ClusterRole\nrules:\n- apiGroups: ['']\n  resources: [secrets]\n  verbs: [get]\n",
      "kind: ClusterRole\nrules:\n- apiGroups: ['*']\n  resources: [pods]\n  verbs: [get]\n",
      "kind: ClusterRole\nrules:\n- apiGroups: ['']\n  resources: ['*']\n  verbs: [list]\n",
      "kind: Role\nrules:\n- apiGroups: ['']\n  resources: [pods]\n  verbs: ['*']\n",
      "kind: ClusterRole\nrules:\n- apiGroups: ['']\n  resources: [serviceaccounts/token]\n  verbs: [create]\n",
  };
  for (const char* text : bad) {
    ::testing::TestPartResultArray failures;
    {
      ::testing::ScopedFakeTestPartResultReporter reporter(::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
      int roles = 0;
      std::set<std::string> granted;
      expect_read_only_rbac(load_docs("bad", text), roles, granted);
    }
    EXPECT_GT(failures.size(), 0) << "not caught:\n" << text;
  }
}

TEST(Deploy, KrewManifest) {
  YAML::Node k = YAML::LoadFile(kRoot + "/deploy/krew/netdoctor.yaml");
  EXPECT_EQ(k["apiVersion"].as<std::string>(), "krew.googlecontainertools.github.com/v1alpha2");
  EXPECT_EQ(k["kind"].as<std::string>(), "Plugin");
  EXPECT_EQ(k["metadata"]["name"].as<std::string>(), "netdoctor");
  ASSERT_TRUE(k["spec"]["platforms"].IsSequence());
  for (const auto& p : k["spec"]["platforms"]) {
    EXPECT_TRUE(std::regex_match(p["sha256"].as<std::string>(), std::regex("[0-9a-f]{64}")));
    EXPECT_EQ(p["bin"].as<std::string>(), "netdoctor");
    EXPECT_TRUE(p["selector"]["matchLabels"]["os"]);
    EXPECT_EQ(p["uri"].as<std::string>().rfind("https://", 0), 0u);
  }
  EXPECT_TRUE(std::regex_match(k["spec"]["version"].as<std::string>(), std::regex(R"(v\d+\.\d+\.\d+)")));
}

}  // namespace
