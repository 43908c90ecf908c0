// Writing the plan as `kubectl get KIND -A -o json` List files: each object with the fields kubectl
// prints, keys in the API server's (sorted) order, pretty-printed as kubectl does (json_writer.h).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>

#include "json_writer.h"
#include "plan.h"

namespace ndbench::detail {
namespace {

namespace fs = std::filesystem;

// ---- Writing objects --------------------------------------------------------------------------------

class Out {
 public:
  Out(Plan& p, Rng& r) : p_(p), r_(r) {}

  std::string rv() { return std::to_string(p_.rv++); }

  void labels(JsonWriter& w, std::string_view key, const Labels& l, std::string_view extra_k = {},
              std::string_view extra_v = {}) {
    w.obj(key);
    bool extra_done = extra_k.empty();
    for (const auto& [k, v] : l) {
      if (!extra_done && extra_k < k) {
        w.kv(extra_k, extra_v);
        extra_done = true;
      }
      w.kv(k, v);
    }
    if (!extra_done) w.kv(extra_k, extra_v);
    w.end();
  }

  void owner(JsonWriter& w, std::string_view api, std::string_view kind, std::string_view name, std::string_view uid) {
    w.arr("ownerReferences").obj();
    w.kv("apiVersion", api).kb("blockOwnerDeletion", true).kb("controller", true);
    w.kv("kind", kind).kv("name", name).kv("uid", uid);
    w.end().end();
  }

  void env(JsonWriter& w, const EnvDef& e) {
    w.obj().kv("name", e.name);
    switch (e.kind) {
      case EnvDef::Literal: w.kv("value", e.value); break;
      case EnvDef::FieldRef:
        w.obj("valueFrom").obj("fieldRef").kv("apiVersion", "v1").kv("fieldPath", e.value).end().end();
        break;
      case EnvDef::ConfigMapKey:
        w.obj("valueFrom").obj("configMapKeyRef").kv("key", e.key).kv("name", e.ref).end().end();
        break;
      case EnvDef::SecretKey:
        w.obj("valueFrom").obj("secretKeyRef").kv("key", e.key).kv("name", e.ref).end().end();
        break;
      case EnvDef::ResourceField:
        w.obj("valueFrom").obj("resourceFieldRef").kv("containerName", e.ref).kv("divisor", "0");
        w.kv("resource", e.value).end().end();
        break;
    }
    w.end();
  }

  void probe(JsonWriter& w, std::string_view key, const ProbeDef& pr) {
    if (pr.kind == ProbeDef::None) return;
    w.obj(key);
    if (pr.kind == ProbeDef::Exec) {
      w.obj("exec").arr("command");
      for (const auto& c : pr.exec) w.s(c);
      w.end().end();
    }
    w.kv("failureThreshold", pr.failure);
    if (pr.kind == ProbeDef::Http) {
      w.obj("httpGet");
      if (!pr.host.empty()) w.kv("host", pr.host);
      w.kv("path", pr.path).kv("port", pr.port).kv("scheme", "HTTP").end();
    }
    w.kv("initialDelaySeconds", pr.delay).kv("periodSeconds", pr.period).kv("successThreshold", 1);
    if (pr.kind == ProbeDef::Tcp) w.obj("tcpSocket").kv("port", pr.port).end();
    w.kv("timeoutSeconds", pr.timeout);
    w.end();
  }

  void container(JsonWriter& w, const ContainerDef& c, const std::string* token_volume) {
    w.obj();
    if (!c.args.empty()) {
      w.arr("args");
      for (const auto& a : c.args) w.s(a);
      w.end();
    }
    if (!c.command.empty()) {
      w.arr("command");
      for (const auto& a : c.command) w.s(a);
      w.end();
    }
    if (!c.env.empty()) {
      w.arr("env");
      for (const auto& e : c.env) env(w, e);
      w.end();
    }
    if (!c.env_from_cm.empty()) {
      w.arr("envFrom");
      for (const auto& n : c.env_from_cm) {
        w.obj().obj("configMapRef").kv("name", n);
        if (n == "kubernetes-services-endpoint") w.kb("optional", true);
        w.end().end();
      }
      w.end();
    }
    w.kv("image", c.image).kv("imagePullPolicy", c.pull);
    probe(w, "livenessProbe", c.liveness);
    w.kv("name", c.name);
    if (!c.ports.empty()) {
      w.arr("ports");
      for (const auto& pt : c.ports) {
        w.obj().kv("containerPort", pt.port);
        if (pt.host_port) w.kv("hostPort", pt.host_port);
        w.kv("name", pt.name).kv("protocol", pt.protocol).end();
      }
      w.end();
    }
    probe(w, "readinessProbe", c.readiness);
    w.obj("resources");
    if (!c.cpu_lim.empty() || !c.mem_lim.empty()) {
      w.obj("limits");
      if (!c.cpu_lim.empty()) w.kv("cpu", c.cpu_lim);
      if (!c.mem_lim.empty()) w.kv("memory", c.mem_lim);
      w.end();
    }
    if (!c.cpu_req.empty() || !c.mem_req.empty()) {
      w.obj("requests");
      if (!c.cpu_req.empty()) w.kv("cpu", c.cpu_req);
      if (!c.mem_req.empty()) w.kv("memory", c.mem_req);
      w.end();
    }
    w.end();
    if (c.privileged) w.obj("securityContext").kb("privileged", true).end();
    else if (c.hardened) {
      w.obj("securityContext").kb("allowPrivilegeEscalation", false);
      w.obj("capabilities").arr("drop").s("ALL").end().end();
      w.kb("readOnlyRootFilesystem", true).kb("runAsNonRoot", true).kv("runAsUser", 10001).end();
    }
    w.kv("terminationMessagePath", "/dev/termination-log").kv("terminationMessagePolicy", "File");
    if (!c.mounts.empty() || token_volume) {
      w.arr("volumeMounts");
      for (const auto& m : c.mounts) {
        w.obj().kv("mountPath", m.path).kv("name", m.name);
        if (m.ro) w.kb("readOnly", true);
        w.end();
      }
      if (token_volume) {
        w.obj().kv("mountPath", "/var/run/secrets/kubernetes.io/serviceaccount").kv("name", *token_volume);
        w.kb("readOnly", true).end();
      }
      w.end();
    }
    w.end();
  }

  void volume(JsonWriter& w, const VolumeDef& v) {
    w.obj();
    switch (v.kind) {
      case VolumeDef::ConfigMap:
        w.obj("configMap").kv("defaultMode", 420).kv("name", v.ref).end().kv("name", v.name);
        break;
      case VolumeDef::EmptyDir: w.obj("emptyDir").end().kv("name", v.name); break;
      case VolumeDef::HostPath:
        w.obj("hostPath").kv("path", v.ref).kv("type", v.type).end().kv("name", v.name);
        break;
      case VolumeDef::Secret:
        w.kv("name", v.name).obj("secret").kv("defaultMode", 420).kv("secretName", v.ref).end();
        break;
    }
    w.end();
  }

