// Kubeconfig loading as kubectl does it, exec credentials, redaction and bundle paths: pure functions
// and small files in temporary directories.
#include <gtest/gtest.h>

#include "live/bundle.h"
#include "live/exec_credential.h"
#include "live/kubeconfig.h"
#include "live/redact.h"
#include "live_support.h"

using namespace nd::live;
using nd::livetest::TempDir;
using nd::livetest::spit;

namespace {

const char* kFileA = R"(apiVersion: v1
kind: Config
clusters:
- name: shared
  cluster:
    server: https://a.example.invalid:6443
    certificate-authority: pki/ca.crt
- name: only-a
  cluster:
    server: https://only-a.invalid
    insecure-skip-tls-verify: true
contexts:
- name: ctx-a
  context: {cluster: shared, user: ua, namespace: shop}
users:
- name: ua
  user:
    client-certificate: pki/a.crt
    client-key: pki/a.key
)";

const char* kFileB = R"(apiVersion: v1
kind: Config
current-context: ctx-b
clusters:
- name: shared
  cluster:
    server: https://b-must-lose.invalid
contexts:
- name: ctx-b
  context: {cluster: shared, user: ub}
- name: ctx-a
  context: {cluster: only-a, user: ub}
users:
- name: ub
  user:
    token: tok-b
)";

const char* kFileC = R"(current-context: ctx-a
contexts: []
)";

}  // namespace

TEST(Kubeconfig, MergesLikeKubectlFirstFileWins) {
  TempDir d;
  spit(d.file("a/config"), kFileA);
  spit(d.file("b/config"), kFileB);
  spit(d.file("c/config"), kFileC);
  Environment env;
  env.kubeconfig = d.file("a/config") + "::" + d.file("missing") + ":" + d.file("b/config") + ":" + d.file("c/config");
  auto t = load_target({}, env);
  ASSERT_TRUE(t.ok()) << t.error().message;
  // current-context: A sets none, B sets ctx-b (C's ctx-a comes later and loses).
  EXPECT_EQ(t->context, "ctx-b");
  // cluster "shared" is defined by A first: B's server loses; A's relative CA path is made absolute.
  EXPECT_EQ(t->cluster.server, "https://a.example.invalid:6443");
  EXPECT_EQ(t->cluster.ca_file, d.file("a/pki/ca.crt"));
  EXPECT_EQ(t->user.token, "tok-b");
  EXPECT_EQ(t->ns, "default");

  // ctx-a is defined by A first (B's ctx-a would point at only-a): user ua with A-relative paths.
  auto a = load_target({"", "ctx-a", ""}, env);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->cluster.server, "https://a.example.invalid:6443");
  EXPECT_EQ(a->user.cert_file, d.file("a/pki/a.crt"));
  EXPECT_EQ(a->ns, "shop");
  EXPECT_FALSE(a->cluster.insecure);
  auto n = load_target({"", "ctx-a", "kube-system"}, env);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->ns, "kube-system");

  auto missing = load_target({"", "nope", ""}, env);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("context 'nope' is not defined"), std::string::npos);
}

TEST(Kubeconfig, ExplicitFileHomeAndErrors) {
  TempDir d;
  spit(d.file("home/.kube/config"), kFileB);
  Environment env;
  env.home = d.path() + "/home";
  auto t = load_target({}, env);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->context, "ctx-b");
  EXPECT_NE(t->origin.find(".kube/config"), std::string::npos);

  // --kubeconfig wins over KUBECONFIG and HOME and must exist.
  env.kubeconfig = d.file("home/.kube/config");
  auto gone = load_target({d.file("nothing.yaml"), "", ""}, env);
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.error().message.find("nothing.yaml"), std::string::npos);

  spit(d.file("bad.yaml"), "clusters:\n- name: x\n  cluster: [1, 2\n");
  auto bad = load_target({d.file("bad.yaml"), "", ""}, env);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("bad.yaml:"), std::string::npos) << bad.error().message;

  spit(d.file("b64.yaml"), "clusters:\n- name: x\n  cluster:\n    server: https://x\n    certificate-authority-data: '!!!'\n");
  auto b64 = load_target({d.file("b64.yaml"), "", ""}, env);
  ASSERT_FALSE(b64.ok());
  EXPECT_NE(b64.error().message.find("b64.yaml:5"), std::string::npos) << b64.error().message;
  EXPECT_NE(b64.error().message.find("base64"), std::string::npos);

  spit(d.file("nocur.yaml"), kFileA);
  auto nocur = load_target({d.file("nocur.yaml"), "", ""}, env);
  ASSERT_FALSE(nocur.ok());
  EXPECT_NE(nocur.error().message.find("--context"), std::string::npos);
}

