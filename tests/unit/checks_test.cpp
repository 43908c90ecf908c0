// The foundation checks on the real-world shapes the issue names, built from kubectl-format YAML.
#include <gtest/gtest.h>

#include "test_util.h"

using namespace nd;
using nd::test::TempDir;

namespace {

// A pod in YAML with one container status block (indented under containerStatuses).
std::string pod(const std::string& name, const std::string& phase, const std::string& statuses,
                const std::string& extra_spec = "", const std::string& extra_status = "") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  namespace: app\n  labels: {app: " + name +
         "}\nspec:\n  nodeName: w1\n  containers:\n  - name: main\n    image: registry.local/app:1\n" + extra_spec +
         "status:\n  phase: " + phase + "\n" + extra_status + statuses;
}

std::vector<Finding> run_yaml(const std::string& yaml) {
  TempDir d;
  d.write("objects.yaml", yaml);
  return test::diagnose(test::load_ok(d.path()));
}

}  // namespace

TEST(Checks, CrashLoopWithOomKilledLastStateIsBoth) {
  auto fs = run_yaml(pod("a", "Running", R"(  containerStatuses:
  - name: main
    ready: false
    restartCount: 4
    state: {waiting: {reason: CrashLoopBackOff, message: back-off 40s}}
    lastState: {terminated: {reason: OOMKilled, exitCode: 137}}
)"));
  EXPECT_TRUE(test::has(fs, "container-crashloop", "a"));
  EXPECT_TRUE(test::has(fs, "container-oomkilled", "a"));
  EXPECT_FALSE(test::has(fs, "container-killed"));
}

TEST(Checks, Exit137WithoutOomReasonIsOnlyKilled) {
  auto fs = run_yaml(pod("b", "Running", R"(  containerStatuses:
  - name: main
    ready: true
    restartCount: 3
    state: {running: {startedAt: "2024-01-01T00:00:00Z"}}
    lastState: {terminated: {reason: Error, exitCode: 137}}
)"));
  EXPECT_FALSE(test::has(fs, "container-oomkilled"));
  ASSERT_TRUE(test::has(fs, "container-killed", "b"));
  for (const auto& f : fs)
    if (f.id == "container-killed") {
      EXPECT_EQ(f.severity, Severity::Info);
    }
}

TEST(Checks, OomKilledWithExitZeroStillCounts) {
  auto fs = run_yaml(pod("c", "Running", R"(  containerStatuses:
  - name: main
    ready: true
    restartCount: 1
    state: {running: {}}
    lastState: {terminated: {reason: OOMKilled, exitCode: 0}}
)"));
  ASSERT_TRUE(test::has(fs, "container-oomkilled", "c"));
  EXPECT_FALSE(test::has(fs, "container-crashloop"));
}

TEST(Checks, CompletedRegularContainerWhilePodRuns) {
  auto fs = run_yaml(pod("d", "Running", R"(  containerStatuses:
  - name: main
    ready: true
    restartCount: 0
    state: {running: {}}
  - name: migrate
    ready: false
    restartCount: 0
    state: {terminated: {reason: Completed, exitCode: 0}}
)", "  - name: migrate\n    image: registry.local/migrate:1\n  restartPolicy: OnFailure\n"));
  ASSERT_TRUE(test::has(fs, "container-exited-pod-running", "d"));
  EXPECT_EQ(test::count(fs, "container-exited-pod-running"), 1u);
}

TEST(Checks, InitSidecarAndEphemeralContainersAreNormal) {
  std::string extra_spec = R"(  initContainers:
  - name: setup
    image: registry.local/setup:1
  - name: proxy
    image: registry.local/proxy:1
    restartPolicy: Always
  ephemeralContainers:
  - name: debugger
    image: registry.local/busybox:1
)";
  std::string statuses = R"(  initContainerStatuses:
  - name: setup
    ready: true
    restartCount: 0
    state: {terminated: {reason: Completed, exitCode: 0}}
  - name: proxy
    ready: true
    started: true
    restartCount: 0
    state: {running: {}}
  containerStatuses:
  - name: main
    ready: true
    restartCount: 0
    state: {running: {}}
  ephemeralContainerStatuses:
  - name: debugger
    ready: false
    restartCount: 0
    state: {terminated: {reason: Completed, exitCode: 0}}
)";
  auto fs = run_yaml(pod("e", "Running", statuses, extra_spec,
                         "  conditions:\n  - {type: Ready, status: \"True\"}\n"));
  EXPECT_TRUE(fs.empty()) << fs.front().id;
}

TEST(Checks, CrashLoopingInitContainerIsNamedAsSuch) {
  auto fs = run_yaml(pod("f", "Pending", R"(  initContainerStatuses:
  - name: wait-db
    ready: false
    restartCount: 6
    state: {waiting: {reason: CrashLoopBackOff}}
    lastState: {terminated: {reason: Error, exitCode: 1}}
  containerStatuses:
  - name: main
    ready: false
    restartCount: 0
    state: {waiting: {reason: PodInitializing}}
)", "  initContainers:\n  - name: wait-db\n    image: registry.local/wait:1\n"));
  ASSERT_TRUE(test::has(fs, "container-crashloop", "f"));
  for (const auto& f : fs)
    if (f.id == "container-crashloop") {
      EXPECT_NE(f.summary.find("init container wait-db"), std::string::npos);
    }
  EXPECT_TRUE(test::has(fs, "pod-pending", "f"));
}

TEST(Checks, SandboxFailureFromEitherEventApiTiedToCniPod) {
  std::string yaml = pod("g", "Pending", R"(  containerStatuses:
  - name: main
    ready: false
    restartCount: 0
    state: {waiting: {reason: ContainerCreating}}
)") + R"(---
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: g.1, namespace: app}
regarding: {kind: Pod, name: g, namespace: app}
reason: FailedCreatePodSandBox
type: Warning
note: 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "abc": plugin type="calico" failed (add): stat /var/lib/calico/nodename: no such file or directory'
series: {count: 17}
---
apiVersion: v1
kind: Pod
metadata: {name: calico-node-x1, namespace: kube-system, labels: {k8s-app: calico-node}}
spec: {nodeName: w1, hostNetwork: true, containers: [{name: calico-node, image: calico/node:v3.27.0}]}
status:
  phase: Running
  conditions: [{type: Ready, status: "False"}]
  containerStatuses:
  - {name: calico-node, ready: false, restartCount: 9, state: {running: {}}}
)";
  auto fs = run_yaml(yaml);
  ASSERT_TRUE(test::has(fs, "pod-sandbox-network-failed", "g"));
  EXPECT_TRUE(test::has(fs, "pod-pending", "g"));
  EXPECT_TRUE(test::has(fs, "cni-pod-unhealthy", "calico-node-x1"));
  for (const auto& f : fs)
    if (f.id == "pod-sandbox-network-failed") {
      bool series = false, agent = false;
      for (const auto& e : f.evidence) {
        series |= e.text.find("(x17)") != std::string::npos;
        agent |= e.text.find("calico-node-x1") != std::string::npos;
      }
      EXPECT_TRUE(series);
      EXPECT_TRUE(agent);
    }
}

TEST(Checks, ServiceEndpointsFromSlicesOnlyOrFromPods) {
  std::string svc = R"(apiVersion: v1
kind: Service
metadata: {name: web, namespace: app}
spec: {clusterIP: 10.96.0.20, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
)";
  std::string ready_pod = R"(apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: app, labels: {app: web}}
spec: {nodeName: w1, containers: [{name: web, image: registry.local/web:1, ports: [{containerPort: 8080}]}]}
status:
  phase: Running
  conditions: [{type: Ready, status: "True"}]
  containerStatuses: [{name: web, ready: true, restartCount: 0, state: {running: {}}}]
)";
  std::string slice = R"(---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-x, namespace: app, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: [{addresses: [10.244.1.5], conditions: {ready: true}}]
ports: [{port: 8080}]
)";
  EXPECT_FALSE(test::has(run_yaml(svc + ready_pod + slice), "service-no-endpoints"));
  EXPECT_FALSE(test::has(run_yaml(svc + ready_pod), "service-no-endpoints"));  // no endpoint objects: pods decide
  std::string other_pod = ready_pod;
  other_pod.replace(other_pod.find("labels: {app: web}"), 18, "labels: {app: wbe}");
  auto fs = run_yaml(svc + other_pod);
  ASSERT_TRUE(test::has(fs, "service-no-endpoints", "web"));
  bool near = false;
  for (const auto& f : fs)
    for (const auto& e : f.evidence) near |= e.text.find("app=wbe") != std::string::npos;
  EXPECT_TRUE(near);
  // An empty slice says "no endpoints" even when a ready pod matches (e.g. the pod is not in the slice yet).
  std::string empty_slice = R"(---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-x, namespace: app, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: []
)";
  EXPECT_TRUE(test::has(run_yaml(svc + ready_pod + empty_slice), "service-no-endpoints"));
}

