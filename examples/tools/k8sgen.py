"""Builders for Kubernetes objects shaped the way the API server returns them.

The examples under examples/ are written by gen_examples.py with these helpers, so that names, uids,
IP addresses and owner references stay consistent inside each snapshot. Objects are built as ordered
dicts in the field order of the Go structs (what `kubectl cluster-info dump` prints, because it prints
typed objects); the `kubectl get -o json|yaml` writers sort keys, as kubectl does for the unstructured
objects it prints.

Only private and documentation address ranges are used, and images come from a private registry
mirror name (harbor.corp.internal), so nothing in the examples names a public host.
"""

import datetime as _dt
import hashlib
import json
import os
import random

import yaml

REG = "harbor.corp.internal"
ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery/pkg/util/rand


# ---------------------------------------------------------------------------------------------
# Identifiers and time


def sha(seed, n=64):
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def make_uid(seed):
    x = sha("uid:" + seed, 32)
    return "%s-%s-4%s-%s%s-%s" % (x[:8], x[8:12], x[13:16], "89ab"[int(x[16], 16) % 4], x[17:20], x[20:32])


def rand_suffix(seed, n=5):
    digest = hashlib.sha256(("sfx:" + seed).encode()).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:n])


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def micro(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Ex:
    """One example snapshot: its clock, its objects and its logs."""

    def __init__(self, name, now, k8s="v1.29.4"):
        self.name = name
        self.now = _dt.datetime.strptime(now, "%Y-%m-%dT%H:%M:%SZ")
        self.k8s = k8s
        self.rng = random.Random(name)
        self._rv = 100000 + self.rng.randrange(1, 900000)
        self.objs = []  # (kind, obj) in creation order
        self.logs = {}  # (ns, pod, container, previous) -> text
        self.node_ips = {}  # node name -> InternalIP
        self.cluster_cidr = "10.244.0.0/16"
        self.seen_names = {}

    # time: ago(days=..., hours=..., minutes=..., seconds=...)
    def at(self, **ago):
        return self.now - _dt.timedelta(**ago)

    def ts(self, **ago):
        return rfc3339(self.at(**ago))

    def rv(self):
        self._rv += self.rng.randrange(3, 400)
        return str(self._rv)

    def uid(self, seed):
        return make_uid(self.name + "/" + seed)

    def hexid(self, seed, n=64):
        return sha(self.name + "/" + seed, n)

    def add(self, kind, obj):
        self.objs.append((kind, obj))
        return obj

    def of_kind(self, kind, ns=None):
        out = []
        for k, o in self.objs:
            if k != kind:
                continue
            if ns is not None and o["metadata"].get("namespace") != ns:
                continue
            out.append(o)
        return out

    def namespaces(self):
        seen = []
        for _, o in self.objs:
            n = o["metadata"].get("namespace")
            if n and n not in seen:
                seen.append(n)
        return seen

    def log(self, ns, pod, container, text, previous=False):
        self.logs[(ns, pod, container, previous)] = text


def meta(ex, name, ns=None, *, created, labels=None, annotations=None, owners=None, generate_name=None,
         generation=None, uid_seed=None, finalizers=None):
    m = {"name": name}
    if generate_name:
        m["generateName"] = generate_name
    if ns:
        m["namespace"] = ns
    if uid_seed is None:
        # objects of different kinds may share a name (Deployment, Service, Endpoints "web"): number them
        base = "%s/%s" % (ns or "", name)
        n = ex.seen_names.get(base, 0)
        ex.seen_names[base] = n + 1
        uid_seed = base if n == 0 else "%s#%d" % (base, n)
    m["uid"] = ex.uid(uid_seed)
    m["resourceVersion"] = ex.rv()
    if generation is not None:
        m["generation"] = generation
    m["creationTimestamp"] = created
    if labels:
        m["labels"] = dict(labels)
    if annotations:
        m["annotations"] = dict(annotations)
    if owners:
        m["ownerReferences"] = owners
    if finalizers:
        m["finalizers"] = finalizers
    return m


def owner(kind, obj, api="apps/v1", controller=True):
    o = {"apiVersion": api, "kind": kind, "name": obj["metadata"]["name"], "uid": obj["metadata"]["uid"]}
    if controller:
        o["controller"] = True
        o["blockOwnerDeletion"] = True
    return o


def typed(kind, api, m, **rest):
    d = {"kind": kind, "apiVersion": api, "metadata": m}
    d.update(rest)
    return d


# ---------------------------------------------------------------------------------------------
# Nodes

NODE_IMAGES = [
    ("calico/node:v3.27.3", 117512331),
    ("calico/cni:v3.27.3", 94235877),
    ("flannel/flannel:v0.25.1", 31331235),
    ("flannel/flannel-cni-plugin:v1.4.1-flannel1", 4725472),
    ("k8s/kube-proxy:v1.29.4", 28381342),
    ("coredns/coredns:v1.11.1", 18182961),
    ("k8s/pause:3.9", 321520),
]


def node(ex, name, ip, *, created, cp=False, pod_cidr=None, cni=None, cni_since=None, ready=True,
         ready_since=None, not_ready_message=None, taints=None, extra_annotations=None, cpu="4",
         memory="8148316Ki", kernel="5.15.0-105-generic", os_image="Ubuntu 22.04.4 LTS", vtep_seed=None,
         tunnel_addr=None, interface_cidr=24, images=("k8s/kube-proxy:v1.29.4", "k8s/pause:3.9")):
    """cni: None, 'calico-ipip', 'calico-vxlan', 'calico-bgp', 'flannel-vxlan', 'flannel-host-gw'."""
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
    }
    if cp:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    ann = {}
    if cni and cni.startswith("flannel"):
        backend = cni.split("-", 1)[1]
        if backend == "vxlan":
            mac = ":".join(ex.hexid("vtep" + name, 12)[i:i + 2] for i in range(0, 12, 2))
            mac = "%02x" % ((int(mac[:2], 16) & 0xFE) | 0x02) + mac[2:]
            ann["flannel.alpha.coreos.com/backend-data"] = '{"VNI":1,"VtepMAC":"%s"}' % mac
        else:
            ann["flannel.alpha.coreos.com/backend-data"] = "null"
        ann["flannel.alpha.coreos.com/backend-type"] = backend
        ann["flannel.alpha.coreos.com/kube-subnet-manager"] = "true"
        ann["flannel.alpha.coreos.com/public-ip"] = ip
    ann["kubeadm.alpha.kubernetes.io/cri-socket"] = "unix:///var/run/containerd/containerd.sock"
    ann["node.alpha.kubernetes.io/ttl"] = "0"
    if cni and cni.startswith("calico"):
        ann["projectcalico.org/IPv4Address"] = "%s/%d" % (ip, interface_cidr)
        if cni == "calico-ipip" and tunnel_addr:
            ann["projectcalico.org/IPv4IPIPTunnelAddr"] = tunnel_addr
        if cni == "calico-vxlan" and tunnel_addr:
            ann["projectcalico.org/IPv4VXLANTunnelAddr"] = tunnel_addr
    ann["volumes.kubernetes.io/controller-managed-attach-detach"] = "true"
    if extra_annotations:
        ann.update(extra_annotations)
    m = meta(ex, name, created=created, labels=labels, annotations=dict(sorted(ann.items())))
    spec = {}
    if pod_cidr:
        spec["podCIDR"] = pod_cidr
        spec["podCIDRs"] = [pod_cidr]
    all_taints = []
    if cp:
        all_taints.append({"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"})
    if taints:
        all_taints += taints
    if all_taints:
        spec["taints"] = all_taints
    hb = ex.ts(seconds=ex.rng.randrange(5, 40))
    since = ready_since or created
    conds = []
    if cni and cni.startswith("calico") and cni_since:
        conds.append(ncond("NetworkUnavailable", "False", cni_since, cni_since, "CalicoIsUp",
                           "Calico is running on this node"))
    if cni and cni.startswith("flannel") and cni_since:
        conds.append(ncond("NetworkUnavailable", "False", cni_since, cni_since, "FlannelIsUp",
                           "Flannel is running on this node"))
    conds += [
        ncond("MemoryPressure", "False", hb, created, "KubeletHasSufficientMemory",
              "kubelet has sufficient memory available"),
        ncond("DiskPressure", "False", hb, created, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ncond("PIDPressure", "False", hb, created, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ]
    if ready:
        conds.append(ncond("Ready", "True", hb, since, "KubeletReady", "kubelet is posting ready status"))
    else:
        conds.append(ncond("Ready", "False", hb, since, "KubeletNotReady", not_ready_message))
    imgs = []
    for img in images:
        size = dict(NODE_IMAGES).get(img, 50000000)
        repo = img.split(":")[0]
        imgs.append({"names": ["%s/%s@sha256:%s" % (REG, repo, sha(img)), "%s/%s" % (REG, img)], "sizeBytes": size})
    status = {
        "capacity": {"cpu": cpu, "ephemeral-storage": "102626232Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                     "memory": memory, "pods": "110"},
        "allocatable": {"cpu": cpu, "ephemeral-storage": "94580335255", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                        "memory": "%dKi" % (int(memory[:-2]) - 102400), "pods": "110"},
        "conditions": conds,
        "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "machineID": ex.hexid("machine" + name, 32),
            "systemUUID": make_uid(ex.name + "sys" + name).upper(),
            "bootID": ex.uid("boot" + name),
            "kernelVersion": kernel,
            "osImage": os_image,
            "containerRuntimeVersion": "containerd://1.7.13",
            "kubeletVersion": ex.k8s,
            "kubeProxyVersion": ex.k8s,
            "operatingSystem": "linux",
            "architecture": "amd64",
        },
        "images": imgs,
    }
    n = typed("Node", "v1", m, spec=spec, status=status)
    n["_ip"] = ip
    ex.node_ips[name] = ip
    return ex.add("Node", n)


def ncond(t, s, hb, lt, reason, msg):
    return {"type": t, "status": s, "lastHeartbeatTime": hb, "lastTransitionTime": lt, "reason": reason,
            "message": msg}


def node_ip(n):
    return n["_ip"]


# ---------------------------------------------------------------------------------------------
# Containers and pods


def ctr(name, image, *, command=None, args=None, ports=None, env=None, env_from=None, resources=None,
        mounts=None, liveness=None, readiness=None, startup=None, security=None, restart_policy=None,
        pull="IfNotPresent", lifecycle=None, working_dir=None, stdin=None, tty=None, target=None):
    c = {"name": name, "image": image if "/" in image and "." in image.split("/")[0] else "%s/%s" % (REG, image)}
    if command:
        c["command"] = command
    if args:
        c["args"] = args
    if working_dir:
        c["workingDir"] = working_dir
    if ports:
        c["ports"] = ports
    if env_from:
        c["envFrom"] = env_from
    if env:
        c["env"] = env
    c["resources"] = resources or {}
    if restart_policy:
        c["restartPolicy"] = restart_policy
    if mounts:
        c["volumeMounts"] = mounts
    if liveness:
        c["livenessProbe"] = liveness
    if readiness:
        c["readinessProbe"] = readiness
    if startup:
        c["startupProbe"] = startup
    if lifecycle:
        c["lifecycle"] = lifecycle
    c["terminationMessagePath"] = "/dev/termination-log"
    c["terminationMessagePolicy"] = "File"
    c["imagePullPolicy"] = pull
    if security:
        c["securityContext"] = security
    if stdin:
        c["stdin"] = True
    if tty:
        c["tty"] = True
    if target:
        c["targetContainerName"] = target
    return c


def port(p, name=None, proto="TCP", host=False):
    d = {}
    if name:
        d["name"] = name
    if host:
        d["hostPort"] = p
    d["containerPort"] = p
    d["protocol"] = proto
    return d


def env(name, value=None, field=None, cm=None, key=None):
    if field:
        return {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": field}}}
    if cm:
        return {"name": name, "valueFrom": {"configMapKeyRef": {"name": cm, "key": key}}}
    return {"name": name, "value": value}


def res(cpu_req=None, mem_req=None, cpu_lim=None, mem_lim=None):
    r = {}
    lim = {}
    if cpu_lim:
        lim["cpu"] = cpu_lim
    if mem_lim:
        lim["memory"] = mem_lim
    req = {}
    if cpu_req:
        req["cpu"] = cpu_req
    if mem_req:
        req["memory"] = mem_req
    if lim:
        r["limits"] = lim
    if req:
        r["requests"] = req
    return r


def http_probe(path, p, *, delay=None, period=10, timeout=1, failure=3, scheme="HTTP", host=None):
    g = {"path": path, "port": p}
    if host:
        g["host"] = host
    g["scheme"] = scheme
    pr = {"httpGet": g}
    if delay:
        pr["initialDelaySeconds"] = delay
    pr.update({"timeoutSeconds": timeout, "periodSeconds": period, "successThreshold": 1,
               "failureThreshold": failure})
    return pr


def exec_probe(cmd, *, delay=None, period=10, timeout=1, failure=3):
    pr = {"exec": {"command": cmd}}
    if delay:
        pr["initialDelaySeconds"] = delay
    pr.update({"timeoutSeconds": timeout, "periodSeconds": period, "successThreshold": 1,
               "failureThreshold": failure})
    return pr


def tcp_probe(p, *, delay=None, period=10, timeout=1, failure=3):
    pr = {"tcpSocket": {"port": p}}
    if delay:
        pr["initialDelaySeconds"] = delay
    pr.update({"timeoutSeconds": timeout, "periodSeconds": period, "successThreshold": 1,
               "failureThreshold": failure})
    return pr


DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
]


def ds_tolerations(host_network, extra=None):
    t = list(extra or [])
    t += [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
        {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
    ]
    if host_network:
        t.append({"key": "node.kubernetes.io/network-unavailable", "operator": "Exists", "effect": "NoSchedule"})
    return t


def image_id(image):
    repo = image.rsplit(":", 1)[0]
    return "%s@sha256:%s" % (repo, sha("img:" + image))


# Container states -----------------------------------------------------------------------------

def running(started):
    return {"running": {"startedAt": started}}


def waiting(reason, message=None):
    w = {"reason": reason}
    if message:
        w["message"] = message
    return {"waiting": w}


def terminated(exit_code, reason, started, finished, cid=None, message=None, signal=None):
    t = {"exitCode": exit_code}
    if signal is not None:
        t["signal"] = signal
    t["reason"] = reason
    if message:
        t["message"] = message
    t["startedAt"] = started
    t["finishedAt"] = finished
    if cid:
        t["containerID"] = cid
    return {"terminated": t}


class CS:
    """What a container's status should say; turned into a containerStatus by pod()."""

    def __init__(self, state="running", *, since=None, ready=None, restarts=0, last=None, reason=None,
                 message=None, exit_code=None, finished=None, started=None):
        self.state = state  # running | waiting | terminated
        self.since = since  # when it started (running/terminated)
        self.ready = ready
        self.restarts = restarts
        self.last = last  # dict from terminated(...) (without containerID: filled in) or None
        self.reason = reason
        self.message = message
        self.exit_code = exit_code
        self.finished = finished
        self.started = started


def _status_for(ex, pod_name, c, s, role, pod_ns="", pod_uid=""):
    cid = "containerd://" + ex.hexid("cid/%s/%s/%d" % (pod_name, c["name"], s.restarts))
    st = {"name": c["name"]}
    created = True
    if s.state == "running":
        st["state"] = running(s.since)
    elif s.state == "waiting":
        msg = s.message.format(pod=pod_name, ns=pod_ns, uid=pod_uid) if s.message else None
        st["state"] = waiting(s.reason, msg)
        created = s.reason not in ("ContainerCreating", "PodInitializing", "ErrImagePull", "ImagePullBackOff")
    else:
        st["state"] = terminated(s.exit_code, s.reason, s.since, s.finished, cid)
    if s.last:
        last = json.loads(json.dumps(s.last))
        if "terminated" in last and "containerID" not in last["terminated"]:
            last["terminated"]["containerID"] = "containerd://" + ex.hexid(
                "cid/%s/%s/%d" % (pod_name, c["name"], s.restarts - 1))
        st["lastState"] = last
    else:
        st["lastState"] = {}
    ready = s.ready if s.ready is not None else (s.state == "running")
    st["ready"] = ready
    st["restartCount"] = s.restarts
    st["image"] = c["image"]
    if created or s.last:
        st["imageID"] = image_id(c["image"])
    else:
        st["imageID"] = ""
    if s.state == "waiting" and s.reason in ("CrashLoopBackOff",):
        pass  # a waiting container has no current containerID
    elif created and s.state != "waiting":
        st["containerID"] = cid
    if role != "ephemeral":
        if s.started is not None:
            st["started"] = s.started
        else:
            st["started"] = s.state == "running"
    return st


def kube_api_access(ex, pod_name):
    name = "kube-api-access-" + rand_suffix(ex.name + "kaa" + pod_name)
    vol = {"name": name, "projected": {"sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                        "fieldPath": "metadata.namespace"}}]}},
    ], "defaultMode": 420}}
    mount = {"name": name, "readOnly": True, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
    return vol, mount


def qos_of(containers):
    any_res = False
    guaranteed = True
    for c in containers:
        r = c.get("resources", {})
        lim, req = r.get("limits", {}), r.get("requests", {})
        if lim or req:
            any_res = True
        for k in ("cpu", "memory"):
            if k not in lim or (k in req and req[k] != lim[k]):
                guaranteed = False
    if not any_res:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _plus(ts, seconds):
    t = _dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ") + _dt.timedelta(seconds=seconds)
    return rfc3339(t)


def pcond(t, s, lt, reason=None, msg=None):
    c = {"type": t, "status": s, "lastProbeTime": None, "lastTransitionTime": lt}
    if reason:
        c["reason"] = reason
    if msg:
        c["message"] = msg
    return c


def pod(ex, name, ns, *, template, created, node=None, pod_ip=None, host_network=False, labels=None,
        annotations=None, owners=None, generate_name=None, statuses=None, init_statuses=None,
        ephemeral=None, eph_statuses=None, phase=None, start=None, sched_at=None, ready_at=None,
        conditions=None, tolerations=None, affinity=None, priority_class=None, priority=0,
        service_account="default", restart_policy=None, dns_policy=None, node_selector=None, termination_grace=30,
        unschedulable_message=None, automount=True, extra_status=None, security_context=None, hostname=None,
        subdomain=None, pod_ips=None, scheduler=True):
    """template: {'containers': [...], 'initContainers': [...], 'volumes': [...]} (pod-spec parts).
    statuses: {container_name: CS}. The pod's conditions are derived unless `conditions` is given."""
    containers = json.loads(json.dumps(template["containers"]))
    inits = json.loads(json.dumps(template.get("initContainers", [])))
    volumes = json.loads(json.dumps(template.get("volumes", [])))
    if automount:
        vol, mount = kube_api_access(ex, name)
        volumes.append(vol)
        for c in inits + containers:
            c.setdefault("volumeMounts", []).append(mount)
            # keep Go field order: volumeMounts sits before the probes
            order = ["name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources",
                     "restartPolicy", "volumeMounts", "livenessProbe", "readinessProbe", "startupProbe",
                     "lifecycle", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy",
                     "securityContext", "stdin", "tty"]
            items = dict(c)
            c.clear()
            for k in order:
                if k in items:
                    c[k] = items.pop(k)
            c.update(items)
    m = meta(ex, name, ns, created=created, labels=labels, annotations=annotations, owners=owners,
             generate_name=generate_name)
    spec = {}
    if volumes:
        spec["volumes"] = volumes
    if inits:
        spec["initContainers"] = inits
    spec["containers"] = containers
    if ephemeral:
        spec["ephemeralContainers"] = ephemeral
    spec["restartPolicy"] = restart_policy or template.get("restartPolicy", "Always")
    spec["terminationGracePeriodSeconds"] = template.get("terminationGracePeriodSeconds", termination_grace)
    spec["dnsPolicy"] = dns_policy or template.get("dnsPolicy", "ClusterFirst")
    if node_selector or template.get("nodeSelector"):
        spec["nodeSelector"] = node_selector or template.get("nodeSelector")
    sa = template.get("serviceAccountName", service_account)
    spec["serviceAccountName"] = sa
    spec["serviceAccount"] = sa
    if node:
        spec["nodeName"] = node
    if host_network or template.get("hostNetwork"):
        host_network = True
        spec["hostNetwork"] = True
    if hostname:
        spec["hostname"] = hostname
    if subdomain:
        spec["subdomain"] = subdomain
    spec["securityContext"] = security_context or template.get("securityContext", {})
    if affinity:
        spec["affinity"] = affinity
    spec["schedulerName"] = "default-scheduler"
    spec["tolerations"] = tolerations if tolerations is not None else (
        template.get("tolerations", []) + DEFAULT_TOLERATIONS)
    pc = priority_class or template.get("priorityClassName")
    if pc:
        spec["priorityClassName"] = pc
        priority = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}.get(pc, priority)
    spec["priority"] = priority
    spec["enableServiceLinks"] = True
    spec["preemptionPolicy"] = "PreemptLowerPriority"

    statuses = statuses or {}
    init_statuses = init_statuses or {}
    puid = m["uid"]
    st_list = [_status_for(ex, name, c, statuses[c["name"]], "regular", ns, puid) for c in containers
               if c["name"] in statuses]
    init_list = [_status_for(ex, name, c, init_statuses[c["name"]], "init", ns, puid) for c in inits
                 if c["name"] in init_statuses]
    eph_list = []
    if ephemeral and eph_statuses:
        eph_list = [_status_for(ex, name, c, eph_statuses[c["name"]], "ephemeral") for c in ephemeral
                    if c["name"] in eph_statuses]

    status = {}
    if phase is None:
        phase = "Pending" if (node is None or any(s["state"].get("waiting", {}).get("reason") in
                                                  ("ContainerCreating", "PodInitializing") for s in st_list)) \
            else "Running"
    status["phase"] = phase
    sched_at = sched_at or created
    if conditions is None:
        conditions = []
        if node is None:
            conditions.append(pcond("PodScheduled", "False", sched_at, "Unschedulable", unschedulable_message))
        else:
            sandbox = pod_ip is not None or host_network
            start_t = start or sched_at
            conditions.append(pcond("PodReadyToStartContainers", "True" if sandbox else "False",
                                    _plus(start_t, 1) if sandbox else start_t))
            # Initialized: every init container finished, or (sidecars) started
            pending_init = []
            init_done = _plus(start_t, 1)
            for c in inits:
                s = init_statuses.get(c["name"])
                if c.get("restartPolicy") == "Always":
                    if not (s and s.state == "running"):
                        pending_init.append(c["name"])
                    elif s.since:
                        init_done = max(init_done, s.since)
                elif not (s and s.state == "terminated" and s.exit_code == 0):
                    pending_init.append(c["name"])
                elif s.finished:
                    init_done = max(init_done, s.finished)
            if pending_init:
                conditions.append(pcond("Initialized", "False", start_t, "ContainersNotInitialized",
                                        "containers with incomplete status: [%s]" % " ".join(pending_init)))
            else:
                conditions.append(pcond("Initialized", "True", init_done))
            unready = [s["name"] for s in st_list if not s["ready"]]
            unready += [s["name"] for s in init_list if not s["ready"] and
                        any(c["name"] == s["name"] and c.get("restartPolicy") == "Always" for c in inits)]
            if pending_init:
                unready = [c["name"] for c in containers]
            if unready:
                msg = "containers with unready status: [%s]" % " ".join(unready)
                conditions.append(pcond("Ready", "False", ready_at or start_t, "ContainersNotReady", msg))
                conditions.append(pcond("ContainersReady", "False", ready_at or start_t, "ContainersNotReady", msg))
            else:
                starts = [x.since for x in list(statuses.values()) if x.since] or [start_t]
                rt = ready_at or _plus(max(starts), 2 + len(name) % 7)
                conditions.append(pcond("Ready", "True", rt))
                conditions.append(pcond("ContainersReady", "True", rt))
            conditions.append(pcond("PodScheduled", "True", sched_at))
    status["conditions"] = conditions
    if node is not None:
        hip = ex.node_ips[node]
        status["hostIP"] = hip
        status["hostIPs"] = [{"ip": hip}]
        ip = hip if host_network else pod_ip
        if ip:
            status["podIP"] = ip
            status["podIPs"] = [{"ip": x} for x in (pod_ips or [ip])]
        status["startTime"] = start or sched_at
    if init_list:
        status["initContainerStatuses"] = init_list
    if st_list:
        status["containerStatuses"] = st_list
    elif node is not None:
        pass
    status["qosClass"] = qos_of(inits + containers)
    if eph_list:
        status["ephemeralContainerStatuses"] = eph_list
    if extra_status:
        status.update(extra_status)
    p = typed("Pod", "v1", m, spec=spec, status=status)
    return ex.add("Pod", p)


# ---------------------------------------------------------------------------------------------
# Workloads


def pod_template(labels, spec, annotations=None):
    md = {"creationTimestamp": None, "labels": dict(labels)}
    if annotations:
        md["annotations"] = dict(annotations)
    return {"metadata": md, "spec": spec}


def template_spec(t):
    """Pod-spec of a workload template, in Go order, from the same dict the pods are built from."""
    s = {}
    if t.get("volumes"):
        s["volumes"] = t["volumes"]
    if t.get("initContainers"):
        s["initContainers"] = t["initContainers"]
    s["containers"] = t["containers"]
    s["restartPolicy"] = t.get("restartPolicy", "Always")
    s["terminationGracePeriodSeconds"] = t.get("terminationGracePeriodSeconds", 30)
    s["dnsPolicy"] = t.get("dnsPolicy", "ClusterFirst")
    if t.get("nodeSelector"):
        s["nodeSelector"] = t["nodeSelector"]
    if t.get("serviceAccountName"):
        s["serviceAccountName"] = t["serviceAccountName"]
        s["serviceAccount"] = t["serviceAccountName"]
    if t.get("hostNetwork"):
        s["hostNetwork"] = True
    s["securityContext"] = t.get("securityContext", {})
    if t.get("affinity"):
        s["affinity"] = t["affinity"]
    s["schedulerName"] = "default-scheduler"
    if t.get("tolerations"):
        s["tolerations"] = t["tolerations"]
    if t.get("priorityClassName"):
        s["priorityClassName"] = t["priorityClassName"]
    return s


def daemonset(ex, name, ns, *, labels, selector, template, created, pods_total, pods_ready, generation=1,
              pod_labels=None, annotations=None, max_unavailable=1):
    ann = {"deprecated.daemonset.template.generation": str(generation)}
    if annotations:
        ann.update(annotations)
    m = meta(ex, name, ns, created=created, labels=labels, annotations=ann, generation=generation)
    spec = {
        "selector": {"matchLabels": dict(selector)},
        "template": pod_template(pod_labels or selector, template_spec(template)),
        "updateStrategy": {"type": "RollingUpdate",
                           "rollingUpdate": {"maxUnavailable": max_unavailable, "maxSurge": 0}},
        "revisionHistoryLimit": 10,
    }
    status = {"currentNumberScheduled": pods_total, "numberMisscheduled": 0,
              "desiredNumberScheduled": pods_total, "numberReady": pods_ready, "observedGeneration": generation,
              "updatedNumberScheduled": pods_total, "numberAvailable": pods_ready}
    if pods_total - pods_ready:
        status["numberUnavailable"] = pods_total - pods_ready
    ds = typed("DaemonSet", "apps/v1", m, spec=spec, status=status)
    return ex.add("DaemonSet", ds)


def pod_template_hash(ex, name):
    return rand_suffix(ex.name + "pth" + name, 10 if len(name) < 40 else 9)


def deployment(ex, name, ns, *, labels, selector, template, created, replicas, ready, revision=1,
               pod_labels=None, annotations=None, updated_at=None, progress_reason="NewReplicaSetAvailable",
               strategy=None, never_complete=False):
    """Deployment and its ReplicaSet; returns (deployment, replicaset, pod-template-hash)."""
    h = pod_template_hash(ex, ns + name)
    ann = {"deployment.kubernetes.io/revision": str(revision)}
    if annotations:
        ann.update(annotations)
    m = meta(ex, name, ns, created=created, labels=labels, annotations=ann, generation=revision)
    spec = {
        "replicas": replicas,
        "selector": {"matchLabels": dict(selector)},
        "template": pod_template(pod_labels or selector, template_spec(template)),
        "strategy": strategy or {"type": "RollingUpdate",
                                 "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
        "revisionHistoryLimit": 10,
        "progressDeadlineSeconds": 600,
    }
    upd = updated_at or created
    status = {"observedGeneration": revision, "replicas": replicas, "updatedReplicas": replicas}
    if ready:
        status["readyReplicas"] = ready
        status["availableReplicas"] = ready
    if replicas - ready:
        status["unavailableReplicas"] = replicas - ready
    if ready >= replicas:
        avail = {"type": "Available", "status": "True", "lastUpdateTime": upd, "lastTransitionTime": upd,
                 "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."}
    else:
        import math
        max_unavail = math.floor(replicas * 0.25) if not strategy else 0
        ok = replicas - ready <= max_unavail
        avail = {"type": "Available", "status": "True" if ok else "False", "lastUpdateTime": upd,
                 "lastTransitionTime": upd,
                 "reason": "MinimumReplicasAvailable" if ok else "MinimumReplicasUnavailable",
                 "message": "Deployment has minimum availability." if ok else
                 "Deployment does not have minimum availability."}
    rs_name = "%s-%s" % (name, h)
    if never_complete:
        # the rollout never became available: after progressDeadlineSeconds the controller gives up
        dl = _plus(upd, 600)
        prog = {"type": "Progressing", "status": "False", "lastUpdateTime": dl, "lastTransitionTime": dl,
                "reason": "ProgressDeadlineExceeded",
                "message": 'ReplicaSet "%s" has timed out progressing.' % rs_name}
    else:
        prog = {"type": "Progressing", "status": "True", "lastUpdateTime": upd, "lastTransitionTime": created,
                "reason": progress_reason,
                "message": 'ReplicaSet "%s" has successfully progressed.' % rs_name}
    status["conditions"] = [avail, prog]
    d = ex.add("Deployment", typed("Deployment", "apps/v1", m, spec=spec, status=status))

    rs_labels = dict(pod_labels or selector)
    rs_labels["pod-template-hash"] = h
    rs_sel = dict(selector)
    rs_sel["pod-template-hash"] = h
    rm = meta(ex, rs_name, ns, created=created, labels=rs_labels, annotations={
        "deployment.kubernetes.io/desired-replicas": str(replicas),
        "deployment.kubernetes.io/max-replicas": str(replicas + max(1, -(-replicas // 4))),
        "deployment.kubernetes.io/revision": str(revision)}, owners=[owner("Deployment", d)], generation=1)
    rs_spec = {"replicas": replicas, "selector": {"matchLabels": rs_sel},
               "template": pod_template(rs_labels, template_spec(template))}
    rs_status = {"replicas": replicas, "fullyLabeledReplicas": replicas}
    if ready:
        rs_status["readyReplicas"] = ready
        rs_status["availableReplicas"] = ready
    rs_status["observedGeneration"] = 1
    rs = ex.add("ReplicaSet", typed("ReplicaSet", "apps/v1", rm, spec=rs_spec, status=rs_status))
    return d, rs, h


# ---------------------------------------------------------------------------------------------
# Services, Endpoints, EndpointSlices


def service(ex, name, ns, *, created, ports, selector=None, cluster_ip=None, labels=None, annotations=None,
            svc_type="ClusterIP", headless=False):
    m = meta(ex, name, ns, created=created, labels=labels, annotations=annotations)
    spec = {"ports": ports}
    if selector is not None:
        spec["selector"] = dict(selector)
    ip = "None" if headless else cluster_ip
    spec["clusterIP"] = ip
    spec["clusterIPs"] = [ip]
    spec["type"] = svc_type
    spec["sessionAffinity"] = "None"
    spec["ipFamilies"] = ["IPv4"]
    spec["ipFamilyPolicy"] = "SingleStack"
    spec["internalTrafficPolicy"] = "Cluster"
    return ex.add("Service", typed("Service", "v1", m, spec=spec, status={"loadBalancer": {}}))


def sport(p, target=None, name=None, proto="TCP"):
    d = {}
    if name:
        d["name"] = name
    d["protocol"] = proto
    d["port"] = p
    d["targetPort"] = target if target is not None else p
    return d


def _find_port(pod_obj, target, proto):
    if isinstance(target, int):
        return target
    for c in pod_obj["spec"]["containers"]:
        for p in c.get("ports", []):
            if p.get("name") == target and p.get("protocol", "TCP") == proto:
                return p["containerPort"]
    return None


def _pod_ready(p):
    for c in p["status"].get("conditions", []):
        if c["type"] == "Ready":
            return c["status"] == "True"
    return False


def _selected(ex, svc):
    sel = svc["spec"].get("selector")
    if not sel:
        return []
    out = []
    for p in ex.of_kind("Pod", svc["metadata"]["namespace"]):
        labels = p["metadata"].get("labels", {})
        if all(labels.get(k) == v for k, v in sel.items()) and p["status"].get("podIP"):
            out.append(p)
    return out


def _target_ref(p):
    return {"kind": "Pod", "namespace": p["metadata"]["namespace"], "name": p["metadata"]["name"],
            "uid": p["metadata"]["uid"]}


def endpoints_for(ex, svc, *, created, changed=None, manual=None):
    """The Endpoints object the endpoints controller would write (or `manual` subsets, for Services
    without a selector)."""
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    ann = None
    if manual is None:
        ann = {"endpoints.kubernetes.io/last-change-trigger-time": changed or created}
    labels = dict(svc["metadata"].get("labels") or {})
    if svc["spec"].get("clusterIP") == "None":
        labels["service.kubernetes.io/headless"] = ""
    m = meta(ex, name, ns, created=created, labels=dict(sorted(labels.items())) or None, annotations=ann,
             uid_seed="ep/%s/%s" % (ns, name))
    ep = typed("Endpoints", "v1", m)
    if manual is not None:
        ep["subsets"] = manual
        return ex.add("Endpoints", ep)
    pods = _selected(ex, svc)
    groups = {}  # ports tuple -> (ready, notready)
    for p in pods:
        eports = []
        for sp in svc["spec"]["ports"]:
            num = _find_port(p, sp["targetPort"], sp["protocol"])
            if num is None:
                continue  # the controller skips this port for this pod (FindPort error)
            d = {}
            if sp.get("name"):
                d["name"] = sp["name"]
            d["port"] = num
            d["protocol"] = sp["protocol"]
            eports.append(d)
        if not eports and svc["spec"]["ports"]:
            continue
        addr = {"ip": p["status"]["podIP"], "nodeName": p["spec"]["nodeName"], "targetRef": _target_ref(p)}
        if p["spec"].get("hostname") and p["spec"].get("subdomain") == name:
            addr = {"ip": p["status"]["podIP"], "hostname": p["spec"]["hostname"],
                    "nodeName": p["spec"]["nodeName"], "targetRef": _target_ref(p)}
        key = json.dumps(eports, sort_keys=True)
        g = groups.setdefault(key, ([], [], eports))
        (g[0] if _pod_ready(p) else g[1]).append(addr)
    subsets = []
    for key in sorted(groups):
        rd, nr, eports = groups[key]
        s = {}
        if rd:
            s["addresses"] = sorted(rd, key=lambda a: tuple(int(x) for x in a["ip"].split(".")))
        if nr:
            s["notReadyAddresses"] = sorted(nr, key=lambda a: tuple(int(x) for x in a["ip"].split(".")))
        s["ports"] = sorted(eports, key=lambda e: e.get("name", ""))
        subsets.append(s)
    if subsets:
        ep["subsets"] = subsets
    return ex.add("Endpoints", ep)


def slice_for(ex, svc, *, created, changed=None, manual_endpoints=None, manual_ports=None):
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    mirrored = manual_endpoints is not None
    sname = "%s-%s" % (name, rand_suffix(ex.name + "eps" + ns + name))
    labels = dict(svc["metadata"].get("labels", {}))
    if mirrored:
        labels["endpointslice.kubernetes.io/managed-by"] = "endpointslicemirroring-controller.k8s.io"
    else:
        labels["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io"
    labels["kubernetes.io/service-name"] = name
    if svc["spec"].get("clusterIP") == "None":
        labels["service.kubernetes.io/headless"] = ""
    ann = {"endpoints.kubernetes.io/last-change-trigger-time": changed or created}
    if mirrored:
        owners = [{"apiVersion": "v1", "kind": "Endpoints", "name": name,
                   "uid": ex.uid("ep/%s/%s" % (ns, name)), "controller": True, "blockOwnerDeletion": True}]
    else:
        owners = [{"apiVersion": "v1", "kind": "Service", "name": name, "uid": svc["metadata"]["uid"],
                   "controller": True, "blockOwnerDeletion": True}]
    m = meta(ex, sname, ns, created=created, labels=dict(sorted(labels.items())), annotations=ann,
             owners=owners, generate_name=name + "-", generation=ex.rng.randrange(1, 30))
    sl = typed("EndpointSlice", "discovery.k8s.io/v1", m)
    sl["addressType"] = "IPv4"
    if mirrored:
        sl["endpoints"] = manual_endpoints
        sl["ports"] = manual_ports
        return ex.add("EndpointSlice", sl)
    eps = []
    ports_seen = None
    for p in sorted(_selected(ex, svc), key=lambda p: p["metadata"]["name"]):
        eports = []
        for sp in svc["spec"]["ports"]:
            num = _find_port(p, sp["targetPort"], sp["protocol"])
            if num is None:
                continue  # getEndpointPorts skips it, but the endpoint is still listed
            d = {"name": sp.get("name", ""), "protocol": sp["protocol"], "port": num}
            eports.append(d)
        rd = _pod_ready(p)
        e = {"addresses": [p["status"]["podIP"]],
             "conditions": {"ready": rd, "serving": rd, "terminating": False}}
        if p["spec"].get("hostname") and p["spec"].get("subdomain") == name:
            e["hostname"] = p["spec"]["hostname"]
        e["targetRef"] = _target_ref(p)
        e["nodeName"] = p["spec"]["nodeName"]
        eps.append(e)
        ports_seen = eports
    sl["endpoints"] = eps if eps else None
    sl["ports"] = ports_seen if ports_seen else None
    return ex.add("EndpointSlice", sl)


# ---------------------------------------------------------------------------------------------
# Events


def event_name(ex, obj_name, seed):
    return "%s.%s" % (obj_name, ex.hexid("ev" + seed + obj_name, 16))


def involved(obj, field=None):
    d = {"kind": obj["kind"], "namespace": obj["metadata"].get("namespace"), "name": obj["metadata"]["name"],
         "uid": obj["metadata"]["uid"], "apiVersion": obj["apiVersion"],
         "resourceVersion": obj["metadata"]["resourceVersion"]}
    if d["namespace"] is None:
        del d["namespace"]
    if field:
        d["fieldPath"] = field
    return d


def kubelet_event(ex, obj, *, reason, message, first, last=None, count=1, etype="Normal", field=None,
                  host=None, component="kubelet", ns=None):
    """A core/v1 Event written by the kubelet's (legacy) event recorder."""
    host = host or obj["spec"].get("nodeName")
    name = event_name(ex, obj["metadata"]["name"], reason + message[:40] + str(first))
    ens = ns or obj["metadata"].get("namespace") or "default"
    m = meta(ex, name, ens, created=first)
    src = {"component": component}
    if host:
        src["host"] = host
    ev = typed("Event", "v1", m, involvedObject=involved(obj, field), reason=reason, message=message,
               source=src, firstTimestamp=first, lastTimestamp=last or first, count=count, type=etype,
               eventTime=None, reportingComponent=component, reportingInstance=host or "")
    return ex.add("Event", ev)


def scheduler_event(ex, pod_obj, *, reason, message, at, action="Scheduling", series=None, etype="Warning",
                    instance="default-scheduler-cp-1"):
    """A scheduler event (events.k8s.io API underneath) as read through core/v1: eventTime and
    reporting fields set, no first/last timestamps or count, series when it repeated."""
    name = event_name(ex, pod_obj["metadata"]["name"], reason + at)
    m = meta(ex, name, pod_obj["metadata"]["namespace"], created=at[:19] + "Z")
    ev = typed("Event", "v1", m, involvedObject=involved(pod_obj), reason=reason, message=message, source={},
               firstTimestamp=None, lastTimestamp=None, type=etype, eventTime=at)
    if series:
        ev["series"] = {"count": series[0], "lastObservedTime": series[1]}
    ev["action"] = action
    ev["reportingComponent"] = "default-scheduler"
    ev["reportingInstance"] = instance
    return ex.add("Event", ev)


def as_events_v1(ev):
    """The same Event as `kubectl get events.v1.events.k8s.io` prints it."""
    out = {"kind": "Event", "apiVersion": "events.k8s.io/v1", "metadata": ev["metadata"],
           "eventTime": ev.get("eventTime")}
    if ev.get("series"):
        out["series"] = ev["series"]
    out["reportingController"] = ev.get("reportingComponent", "")
    out["reportingInstance"] = ev.get("reportingInstance", "")
    if ev.get("action"):
        out["action"] = ev["action"]
    out["reason"] = ev["reason"]
    out["regarding"] = ev["involvedObject"]
    out["note"] = ev["message"]
    out["type"] = ev["type"]
    if ev.get("source"):
        out["deprecatedSource"] = ev["source"]
    if ev.get("firstTimestamp"):
        out["deprecatedFirstTimestamp"] = ev["firstTimestamp"]
    if ev.get("lastTimestamp"):
        out["deprecatedLastTimestamp"] = ev["lastTimestamp"]
    if ev.get("count"):
        out["deprecatedCount"] = ev["count"]
    return out


# ---------------------------------------------------------------------------------------------
# Writers


def _clean(o):
    """Drop the helper keys (leading underscore) before printing."""
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items() if not k.startswith("_")}
    if isinstance(o, list):
        return [_clean(v) for v in o]
    return o


def _sorted(o):
    if isinstance(o, dict):
        return {k: _sorted(o[k]) for k in sorted(o)}
    if isinstance(o, list):
        return [_sorted(v) for v in o]
    return o


def go_json(o):
    # Go's encoder escapes <, > and & inside strings; kubectl prints with four spaces.
    s = json.dumps(o, indent=4, ensure_ascii=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def kubectl_json(o):
    return go_json(_sorted(_clean(o)))


def kubectl_list(items):
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


class _Dumper(yaml.SafeDumper):
    pass


def _str_rep(dumper, value):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    tag = dumper.resolve(yaml.ScalarNode, value, (True, False))
    if tag != "tag:yaml.org,2002:str" or value == "" or value.strip() != value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _none_rep(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:null", "null")


_Dumper.add_representer(str, _str_rep)
_Dumper.add_representer(type(None), _none_rep)


def kubectl_yaml(o):
    return yaml.dump(_sorted(_clean(o)), Dumper=_Dumper, default_flow_style=False, sort_keys=True, width=80,
                     allow_unicode=True)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


LIST_KINDS = {"Node": ("NodeList", "v1"), "Event": ("EventList", "v1"), "Service": ("ServiceList", "v1"),
              "DaemonSet": ("DaemonSetList", "apps/v1"), "Deployment": ("DeploymentList", "apps/v1"),
              "ReplicaSet": ("ReplicaSetList", "apps/v1"),
              "ReplicationController": ("ReplicationControllerList", "v1"), "Pod": ("PodList", "v1")}


def _typed_list(ex, kind, items):
    lk, api = LIST_KINDS[kind]
    out = []
    for o in items:
        o = _clean(o)
        o = {k: v for k, v in o.items() if k not in ("kind", "apiVersion")}
        out.append(o)
    return {"kind": lk, "apiVersion": api, "metadata": {"resourceVersion": str(ex._rv + 17)}, "items": out}


def default_log_sections(ex, p):
    return []


def write_dump(ex, root, namespaces, log_for=None):
    """`kubectl cluster-info dump --namespaces ... --output-directory root`."""
    write(os.path.join(root, "nodes.json"), go_json(_typed_list(ex, "Node", ex.of_kind("Node"))))
    for ns in namespaces:
        d = os.path.join(root, ns)
        write(os.path.join(d, "events.json"), go_json(_typed_list(ex, "Event", ex.of_kind("Event", ns))))
        write(os.path.join(d, "services.json"), go_json(_typed_list(ex, "Service", ex.of_kind("Service", ns))))
        write(os.path.join(d, "daemonsets.json"),
              go_json(_typed_list(ex, "DaemonSet", ex.of_kind("DaemonSet", ns))))
        write(os.path.join(d, "deployments.json"),
              go_json(_typed_list(ex, "Deployment", ex.of_kind("Deployment", ns))))
        write(os.path.join(d, "replicasets.json"),
              go_json(_typed_list(ex, "ReplicaSet", ex.of_kind("ReplicaSet", ns))))
        write(os.path.join(d, "replication-controllers.json"),
              go_json(_typed_list(ex, "ReplicationController", [])))
        pods = ex.of_kind("Pod", ns)
        write(os.path.join(d, "pods.json"), go_json(_typed_list(ex, "Pod", pods)))
        for p in pods:
            name = p["metadata"]["name"]
            out = []
            for c in p["spec"].get("initContainers", []) + p["spec"]["containers"]:
                cn = c["name"]
                out.append("==== START logs for container %s of pod %s/%s ====\n" % (cn, ns, name))
                text = ex.logs.get((ns, name, cn, False))
                if text is None and log_for:
                    text = log_for(ex, p, c)
                for st in p["status"].get("initContainerStatuses", []) + p["status"].get("containerStatuses", []):
                    why = st["name"] == cn and st["state"].get("waiting", {}).get("reason")
                    if why in ("ContainerCreating", "PodInitializing") and not text:
                        text = 'Request log error: container "%s" in pod "%s" is waiting to start: %s' % (cn, name, why)
                if text:
                    out.append(text if text.endswith("\n") else text + "\n")
                out.append("==== END logs for container %s of pod %s/%s ====\n" % (cn, ns, name))
            write(os.path.join(d, name, "logs.txt"), "".join(out))


def write_logs_dir(ex, root):
    """logs/NAMESPACE/POD/CONTAINER.log and CONTAINER.previous.log (kubectl logs [--previous])."""
    for (ns, pod_name, cn, prev), text in sorted(ex.logs.items()):
        fn = "%s.previous.log" % cn if prev else "%s.log" % cn
        write(os.path.join(root, "logs", ns, pod_name, fn), text if text.endswith("\n") else text + "\n")