TEST(Kubeconfig, DataFieldsExecAndInsecure) {
  std::string text = R"(current-context: x
clusters:
- name: c
  cluster:
    server: https://10.0.0.1:6443/
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
    proxy-url: http://127.0.0.1:3128
    insecure-skip-tls-verify: true
contexts:
- name: x
  context: {cluster: c, user: u}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/plugin
      args: [get-token, --cluster, c]
      env: [{name: FOO, value: bar}]
      interactiveMode: Never
)";
  auto kc = parse_kubeconfig(text, "/etc/kube/config");
  ASSERT_TRUE(kc.ok()) << kc.error().message;
  auto t = resolve_target(*kc, "", "");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->cluster.ca_pem, "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(t->cluster.proxy_url, "http://127.0.0.1:3128");
  EXPECT_TRUE(t->cluster.insecure);
  ASSERT_TRUE(t->user.exec.has_value());
  EXPECT_EQ(t->user.exec->command, "/etc/kube/bin/plugin");
  EXPECT_EQ(t->user.exec->args.size(), 3u);
  ASSERT_EQ(t->user.exec->env.size(), 1u);
  EXPECT_EQ(t->user.exec->env[0].second, "bar");

  auto old = parse_kubeconfig("users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1alpha1\n"
                              "      command: x\n", "k.yaml");
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.error().message.find("v1alpha1"), std::string::npos);

  auto gcp = parse_kubeconfig("current-context: x\nclusters: [{name: c, cluster: {server: 'https://x'}}]\n"
                              "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                              "users: [{name: u, user: {auth-provider: {name: gcp, config: {}}}}]\n", "k.yaml");
  ASSERT_TRUE(gcp.ok());
  auto g = resolve_target(*gcp, "", "");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("exec plugin"), std::string::npos);
}

TEST(Kubeconfig, InCluster) {
  TempDir d;
  spit(d.file("sa/token"), "sa-token\n");
  spit(d.file("sa/ca.crt"), "x");
  spit(d.file("sa/namespace"), "netdoctor");
  Environment env;
  env.service_host = "10.96.0.1";
  env.service_port = "443";
  env.sa_dir = d.file("sa");
  auto t = load_target({}, env);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_TRUE(t->in_cluster);
  EXPECT_EQ(t->cluster.server, "https://10.96.0.1:443");
  EXPECT_EQ(t->cluster.ca_file, d.file("sa/ca.crt"));
  EXPECT_EQ(t->ns, "netdoctor");
  env.service_host = "fd00::1";
  EXPECT_EQ(load_target({}, env)->cluster.server, "https://[fd00::1]:443");
  env.service_host.clear();
  auto none = load_target({}, env);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no kubeconfig found"), std::string::npos);
}

TEST(ExecCredential, ParsesAndValidates) {
  auto ok = parse_exec_credential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t1","expirationTimestamp":"2030-01-02T03:04:05Z"}})",
      "client.authentication.k8s.io/v1", "p");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->token, "t1");
  ASSERT_TRUE(ok->expires.has_value());
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*ok->expires), 1893553445);
  EXPECT_FALSE(parse_exec_credential(R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"x"}})",
                                     "client.authentication.k8s.io/v1", "p").ok());
  EXPECT_FALSE(parse_exec_credential(R"({"kind":"ExecCredential","apiVersion":"v","status":{}})", "", "p").ok());
  EXPECT_FALSE(parse_exec_credential("not json", "", "p").ok());
  EXPECT_FALSE(parse_exec_credential(R"({"kind":"ExecCredential","status":{"token":"x","expirationTimestamp":"soon"}})", "", "p").ok());
  auto off = parse_rfc3339("2030-01-02T05:04:05.123+02:00");
  ASSERT_TRUE(off.has_value());
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*off), 1893553445);
  EXPECT_FALSE(parse_rfc3339("2030-01-02 03:04:05").has_value());
}