TEST(Checks, TargetPortMismatchNamedAndNumeric) {
  std::string pods = R"(apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: app, labels: {app: api}}
spec: {nodeName: w1, containers: [{name: api, image: registry.local/api:1, ports: [{containerPort: 80, name: http}]}]}
status: {phase: Running, conditions: [{type: Ready, status: "True"}]}
---
)";
  auto numeric = run_yaml(pods + R"(apiVersion: v1
kind: Service
metadata: {name: api, namespace: app}
spec: {selector: {app: api}, ports: [{port: 80, targetPort: 8080}]}
)");
  ASSERT_TRUE(test::has(numeric, "service-target-port-mismatch", "api"));
  auto named = run_yaml(pods + R"(apiVersion: v1
kind: Service
metadata: {name: api, namespace: app}
spec: {selector: {app: api}, ports: [{port: 80, targetPort: http-web}]}
)");
  ASSERT_TRUE(test::has(named, "service-target-port-mismatch", "api"));
  for (const auto& f : named) EXPECT_EQ(f.severity, Severity::Critical);
  auto good = run_yaml(pods + R"(apiVersion: v1
kind: Service
metadata: {name: api, namespace: app}
spec: {selector: {app: api}, ports: [{port: 8000, targetPort: http}, {port: 80}]}
)");
  EXPECT_FALSE(test::has(good, "service-target-port-mismatch"));
}

