"""The parts every example cluster has: kubeadm control plane, kube-proxy, CoreDNS, the `kubernetes`
Service, and the CNI (Calico from its manifest, Calico from the tigera operator, or Flannel), with the
logs their containers print. Shapes follow the upstream manifests (kubeadm 1.29, calico.yaml v3.27,
tigera-operator v1.32, kube-flannel.yml v0.25)."""

import ipaddress
import json

from k8sgen import (CS, REG, ctr, daemonset, deployment, ds_tolerations, endpoints_for, env, exec_probe,
                    http_probe, kubelet_event, meta, owner, pod, port, rand_suffix, res, service, slice_for,
                    sport, terminated, typed)

KUBEADM_CP_TOLERATIONS = [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                          {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]


def klog(t, level, src, msg, tid=1):
    """One klog line: Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg"""
    return "%s%s %s %7d %s] %s" % (level, t.strftime("%m%d"), t.strftime("%H:%M:%S.%f"), tid, src, msg)


def calico_line(t, level, pid, src, msg):
    return "%s.%03d [%s][%d] %s: %s" % (t.strftime("%Y-%m-%d %H:%M:%S"), t.microsecond // 1000, level, pid, src, msg)


def plus(ts, seconds):
    import datetime as dt
    t = dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ") + dt.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def at_plus(ex, base_ts, ms):
    import datetime as dt
    t = dt.datetime.strptime(base_ts, "%Y-%m-%dT%H:%M:%SZ")
    # sub-millisecond digits that are not all zero, as real klog lines have
    return t + dt.timedelta(milliseconds=ms, microseconds=(ms * 7919 + 331) % 1000)


class IPs:
    """Pod address allocation per node: a Calico /26 block per node, or the node's podCIDR (flannel)."""

    def __init__(self):
        self.next = {}

    def set_range(self, node_name, cidr, first_offset):
        net = ipaddress.ip_network(cidr)
        self.next[node_name] = [net, first_offset]

    def take(self, node_name):
        net, off = self.next[node_name]
        self.next[node_name][1] += 1
        return str(net.network_address + off)


def ds_affinity(node_name):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}]}}}


def ds_pod_labels(ex, ds_name, base, generation=1):
    lb = dict(base)
    lb["controller-revision-hash"] = rand_suffix(ex.name + "crh" + ds_name, 10)
    lb["pod-template-generation"] = str(generation)
    return dict(sorted(lb.items()))


def ds_pods(ex, ds_name, ns, *, template, ds_labels, nodes, created_at, statuses_for, init_statuses_for=None,
            host_network=True, annotations_for=None, ip_for=None, generation=1):
    """Creates the DaemonSet and one pod per node; statuses_for(node) -> {container: CS}."""
    pods = []
    ready = 0
    for n in nodes:
        st = statuses_for(n)
        if all(s.state == "running" and s.ready is not False for s in st.values()):
            ready += 1
    ds = daemonset(ex, ds_name, ns, labels=ds_labels, selector=template["_selector"], template=template,
                   created=created_at, pods_total=len(nodes), pods_ready=ready, generation=generation,
                   pod_labels=template["_pod_labels"], annotations=template.get("_ds_annotations"))
    for n in nodes:
        name = "%s-%s" % (ds_name, rand_suffix(ex.name + ds_name + n))
        plabels = ds_pod_labels(ex, ds_name, template["_pod_labels"], generation)
        p = pod(ex, name, ns, template=template, created=template["_pod_created"](n), node=n,
                host_network=host_network, pod_ip=ip_for(n) if ip_for else None, labels=plabels,
                annotations=annotations_for(n) if annotations_for else None,
                owners=[owner("DaemonSet", ds)], generate_name=ds_name + "-",
                statuses=statuses_for(n), init_statuses=init_statuses_for(n) if init_statuses_for else None,
                tolerations=template.get("tolerations", []) + ds_tolerations(host_network),
                affinity=ds_affinity(n), start=template["_pod_created"](n))
        pods.append(p)
    return ds, pods


def deployment_pods(ex, name, ns, *, template, labels, selector, created, placements, revision=1,
                    pod_created=None, annotations_for=None, strategy=None, dep_annotations=None,
                    never_complete=False):
    """placements: list of (node or None, pod_ip or None, statuses dict, extra pod kwargs dict)."""
    ready = 0
    for node_name, ip, st, kw in placements:
        if node_name and st and all(s.ready if s.ready is not None else s.state == "running" for s in st.values()):
            ready += 1
    d, rs, h = deployment(ex, name, ns, labels=labels, selector=selector, template=template, created=created,
                          replicas=len(placements), ready=ready, revision=revision,
                          pod_labels=template.get("_pod_labels", selector), strategy=strategy,
                          annotations=dep_annotations, never_complete=never_complete)
    pods = []
    plabels = dict(template.get("_pod_labels", selector))
    plabels["pod-template-hash"] = h
    for i, (node_name, ip, st, kw) in enumerate(placements):
        pname = "%s-%s-%s" % (name, h, rand_suffix(ex.name + name + str(i)))
        kw = dict(kw)
        pc = kw.pop("created", pod_created or created)
        ann = annotations_for(node_name, ip, pname) if annotations_for else None
        p = pod(ex, pname, ns, template=template, created=pc, node=node_name, pod_ip=ip,
                labels=dict(sorted(plabels.items())), owners=[owner("ReplicaSet", rs)],
                generate_name="%s-%s-" % (name, h), statuses=st, annotations=ann, **kw)
        pods.append(p)
    return d, rs, pods


# ---------------------------------------------------------------------------------------------
# Control plane (kubeadm static pods)