TEST(Bundle, PathsStayInsideTheNodeDirectory) {
  EXPECT_TRUE(safe_relpath("sysctl.txt"));
  EXPECT_TRUE(safe_relpath("cni/10-calico.conflist"));
  for (const char* bad : {"", "/etc/passwd", "../x", "cni/../../x", "a//b", "./a", "a/.", "a\\b"})
    EXPECT_FALSE(safe_relpath(bad)) << bad;
  auto b = parse_node_bundle(
      R"({"apiVersion":"netdoctor/v1","kind":"NodeBundle","node":"n1","collectedAt":"2025-01-01T00:00:00Z",
          "files":{"resolv.conf":"nameserver 10.0.0.2\n","../../etc/cron.d/x":"boom","/abs":"x"},"errors":["iptables-save: not found"]})",
      "test");
  ASSERT_TRUE(b.ok()) << b.error().message;
  ASSERT_EQ(b->files.size(), 1u);
  EXPECT_EQ(b->files[0].first, "resolv.conf");
  EXPECT_EQ(b->errors.size(), 3u);  // the agent's own and two refused paths
  EXPECT_FALSE(parse_node_bundle(R"({"kind":"NodeBundle","files":{"a":"b")", "u").ok());
  EXPECT_FALSE(parse_node_bundle(R"({"kind":"Pod"})", "u").ok());
}

TEST(Redact, KeepsWhatChecksReadOnly) {
  auto cm = nlohmann::json::parse(R"({"metadata":{"name":"coredns","namespace":"kube-system",
      "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{secret}"}},
      "data":{"Corefile":".:53 {}","password":"hunter2"},"binaryData":{"k":"AAAA"}})");
  EXPECT_EQ(redact_object(cm, "ConfigMap"), 3u);
  EXPECT_TRUE(cm["data"].contains("Corefile"));
  EXPECT_FALSE(cm["data"].contains("password"));
  EXPECT_FALSE(cm.contains("binaryData"));
  EXPECT_FALSE(cm["metadata"]["annotations"].contains("kubectl.kubernetes.io/last-applied-configuration"));
  EXPECT_TRUE(keep_configmap_key("kube-flannel", "kube-flannel-cfg", "net-conf.json"));
  EXPECT_FALSE(keep_configmap_key("shop", "app-config", "net-conf.json"));

  auto ds = nlohmann::json::parse(R"({"metadata":{"name":"calico-node"},"spec":{"template":{"spec":{"containers":[
      {"name":"calico-node","env":[{"name":"CALICO_IPV4POOL_CIDR","value":"10.244.0.0/16"},
      {"name":"DB_PASSWORD","value":"x"},{"name":"NODENAME","valueFrom":{"fieldRef":{"fieldPath":"spec.nodeName"}}}]}]}}}})");
  EXPECT_EQ(redact_object(ds, "DaemonSet"), 1u);
  auto& env = ds["spec"]["template"]["spec"]["containers"][0]["env"];
  EXPECT_EQ(env[0]["value"], "10.244.0.0/16");
  EXPECT_FALSE(env[1].contains("value"));
  EXPECT_EQ(env[1]["name"], "DB_PASSWORD");
  EXPECT_TRUE(env[2].contains("valueFrom"));

  size_t dropped = 0;
  std::string kc = redact_bundle_file("cni/calico-kubeconfig", "users:\n- name: calico\n  user:\n    token: abc.def\n", &dropped);
  EXPECT_EQ(dropped, 1u);
  EXPECT_EQ(kc.find("abc.def"), std::string::npos);
  EXPECT_EQ(redact_bundle_file("sysctl.txt", "token: x\n", &dropped), "token: x\n");
}