  // The pod spec; a Pod (pod != nullptr) also has what admission and the scheduler add.
  void spec(JsonWriter& w, const WorkloadRec& wl, const PodRec* pod) {
    std::string token = pod ? "kube-api-access-" + safe_id(r_, 5) : "";
    const std::string* tok = pod ? &token : nullptr;
    w.obj("spec");
    w.arr("containers");
    for (const auto& c : wl.containers) container(w, c, tok);
    w.end();
    w.kv("dnsPolicy", wl.dns_policy);
    if (pod) w.kb("enableServiceLinks", true);
    if (wl.host_network) w.kb("hostNetwork", true);
    if (!wl.init.empty()) {
      w.arr("initContainers");
      for (const auto& c : wl.init) container(w, c, tok);
      w.end();
    }
    if (pod && pod->node != kNoNode) w.kv("nodeName", p_.nodes[pod->node].name);
    if (!wl.node_selector.empty()) labels(w, "nodeSelector", wl.node_selector);
    if (pod) w.kv("preemptionPolicy", "PreemptLowerPriority").kv("priority", wl.priority);
    if (!wl.priority_class.empty()) w.kv("priorityClassName", wl.priority_class);
    w.kv("restartPolicy", "Always").kv("schedulerName", "default-scheduler");
    w.obj("securityContext").end();
    if (pod) w.kv("serviceAccount", wl.sa);
    w.kv("serviceAccountName", wl.sa).kv("terminationGracePeriodSeconds", wl.grace);
    if (!wl.tolerations.empty() || pod) {
      w.arr("tolerations");
      for (const auto& t : wl.tolerations) {
        w.obj();
        if (!t.effect.empty()) w.kv("effect", t.effect);
        if (!t.key.empty()) w.kv("key", t.key);
        if (!t.op.empty()) w.kv("operator", t.op);
        w.end();
      }
      if (pod && !wl.host_network) {  // DefaultTolerationSeconds admission
        for (const char* k : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"})
          w.obj().kv("effect", "NoExecute").kv("key", k).kv("operator", "Exists").kv("tolerationSeconds", 300).end();
      }
      w.end();
    }
    if (!wl.volumes.empty() || pod) {
      w.arr("volumes");
      for (const auto& v : wl.volumes) volume(w, v);
      if (pod) {
        w.obj().kv("name", token).obj("projected").kv("defaultMode", 420).arr("sources");
        w.obj().obj("serviceAccountToken").kv("expirationSeconds", 3607).kv("path", "token").end().end();
        w.obj().obj("configMap").arr("items").obj().kv("key", "ca.crt").kv("path", "ca.crt").end().end();
        w.kv("name", "kube-root-ca.crt").end().end();
        w.obj().obj("downwardAPI").arr("items").obj().obj("fieldRef").kv("apiVersion", "v1");
        w.kv("fieldPath", "metadata.namespace").end().kv("path", "namespace").end().end().end().end();
        w.end().end().end();
      }
      w.end();
    }
    w.end();
  }

  void condition(JsonWriter& w, std::string_view type, bool ok, int64_t at, std::string_view reason = {},
                 std::string_view message = {}) {
    w.obj().knull("lastProbeTime").kv("lastTransitionTime", ts(at));
    if (!message.empty()) w.kv("message", message);
    if (!reason.empty()) w.kv("reason", reason);
    w.kv("status", ok ? "True" : "False").kv("type", type).end();
  }

  std::string container_id() { return "containerd://" + hex(r_, 64); }

  void terminated(JsonWriter& w, std::string_view key, int code, std::string_view reason, int64_t start, int64_t end) {
    w.obj(key).obj("terminated").kv("containerID", container_id()).kv("exitCode", code);
    w.kv("finishedAt", ts(end)).kv("reason", reason).kv("startedAt", ts(start)).end().end();
  }

  void pod(JsonWriter& w, const PodRec& pod) {
    const WorkloadRec& wl = p_.workloads[pod.workload];
    const std::string& ns = p_.namespaces[wl.ns].name;
    w.obj().kv("apiVersion", "v1").kv("kind", "Pod");
    // metadata
    w.obj("metadata");
    bool calico_ip = p_.calico && !wl.host_network && pod.ip != 0;
    if (calico_ip || !wl.pod_annotations.empty()) {
      w.obj("annotations");
      std::string ip = calico_ip ? ip4(pod.ip) + "/32" : "";
      if (calico_ip) {
        w.kv("cni.projectcalico.org/containerID", hex(r_, 64));
        w.kv("cni.projectcalico.org/podIP", ip).kv("cni.projectcalico.org/podIPs", ip);
      }
      for (const auto& [k, v] : wl.pod_annotations) w.kv(k, v);
      w.end();
    }
    w.kv("creationTimestamp", ts(pod.start));
    w.kv("generateName", wl.kind == "DaemonSet" ? wl.name + "-" : wl.name + "-" + wl.hash + "-");
    if (wl.kind == "DaemonSet")
      labels(w, "labels", wl.labels);
    else
      labels(w, "labels", wl.labels, "pod-template-hash", wl.hash);
    w.kv("name", pod.name).kv("namespace", ns);
    if (wl.kind == "DaemonSet") owner(w, "apps/v1", "DaemonSet", wl.name, wl.uid);
    else owner(w, "apps/v1", "ReplicaSet", wl.name + "-" + wl.hash, wl.rs_uid);
    w.kv("resourceVersion", rv()).kv("uid", pod.uid).end();
    spec(w, wl, &pod);
    pod_status(w, wl, pod);
    w.end();
  }

  void pod_status(JsonWriter& w, const WorkloadRec& wl, const PodRec& pod) {
    const std::string host = pod.node != kNoNode ? ip4(p_.nodes[pod.node].ip) : "";
    const std::string ip = pod.ip ? ip4(pod.ip) : "";
    int64_t t0 = pod.start, t_ready = pod.start + 8 + r_.below(20);
    w.obj("status");
    w.arr("conditions");
    if (pod.fault == Fault::Unschedulable) {
      std::string msg = "0/" + std::to_string(p_.nodes.size()) + " nodes are available: ";
      size_t cp = 0;
      for (const auto& n : p_.nodes) cp += n.control_plane;
      if (cp) msg += std::to_string(cp) + " node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, ";
      msg += std::to_string(p_.nodes.size() - cp) + " Insufficient memory. preemption: 0/" +
             std::to_string(p_.nodes.size()) + " nodes are available: " +
             (cp ? std::to_string(cp) + " Preemption is not helpful for scheduling, " : "") +
             std::to_string(p_.nodes.size() - cp) + " No preemption victims found for incoming pod.";
      condition(w, "PodScheduled", false, t0, "Unschedulable", msg);
      w.end();
      w.kv("phase", "Pending").kv("qosClass", wl.qos).end();
      return;
    }
    bool running = pod_running(pod), ready = pod_ready(pod);
    std::string unready;
    if (!ready) {
      unready = "containers with unready status: [" + wl.containers[0].name + "]";
    }
    condition(w, "PodReadyToStartContainers", running, t0 + 2);
    condition(w, "Initialized", true, t0 + 3);
    condition(w, "Ready", ready, t_ready, ready ? "" : "ContainersNotReady", unready);
    condition(w, "ContainersReady", ready, t_ready, ready ? "" : "ContainersNotReady", unready);
    condition(w, "PodScheduled", true, t0);
    w.end();
    w.arr("containerStatuses");
    for (size_t i = 0; i < wl.containers.size(); ++i) container_status(w, wl, pod, wl.containers[i], i == 0, t0);
    w.end();
    w.kv("hostIP", host).arr("hostIPs").obj().kv("ip", host).end().end();
    if (!wl.init.empty()) {
      w.arr("initContainerStatuses");
      int64_t t = t0 + 1;
      for (const auto& c : wl.init) {
        w.obj();
        if (running) w.kv("containerID", container_id());
        w.kv("image", c.image).kv("imageID", running ? image_id(c.image) : "");
        w.obj("lastState").end().kv("name", c.name).kb("ready", running).kv("restartCount", 0).kb("started", false);
        if (running) {
          w.obj("state").obj("terminated").kv("containerID", container_id()).kv("exitCode", 0);
          w.kv("finishedAt", ts(t + 1)).kv("reason", "Completed").kv("startedAt", ts(t)).end().end();
        } else {
          w.obj("state").obj("waiting").kv("reason", "PodInitializing").end().end();
        }
        w.end();
        t += 2;
      }
      w.end();
    }
    w.kv("phase", running ? "Running" : "Pending");
    if (!ip.empty()) w.kv("podIP", ip).arr("podIPs").obj().kv("ip", ip).end().end();
    w.kv("qosClass", wl.qos).kv("startTime", ts(t0)).end();
  }

  std::string image_id(const std::string& image) {
    std::string repo = image.substr(0, image.rfind(':'));
    return repo + "@sha256:" + hex(r_, 64);
  }

  void container_status(JsonWriter& w, const WorkloadRec& wl, const PodRec& pod, const ContainerDef& c, bool main,
                        int64_t t0) {
    Fault f = main ? pod.fault : (pod.fault == Fault::SandboxFailed ? pod.fault : Fault::None);
    w.obj();
    if (f != Fault::SandboxFailed) w.kv("containerID", container_id());
    w.kv("image", c.image).kv("imageID", f == Fault::SandboxFailed ? "" : image_id(c.image));
    int restarts = 0;
    int64_t last_end = kNow - 60 - r_.below(240);
    switch (f) {
      case Fault::CrashLoop:
        restarts = 20 + static_cast<int>(r_.below(200));
        terminated(w, "lastState", 1, "Error", last_end - 3, last_end);
        break;
      case Fault::OomRunning:
        restarts = 1 + static_cast<int>(r_.below(6));
        terminated(w, "lastState", 137, "OOMKilled", last_end - 3600, last_end - 1800);
        break;
      case Fault::Exit137:
        restarts = 1 + static_cast<int>(r_.below(3));
        terminated(w, "lastState", 137, "Error", last_end - 7200, last_end - 3600);
        break;
      default: w.obj("lastState").end();
    }
    bool ready = f == Fault::None || f == Fault::OomRunning || f == Fault::Exit137;
    w.kv("name", c.name).kb("ready", ready).kv("restartCount", restarts);
    w.kb("started", f != Fault::CrashLoop && f != Fault::SandboxFailed);
    w.obj("state");
    if (f == Fault::CrashLoop) {
      w.obj("waiting").kv("message", "back-off 5m0s restarting failed container=" + c.name + " pod=" + pod.name + "_" +
                                         p_.namespaces[wl.ns].name + "(" + pod.uid + ")");
      w.kv("reason", "CrashLoopBackOff").end();
    } else if (f == Fault::SandboxFailed) {
      w.obj("waiting").kv("reason", "ContainerCreating").end();
    } else {
      int64_t started = f == Fault::OomRunning || f == Fault::Exit137 ? last_end - 1799 : t0 + 5;
      w.obj("running").kv("startedAt", ts(started)).end();
    }
    w.end().end();
  }

  // ---- Workload objects ----

  void template_meta(JsonWriter& w, const WorkloadRec& wl, std::string_view hash) {
    w.obj("metadata");
    if (!wl.pod_annotations.empty()) labels(w, "annotations", wl.pod_annotations);
    w.knull("creationTimestamp");
    if (hash.empty()) labels(w, "labels", wl.labels);
    else labels(w, "labels", wl.labels, "pod-template-hash", hash);
    w.end();
  }

  int ready_pods(const WorkloadRec& wl) const {
    int n = 0;
    for (uint32_t i = wl.first_pod; i < wl.first_pod + wl.n_pods; ++i) n += pod_ready(p_.pods[i]);
    return n;
  }

  std::string last_applied(const WorkloadRec& wl) {
    const std::string& ns = p_.namespaces[wl.ns].name;
    const ContainerDef& c = wl.containers[0];
    std::string s = "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"labels\":{"
                    "\"app\":\"" + wl.name + "\",\"team\":\"" + wl.team + "\"},\"name\":\"" + wl.name +
                    "\",\"namespace\":\"" + ns + "\"},\"spec\":{\"replicas\":" + std::to_string(wl.replicas) +
                    ",\"selector\":{\"matchLabels\":{\"app\":\"" + wl.name + "\"}},\"template\":{\"metadata\":{"
                    "\"labels\":{";
    for (size_t i = 0; i < wl.labels.size(); ++i)
      s += (i ? "," : "") + ("\"" + wl.labels[i].first + "\":\"" + wl.labels[i].second + "\"");
    s += "}},\"spec\":{\"containers\":[{\"env\":[";
    for (size_t i = 0; i < c.env.size(); ++i) {
      const EnvDef& e = c.env[i];
      s += (i ? "," : "") + std::string("{\"name\":\"") + e.name + "\"";
      if (e.kind == EnvDef::Literal) s += ",\"value\":\"" + e.value + "\"}";
      else s += ",\"valueFrom\":{}}";
    }
    s += "],\"image\":\"" + c.image + "\",\"name\":\"" + c.name + "\",\"ports\":[{\"containerPort\":8080,\"name\":\"http\"}],"
         "\"resources\":{\"limits\":{\"cpu\":\"" + c.cpu_lim + "\",\"memory\":\"" + c.mem_lim +
         "\"},\"requests\":{\"cpu\":\"" + c.cpu_req + "\",\"memory\":\"" + c.mem_req + "\"}}}]}}}}\n";
    return s;
  }

  void deployment(JsonWriter& w, const WorkloadRec& wl) {
    const std::string& ns = p_.namespaces[wl.ns].name;
    int ready = ready_pods(wl);
    w.obj().kv("apiVersion", "apps/v1").kv("kind", "Deployment");
    w.obj("metadata").obj("annotations").kv("deployment.kubernetes.io/revision", std::to_string(wl.revision));
    if (wl.last_applied) w.kv("kubectl.kubernetes.io/last-applied-configuration", last_applied(wl));
    w.end();
    w.kv("creationTimestamp", ts(wl.created)).kv("generation", wl.revision);
    labels(w, "labels", wl.tpl == Tpl::App ? Labels{{"app", wl.name}, {"team", wl.team}} : wl.selector);
    w.kv("name", wl.name).kv("namespace", ns).kv("resourceVersion", rv()).kv("uid", wl.uid).end();
    w.obj("spec").kv("progressDeadlineSeconds", 600).kv("replicas", wl.replicas).kv("revisionHistoryLimit", 10);
    w.obj("selector");
    labels(w, "matchLabels", wl.selector);
    w.end();
    w.obj("strategy").obj("rollingUpdate").kv("maxSurge", "25%").kv("maxUnavailable", "25%").end();
    w.kv("type", "RollingUpdate").end();
    w.obj("template");
    template_meta(w, wl, "");
    spec(w, wl, nullptr);
    w.end().end();
    w.obj("status");
    if (ready) w.kv("availableReplicas", ready);
    w.arr("conditions");
    bool available = ready > 0 && ready >= wl.replicas - wl.replicas / 4;
    w.obj().kv("lastTransitionTime", ts(wl.rolled)).kv("lastUpdateTime", ts(wl.rolled));
    w.kv("message", available ? "Deployment has minimum availability." : "Deployment does not have minimum availability.");
    w.kv("reason", available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable");
    w.kv("status", available ? "True" : "False").kv("type", "Available").end();
    w.obj().kv("lastTransitionTime", ts(wl.created)).kv("lastUpdateTime", ts(wl.rolled + 30));
    w.kv("message", "ReplicaSet \"" + wl.name + "-" + wl.hash + "\" has successfully progressed.");
    w.kv("reason", "NewReplicaSetAvailable").kv("status", "True").kv("type", "Progressing").end();
    w.end();
    w.kv("observedGeneration", wl.revision);
    if (ready) w.kv("readyReplicas", ready);
    w.kv("replicas", wl.replicas);
    if (wl.replicas > ready) w.kv("unavailableReplicas", wl.replicas - ready);
    w.kv("updatedReplicas", wl.replicas).end();
    w.end();
  }

  void replica_set(JsonWriter& w, const WorkloadRec& wl, bool old) {
    const std::string& ns = p_.namespaces[wl.ns].name;
    const std::string& hash = old ? wl.old_hash : wl.hash;
    int replicas = old ? 0 : wl.replicas, ready = old ? 0 : ready_pods(wl);
    w.obj().kv("apiVersion", "apps/v1").kv("kind", "ReplicaSet");
    w.obj("metadata").obj("annotations");
    w.kv("deployment.kubernetes.io/desired-replicas", std::to_string(wl.replicas));
    w.kv("deployment.kubernetes.io/max-replicas", std::to_string(wl.replicas + (wl.replicas + 3) / 4));
    w.kv("deployment.kubernetes.io/revision", std::to_string(old ? wl.revision - 1 : wl.revision)).end();
    w.kv("creationTimestamp", ts(old ? wl.created : wl.rolled)).kv("generation", old ? 3 : 1);
    labels(w, "labels", wl.selector, "pod-template-hash", hash);
    w.kv("name", wl.name + "-" + hash).kv("namespace", ns);
    owner(w, "apps/v1", "Deployment", wl.name, wl.uid);
    w.kv("resourceVersion", rv()).kv("uid", old ? wl.old_rs_uid : wl.rs_uid).end();
    w.obj("spec").kv("replicas", replicas).obj("selector");
    labels(w, "matchLabels", wl.selector, "pod-template-hash", hash);
    w.end().obj("template");
    template_meta(w, wl, hash);
    spec(w, wl, nullptr);
    w.end().end();
    w.obj("status");
    if (ready) w.kv("availableReplicas", ready);
    if (replicas) w.kv("fullyLabeledReplicas", replicas);
    w.kv("observedGeneration", old ? 3 : 1);
    if (ready) w.kv("readyReplicas", ready);
    w.kv("replicas", replicas).end();
    w.end();
  }

  void daemon_set(JsonWriter& w, const WorkloadRec& wl) {
    const std::string& ns = p_.namespaces[wl.ns].name;
    int n = static_cast<int>(wl.n_pods), ready = ready_pods(wl);
    w.obj().kv("apiVersion", "apps/v1").kv("kind", "DaemonSet");
    w.obj("metadata").obj("annotations").kv("deprecated.daemonset.template.generation", "1").end();
    w.kv("creationTimestamp", ts(wl.created)).kv("generation", 1);
    labels(w, "labels", wl.selector);
    w.kv("name", wl.name).kv("namespace", ns).kv("resourceVersion", rv()).kv("uid", wl.uid).end();
    w.obj("spec").kv("revisionHistoryLimit", 10).obj("selector");
    labels(w, "matchLabels", wl.selector);
    w.end().obj("template");
    template_meta(w, wl, "");
    spec(w, wl, nullptr);
    w.end();
    w.obj("updateStrategy").obj("rollingUpdate").kv("maxSurge", 0).kv("maxUnavailable", 1).end();
    w.kv("type", "RollingUpdate").end().end();
    w.obj("status").kv("currentNumberScheduled", n).kv("desiredNumberScheduled", n);
    w.kv("numberAvailable", ready).kv("numberMisscheduled", 0).kv("numberReady", ready);
    if (n > ready) w.kv("numberUnavailable", n - ready);
    w.kv("observedGeneration", 1).kv("updatedNumberScheduled", n).end();
    w.end();
  }

  // ---- Nodes ----

  void node(JsonWriter& w, const NodeRec& n) {
    const uint32_t idx = static_cast<uint32_t>(&n - p_.nodes.data());
    const std::string ip = ip4(n.ip), cidr = ip4(kPodNet + idx * 256) + "/24";
    w.obj().kv("apiVersion", "v1").kv("kind", "Node");
    w.obj("metadata").obj("annotations");
    w.kv("kubeadm.alpha.kubernetes.io/cri-socket", "unix:///var/run/containerd/containerd.sock");
    w.kv("node.alpha.kubernetes.io/ttl", "0");
    if (p_.calico) {
      w.kv("projectcalico.org/IPv4Address", ip + "/16");
      w.kv("projectcalico.org/IPv4IPIPTunnelAddr", ip4(kPodNet + idx * 256 + 1));
    } else {
      p_.vtep_macs.push_back(mac());
      w.kv("flannel.alpha.coreos.com/backend-data", "{\"VNI\":1,\"VtepMAC\":\"" + p_.vtep_macs.back() + "\"}");
      w.kv("flannel.alpha.coreos.com/backend-type", "vxlan").kv("flannel.alpha.coreos.com/kube-subnet-manager", "true");
      w.kv("flannel.alpha.coreos.com/public-ip", ip);
    }
    w.kv("volumes.kubernetes.io/controller-managed-attach-detach", "true").end();
    w.kv("creationTimestamp", ts(n.created));
    w.obj("labels").kv("beta.kubernetes.io/arch", "amd64").kv("beta.kubernetes.io/instance-type", n.instance_type);
    w.kv("beta.kubernetes.io/os", "linux").kv("kubernetes.io/arch", "amd64").kv("kubernetes.io/hostname", n.name);
    w.kv("kubernetes.io/os", "linux");
    if (n.control_plane) {
      w.kv("node-role.kubernetes.io/control-plane", "");
      w.kv("node.kubernetes.io/exclude-from-external-load-balancers", "");
    }
    w.kv("node.kubernetes.io/instance-type", n.instance_type).kv("topology.kubernetes.io/region", "region-1");
    w.kv("topology.kubernetes.io/zone", n.zone).end();
    w.kv("name", n.name).kv("resourceVersion", rv()).kv("uid", n.uid).end();
    w.obj("spec").kv("podCIDR", cidr).arr("podCIDRs").s(cidr).end();
    if (n.control_plane || n.broken) {
      w.arr("taints");
      if (n.control_plane) w.obj().kv("effect", "NoSchedule").kv("key", "node-role.kubernetes.io/control-plane").end();
      if (n.broken) {
        w.obj().kv("effect", "NoSchedule").kv("key", "node.kubernetes.io/not-ready").kv("timeAdded", ts(kNow - 1900)).end();
        w.obj().kv("effect", "NoExecute").kv("key", "node.kubernetes.io/not-ready").kv("timeAdded", ts(kNow - 1800)).end();
      }
      w.end();
    }
    w.end();
    w.obj("status").arr("addresses");
    w.obj().kv("address", ip).kv("type", "InternalIP").end();
    w.obj().kv("address", n.name).kv("type", "Hostname").end().end();
    for (const char* key : {"allocatable", "capacity"}) {
      bool cap = key[0] == 'c';
      w.obj(key).kv("cpu", cap ? "8" : "7910m").kv("ephemeral-storage", cap ? "203056560Ki" : "187136925387");
      w.kv("hugepages-1Gi", "0").kv("hugepages-2Mi", "0").kv("memory", cap ? "32475412Ki" : "31860212Ki");
      w.kv("pods", "110").end();
    }
    w.arr("conditions");
    int64_t hb = kNow - r_.below(40);
    auto cond = [&](const char* type, bool status, const char* reason, const std::string& msg, int64_t since) {
      w.obj().kv("lastHeartbeatTime", ts(hb)).kv("lastTransitionTime", ts(since)).kv("message", msg);
      w.kv("reason", reason).kv("status", status ? "True" : "False").kv("type", type).end();
    };
    if (p_.calico) {
      if (n.broken) cond("NetworkUnavailable", true, "CalicoIsDown", "Calico is shutting down on this node", kNow - 1900);
      else cond("NetworkUnavailable", false, "CalicoIsUp", "Calico is running on this node", n.created + 120);
    } else {
      cond("NetworkUnavailable", false, "FlannelIsUp", "Flannel is running on this node", n.created + 120);
    }
    cond("MemoryPressure", false, "KubeletHasSufficientMemory", "kubelet has sufficient memory available", n.created);
    cond("DiskPressure", false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure", n.created);
    cond("PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available", n.created);
    if (n.broken)
      cond("Ready", false, "KubeletNotReady",
           "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network "
           "plugin returns error: cni plugin not initialized",
           kNow - 1900);
    else
      cond("Ready", true, "KubeletReady", "kubelet is posting ready status", n.created + 90);
    w.end();
    w.obj("daemonEndpoints").obj("kubeletEndpoint").kv("Port", 10250).end().end();
    w.arr("images");
    static constexpr std::pair<std::string_view, int64_t> kImages[] = {
        {"docker.io/calico/cni:v3.27.2", 94462391},          {"docker.io/calico/node:v3.27.2", 117468592},
        {"registry.k8s.io/kube-proxy:v1.29.4", 28367562},    {"registry.k8s.io/coredns/coredns:v1.11.1", 18182961},
        {"registry.example.internal/platform/fluent-bit:2.2.2", 39711512},
        {"registry.example.internal/library/busybox:1.36", 2231050},
        {"registry.k8s.io/pause:3.9", 321520}};
    for (const auto& [image, size] : kImages) {
      std::string repo(image.substr(0, image.rfind(':')));
      w.obj().arr("names").s(repo + "@sha256:" + hex(r_, 64)).s(image).end().kv("sizeBytes", size).end();
    }
    w.end();
    w.obj("nodeInfo").kv("architecture", "amd64").kv("bootID", n.boot_id);
    w.kv("containerRuntimeVersion", "containerd://1.7.13").kv("kernelVersion", "6.1.0-18-cloud-amd64");
    w.kv("kubeProxyVersion", "v1.29.4").kv("kubeletVersion", "v1.29.4").kv("machineID", n.machine_id);
    w.kv("operatingSystem", "linux").kv("osImage", "Debian GNU/Linux 12 (bookworm)").kv("systemUUID", uid(r_)).end();
    w.end();
    w.end();
  }

  std::string mac() {
    std::string m = hex(r_, 12);
    std::string out;
    for (size_t i = 0; i < 12; i += 2) out += (i ? ":" : "") + m.substr(i, 2);
    return out;
  }

  // ---- Services, Endpoints, EndpointSlices ----

  void service(JsonWriter& w, const ServiceRec& s) {
    w.obj().kv("apiVersion", "v1").kv("kind", "Service");
    w.obj("metadata").kv("creationTimestamp", ts(s.created));
    labels(w, "labels", s.labels);
    w.kv("name", s.name).kv("namespace", p_.namespaces[s.ns].name).kv("resourceVersion", rv()).kv("uid", s.uid).end();
    const std::string ip = ip4(s.ip);
    w.obj("spec").kv("clusterIP", ip).arr("clusterIPs").s(ip).end();
    if (s.type == "NodePort") w.kv("externalTrafficPolicy", "Cluster");
    w.kv("internalTrafficPolicy", "Cluster").arr("ipFamilies").s("IPv4").end().kv("ipFamilyPolicy", "SingleStack");
    w.arr("ports");
    for (size_t i = 0; i < s.ports.size(); ++i) {
      w.obj().kv("name", s.ports[i].name);
      if (s.node_ports[i]) w.kv("nodePort", s.node_ports[i]);
      w.kv("port", s.ports[i].port).kv("protocol", s.ports[i].protocol);
      if (s.target_ports[i]) w.kv("targetPort", s.target_ports[i]);
      else w.kv("targetPort", s.target_names[i]);
      w.end();
    }
    w.end();
    if (!s.selector.empty()) labels(w, "selector", s.selector);
    w.kv("sessionAffinity", "None").kv("type", s.type).end();
    w.obj("status").obj("loadBalancer").end().end();
    w.end();
  }

  // The addresses of a Service: the selected pods with an IP (none when the selector has the typo).
  template <typename F>
  void each_endpoint(const ServiceRec& s, F&& f) {
    if (s.workload == UINT32_MAX) {  // the kubernetes Service: the control plane nodes
      for (const auto& n : p_.nodes)
        if (n.control_plane || p_.nodes.size() < 10) {
          f(ip4(n.ip), static_cast<const PodRec*>(nullptr), true);
          if (p_.nodes.size() < 10) break;
        }
      return;
    }
    if (s.selector_typo) return;
    const WorkloadRec& wl = p_.workloads[s.workload];
    for (uint32_t i = wl.first_pod; i < wl.first_pod + wl.n_pods; ++i) {
      const PodRec& pod = p_.pods[i];
      if (pod.ip == 0 || !pod_running(pod)) continue;
      f(ip4(pod.ip), &pod, pod_ready(pod));
    }
  }

  void target_ref(JsonWriter& w, const PodRec& pod) {
    const WorkloadRec& wl = p_.workloads[pod.workload];
    w.obj("targetRef").kv("kind", "Pod").kv("name", pod.name).kv("namespace", p_.namespaces[wl.ns].name);
    w.kv("uid", pod.uid).end();
  }

  void endpoints(JsonWriter& w, const ServiceRec& s) {
    w.obj().kv("apiVersion", "v1").kv("kind", "Endpoints");
    w.obj("metadata");
    if (s.workload != UINT32_MAX)
      w.obj("annotations").kv("endpoints.kubernetes.io/last-change-trigger-time", ts(kNow - r_.below(86400))).end();
    w.kv("creationTimestamp", ts(s.created));
    labels(w, "labels", s.labels);
    w.kv("name", s.name).kv("namespace", p_.namespaces[s.ns].name).kv("resourceVersion", rv()).kv("uid", uid(r_)).end();
    size_t ready = 0, not_ready = 0;
    each_endpoint(s, [&](const std::string&, const PodRec*, bool ok) { (ok ? ready : not_ready)++; });
    if (ready + not_ready > 0) {
      w.arr("subsets").obj();
      for (int pass = 0; pass < 2; ++pass) {
        bool want = pass == 0;
        if ((want ? ready : not_ready) == 0) continue;
        w.arr(want ? "addresses" : "notReadyAddresses");
        each_endpoint(s, [&](const std::string& ip, const PodRec* pod, bool ok) {
          if (ok != want) return;
          w.obj().kv("ip", ip);
          if (pod) {
            w.kv("nodeName", p_.nodes[pod->node].name);
            target_ref(w, *pod);
          }
          w.end();
        });
        w.end();
      }
      w.arr("ports");
      for (size_t i = 0; i < s.ports.size(); ++i)
        w.obj().kv("name", s.ports[i].name).kv("port", s.resolved[i]).kv("protocol", s.ports[i].protocol).end();
      w.end().end().end();
    }
    w.end();
  }

  void endpoint_slice(JsonWriter& w, const ServiceRec& s) {
    const std::string& ns = p_.namespaces[s.ns].name;
    w.obj().kv("addressType", "IPv4").kv("apiVersion", "discovery.k8s.io/v1");
    size_t count = 0;
    each_endpoint(s, [&](const std::string&, const PodRec*, bool) { ++count; });
    if (count == 0) w.knull("endpoints");
    else {
      w.arr("endpoints");
      each_endpoint(s, [&](const std::string& ip, const PodRec* pod, bool ok) {
        w.obj().arr("addresses").s(ip).end();
        w.obj("conditions").kb("ready", ok).kb("serving", ok).kb("terminating", false).end();
        if (pod) {
          const NodeRec& n = p_.nodes[pod->node];
          w.kv("nodeName", n.name);
          target_ref(w, *pod);
          w.kv("zone", n.zone);
        }
        w.end();
      });
      w.end();
    }
    w.kv("kind", "EndpointSlice");
    w.obj("metadata");
    if (s.workload != UINT32_MAX)
      w.obj("annotations").kv("endpoints.kubernetes.io/last-change-trigger-time", ts(kNow - r_.below(86400))).end();
    w.kv("creationTimestamp", ts(s.created));
    if (s.workload != UINT32_MAX) w.kv("generateName", s.name + "-");
    w.kv("generation", 1 + static_cast<int>(r_.below(40)));
    Labels l = s.labels;
    l.emplace_back("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io");
    l.emplace_back("kubernetes.io/service-name", s.name);
    sort_labels(l);
    labels(w, "labels", l);
    w.kv("name", s.workload == UINT32_MAX ? s.name : s.name + "-" + s.slice).kv("namespace", ns);
    if (s.workload != UINT32_MAX) {
      w.arr("ownerReferences").obj().kv("apiVersion", "v1").kb("blockOwnerDeletion", true).kb("controller", true);
      w.kv("kind", "Service").kv("name", s.name).kv("uid", s.uid).end().end();
    }
    w.kv("resourceVersion", rv()).kv("uid", uid(r_)).end();
    w.arr("ports");
    for (size_t i = 0; i < s.ports.size(); ++i)
      w.obj().kv("name", s.ports[i].name).kv("port", s.resolved[i]).kv("protocol", s.ports[i].protocol).end();
    w.end();
    w.end();
  }

  // ---- ConfigMaps, Namespaces, IPPools ----

  void config_map(JsonWriter& w, const std::string& ns, const std::string& name, const Labels& data,
                  const Labels& annotations = {}, int64_t created = kNow - 300 * kDay) {
    w.obj().kv("apiVersion", "v1").obj("data");
    for (const auto& [k, v] : data) w.kv(k, v);
    w.end().kv("kind", "ConfigMap").obj("metadata");
    if (!annotations.empty()) labels(w, "annotations", annotations);
    w.kv("creationTimestamp", ts(created)).kv("name", name).kv("namespace", ns).kv("resourceVersion", rv());
    w.kv("uid", uid(r_)).end();
    w.end();
  }

  void namespace_obj(JsonWriter& w, const NamespaceRec& n) {
    w.obj().kv("apiVersion", "v1").kv("kind", "Namespace");
    w.obj("metadata").kv("creationTimestamp", ts(n.created));
    w.obj("labels").kv("kubernetes.io/metadata.name", n.name).end();
    w.kv("name", n.name).kv("resourceVersion", rv()).kv("uid", n.uid).end();
    w.obj("spec").arr("finalizers").s("kubernetes").end().end();
    w.obj("status").kv("phase", "Active").end();
    w.end();
  }

  // ---- Events ----

  void event(JsonWriter& w, const std::string& ns, std::string_view kind, const std::string& name,
             const std::string& obj_uid, std::string_view field_path, std::string_view reason, const std::string& msg,
             bool warning, int count, int64_t first, int64_t last, std::string_view component, const std::string& host) {
    w.obj().kv("apiVersion", "v1").kv("count", count).knull("eventTime").kv("firstTimestamp", ts(first));
    w.obj("involvedObject").kv("apiVersion", kind == "Pod" || kind == "Node" ? "v1" : "apps/v1");
    if (!field_path.empty()) w.kv("fieldPath", field_path);
    w.kv("kind", kind).kv("name", name);
    if (!ns.empty()) w.kv("namespace", ns);
    w.kv("resourceVersion", rv()).kv("uid", obj_uid).end();
    w.kv("kind", "Event").kv("lastTimestamp", ts(last)).kv("message", msg);
    w.obj("metadata").kv("creationTimestamp", ts(first)).kv("name", name + "." + hex(r_, 16));
    w.kv("namespace", ns.empty() ? "default" : ns).kv("resourceVersion", rv()).kv("uid", uid(r_)).end();
    w.kv("reason", reason).kv("reportingComponent", component).kv("reportingInstance", host);
    w.obj("source").kv("component", component);
    if (!host.empty()) w.kv("host", host);
    w.end().kv("type", warning ? "Warning" : "Normal").end();
  }

 private:
  Plan& p_;
  Rng& r_;
};


// ---- Files ------------------------------------------------------------------------------------------

// Writes one `kubectl get KIND -A -o json` List; item(w) writes the items and returns how many.
std::string write_list(const fs::path& dir, const std::string& file, GenStats& stats,
                       const std::function<size_t(JsonWriter&)>& items) {
  fs::path path = dir / file;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return path.string() + ": cannot create: " + std::strerror(errno);
  size_t n = 0, bytes = 0;
  bool failed = false;
  {
    JsonWriter w(f);
    w.obj().kv("apiVersion", "v1").arr("items");
    n = items(w);
    w.end().kv("kind", "List").obj("metadata").kv("resourceVersion", "").end().end();
    w.flush();
    bytes = w.bytes();
    failed = w.failed();
  }
  if (std::fclose(f) != 0 || failed) return path.string() + ": write failed: " + std::strerror(errno);
  stats.files.push_back({file, bytes, n});
  stats.bytes += bytes;
  stats.objects += n;
  return "";
}

}  // namespace

std::string write_snapshot(Plan& p, Rng& r, GenStats& stats) {
  fs::path dir = p.opts.out;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return dir.string() + ": cannot create directory: " + ec.message();
  Out out(p, r);
  std::string err;
  auto list = [&](const std::string& file, const std::function<size_t(JsonWriter&)>& items) {
    if (err.empty()) err = write_list(dir, file, stats, items);
  };

  list("namespaces.json", [&](JsonWriter& w) {
    for (const auto& n : p.namespaces) out.namespace_obj(w, n);
    return p.namespaces.size();
  });
  list("nodes.json", [&](JsonWriter& w) {
    for (const auto& n : p.nodes) out.node(w, n);
    return p.nodes.size();
  });
  list("pods.json", [&](JsonWriter& w) {
    for (const auto& pod : p.pods) out.pod(w, pod);
    return p.pods.size();
  });
  list("daemonsets.json", [&](JsonWriter& w) {
    size_t n = 0;
    for (const auto& wl : p.workloads)
      if (wl.kind == "DaemonSet") out.daemon_set(w, wl), ++n;
    return n;
  });
  list("deployments.json", [&](JsonWriter& w) {
    size_t n = 0;
    for (const auto& wl : p.workloads)
      if (wl.kind == "Deployment") out.deployment(w, wl), ++n;
    return n;
  });
  list("replicasets.json", [&](JsonWriter& w) {
    size_t n = 0;
    for (const auto& wl : p.workloads) {
      if (wl.kind != "Deployment") continue;
      if (wl.has_old_rs) out.replica_set(w, wl, true), ++n;
      out.replica_set(w, wl, false), ++n;
    }
    return n;
  });
  list("services.json", [&](JsonWriter& w) {
    for (const auto& s : p.services) out.service(w, s);
    return p.services.size();
  });
  list("endpoints.json", [&](JsonWriter& w) {
    for (const auto& s : p.services) out.endpoints(w, s);
    return p.services.size();
  });
  list("endpointslices.json", [&](JsonWriter& w) {
    for (const auto& s : p.services) out.endpoint_slice(w, s);
    return p.services.size();
  });
  list("configmaps.json", [&](JsonWriter& w) {
    size_t n = 0;
    const Labels ca_note = {{"kubernetes.io/description",
                             "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
                             "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
                             "guaranteed across distributions of Kubernetes clusters."}};
    for (const auto& ns : p.namespaces) out.config_map(w, ns.name, "kube-root-ca.crt", {{"ca.crt", p.ca_pem}}, ca_note), ++n;
    out.config_map(w, "kube-system", "coredns",
                   {{"Corefile",
                     ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local "
                     "in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       "
                     "ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent "
                     "1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n"}});
    ++n;
    out.config_map(w, "kube-system", "kube-proxy",
                   {{"config.conf",
                     "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nbindAddress: 0.0.0.0\nclientConnection:\n  "
                     "kubeconfig: /var/lib/kube-proxy/kubeconfig.conf\nclusterCIDR: " + std::string(kPodCidr) +
                         "\nconfigSyncPeriod: 0s\nconntrack:\n  maxPerCore: null\n  min: null\nkind: "
                         "KubeProxyConfiguration\nmetricsBindAddress: \"\"\nmode: \"\"\nportRange: \"\"\n"},
                    {"kubeconfig.conf",
                     "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority: "
                     "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt\n    server: https://" +
                         ip4(p.nodes[0].ip) +
                         ":6443\n  name: default\ncontexts:\n- context:\n    cluster: default\n    namespace: default\n"
                         "    user: default\n  name: default\ncurrent-context: default\nusers:\n- name: default\n  "
                         "user:\n    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token\n"}});
    ++n;
    if (p.calico) {
      out.config_map(w, "kube-system", "calico-config",
                     {{"calico_backend", "bird"},
                      {"cni_network_config",
                       "{\n  \"name\": \"k8s-pod-network\",\n  \"cniVersion\": \"0.3.1\",\n  \"plugins\": [\n    {\n      "
                       "\"type\": \"calico\",\n      \"log_level\": \"info\",\n      \"log_file_path\": "
                       "\"/var/log/calico/cni/cni.log\",\n      \"datastore_type\": \"kubernetes\",\n      \"nodename\": "
                       "\"__KUBERNETES_NODE_NAME__\",\n      \"mtu\": __CNI_MTU__,\n      \"ipam\": {\n          \"type\": "
                       "\"calico-ipam\"\n      },\n      \"policy\": {\n          \"type\": \"k8s\"\n      },\n      "
                       "\"kubernetes\": {\n          \"kubeconfig\": \"__KUBECONFIG_FILEPATH__\"\n      }\n    },\n    {\n"
                       "      \"type\": \"portmap\",\n      \"snat\": true,\n      \"capabilities\": {\"portMappings\": "
                       "true}\n    },\n    {\n      \"type\": \"bandwidth\",\n      \"capabilities\": {\"bandwidth\": "
                       "true}\n    }\n  ]\n}"},
                      {"typha_service_name", "none"},
                      {"veth_mtu", "0"}});
    } else {
      out.config_map(w, "kube-flannel", "kube-flannel-cfg",
                     {{"cni-conf.json",
                       "{\n  \"name\": \"cbr0\",\n  \"cniVersion\": \"0.3.1\",\n  \"plugins\": [\n    {\n      \"type\": "
                       "\"flannel\",\n      \"delegate\": {\n        \"hairpinMode\": true,\n        \"isDefaultGateway\": "
                       "true\n      }\n    },\n    {\n      \"type\": \"portmap\",\n      \"capabilities\": {\n        "
                       "\"portMappings\": true\n      }\n    }\n  ]\n}\n"},
                      {"net-conf.json", "{\n  \"Network\": \"" + std::string(kPodCidr) +
                                            "\",\n  \"EnableNFTables\": false,\n  \"Backend\": {\n    \"Type\": "
                                            "\"vxlan\"\n  }\n}\n"}},
                     {}, kNow - 399 * kDay);
    }
    ++n;
    for (const auto& wl : p.workloads) {
      if (!wl.has_cm) continue;
      const std::string& ns = p.namespaces[wl.ns].name;
      out.config_map(w, ns, wl.name + "-config",
                     {{"LOG_FORMAT", "json"},
                      {"application.yaml",
                       "server:\n  port: 8080\n  shutdown: graceful\nmanagement:\n  port: 9090\n  endpoints:\n    "
                       "web:\n      exposure:\n        include: health,info,prometheus\nclients:\n  inventory:\n    "
                       "url: http://stock-api." + ns + ".svc.cluster.local\n    timeout: 2s\n  payments:\n    url: "
                       "http://payments-api.payments.svc.cluster.local\n    timeout: 5s\ncache:\n  ttl: 300s\n"},
                      {"feature-flags", "new-checkout=true,async-billing=false,search-v2=true,dark-mode=true"}},
                     {}, wl.created);
      ++n;
    }
    stats.config_maps = n;
    return n;
  });
  if (p.calico) {
    list("ippools.json", [&](JsonWriter& w) {
      w.obj().kv("apiVersion", "crd.projectcalico.org/v1").kv("kind", "IPPool");
      w.obj("metadata").obj("annotations").kv("projectcalico.org/metadata", "{\"creationTimestamp\":null}").end();
      w.kv("creationTimestamp", ts(kNow - 399 * kDay)).kv("generation", 1).kv("name", "default-ipv4-ippool");
      w.kv("resourceVersion", out.rv()).kv("uid", uid(r)).end();
      w.obj("spec").kv("allowedUses", 0).kv("blockSize", 26).kv("cidr", kPodCidr).kv("ipipMode", "Always");
      w.kv("natOutgoing", true).kv("nodeSelector", "all()").kv("vxlanMode", "Never").end();
      w.end();
      return size_t{1};
    });
  }
  list("events.json", [&](JsonWriter& w) {
    size_t n = 0;
    for (const auto& pod : p.pods) {
      const WorkloadRec& wl = p.workloads[pod.workload];
      const std::string& ns = p.namespaces[wl.ns].name;
      const std::string host = pod.node != kNoNode ? p.nodes[pod.node].name : "";
      const std::string& c = wl.containers[0].name;
      const std::string field = "spec.containers{" + c + "}";
      switch (pod.fault) {
        case Fault::CrashLoop:
          out.event(w, ns, "Pod", pod.name, pod.uid, field, "BackOff",
                    "Back-off restarting failed container " + c + " in pod " + pod.name + "_" + ns + "(" + pod.uid + ")",
                    true, 300 + static_cast<int>(r.below(3000)), kNow - 5 * kDay, kNow - 30, "kubelet", host);
          ++n;
          if (wl.tpl == Tpl::CalicoNode) {
            out.event(w, ns, "Pod", pod.name, pod.uid, field, "Unhealthy",
                      "Readiness probe failed: calico/node is not ready: BIRD is not ready: Error querying BIRD: unable "
                      "to connect to BIRDv4 socket: dial unix /var/run/calico/bird.ctl: connect: connection refused",
                      true, 180, kNow - 1900, kNow - 20, "kubelet", host);
            ++n;
          }
          break;
        case Fault::Unschedulable:
          out.event(w, ns, "Pod", pod.name, pod.uid, "", "FailedScheduling",
                    "0/" + std::to_string(p.nodes.size()) + " nodes are available: " +
                        std::to_string(p.nodes.size()) + " Insufficient memory.",
                    true, 1, kNow - 3600, kNow - 3600, "default-scheduler", "");
          ++n;
          break;
        case Fault::SandboxFailed:
          out.event(w, ns, "Pod", pod.name, pod.uid, "", "FailedCreatePodSandBox",
                    "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "
                    "\"" + hex(r, 64) + "\": plugin type=\"" + std::string(p.calico ? "calico" : "flannel") +
                        "\" failed (add): " +
                        (p.calico ? "stat /var/lib/calico/nodename: no such file or directory: check that the "
                                    "calico/node container is running and has mounted /var/lib/calico/"
                                  : "loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory"),
                    true, 40, kNow - 1800, kNow - 25, "kubelet", host);
          ++n;
          break;
        case Fault::NotReady:
          out.event(w, ns, "Pod", pod.name, pod.uid, field, "Unhealthy",
                    "Readiness probe failed: HTTP probe failed with statuscode: 503", true, 900, kNow - kDay, kNow - 10,
                    "kubelet", host);
          ++n;
          break;
        case Fault::OomRunning:
          out.event(w, ns, "Pod", pod.name, pod.uid, field, "Pulled",
                    "Container image \"" + wl.containers[0].image + "\" already present on machine", false, 4,
                    kNow - kDay, kNow - 1800, "kubelet", host);
          ++n;
          break;
        default: break;
      }
      if (wl.recent && pod.fault == Fault::None) {  // a rollout in the last hour
        int64_t t = pod.start;
        out.event(w, ns, "Pod", pod.name, pod.uid, "", "Scheduled",
                  "Successfully assigned " + ns + "/" + pod.name + " to " + host, false, 1, t, t, "default-scheduler", "");
        const std::string& image = wl.containers[0].image;
        out.event(w, ns, "Pod", pod.name, pod.uid, field, "Pulling", "Pulling image \"" + image + "\"", false, 1, t + 1,
                  t + 1, "kubelet", host);
        out.event(w, ns, "Pod", pod.name, pod.uid, field, "Pulled",
                  "Successfully pulled image \"" + image + "\" in 1.873s (1.873s including waiting)", false, 1, t + 3,
                  t + 3, "kubelet", host);
        out.event(w, ns, "Pod", pod.name, pod.uid, field, "Created", "Created container " + c, false, 1, t + 4, t + 4,
                  "kubelet", host);
        out.event(w, ns, "Pod", pod.name, pod.uid, field, "Started", "Started container " + c, false, 1, t + 4, t + 4,
                  "kubelet", host);
        n += 5;
      }
    }
    for (const auto& node : p.nodes) {
      if (!node.broken) continue;
      out.event(w, "", "Node", node.name, node.uid, "", "NodeNotReady", "Node " + node.name + " status is now: NodeNotReady",
                false, 1, kNow - 1900, kNow - 1900, "node-controller", "");
      ++n;
    }
    stats.events = n;
    return n;
  });
  return err;
}

}  // namespace ndbench::detail