def static_pods(ex, cp_node, cp_ip, *, booted, restarts=1):
    node_obj = [n for n in ex.of_kind("Node") if n["metadata"]["name"] == cp_node][0]
    nref = [{"apiVersion": "v1", "kind": "Node", "name": cp_node, "uid": node_obj["metadata"]["uid"],
             "controller": True}]
    specs = [
        ("etcd", "etcd", "k8s/etcd:3.5.12-0",
         ["etcd", "--advertise-client-urls=https://%s:2379" % cp_ip, "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
          "--client-cert-auth=true", "--data-dir=/var/lib/etcd", "--experimental-initial-corrupt-check=true",
          "--initial-advertise-peer-urls=https://%s:2380" % cp_ip,
          "--initial-cluster=%s=https://%s:2380" % (cp_node, cp_ip), "--key-file=/etc/kubernetes/pki/etcd/server.key",
          "--listen-client-urls=https://127.0.0.1:2379,https://%s:2379" % cp_ip,
          "--listen-metrics-urls=http://127.0.0.1:2381", "--listen-peer-urls=https://%s:2380" % cp_ip,
          "--name=%s" % cp_node, "--snapshot-count=10000", "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt"],
         res(cpu_req="100m", mem_req="100Mi"), http_probe("/health?exclude=NOSPACE&serializable=true", 2381,
                                                           host="127.0.0.1", delay=10, timeout=15, failure=8),
         {"kubeadm.kubernetes.io/etcd.advertise-client-urls": "https://%s:2379" % cp_ip}),
        ("kube-apiserver", "kube-apiserver", "k8s/kube-apiserver:v1.29.4",
         ["kube-apiserver", "--advertise-address=%s" % cp_ip, "--allow-privileged=true",
          "--authorization-mode=Node,RBAC", "--client-ca-file=/etc/kubernetes/pki/ca.crt",
          "--enable-admission-plugins=NodeRestriction", "--enable-bootstrap-token-auth=true",
          "--etcd-servers=https://127.0.0.1:2379", "--secure-port=6443",
          "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
          "--service-cluster-ip-range=10.96.0.0/12", "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
          "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key"],
         res(cpu_req="250m"), http_probe("/livez", 6443, host=cp_ip, scheme="HTTPS", delay=10, timeout=15,
                                         failure=8),
         {"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": "%s:6443" % cp_ip}),
        ("kube-controller-manager", "kube-controller-manager", "k8s/kube-controller-manager:v1.29.4",
         ["kube-controller-manager", "--allocate-node-cidrs=true",
          "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
          "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf", "--bind-address=127.0.0.1",
          "--cluster-cidr=%s" % ex.cluster_cidr, "--cluster-name=kubernetes",
          "--controllers=*,bootstrapsigner,tokencleaner", "--kubeconfig=/etc/kubernetes/controller-manager.conf",
          "--leader-elect=true", "--service-cluster-ip-range=10.96.0.0/12", "--use-service-account-credentials=true"],
         res(cpu_req="200m"), http_probe("/healthz", 10257, host="127.0.0.1", scheme="HTTPS", delay=10,
                                         timeout=15, failure=8), {}),
        ("kube-scheduler", "kube-scheduler", "k8s/kube-scheduler:v1.29.4",
         ["kube-scheduler", "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
          "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf", "--bind-address=127.0.0.1",
          "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true"],
         res(cpu_req="100m"), http_probe("/healthz", 10259, host="127.0.0.1", scheme="HTTPS", delay=10,
                                         timeout=15, failure=8), {}),
    ]
    out = []
    for comp, cname, image, cmd, r, probe, extra_ann in specs:
        name = "%s-%s" % (comp, cp_node)
        h = ex.hexid("cfg" + name, 32)
        ann = {"kubernetes.io/config.hash": h, "kubernetes.io/config.mirror": h,
               "kubernetes.io/config.seen": booted.replace("Z", ".412518331Z"), "kubernetes.io/config.source": "file"}
        ann.update(extra_ann)
        c = ctr(cname, image, command=cmd, resources=r, liveness=probe, startup=dict(probe, failureThreshold=24),
                mounts=[{"name": "k8s-certs", "readOnly": True, "mountPath": "/etc/kubernetes/pki"}])
        tmpl = {"containers": [c], "volumes": [{"name": "k8s-certs", "hostPath": {
            "path": "/etc/kubernetes/pki", "type": "DirectoryOrCreate"}}], "hostNetwork": True,
                "priorityClassName": "system-node-critical",
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}}
        last = terminated(255, "Unknown", ex.ts(days=60), booted)
        p = pod(ex, name, "kube-system", template=tmpl, created=ex.ts(days=60), node=cp_node, host_network=True,
                labels={"component": comp, "tier": "control-plane"}, annotations=ann, owners=nref,
                statuses={cname: CS("running", since=booted, restarts=restarts,
                                    last=last if restarts else None)},
                tolerations=[{"operator": "Exists", "effect": "NoExecute"}], automount=False, start=booted,
                service_account="default")
        # static pods carry no service account fields
        del p["spec"]["serviceAccountName"]
        del p["spec"]["serviceAccount"]
        out.append(p)
    return out


# ---------------------------------------------------------------------------------------------
# kube-proxy