TEST(Checks, NotReadyNodeWithDaemonSetPods) {
  std::string yaml = R"(apiVersion: v1
kind: Node
metadata: {name: w3}
spec: {podCIDR: 10.244.3.0/24}
status:
  conditions:
  - {type: Ready, status: "False", reason: KubeletNotReady, message: "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-flannel-ds, namespace: kube-flannel}
spec: {selector: {matchLabels: {app: flannel}}, template: {metadata: {labels: {app: flannel}}, spec: {hostNetwork: true, containers: [{name: kube-flannel, image: flannel:v0.24.0}]}}}
status: {desiredNumberScheduled: 3, numberReady: 2}
---
apiVersion: v1
kind: Pod
metadata: {name: kube-proxy-abc, namespace: kube-system, ownerReferences: [{kind: DaemonSet, name: kube-proxy, controller: true}]}
spec: {nodeName: w3, hostNetwork: true, containers: [{name: kube-proxy, image: kube-proxy:v1.29.0}]}
status:
  phase: Running
  conditions: [{type: Ready, status: "False"}]
  containerStatuses: [{name: kube-proxy, ready: true, restartCount: 0, state: {running: {}}}]
)";
  auto fs = run_yaml(yaml);
  ASSERT_TRUE(test::has(fs, "node-network-unavailable", "w3"));
  EXPECT_FALSE(test::has(fs, "cni-not-detected"));
  for (const auto& f : fs) EXPECT_NE(f.subject.name, "kube-proxy-abc") << f.id;
}

TEST(Checks, PolicyNotEnforcedOnlyWithFlannelAlone) {
  std::string np = R"(apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: app}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
)";
  std::string flannel = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-flannel-cfg, namespace: kube-flannel}\n"
                        "data:\n  net-conf.json: '{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"host-gw\"}}'\n";
  EXPECT_TRUE(test::has(run_yaml(np + flannel), "cni-policy-not-enforced", "deny-all"));
  std::string calico = "apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.244.0.0/16}\n";
  EXPECT_FALSE(test::has(run_yaml(np + flannel + "---\n" + calico), "cni-policy-not-enforced"));  // canal
}

TEST(Checks, EveryFindingHasEvidenceAndFixAndCatalogRefs) {
  auto fs = run_yaml(pod("h", "Pending", R"(  containerStatuses:
  - name: main
    ready: false
    restartCount: 0
    state: {waiting: {reason: ImagePullBackOff, message: "Back-off pulling image"}}
)"));
  ASSERT_FALSE(fs.empty());
  for (const auto& f : fs) {
    EXPECT_FALSE(f.evidence.empty()) << f.id;
    EXPECT_FALSE(f.fix.empty()) << f.id;
    EXPECT_FALSE(f.refs.empty()) << f.id;
    EXPECT_FALSE(f.summary.empty()) << f.id;
    for (const auto& e : f.evidence) EXPECT_NE(e.source.find("objects.yaml:"), std::string::npos) << e.source;
  }
}

TEST(Checks, UnansweredSynCrossCheckedWithNodeForwarding) {
  TempDir d;
  std::filesystem::create_directories(d.path() + "/captures");
  std::filesystem::copy_file(std::string(ND_SOURCE_DIR) +
                                 "/tests/realworld/capture-syn-unanswered/captures/ppa_nowebaccess3_syn_retrans_no_synack.pcapng",
                             d.path() + "/captures/node.pcapng");
  d.write("nodes/w1/sysctl.txt", "net.ipv4.conf.all.forwarding = 0\nnet.ipv4.ip_forward = 0\n");
  auto fs = test::diagnose(test::load_ok(d.path()));
  bool cross_checked = false;
  for (const auto& f : fs)
    if (f.id == "capture-syn-unanswered")
      for (const auto& e : f.evidence) cross_checked |= e.source == "nodes/w1/sysctl.txt:2";
  EXPECT_TRUE(cross_checked);
  EXPECT_TRUE(test::has(fs, "node-ip-forward-disabled", "w1"));
}