def kube_proxy(ex, nodes, *, created, started_for, statuses_for=None):
    tmpl = {
        "volumes": [
            {"name": "kube-proxy", "configMap": {"name": "kube-proxy", "defaultMode": 420}},
            {"name": "xtables-lock", "hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}},
            {"name": "lib-modules", "hostPath": {"path": "/lib/modules", "type": ""}},
        ],
        "containers": [ctr("kube-proxy", "k8s/kube-proxy:v1.29.4",
                           command=["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                                    "--hostname-override=$(NODE_NAME)"],
                           env=[env("NODE_NAME", field="spec.nodeName")],
                           mounts=[{"name": "kube-proxy", "mountPath": "/var/lib/kube-proxy"},
                                   {"name": "xtables-lock", "mountPath": "/run/xtables.lock"},
                                   {"name": "lib-modules", "readOnly": True, "mountPath": "/lib/modules"}],
                           security={"privileged": True})],
        "hostNetwork": True, "nodeSelector": {"kubernetes.io/os": "linux"}, "serviceAccountName": "kube-proxy",
        "priorityClassName": "system-node-critical", "tolerations": [{"operator": "Exists"}],
        "_selector": {"k8s-app": "kube-proxy"}, "_pod_labels": {"k8s-app": "kube-proxy"},
        "_pod_created": lambda n: started_for(n),
    }
    st = statuses_for or (lambda n: {"kube-proxy": CS("running", since=started_for(n))})
    ds, pods = ds_pods(ex, "kube-proxy", "kube-system", template=tmpl, ds_labels={"k8s-app": "kube-proxy"},
                       nodes=nodes, created_at=created, statuses_for=st)
    for p in pods:
        n = p["spec"]["nodeName"]
        s = started_for(n)
        t0 = at_plus(ex, s, 1400)
        lines = [
            klog(t0, "I", "server_linux.go:69", '"Using iptables proxy"'),
            klog(at_plus(ex, s, 1413), "I", "server.go:1050",
                 '"Successfully retrieved node IP(s)" IPs=["%s"]' % ex.node_ips[n]),
            klog(at_plus(ex, s, 1416), "I", "conntrack.go:58", '"Setting nf_conntrack_max" nfConntrackMax=131072'),
            klog(at_plus(ex, s, 1441), "I", "server.go:652", '"kube-proxy running in dual-stack mode" primary ipFamily="IPv4"'),
            klog(at_plus(ex, s, 1448), "I", "server_linux.go:165", '"Using iptables Proxier"'),
            klog(at_plus(ex, s, 1449), "I", "server.go:865", '"Version info" version="v1.29.4"'),
            klog(at_plus(ex, s, 1450), "I", "config.go:188", '"Starting service config controller"'),
            klog(at_plus(ex, s, 1450), "I", "config.go:97", '"Starting endpoint slice config controller"'),
            klog(at_plus(ex, s, 1551), "I", "shared_informer.go:318", "Caches are synced for endpoint slice config"),
            klog(at_plus(ex, s, 1551), "I", "shared_informer.go:318", "Caches are synced for service config"),
        ]
        ex.log("kube-system", p["metadata"]["name"], "kube-proxy", "\n".join(lines))
    return ds, pods


# ---------------------------------------------------------------------------------------------
# CoreDNS and the kube-dns / kubernetes Services

COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
"""


def coredns_template():
    c = ctr("coredns", "coredns/coredns:v1.11.1", args=["-conf", "/etc/coredns/Corefile"],
            ports=[port(53, "dns", "UDP"), port(53, "dns-tcp"), port(9153, "metrics")],
            resources=res(cpu_req="100m", mem_req="70Mi", mem_lim="170Mi"),
            mounts=[{"name": "config-volume", "readOnly": True, "mountPath": "/etc/coredns"}],
            liveness=http_probe("/health", 8080, delay=60, timeout=5, failure=5),
            readiness=http_probe("/ready", 8181),
            security={"capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                      "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False})
    return {
        "volumes": [{"name": "config-volume", "configMap": {"name": "coredns", "items": [
            {"key": "Corefile", "path": "Corefile"}], "defaultMode": 420}}],
        "containers": [c], "dnsPolicy": "Default", "nodeSelector": {"kubernetes.io/os": "linux"},
        "serviceAccountName": "coredns", "priorityClassName": "system-cluster-critical",
        "tolerations": KUBEADM_CP_TOLERATIONS,
        "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
            "weight": 100, "podAffinityTerm": {"labelSelector": {"matchExpressions": [
                {"key": "k8s-app", "operator": "In", "values": ["kube-dns"]}]},
                "topologyKey": "kubernetes.io/hostname"}}]}},
        "_pod_labels": {"k8s-app": "kube-dns"},
    }


def coredns_log(ex, started):
    return "\n".join([
        ".:53",
        "[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8"
        "b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908",
        "CoreDNS-1.11.1",
        "linux/amd64, go1.20.7, ae2bbc2",
    ])


def coredns(ex, *, created, placements, annotations_for=None, configmap=True, endpoints=True,
            never_complete=False):
    """placements: list of (node, ip, statuses, kw) as for deployment_pods."""
    tmpl = coredns_template()
    d, rs, pods = deployment_pods(ex, "coredns", "kube-system", template=tmpl, labels={"k8s-app": "kube-dns"},
                                  selector={"k8s-app": "kube-dns"}, created=created, placements=placements,
                                  annotations_for=annotations_for, never_complete=never_complete)
    for p in pods:
        if p["status"].get("containerStatuses"):
            ex.log("kube-system", p["metadata"]["name"], "coredns", coredns_log(ex, p["status"]["startTime"]))
    if configmap:
        ex.add("ConfigMap", typed("ConfigMap", "v1", meta(ex, "coredns", "kube-system", created=created),
                                  data={"Corefile": COREFILE}))
    svc = service(ex, "kube-dns", "kube-system", created=created, cluster_ip="10.96.0.10",
                  labels={"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                          "kubernetes.io/name": "CoreDNS"},
                  annotations={"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
                  ports=[sport(53, 53, "dns", "UDP"), sport(53, 53, "dns-tcp"), sport(9153, 9153, "metrics")],
                  selector={"k8s-app": "kube-dns"})
    if endpoints:
        last = max(p["status"].get("startTime", created) for p in pods)
        endpoints_for(ex, svc, created=created, changed=last)
        slice_for(ex, svc, created=created, changed=last)
    return d, rs, pods, svc


def kubernetes_service(ex, *, created, api_ip, endpoints=True):
    svc = service(ex, "kubernetes", "default", created=created, cluster_ip="10.96.0.1",
                  labels={"component": "apiserver", "provider": "kubernetes"}, ports=[sport(443, 6443, "https")])
    if endpoints:
        ep = typed("Endpoints", "v1", meta(ex, "kubernetes", "default", created=created, labels={
            "endpointslice.kubernetes.io/skip-mirror": "true"}, uid_seed="ep/default/kubernetes"))
        ep["subsets"] = [{"addresses": [{"ip": api_ip}], "ports": [{"name": "https", "port": 6443,
                                                                    "protocol": "TCP"}]}]
        ex.add("Endpoints", ep)
        sl = typed("EndpointSlice", "discovery.k8s.io/v1", meta(ex, "kubernetes", "default", created=created,
                                                               labels={"kubernetes.io/service-name": "kubernetes"},
                                                               generation=1))
        sl["addressType"] = "IPv4"
        sl["endpoints"] = [{"addresses": [api_ip], "conditions": {"ready": True}}]
        sl["ports"] = [{"name": "https", "protocol": "TCP", "port": 6443}]
        ex.add("EndpointSlice", sl)
    return svc


# ---------------------------------------------------------------------------------------------
# Calico, installed from calico.yaml (kube-system)

CALICO_CNI_TEMPLATE = """{
  "name": "k8s-pod-network",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "calico",
      "log_level": "info",
      "log_file_path": "/var/log/calico/cni/cni.log",
      "datastore_type": "kubernetes",
      "nodename": "__KUBERNETES_NODE_NAME__",
      "mtu": __CNI_MTU__,
      "ipam": {
          "type": "calico-ipam"
      },
      "policy": {
          "type": "k8s"
      },
      "kubernetes": {
          "kubeconfig": "__KUBECONFIG_FILEPATH__"
      }
    },
    {
      "type": "portmap",
      "snat": true,
      "capabilities": {"portMappings": true}
    },
    {
      "type": "bandwidth",
      "capabilities": {"bandwidth": true}
    }
  ]
}"""


def calico_node_template(pool_cidr, ipip="Always", vxlan="Never"):
    hp = lambda n, p, t=None: {"name": n, "hostPath": {"path": p, "type": t or ""}}
    mounts = [
        {"name": "cni-net-dir", "mountPath": "/host/etc/cni/net.d"},
        {"name": "lib-modules", "readOnly": True, "mountPath": "/lib/modules"},
        {"name": "xtables-lock", "mountPath": "/run/xtables.lock"},
        {"name": "policysync", "mountPath": "/var/run/nodeagent"},
        {"name": "var-run-calico", "mountPath": "/var/run/calico"},
        {"name": "var-lib-calico", "mountPath": "/var/lib/calico"},
        {"name": "sys-fs", "mountPath": "/sys/fs"},
        {"name": "bpffs", "mountPath": "/sys/fs/bpf"},
        {"name": "cni-log-dir", "readOnly": True, "mountPath": "/var/log/calico/cni"},
    ]
    node_c = ctr("calico-node", "calico/node:v3.27.3",
                 env_from=[{"configMapRef": {"name": "kubernetes-services-endpoint", "optional": True}}],
                 env=[env("DATASTORE_TYPE", "kubernetes"), env("WAIT_FOR_DATASTORE", "true"),
                      env("NODENAME", field="spec.nodeName"),
                      env("CALICO_NETWORKING_BACKEND", cm="calico-config", key="calico_backend"),
                      env("CLUSTER_TYPE", "k8s,bgp"), env("IP", "autodetect"),
                      env("CALICO_IPV4POOL_IPIP", ipip), env("CALICO_IPV4POOL_VXLAN", vxlan),
                      env("CALICO_IPV6POOL_VXLAN", "Never"),
                      env("FELIX_IPINIPMTU", cm="calico-config", key="veth_mtu"),
                      env("FELIX_VXLANMTU", cm="calico-config", key="veth_mtu"),
                      env("FELIX_WIREGUARDMTU", cm="calico-config", key="veth_mtu"),
                      env("CALICO_IPV4POOL_CIDR", pool_cidr),
                      env("CALICO_DISABLE_FILE_LOGGING", "true"),
                      env("FELIX_DEFAULTENDPOINTTOHOSTACTION", "ACCEPT"), env("FELIX_IPV6SUPPORT", "false"),
                      env("FELIX_HEALTHENABLED", "true")],
                 resources=res(cpu_req="250m"), mounts=mounts,
                 lifecycle={"preStop": {"exec": {"command": ["/bin/calico-node", "-shutdown"]}}},
                 liveness=exec_probe(["/bin/calico-node", "-felix-live", "-bird-live"], delay=10, timeout=10,
                                     failure=6),
                 readiness=exec_probe(["/bin/calico-node", "-felix-ready", "-bird-ready"], timeout=10),
                 security={"privileged": True})
    inits = [
        ctr("upgrade-ipam", "calico/cni:v3.27.3", command=["/opt/cni/bin/calico-ipam", "-upgrade"],
            env_from=[{"configMapRef": {"name": "kubernetes-services-endpoint", "optional": True}}],
            env=[env("KUBERNETES_NODE_NAME", field="spec.nodeName"),
                 env("CALICO_NETWORKING_BACKEND", cm="calico-config", key="calico_backend")],
            mounts=[{"name": "host-local-net-dir", "mountPath": "/var/lib/cni/networks"},
                    {"name": "cni-bin-dir", "mountPath": "/host/opt/cni/bin"}], security={"privileged": True}),
        ctr("install-cni", "calico/cni:v3.27.3", command=["/opt/cni/bin/install"],
            env_from=[{"configMapRef": {"name": "kubernetes-services-endpoint", "optional": True}}],
            env=[env("CNI_CONF_NAME", "10-calico.conflist"),
                 env("CNI_NETWORK_CONFIG", cm="calico-config", key="cni_network_config"),
                 env("KUBERNETES_NODE_NAME", field="spec.nodeName"),
                 env("CNI_MTU", cm="calico-config", key="veth_mtu"), env("SLEEP", "false")],
            mounts=[{"name": "cni-bin-dir", "mountPath": "/host/opt/cni/bin"},
                    {"name": "cni-net-dir", "mountPath": "/host/etc/cni/net.d"}], security={"privileged": True}),
        ctr("mount-bpffs", "calico/node:v3.27.3", command=["calico-node", "-init", "-best-effort"],
            mounts=[{"name": "sys-fs", "mountPath": "/sys/fs", "mountPropagation": "Bidirectional"},
                    {"name": "bpffs", "mountPath": "/sys/fs/bpf", "mountPropagation": "Bidirectional"},
                    {"name": "nodeproc", "readOnly": True, "mountPath": "/nodeproc"}],
            security={"privileged": True}),
    ]
    vols = [hp("lib-modules", "/lib/modules"), hp("var-run-calico", "/var/run/calico", "DirectoryOrCreate"),
            hp("var-lib-calico", "/var/lib/calico", "DirectoryOrCreate"),
            hp("xtables-lock", "/run/xtables.lock", "FileOrCreate"), hp("sys-fs", "/sys/fs/", "DirectoryOrCreate"),
            hp("bpffs", "/sys/fs/bpf", "Directory"), hp("nodeproc", "/proc"), hp("cni-bin-dir", "/opt/cni/bin",
                                                                                  "DirectoryOrCreate"),
            hp("cni-net-dir", "/etc/cni/net.d"), hp("cni-log-dir", "/var/log/calico/cni"),
            hp("host-local-net-dir", "/var/lib/cni/networks"),
            hp("policysync", "/var/run/nodeagent", "DirectoryOrCreate")]
    return {"volumes": vols, "initContainers": inits, "containers": [node_c], "hostNetwork": True,
            "nodeSelector": {"kubernetes.io/os": "linux"}, "serviceAccountName": "calico-node",
            "terminationGracePeriodSeconds": 0, "priorityClassName": "system-node-critical",
            "tolerations": [{"operator": "Exists", "effect": "NoSchedule"},
                            {"key": "CriticalAddonsOnly", "operator": "Exists"},
                            {"operator": "Exists", "effect": "NoExecute"}],
            "_selector": {"k8s-app": "calico-node"}, "_pod_labels": {"k8s-app": "calico-node"}}


def calico_node_log(ex, node_name, node_ip, iface, started, mode="ipip", peers=()):
    s = started
    L = lambda ms, lvl, pid, src, msg: calico_line(at_plus(ex, s, ms), lvl, pid, src, msg)
    lines = [
        L(310, "INFO", 9, "startup/startup.go 425", "Early log level set to info"),
        L(310, "INFO", 9, "startup/utils.go 126", "Using NODENAME environment for node name %s" % node_name),
        L(310, "INFO", 9, "startup/utils.go 138", "Determined node name: %s" % node_name),
        L(311, "INFO", 9, "startup/startup.go 94", "Starting node %s with version v3.27.3" % node_name),
        L(312, "INFO", 9, "startup/startup.go 430", "Checking datastore connection"),
        L(327, "INFO", 9, "startup/startup.go 454", "Datastore connection verified"),
        L(327, "INFO", 9, "startup/startup.go 104", "Datastore is ready"),
        L(341, "INFO", 9, "startup/startup.go 483", "Initialize BGP data"),
        L(342, "INFO", 9, "startup/autodetection_methods.go 103",
          "Using autodetected IPv4 address on interface %s: %s/24" % (iface, node_ip)),
        L(342, "INFO", 9, "startup/startup.go 559", "Node IPv4 changed, will check for conflicts"),
        L(353, "INFO", 9, "startup/startup.go 803", "No AS number configured on node resource, using global value"),
        L(371, "INFO", 9, "startup/startup.go 218", "Using node name: %s" % node_name),
        L(371, "INFO", 9, "startup/utils.go 190", "Setting NetworkUnavailable to false"),
        "Calico node started successfully",
        L(1502, "INFO", 63, "felix/daemon.go 380", "Successfully loaded configuration. GOMAXPROCS=4 "
          "builddate=\"2024-04-15T22:41:08+0000\" config=&config.Config{...} gitcommit=\"1d7d6b7\" version=\"v3.27.3\""),
        L(2611, "INFO", 63, "felix/int_dataplane.go 1976", "Completed first update to dataplane. secsSinceStart=1.109"),
    ]
    for i, peer in enumerate(peers):
        lines.append("bird: Mesh_%s: State changed to start" % peer.replace(".", "_"))
    for peer in peers:
        lines.append("bird: Mesh_%s: State changed to up" % peer.replace(".", "_"))
    lines.append(calico_line(ex.at(seconds=47), "INFO", 63, "felix/summary.go 100",
                             "Summarising 11 dataplane reconciliation loops over 1m2.3s: avg=6ms longest=15ms "
                             "(resync-filter-v4,resync-nat-v4,resync-routes-v4)"))
    return "\n".join(lines)


def calico_install_cni_log(ex, started):
    L = lambda ms, msg: calico_line(at_plus(ex, started, ms), "INFO", 1, "cni-installer/<nil> <nil>", msg)
    return "\n".join([
        L(102, "Running as a Kubernetes pod"),
        L(311, "File is already up to date, skipping file=\"/host/opt/cni/bin/calico\""),
        L(311, "File is already up to date, skipping file=\"/host/opt/cni/bin/calico-ipam\""),
        L(318, "Installed /host/opt/cni/bin/bandwidth"),
        L(321, "Installed /host/opt/cni/bin/portmap"),
        L(322, "Wrote Calico CNI binaries to /host/opt/cni/bin"),
        L(359, "CNI plugin version: v3.27.3"),
        L(359, "/host/secondary-bin-dir is not writeable, skipping"),
        L(377, "Created /host/etc/cni/net.d/10-calico.conflist"),
        L(377, "Done configuring CNI.  Sleep= false"),
    ])


def calico_kube_controllers_template():
    c = ctr("calico-kube-controllers", "calico/kube-controllers:v3.27.3",
            env=[env("ENABLED_CONTROLLERS", "node"), env("DATASTORE_TYPE", "kubernetes")],
            liveness=exec_probe(["/usr/bin/check-status", "-l"], delay=10, timeout=10, failure=6),
            readiness=exec_probe(["/usr/bin/check-status", "-r"]))
    return {"containers": [c], "nodeSelector": {"kubernetes.io/os": "linux"},
            "serviceAccountName": "calico-kube-controllers", "priorityClassName": "system-cluster-critical",
            "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                            {"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"},
                            {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
            "_pod_labels": {"k8s-app": "calico-kube-controllers"}}


def calico_kube_controllers_log(ex, started):
    L = lambda ms, src, msg: calico_line(at_plus(ex, started, ms), "INFO", 1, src, msg)
    return "\n".join([
        L(213, "main.go 107", "Loaded configuration from environment config=&config.Config{LogLevel:\"info\", "
          "WorkloadEndpointWorkers:1, ProfileWorkers:1, PolicyWorkers:1, NodeWorkers:1, Kubeconfig:\"\", "
          "DatastoreType:\"kubernetes\"}"),
        "W%s       1 client_config.go:618] Neither --kubeconfig nor --master was specified.  Using the "
        "inClusterConfig.  This might not work." % at_plus(ex, started, 214).strftime("%m%d %H:%M:%S.%f"),
        L(240, "main.go 131", "Ensuring Calico datastore is initialized"),
        L(259, "main.go 157", "Calico datastore is initialized"),
        L(260, "main.go 194", "Getting initial config snapshot from datastore"),
        L(286, "main.go 197", "Got initial config snapshot"),
        L(288, "watchersyncer.go 89", "Start called"),
        L(288, "main.go 211", "Starting status report routine"),
        L(288, "main.go 220", "Starting Prometheus metrics server on port 9094"),
        L(289, "main.go 503", "Starting informer informer=&cache.sharedIndexInformer{...}"),
        L(289, "main.go 503", "Starting informer informer=&cache.sharedIndexInformer{...}"),
        L(290, "main.go 530", "Starting controller ControllerType=\"Node\""),
        L(290, "controller.go 193", "Starting Node controller"),
        L(391, "ipam.go 241", "Will run periodic IPAM sync every 7m30s"),
        L(392, "controller.go 203", "Node controller is now running"),
    ])


def calico_pod_annotations(ex, pname, ip):
    return {"cni.projectcalico.org/containerID": ex.hexid("sandbox" + pname),
            "cni.projectcalico.org/podIP": ip + "/32", "cni.projectcalico.org/podIPs": ip + "/32"}


def calico_ippool_v1(ex, *, created, cidr, ipip="Always", vxlan="Never", nat=True, block=26):
    m = meta(ex, "default-ipv4-ippool", created=created, generation=1, annotations={
        "projectcalico.org/metadata": json.dumps({"uid": ex.uid("v3pool"), "creationTimestamp": created},
                                                 separators=(",", ":"))})
    spec = {"allowedUses": ["Workload", "Tunnel"], "blockSize": block, "cidr": cidr, "ipipMode": ipip,
            "natOutgoing": nat, "nodeSelector": "all()", "vxlanMode": vxlan}
    return ex.add("IPPool", typed("IPPool", "crd.projectcalico.org/v1", m, spec=spec))


def calico_manifest(ex, nodes, *, created, cidr, ipip="Always", vxlan="Never", started_for, kc_node, kc_ip,
                    kc_started, ifaces, node_statuses=None, node_logs=None, kc_statuses=None):
    """calico-config ConfigMap, calico-node DaemonSet and pods, calico-kube-controllers, IPPool (v1)."""
    ex.add("ConfigMap", typed("ConfigMap", "v1", meta(ex, "calico-config", "kube-system", created=created),
                              data={"calico_backend": "bird", "cni_network_config": CALICO_CNI_TEMPLATE,
                                    "typha_service_name": "none", "veth_mtu": "0"}))
    tmpl = calico_node_template(cidr, ipip, vxlan)
    tmpl["_pod_created"] = started_for
    ok = lambda n: {"calico-node": CS("running", since=plus(started_for(n), 9))}

    def init_ok(n):
        s = started_for(n)
        return {c: CS("terminated", exit_code=0, reason="Completed", since=plus(s, a), finished=plus(s, b),
                      started=False)
                for c, a, b in (("upgrade-ipam", 1, 2), ("install-cni", 3, 5), ("mount-bpffs", 7, 7))}

    ds, pods = ds_pods(ex, "calico-node", "kube-system", template=tmpl, ds_labels={"k8s-app": "calico-node"},
                       nodes=nodes, created_at=created, statuses_for=node_statuses or ok,
                       init_statuses_for=init_ok)
    peers_all = [ex.node_ips[n] for n in nodes]
    for p in pods:
        n = p["spec"]["nodeName"]
        name = p["metadata"]["name"]
        ex.log("kube-system", name, "install-cni", calico_install_cni_log(ex, plus(started_for(n), 3)))
        ex.log("kube-system", name, "upgrade-ipam", "")
        ex.log("kube-system", name, "mount-bpffs", "")
        if node_logs and n in node_logs:
            ex.log("kube-system", name, "calico-node", node_logs[n])
        else:
            peers = [ip for ip in peers_all if ip != ex.node_ips[n]]
            ex.log("kube-system", name, "calico-node",
                   calico_node_log(ex, n, ex.node_ips[n], ifaces[n], plus(started_for(n), 9), peers=peers))
    kct = calico_kube_controllers_template()
    st = kc_statuses or {"calico-kube-controllers": CS("running", since=kc_started)}
    d, rs, kpods = deployment_pods(
        ex, "calico-kube-controllers", "kube-system", template=kct, labels={"k8s-app": "calico-kube-controllers"},
        selector={"k8s-app": "calico-kube-controllers"}, created=created, strategy={"type": "Recreate"},
        placements=[(kc_node, kc_ip, st, {"created": kc_started, "start": kc_started})],
        annotations_for=lambda n, ip, pn: calico_pod_annotations(ex, pn, ip))
    ex.log("kube-system", kpods[0]["metadata"]["name"], "calico-kube-controllers",
           calico_kube_controllers_log(ex, kc_started))
    calico_ippool_v1(ex, created=created, cidr=cidr, ipip=ipip, vxlan=vxlan)
    return ds, pods, kpods


# ---------------------------------------------------------------------------------------------
# Flannel (kube-flannel namespace)

FLANNEL_CNI_CONF = """{
  "name": "cbr0",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "flannel",
      "delegate": {
        "hairpinMode": true,
        "isDefaultGateway": true
      }
    },
    {
      "type": "portmap",
      "capabilities": {
        "portMappings": true
      }
    }
  ]
}
"""


def flannel_net_conf(network, backend):
    return """{
  "Network": "%s",
  "EnableNFTables": false,
  "Backend": {
    "Type": "%s"
  }
}
""" % (network, backend)


def flannel_template():
    hp = lambda n, p, t=None: {"name": n, "hostPath": {"path": p, "type": t or ""}}
    inits = [
        ctr("install-cni-plugin", "flannel/flannel-cni-plugin:v1.4.1-flannel1", command=["cp"],
            args=["-f", "/flannel", "/opt/cni/bin/flannel"],
            mounts=[{"name": "cni-plugin", "mountPath": "/opt/cni/bin"}]),
        ctr("install-cni", "flannel/flannel:v0.25.1", command=["cp"],
            args=["-f", "/etc/kube-flannel/cni-conf.json", "/etc/cni/net.d/10-flannel.conflist"],
            mounts=[{"name": "cni", "mountPath": "/etc/cni/net.d"},
                    {"name": "flannel-cfg", "mountPath": "/etc/kube-flannel/"}]),
    ]
    main = ctr("kube-flannel", "flannel/flannel:v0.25.1", command=["/opt/bin/flanneld"],
               args=["--ip-masq", "--kube-subnet-mgr"],
               env=[env("POD_NAME", field="metadata.name"), env("POD_NAMESPACE", field="metadata.namespace"),
                    env("EVENT_QUEUE_DEPTH", "5000")],
               resources=res(cpu_req="100m", mem_req="50Mi"),
               mounts=[{"name": "run", "mountPath": "/run/flannel"},
                       {"name": "flannel-cfg", "mountPath": "/etc/kube-flannel/"},
                       {"name": "xtables-lock", "mountPath": "/run/xtables.lock"}],
               security={"capabilities": {"add": ["NET_ADMIN", "NET_RAW"]}, "privileged": False})
    return {"volumes": [hp("run", "/run/flannel"), hp("cni-plugin", "/opt/cni/bin"), hp("cni", "/etc/cni/net.d"),
                        {"name": "flannel-cfg", "configMap": {"name": "kube-flannel-cfg", "defaultMode": 420}},
                        hp("xtables-lock", "/run/xtables.lock", "FileOrCreate")],
            "initContainers": inits, "containers": [main], "hostNetwork": True,
            "serviceAccountName": "flannel", "priorityClassName": "system-node-critical",
            "tolerations": [{"operator": "Exists", "effect": "NoSchedule"}],
            "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}]}]}}},
            "_selector": {"app": "flannel"}, "_pod_labels": {"app": "flannel", "tier": "node"}}


def flannel_log(ex, node_name, node_ip, iface, started, backend="vxlan", fail=None, network="10.244.0.0/16",
                subnet=None):
    L = lambda ms, lvl, src, msg: klog(at_plus(ex, started, ms), lvl, src, msg)
    lines = [
        L(113, "I", "main.go:212", "CLI flags config: {etcdEndpoints:http://127.0.0.1:4001,http://127.0.0.1:2379 "
          "etcdPrefix:/coreos.com/network etcdKeyfile: etcdCertfile: etcdCAFile: etcdUsername: etcdPassword: "
          "version:false kubeSubnetMgr:true kubeApiUrl: kubeAnnotationPrefix:flannel.alpha.coreos.com "
          "kubeConfigFile: iface:[] ifaceRegex:[] ipMasq:true ifaceCanReach: subnetFile:/run/flannel/subnet.env "
          "publicIP: publicIPv6: subnetLeaseRenewMargin:60 healthzIP:0.0.0.0 healthzPort:0 "
          "iptablesResyncSeconds:5 iptablesForwardRules:true netConfPath:/etc/kube-flannel/net-conf.json "
          "setNodeNetworkUnavailable:true}"),
        L(114, "W", "client_config.go:618", "Neither --kubeconfig nor --master was specified.  Using the "
          "inClusterConfig.  This might not work."),
        L(131, "I", "kube.go:139", "Waiting 10m0s for node controller to sync"),
        L(131, "I", "kube.go:469", "Starting kube subnet manager"),
        L(1131, "I", "kube.go:146", "Node controller sync successful"),
        L(1131, "I", "main.go:232", "Created subnet manager: Kubernetes Subnet Manager - %s" % node_name),
        L(1131, "I", "main.go:235", "Installing signal handlers"),
        L(1132, "I", "main.go:469", "Found network config - Backend type: %s" % backend),
    ]
    if fail:
        lines.append(L(1133, "E", "main.go:332", fail))
        lines.append(L(1133, "I", "main.go:449", "Stopping shutdownHandler..."))
        return "\n".join(lines)
    lines += [
        L(1135, "I", "match.go:211", "Determining IP address of default interface"),
        L(1135, "I", "match.go:264", "Using interface with name %s and address %s" % (iface, node_ip)),
        L(1135, "I", "match.go:286", "Defaulting external address to interface address (%s)" % node_ip),
    ]
    if backend == "vxlan":
        lines.append(L(1135, "I", "vxlan.go:141",
                       "VXLAN config: VNI=1 Port=0 GBP=false Learning=false DirectRouting=false"))
    lines += [
        L(1140, "I", "kube.go:636", "List of node(%s) annotations: map[string]string{\"flannel.alpha.coreos.com/"
          "backend-type\":\"%s\", \"flannel.alpha.coreos.com/kube-subnet-manager\":\"true\", "
          "\"flannel.alpha.coreos.com/public-ip\":\"%s\"}" % (node_name, backend, node_ip)),
        L(1140, "I", "main.go:345", "Setting up masking rules"),
        L(1152, "I", "main.go:366", "Changing default FORWARD chain policy to ACCEPT"),
        L(1153, "I", "iptables.go:290", "generated 7 rules"),
        L(1155, "I", "main.go:394", "Wrote subnet file to /run/flannel/subnet.env"),
        L(1155, "I", "main.go:398", "Running backend."),
    ]
    if backend == "vxlan":
        lines.append(L(1155, "I", "vxlan_network.go:65", "watching for new subnet leases"))
    else:
        lines.append(L(1155, "I", "route_network.go:55", "Watching for new subnet leases"))
    lines += [
        L(1163, "I", "main.go:419", "Waiting for all goroutines to exit"),
        L(1170, "I", "iptables.go:283", "bootstrap done"),
        L(1171, "I", "iptables.go:283", "bootstrap done"),
    ]
    return "\n".join(lines)


def flannel(ex, nodes, *, created, network, backend, started_for, ifaces, statuses_for=None, init_statuses_for=None,
            logs=None, ns="kube-flannel"):
    ex.add("Namespace", typed("Namespace", "v1", meta(ex, ns, created=created, labels={
        "k8s-app": "flannel", "kubernetes.io/metadata.name": ns, "pod-security.kubernetes.io/enforce": "privileged"}),
        spec={"finalizers": ["kubernetes"]}, status={"phase": "Active"}))
    cm = ex.add("ConfigMap", typed("ConfigMap", "v1", meta(
        ex, "kube-flannel-cfg", ns, created=created, labels={"app": "flannel", "k8s-app": "flannel", "tier": "node"}),
        data={"cni-conf.json": FLANNEL_CNI_CONF, "net-conf.json": flannel_net_conf(network, backend)}))
    tmpl = flannel_template()
    tmpl["_pod_created"] = started_for
    ok = lambda n: {"kube-flannel": CS("running", since=plus(started_for(n), 4))}

    def init_ok(n):
        s = started_for(n)
        return {c: CS("terminated", exit_code=0, reason="Completed", since=plus(s, a), finished=plus(s, b),
                      started=False)
                for c, a, b in (("install-cni-plugin", 1, 1), ("install-cni", 2, 3))}

    ds, pods = ds_pods(ex, "kube-flannel-ds", ns, template=tmpl,
                       ds_labels={"app": "flannel", "k8s-app": "flannel", "tier": "node"}, nodes=nodes,
                       created_at=created, statuses_for=statuses_for or ok,
                       init_statuses_for=init_statuses_for or init_ok)
    for p in pods:
        n = p["spec"]["nodeName"]
        name = p["metadata"]["name"]
        ex.log(ns, name, "install-cni-plugin", "")
        ex.log(ns, name, "install-cni", "")
        if logs and n in logs:
            ex.log(ns, name, "kube-flannel", logs[n])
        else:
            ex.log(ns, name, "kube-flannel", flannel_log(ex, n, ex.node_ips[n], ifaces[n],
                                                         plus(started_for(n), 4), backend=backend))
    return cm, ds, pods
