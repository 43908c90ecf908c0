#!/usr/bin/env python3
"""Writes the example snapshots of examples/ (see examples/README.md).

    python3 examples/tools/gen_examples.py            # rewrites every example
    python3 examples/tools/gen_examples.py NAME...    # only these

Each example is one cluster modelled on real `kubectl` / `kubectl cluster-info dump` output, healthy
apart from the fault it is about. Output is deterministic: running it twice gives the same bytes.
"""

import datetime as dt
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from components import (IPs, at_plus, calico_line, calico_manifest, calico_node_log, calico_pod_annotations,  # noqa
                        coredns, deployment_pods, ds_affinity, ds_pod_labels, ds_pods, flannel, flannel_log,
                        klog, kube_proxy, kubernetes_service, static_pods, KUBEADM_CP_TOLERATIONS)
from k8sgen import (CS, REG, Ex, as_events_v1, ctr, deployment, ds_tolerations, endpoints_for, env,  # noqa
                    exec_probe, go_json, http_probe, kubectl_json, kubectl_list, kubectl_yaml, kubelet_event,
                    meta, node, owner, pod, port, rand_suffix, res, scheduler_event, service, slice_for, sport,
                    tcp_probe, terminated, typed, write, write_dump, write_logs_dir)

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.dirname(HERE)


def tplus(ts, **delta):
    t = dt.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ") + dt.timedelta(**delta)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def fresh(name):
    for p in (os.path.join(EXAMPLES, name), os.path.join(EXAMPLES, name + ".json")):
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p) and not p.endswith(".expect.json"):
            os.remove(p)
    return os.path.join(EXAMPLES, name)


def expect(name, must, must_not, note):
    write(os.path.join(EXAMPLES, name + ".expect.json"),
          json.dumps({"must": must, "must_not": must_not, "note": note}, indent=2) + "\n")


def ns_object(ex, name, created, labels=None):
    lb = {"kubernetes.io/metadata.name": name}
    lb.update(labels or {})
    return ex.add("Namespace", typed("Namespace", "v1", meta(ex, name, created=created, labels=lb),
                                     spec={"finalizers": ["kubernetes"]}, status={"phase": "Active"}))


# ---------------------------------------------------------------------------------------------
# Cluster bases


def base_calico(ex, specs, *, t0, pool, ipip="Always", vxlan="Never", static=True, coredns_on, kc_on,
                node_statuses=None, node_logs=None, node_overrides=None, api_ip=None, cni_after_min=12,
                kube_proxy_statuses=None):
    """specs: [(name, ip, is_cp, iface, block)]. Returns the pod-IP allocator."""
    ips = IPs()
    created_of, cni_start = {}, {}
    for i, (name, ip, cp, iface, block) in enumerate(specs):
        created = (node_overrides or {}).get(name, {}).get("created") or tplus(t0, minutes=6 * i)
        created_of[name] = created
        cni_start[name] = tplus(max(created, tplus(t0, minutes=cni_after_min)), seconds=31)
        octets = pool.split(".")
        kw = dict(created=created, cp=cp, pod_cidr="%s.%s.%d.0/24" % (octets[0], octets[1], i),
                  cni="calico-vxlan" if vxlan != "Never" else "calico-ipip", cni_since=tplus(cni_start[name], seconds=2),
                  ready_since=tplus(cni_start[name], seconds=1), tunnel_addr=block.split("/")[0],
                  images=("calico/node:v3.27.3", "calico/cni:v3.27.3", "k8s/kube-proxy:v1.29.4", "k8s/pause:3.9"))
        if (node_overrides or {}).get(name):
            kw.update(node_overrides[name])
        node(ex, name, ip, **kw)
        ips.set_range(name, block, 1)
    cp = [s for s in specs if s[2]]
    if static and cp:
        static_pods(ex, cp[0][0], cp[0][1], booted=tplus(t0, minutes=-1))
    kube_proxy(ex, [s[0] for s in specs], created=tplus(t0, minutes=1),
               started_for=lambda n: tplus(created_of[n], seconds=30), statuses_for=kube_proxy_statuses)
    ifaces = {s[0]: s[3] for s in specs}
    kc_start = tplus(cni_start[kc_on], seconds=20)
    calico_manifest(ex, [s[0] for s in specs], created=tplus(t0, minutes=cni_after_min), cidr=pool, ipip=ipip,
                    vxlan=vxlan, started_for=lambda n: cni_start[n], kc_node=kc_on, kc_ip=ips.take(kc_on),
                    kc_started=kc_start, ifaces=ifaces,
                    node_statuses=(lambda n: node_statuses(n, cni_start[n])) if node_statuses else None,
                    node_logs=node_logs)
    placements = []
    for n in coredns_on:
        s = tplus(cni_start[n], seconds=25)
        placements.append((n, ips.take(n), {"coredns": CS("running", since=s)}, {"start": s, "created": tplus(t0, minutes=1)}))
    coredns(ex, created=tplus(t0, minutes=1), placements=placements,
            annotations_for=lambda n, ip, pn: calico_pod_annotations(ex, pn, ip))
    kubernetes_service(ex, created=tplus(t0, minutes=-1), api_ip=api_ip or (cp[0][1] if cp else None))
    ex.cni_start = cni_start
    ex.created_of = created_of
    return ips


def base_flannel(ex, specs, *, t0, backend, static=True, coredns_on, node_overrides=None, flannel_statuses=None,
                 flannel_init_statuses=None, flannel_logs=None, cni_after_min=10):
    """specs: [(name, ip, is_cp, iface, podcidr or None)]."""
    ips = IPs()
    created_of, cni_start = {}, {}
    for i, (name, ip, cp, iface, cidr) in enumerate(specs):
        created = (node_overrides or {}).get(name, {}).get("created") or tplus(t0, minutes=6 * i)
        created_of[name] = created
        cni_start[name] = tplus(max(created, tplus(t0, minutes=cni_after_min)), seconds=29)
        kw = dict(created=created, cp=cp, pod_cidr=cidr, cni="flannel-" + backend,
                  cni_since=tplus(cni_start[name], seconds=2), ready_since=tplus(cni_start[name], seconds=1),
                  images=("flannel/flannel:v0.25.1", "flannel/flannel-cni-plugin:v1.4.1-flannel1",
                          "k8s/kube-proxy:v1.29.4", "k8s/pause:3.9"))
        if (node_overrides or {}).get(name):
            kw.update(node_overrides[name])
        node(ex, name, ip, **kw)
        if cidr:
            ips.set_range(name, cidr, 2)
    cp = [s for s in specs if s[2]]
    if static and cp:
        static_pods(ex, cp[0][0], cp[0][1], booted=tplus(t0, minutes=-1))
    kube_proxy(ex, [s[0] for s in specs], created=tplus(t0, minutes=1),
               started_for=lambda n: tplus(created_of[n], seconds=30))
    flannel(ex, [s[0] for s in specs], created=tplus(t0, minutes=cni_after_min), network="10.244.0.0/16",
            backend=backend, started_for=lambda n: cni_start[n], ifaces={s[0]: s[3] for s in specs},
            statuses_for=(lambda n: flannel_statuses(n, cni_start[n])) if flannel_statuses else None,
            init_statuses_for=flannel_init_statuses, logs=flannel_logs)
    placements = []
    for n in coredns_on:
        s = tplus(cni_start[n], seconds=25)
        placements.append((n, ips.take(n), {"coredns": CS("running", since=s)}, {"start": s, "created": tplus(t0, minutes=1)}))
    coredns(ex, created=tplus(t0, minutes=1), placements=placements)
    kubernetes_service(ex, created=tplus(t0, minutes=-1), api_ip=cp[0][1])
    ex.cni_start = cni_start
    ex.created_of = created_of
    return ips


def app(ex, ips, ns, name, *, image, created, placements, ports=None, svc_ports=None, env_vars=None,
        resources=None, readiness=None, liveness=None, labels=None, calico=False, endpoints=True, slices=True,
        cluster_ip=None, svc_selector=None, template_extra=None, container_name=None, pod_kw=None, svc_labels=None,
        extra_containers=None, never_complete=False, mounts=None):
    """A Deployment with its ReplicaSet and pods and, with svc_ports, a Service (+ Endpoints/EndpointSlice).
    placements: [(node, CS-or-dict-or-None, kw)]; a CS is for the single container."""
    labels = labels or {"app": name}
    c = ctr(container_name or name, image, ports=ports, env=env_vars, resources=resources or
            res(cpu_req="100m", mem_req="128Mi", mem_lim="256Mi"), readiness=readiness, liveness=liveness,
            mounts=mounts)
    tmpl = {"containers": [c] + (extra_containers or []), "_pod_labels": labels}
    if template_extra:
        tmpl.update(template_extra)
    pl = []
    for n, st, kw in placements:
        if isinstance(st, CS):
            st = {c["name"]: st}
        ip = None
        if n and st and not any(s.state == "waiting" and s.reason == "ContainerCreating" for s in st.values()):
            ip = ips.take(n)
        kw = dict(kw or {})
        kw.update(pod_kw or {})
        pl.append((n, ip, st, kw))
    ann = (lambda n, ip, pn: calico_pod_annotations(ex, pn, ip) if ip else None) if calico else None
    d, rs, pods = deployment_pods(ex, name, ns, template=tmpl, labels=labels, selector=labels, created=created,
                                  placements=pl, annotations_for=ann, never_complete=never_complete)
    svc = None
    if svc_ports:
        svc = service(ex, name, ns, created=created, ports=svc_ports, selector=svc_selector or labels,
                      cluster_ip=cluster_ip or "10.%d.%d.%d" % (96 + ex.rng.randrange(0, 14), ex.rng.randrange(0, 255),
                                                                ex.rng.randrange(2, 254)),
                      labels=svc_labels or labels)
        last = max([p["status"].get("startTime", created) for p in pods] or [created])
        if endpoints:
            endpoints_for(ex, svc, created=created, changed=last)
        if slices:
            slice_for(ex, svc, created=created, changed=last)
    return d, rs, pods, svc


def objects(ex, *kinds, ns=None, exclude_ns=()):
    out = []
    for k, o in ex.objs:
        if kinds and k not in kinds:
            continue
        ons = o["metadata"].get("namespace")
        if ns is not None and ons != ns:
            continue
        if ons in exclude_ns:
            continue
        out.append(o)
    return out


def write_list_json(path, items):
    write(path, kubectl_json(kubectl_list(items)))


def write_list_yaml(path, items):
    write(path, kubectl_yaml(kubectl_list(items)))


NS_KINDS = ("DaemonSet", "Deployment", "ReplicaSet", "StatefulSet", "Pod", "Service", "Endpoints", "EndpointSlice",
            "ConfigMap", "NetworkPolicy", "Event")


# ---------------------------------------------------------------------------------------------
# 1. healthy-calico


def healthy_calico():
    name = "healthy-calico"
    root = fresh(name)
    ex = Ex(name, "2025-03-11T10:20:00Z")
    t0 = ex.ts(days=41, hours=3, minutes=12)
    specs = [("cp-1", "192.168.10.10", True, "ens18", "10.244.182.64/26"),
             ("worker-1", "192.168.10.11", False, "ens18", "10.244.226.128/26"),
             ("worker-2", "192.168.10.12", False, "ens18", "10.244.133.192/26")]
    ips = base_calico(ex, specs, t0=t0, pool="10.244.0.0/16", ipip="Always", coredns_on=["worker-1", "worker-2"],
                      kc_on="worker-1")
    created = ex.ts(days=23, hours=5)
    ns_object(ex, "shop", created)
    web = [port(8080, "http")]
    app(ex, ips, "shop", "web", image="nginxinc/nginx-unprivileged:1.25-alpine", created=created, calico=True,
        ports=web, readiness=http_probe("/", "http", period=5),
        placements=[(n, CS("running", since=tplus(created, minutes=1)), {"start": tplus(created, minutes=1)})
                    for n in ("worker-1", "worker-2")],
        svc_ports=[sport(80, "http", "http")])
    app(ex, ips, "shop", "api", image="shop/api:2.3.1", created=created, calico=True,
        ports=[port(9000, "http")], env_vars=[env("REDIS_ADDR", "redis:6379"), env("LOG_LEVEL", "info")],
        readiness=http_probe("/healthz", 9000),
        placements=[(n, CS("running", since=tplus(created, minutes=2)), {"start": tplus(created, minutes=2)})
                    for n in ("worker-2", "worker-1")],
        svc_ports=[sport(9000, 9000, "http")])
    app(ex, ips, "shop", "redis", image="redis:7.2-alpine", created=created, calico=True,
        ports=[port(6379, "redis")], readiness=tcp_probe("redis"),
        resources=res(cpu_req="100m", mem_req="256Mi", mem_lim="512Mi"),
        placements=[("worker-1", CS("running", since=tplus(created, minutes=1)), {"start": tplus(created, minutes=1)})],
        svc_ports=[sport(6379, "redis", "redis")])
    pol = lambda n, spec: ex.add("NetworkPolicy", typed("NetworkPolicy", "networking.k8s.io/v1",
                                                        meta(ex, n, "shop", created=created, generation=1), spec=spec))
    pol("default-deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]})
    pol("web-from-anywhere", {"podSelector": {"matchLabels": {"app": "web"}},
                              "ingress": [{"ports": [{"protocol": "TCP", "port": 8080}]}], "policyTypes": ["Ingress"]})
    pol("api-from-web", {"podSelector": {"matchLabels": {"app": "api"}}, "ingress": [{
        "from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"protocol": "TCP", "port": 9000}]}],
        "policyTypes": ["Ingress"]})
    pol("redis-from-api", {"podSelector": {"matchLabels": {"app": "redis"}}, "ingress": [{
        "from": [{"podSelector": {"matchLabels": {"app": "api"}}}], "ports": [{"protocol": "TCP", "port": 6379}]}],
        "policyTypes": ["Ingress"]})

    # Layout: one `kubectl get KIND NAME -o yaml` per file.
    for kind, o in ex.objs:
        ns = o["metadata"].get("namespace") or "cluster-scope"
        fn = "%s-%s.yaml" % (kind.lower(), o["metadata"]["name"])
        write(os.path.join(root, ns, fn), kubectl_yaml(o))
    expect(name, [], ["cni-not-detected", "cni-pod-unhealthy", "cni-policy-not-enforced", "pod-pending",
                      "service-no-endpoints", "service-target-port-mismatch", "node-network-unavailable",
                      "container-exited-pod-running"],
           "Healthy kubeadm cluster (1 control plane, 2 workers) on Calico from calico.yaml v3.27 in IPIP mode: "
           "calico-node DaemonSet in kube-system with its three Completed init containers, calico-kube-controllers, "
           "IPPool default-ipv4-ippool (crd.projectcalico.org/v1, 10.244.0.0/16, ipipMode Always, natOutgoing), "
           "nodes with NetworkUnavailable False/CalicoIsUp, CoreDNS Ready behind kube-dns with Endpoints and "
           "EndpointSlice. Namespace shop: web/api/redis Deployments with Services, Endpoints and EndpointSlices, "
           "named and numeric targetPorts that match, and four NetworkPolicies (Calico enforces them, so no "
           "policy finding). Layout: one `kubectl get KIND NAME -o yaml` per file. Nothing at warning or above.")


# ---------------------------------------------------------------------------------------------
# 2. healthy-flannel-vxlan


def healthy_flannel_vxlan():
    name = "healthy-flannel-vxlan"
    root = fresh(name)
    ex = Ex(name, "2025-02-18T14:05:00Z")
    t0 = ex.ts(days=130, hours=6)
    specs = [("k8s-master", "192.168.20.10", True, "eth0", "10.244.0.0/24"),
             ("k8s-node1", "192.168.20.11", False, "eth0", "10.244.1.0/24"),
             ("k8s-node2", "192.168.20.12", False, "eth0", "10.244.2.0/24")]
    ips = base_flannel(ex, specs, t0=t0, backend="vxlan", coredns_on=["k8s-master", "k8s-master"])
    created = ex.ts(days=77, hours=2)
    app(ex, ips, "blog", "blog-db", image="mariadb:11.3", created=created, ports=[port(3306, "mysql")],
        env_vars=[env("MARIADB_DATABASE", "ghost"), env("MARIADB_USER", "ghost")],
        readiness=tcp_probe("mysql"), resources=res(cpu_req="250m", mem_req="512Mi", mem_lim="1Gi"),
        placements=[("k8s-node2", CS("running", since=tplus(created, minutes=1)), {"start": tplus(created, minutes=1)})],
        svc_ports=[sport(3306, "mysql", "mysql")])
    app(ex, ips, "blog", "blog-frontend", image="blog/frontend:1.8.2", created=created, ports=[port(2368, "http")],
        env_vars=[env("database__client", "mysql"), env("database__connection__host", "blog-db"),
                  env("url", "http://blog.corp.internal")],
        readiness=http_probe("/ghost/api/admin/site/", "http"),
        placements=[(n, CS("running", since=tplus(created, minutes=3)), {"start": tplus(created, minutes=3)})
                    for n in ("k8s-node1", "k8s-node2")],
        svc_ports=[sport(80, "http", "http")])
    write_dump(ex, root, ["default", "kube-system", "kube-flannel", "blog"])
    cm = [o for o in ex.of_kind("ConfigMap", "kube-flannel")][0]
    write(os.path.join(root, "kube-flannel-cfg.json"), kubectl_json(cm))
    expect(name, [], ["cni-not-detected", "cni-pod-unhealthy", "cni-policy-not-enforced", "pod-pending",
                      "service-no-endpoints", "node-network-unavailable", "container-exited-pod-running"],
           "Healthy kubeadm cluster on Flannel v0.25 (kube-flannel-ds in namespace kube-flannel, VXLAN backend, "
           "Network 10.244.0.0/16, nodes with podCIDRs and FlannelIsUp). Layout: `kubectl cluster-info dump "
           "--namespaces default,kube-system,kube-flannel,blog --output-directory` (typed Lists whose items carry "
           "no kind/apiVersion, logs.txt per pod with START/END sections for init containers and containers, "
           "no Endpoints or EndpointSlices: a dump does not contain them, so Services must be judged from their "
           "selectors and the pods) plus kube-flannel-cfg.json from `kubectl get cm -o json`. The flannel logs "
           "hold the usual klog W line about inClusterConfig, which is not an error. No NetworkPolicy exists, "
           "so flannel's lack of policy support is not a finding. Nothing at warning or above.")


# ---------------------------------------------------------------------------------------------
# 3. flannel-hostgw-policy


def flannel_hostgw_policy():
    name = "flannel-hostgw-policy"
    root = fresh(name)
    ex = Ex(name, "2025-01-27T08:40:00Z")
    t0 = ex.ts(days=64, hours=2)
    specs = [("node-a", "10.20.30.11", True, "eno1", "10.244.0.0/24"),
             ("node-b", "10.20.30.12", False, "eno1", "10.244.1.0/24"),
             ("node-c", "10.20.30.13", False, "eno1", "10.244.2.0/24")]
    ips = base_flannel(ex, specs, t0=t0, backend="host-gw", coredns_on=["node-b", "node-c"])
    created = ex.ts(days=30, hours=4)
    ns_object(ex, "finance", created, {"team": "finance"})
    app(ex, ips, "finance", "ledger", image="finance/ledger:4.2.0", created=created, ports=[port(8080, "http")],
        readiness=http_probe("/ready", "http"),
        placements=[(n, CS("running", since=tplus(created, minutes=2)), {"start": tplus(created, minutes=2)})
                    for n in ("node-b", "node-c")],
        svc_ports=[sport(80, "http", "http")])
    app(ex, ips, "finance", "reports", image="finance/reports:1.9.3", created=created, ports=[port(8000)],
        env_vars=[env("LEDGER_URL", "http://ledger.finance.svc.cluster.local")],
        readiness=http_probe("/health", 8000),
        placements=[("node-b", CS("running", since=tplus(created, minutes=2)), {"start": tplus(created, minutes=2)})],
        svc_ports=[sport(8000, 8000, "http")])
    pol = lambda n, spec: ex.add("NetworkPolicy", typed("NetworkPolicy", "networking.k8s.io/v1", meta(
        ex, n, "finance", created=tplus(created, days=2), generation=1), spec=spec))
    pol("default-deny-all", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
    pol("allow-dns-egress", {"podSelector": {}, "egress": [{"to": [{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": "kube-system"}}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}], "policyTypes": ["Egress"]})
    pol("ledger-from-reports", {"podSelector": {"matchLabels": {"app": "ledger"}}, "ingress": [{"from": [
        {"podSelector": {"matchLabels": {"app": "reports"}}}], "ports": [{"protocol": "TCP", "port": 8080}]}],
        "policyTypes": ["Ingress"]})
    pol("reports-to-ledger", {"podSelector": {"matchLabels": {"app": "reports"}}, "egress": [{"to": [
        {"podSelector": {"matchLabels": {"app": "ledger"}}}], "ports": [{"protocol": "TCP", "port": 8080}]}],
        "policyTypes": ["Egress"]})

    # Layout: `kubectl get KIND -A -o json` per kind.
    files = {"nodes.json": ("Node",), "namespaces.json": ("Namespace",), "pods.json": ("Pod",),
             "services.json": ("Service",), "endpoints.json": ("Endpoints",), "endpointslices.json": ("EndpointSlice",),
             "daemonsets.json": ("DaemonSet",), "deployments.json": ("Deployment",),
             "replicasets.json": ("ReplicaSet",), "configmaps.json": ("ConfigMap",),
             "networkpolicies.json": ("NetworkPolicy",)}
    for fn, kinds in files.items():
        write_list_json(os.path.join(root, fn), objects(ex, *kinds))
    expect(name, ["cni-policy-not-enforced"],
           ["cni-not-detected", "cni-pod-unhealthy", "service-no-endpoints", "node-network-unavailable",
            "pod-pending"],
           "Flannel alone (kube-flannel-ds, net-conf.json Backend Type host-gw, all three nodes on 10.20.30.0/24 so "
           "host-gw's L2 adjacency holds) and four NetworkPolicy objects in namespace finance (default-deny-all, "
           "allow-dns-egress, ledger-from-reports, reports-to-ledger). Flannel enforces no NetworkPolicy (P2.2): "
           "the policies are accepted by the API server and silently do nothing. Everything else is healthy. "
           "Layout: `kubectl get KIND -A -o json` per kind (kind: List, items with kind/apiVersion, keys sorted, "
           "Go's \\u003c/\\u003e/\\u0026 escaping).")


# ---------------------------------------------------------------------------------------------
# 4. calico-v3-vxlan-crashloop (tigera operator)


def calico_operator(ex, specs, *, t0, pool, blocks):
    """Operator install: tigera-operator, calico-system (calico-node, typha, kube-controllers), Installation,
    IPPool (projectcalico.org/v3), FelixConfiguration."""
    ips = IPs()
    created_of, cni_start = {}, {}
    for i, (n, ip, cp, iface) in enumerate(specs):
        created = tplus(t0, minutes=5 * i)
        created_of[n] = created
        cni_start[n] = tplus(max(created, tplus(t0, minutes=14)), seconds=36)
        node(ex, n, ip, created=created, cp=cp, pod_cidr="10.48.%d.0/24" % i, cni="calico-vxlan",
             cni_since=tplus(cni_start[n], seconds=2), ready_since=tplus(cni_start[n], seconds=1),
             tunnel_addr=blocks[n].split("/")[0],
             images=("calico/node:v3.27.3", "calico/cni:v3.27.3", "calico/typha:v3.27.3", "k8s/kube-proxy:v1.29.4"))
        ips.set_range(n, blocks[n], 1)
    nodes = [s[0] for s in specs]
    static_pods(ex, specs[0][0], specs[0][1], booted=tplus(t0, minutes=-1))
    kube_proxy(ex, nodes, created=tplus(t0, minutes=1), started_for=lambda n: tplus(created_of[n], seconds=44))
    inst_created = tplus(t0, minutes=13)
    inst = ex.add("Installation", typed("Installation", "operator.tigera.io/v1", meta(
        ex, "default", created=inst_created, generation=2, finalizers=["tigera.io/operator-cleanup"]),
        spec={"calicoNetwork": {"bgp": "Enabled", "hostPorts": "Enabled", "ipPools": [
            {"blockSize": 26, "cidr": pool, "disableBGPExport": False, "encapsulation": "VXLANCrossSubnet",
             "natOutgoing": "Enabled", "nodeSelector": "all()"}], "linuxDataplane": "Iptables", "mtu": 1450,
            "multiInterfaceMode": "None", "nodeAddressAutodetectionV4": {"firstFound": True}},
            "cni": {"ipam": {"type": "Calico"}, "type": "Calico"}, "controlPlaneReplicas": 2,
            "flexVolumePath": "/usr/libexec/kubernetes/kubelet-plugins/volume/exec/",
            "kubeletVolumePluginPath": "/var/lib/kubelet",
            "logging": {"cni": {"logFileMaxAgeDays": 30, "logFileMaxCount": 10, "logFileMaxSize": "100Mi",
                                "logSeverity": "Info"}},
            "nodeUpdateStrategy": {"rollingUpdate": {"maxUnavailable": 1}, "type": "RollingUpdate"},
            "nonPrivileged": "Disabled", "registry": REG + "/", "variant": "Calico"},
        status={"calicoVersion": "v3.27.3", "conditions": [
            {"lastTransitionTime": tplus(inst_created, minutes=2), "message": "All Objects Available",
             "observedGeneration": 2, "reason": "AllObjectsAvailable", "status": "False", "type": "Degraded"},
            {"lastTransitionTime": tplus(inst_created, minutes=2), "message": "All objects available",
             "observedGeneration": 2, "reason": "AllObjectsAvailable", "status": "True", "type": "Ready"},
            {"lastTransitionTime": tplus(inst_created, minutes=2), "message": "All Objects Available",
             "observedGeneration": 2, "reason": "AllObjectsAvailable", "status": "False", "type": "Progressing"}],
            "mtu": 1450, "variant": "Calico"}))
    inst_owner = [{"apiVersion": "operator.tigera.io/v1", "kind": "Installation", "name": "default",
                   "uid": inst["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    ex.add("IPPool", typed("IPPool", "projectcalico.org/v3", meta(ex, "default-ipv4-ippool", created=inst_created),
                           spec={"allowedUses": ["Workload", "Tunnel"], "blockSize": 26, "cidr": pool,
                                 "ipipMode": "Never", "natOutgoing": True, "nodeSelector": "all()",
                                 "vxlanMode": "CrossSubnet"}))
    ex.add("FelixConfiguration", typed("FelixConfiguration", "projectcalico.org/v3", meta(
        ex, "default", created=inst_created), spec={"bpfLogLevel": "", "floatingIPs": "Disabled",
                                                    "healthPort": 9099, "logSeverityScreen": "Info",
                                                    "reportingInterval": "0s", "vxlanPort": 4789,
                                                    "vxlanVNI": 4096}))
    # tigera-operator
    ns_object(ex, "tigera-operator", tplus(t0, minutes=12), {"name": "tigera-operator",
                                                             "pod-security.kubernetes.io/enforce": "privileged"})
    opc = ctr("tigera-operator", "tigera/operator:v1.32.7", command=["operator"],
              env=[env("WATCH_NAMESPACE", ""), env("POD_NAME", field="metadata.name"),
                   env("OPERATOR_NAME", "tigera-operator"), env("TIGERA_OPERATOR_INIT_IMAGE_VERSION", "v1.32.7")],
              env_from=[{"configMapRef": {"name": "kubernetes-services-endpoint", "optional": True}}],
              mounts=[{"name": "var-lib-calico", "readOnly": True, "mountPath": "/var/lib/calico"}])
    op_t = {"volumes": [{"name": "var-lib-calico", "hostPath": {"path": "/var/lib/calico", "type": ""}}],
            "containers": [opc], "hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet",
            "nodeSelector": {"kubernetes.io/os": "linux"}, "serviceAccountName": "tigera-operator",
            "tolerations": [{"operator": "Exists", "effect": "NoExecute"}, {"operator": "Exists", "effect": "NoSchedule"}],
            "_pod_labels": {"k8s-app": "tigera-operator", "name": "tigera-operator"}}
    op_start = tplus(t0, minutes=12, seconds=40)
    deployment_pods(ex, "tigera-operator", "tigera-operator", template=op_t,
                    labels={"k8s-app": "tigera-operator"}, selector={"name": "tigera-operator"},
                    created=tplus(t0, minutes=12),
                    placements=[(specs[1][0], None, {"tigera-operator": CS("running", since=op_start)},
                                 {"start": op_start, "created": tplus(t0, minutes=12), "host_network": True})])
    # calico-system
    ns_object(ex, "calico-system", inst_created, {"name": "calico-system",
                                                  "pod-security.kubernetes.io/enforce": "privileged"})
    node_c = ctr("calico-node", "calico/node:v3.27.3",
                 env=[env("DATASTORE_TYPE", "kubernetes"), env("WAIT_FOR_DATASTORE", "true"),
                      env("CLUSTER_TYPE", "k8s,operator,bgp"), env("CALICO_DISABLE_FILE_LOGGING", "false"),
                      env("FELIX_DEFAULTENDPOINTTOHOSTACTION", "ACCEPT"), env("FELIX_HEALTHENABLED", "true"),
                      env("FELIX_HEALTHPORT", "9099"), env("NODENAME", field="spec.nodeName"),
                      env("NAMESPACE", field="metadata.namespace"), env("FELIX_TYPHAK8SNAMESPACE", "calico-system"),
                      env("FELIX_TYPHAK8SSERVICENAME", "calico-typha"), env("FELIX_TYPHACAFILE",
                                                                           "/etc/pki/tls/certs/tigera-ca-bundle.crt"),
                      env("CALICO_MANAGE_CNI", "true"), env("CALICO_NETWORKING_BACKEND", "bird"),
                      env("IP", "autodetect"), env("IP_AUTODETECTION_METHOD", "first-found"), env("IP6", "none"),
                      env("FELIX_IPV6SUPPORT", "false"), env("FELIX_VXLANMTU", "1450"),
                      env("FELIX_IPINIPMTU", "1450"), env("FELIX_WIREGUARDMTU", "1450")],
                 mounts=[{"name": "policysync", "mountPath": "/var/run/nodeagent"},
                         {"name": "var-run-calico", "mountPath": "/var/run/calico"},
                         {"name": "var-lib-calico", "mountPath": "/var/lib/calico"},
                         {"name": "cni-net-dir", "mountPath": "/host/etc/cni/net.d"}],
                 lifecycle={"preStop": {"exec": {"command": ["/bin/calico-node", "-shutdown"]}}},
                 liveness=http_probe("/liveness", 9099, host="localhost", timeout=10),
                 readiness=exec_probe(["/bin/calico-node", "-bird-ready", "-felix-ready"], timeout=5),
                 security={"allowPrivilegeEscalation": True, "capabilities": {"drop": ["ALL"]}, "privileged": True,
                           "runAsGroup": 0, "runAsNonRoot": False, "runAsUser": 0,
                           "seccompProfile": {"type": "RuntimeDefault"}})
    inits = [ctr("flexvol-driver", "calico/pod2daemon-flexvol:v3.27.3",
                 mounts=[{"name": "flexvol-driver-host", "mountPath": "/host/driver"}],
                 security={"privileged": True, "runAsUser": 0}),
             ctr("install-cni", "calico/cni:v3.27.3", command=["/opt/cni/bin/install"],
                 env=[env("CNI_CONF_NAME", "10-calico.conflist"), env("SLEEP", "false"),
                      env("CNI_NET_DIR", "/etc/cni/net.d"), env("CNI_NETWORK_CONFIG", cm="cni-config", key="config")],
                 mounts=[{"name": "cni-bin-dir", "mountPath": "/host/opt/cni/bin"},
                         {"name": "cni-net-dir", "mountPath": "/host/etc/cni/net.d"}],
                 security={"privileged": True, "runAsUser": 0})]
    hp = lambda n, p, t="": {"name": n, "hostPath": {"path": p, "type": t}}
    node_t = {"volumes": [hp("policysync", "/var/run/nodeagent", "DirectoryOrCreate"), hp("var-run-calico", "/var/run/calico"),
                          hp("var-lib-calico", "/var/lib/calico"), hp("cni-bin-dir", "/opt/cni/bin"),
                          hp("cni-net-dir", "/etc/cni/net.d"),
                          hp("flexvol-driver-host", "/usr/libexec/kubernetes/kubelet-plugins/volume/exec/nodeagent~uds",
                             "DirectoryOrCreate")],
              "initContainers": inits, "containers": [node_c], "hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet",
              "nodeSelector": {"kubernetes.io/os": "linux"}, "serviceAccountName": "calico-node",
              "terminationGracePeriodSeconds": 5, "priorityClassName": "system-node-critical",
              "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                              {"operator": "Exists", "effect": "NoSchedule"},
                              {"operator": "Exists", "effect": "NoExecute"}],
              "_selector": {"k8s-app": "calico-node"},
              "_pod_labels": {"app.kubernetes.io/name": "calico-node", "k8s-app": "calico-node"},
              "_pod_created": lambda n: cni_start[n],
              "_ds_annotations": {}}

    def init_ok(n):
        s = cni_start[n]
        return {c: CS("terminated", exit_code=0, reason="Completed", since=tplus(s, seconds=a),
                      finished=tplus(s, seconds=b), started=False)
                for c, a, b in (("flexvol-driver", 1, 1), ("install-cni", 2, 4))}

    ds, npods = ds_pods(ex, "calico-node", "calico-system", template=node_t, ds_labels={
        "app.kubernetes.io/name": "calico-node", "k8s-app": "calico-node"}, nodes=nodes,
        created_at=inst_created,
        statuses_for=lambda n: {"calico-node": CS("running", since=tplus(cni_start[n], seconds=6))},
        init_statuses_for=init_ok)
    ds["metadata"]["ownerReferences"] = inst_owner
    for p in npods:
        p["metadata"]["annotations"] = {"hash.operator.tigera.io/cni-config": ex.hexid("cnicfg", 40),
                                        "hash.operator.tigera.io/system": ex.hexid("sys", 40),
                                        "tigera-operator.hash.operator.tigera.io/tigera-ca-private": ex.hexid("ca", 40)}
    # typha
    typha_c = ctr("calico-typha", "calico/typha:v3.27.3", ports=[port(5473, "calico-typha", host=True)],
                  env=[env("TYPHA_LOGSEVERITYSCREEN", "info"), env("TYPHA_LOGFILEPATH", "none"),
                       env("TYPHA_LOGSEVERITYSYS", "none"), env("TYPHA_CONNECTIONREBALANCINGMODE", "kubernetes"),
                       env("TYPHA_DATASTORETYPE", "kubernetes"), env("TYPHA_HEALTHENABLED", "true"),
                       env("TYPHA_HEALTHPORT", "9098"), env("TYPHA_K8SNAMESPACE", "calico-system")],
                  liveness=http_probe("/liveness", 9098, host="localhost", timeout=10),
                  readiness=http_probe("/readiness", 9098, host="localhost", timeout=10))
    typha_t = {"containers": [typha_c], "hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet",
               "nodeSelector": {"kubernetes.io/os": "linux"}, "serviceAccountName": "calico-typha",
               "terminationGracePeriodSeconds": 300, "priorityClassName": "system-cluster-critical",
               "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                               {"operator": "Exists", "effect": "NoSchedule"},
                               {"operator": "Exists", "effect": "NoExecute"}],
               "_pod_labels": {"app.kubernetes.io/name": "calico-typha", "k8s-app": "calico-typha"}}
    ts = tplus(inst_created, seconds=20)
    td, trs, tpods = deployment_pods(ex, "calico-typha", "calico-system", template=typha_t,
                                     labels={"app.kubernetes.io/name": "calico-typha", "k8s-app": "calico-typha"},
                                     selector={"k8s-app": "calico-typha"}, created=inst_created,
                                     placements=[(n, None, {"calico-typha": CS("running", since=ts)},
                                                  {"start": ts, "host_network": True}) for n in nodes[1:]])
    td["metadata"]["ownerReferences"] = inst_owner
    tsvc = service(ex, "calico-typha", "calico-system", created=inst_created, cluster_ip="10.101.148.23",
                   labels={"k8s-app": "calico-typha"}, ports=[sport(5473, "calico-typha", "calico-typha")],
                   selector={"k8s-app": "calico-typha"})
    endpoints_for(ex, tsvc, created=inst_created, changed=ts)
    slice_for(ex, tsvc, created=inst_created, changed=ts)
    # kube-controllers
    kc = ctr("calico-kube-controllers", "calico/kube-controllers:v3.27.3",
             env=[env("KUBE_CONTROLLERS_CONFIG_NAME", "default"), env("DATASTORE_TYPE", "kubernetes"),
                  env("ENABLED_CONTROLLERS", "node"), env("FIPS_MODE_ENABLED", "false"),
                  env("CA_CRT_PATH", "/etc/pki/tls/certs/tigera-ca-bundle.crt")],
             liveness=exec_probe(["/usr/bin/check-status", "-l"], delay=10, timeout=10, failure=6),
             readiness=exec_probe(["/usr/bin/check-status", "-r"], timeout=10),
             security={"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsGroup": 0,
                       "runAsNonRoot": True, "runAsUser": 999, "seccompProfile": {"type": "RuntimeDefault"}})
    kc_t = {"containers": [kc], "nodeSelector": {"kubernetes.io/os": "linux"},
            "serviceAccountName": "calico-kube-controllers", "priorityClassName": "system-cluster-critical",
            "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                            {"key": "node-role.kubernetes.io/master", "effect": "NoSchedule"},
                            {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
            "_pod_labels": {"app.kubernetes.io/name": "calico-kube-controllers", "k8s-app": "calico-kube-controllers"}}
    ks = tplus(cni_start[nodes[1]], seconds=30)
    kip = ips.take(nodes[1])
    kd, krs, kpods = deployment_pods(ex, "calico-kube-controllers", "calico-system", template=kc_t,
                                     labels={"k8s-app": "calico-kube-controllers"},
                                     selector={"k8s-app": "calico-kube-controllers"}, created=inst_created,
                                     strategy={"type": "Recreate"},
                                     placements=[(nodes[1], kip, {"calico-kube-controllers": CS("running", since=ks)},
                                                  {"start": ks})],
                                     annotations_for=lambda n, ip, pn: calico_pod_annotations(ex, pn, ip))
    kd["metadata"]["ownerReferences"] = inst_owner
    placements = []
    for n in nodes[1:]:
        s = tplus(cni_start[n], seconds=25)
        placements.append((n, ips.take(n), {"coredns": CS("running", since=s)}, {"start": s, "created": tplus(t0, minutes=1)}))
    coredns(ex, created=tplus(t0, minutes=1), placements=placements,
            annotations_for=lambda n, ip, pn: calico_pod_annotations(ex, pn, ip))
    kubernetes_service(ex, created=tplus(t0, minutes=-1), api_ip=specs[0][1])
    ex.cni_start = cni_start
    return ips, npods


def calico_v3_vxlan_crashloop():
    name = "calico-v3-vxlan-crashloop"
    root = fresh(name)
    ex = Ex(name, "2025-03-04T11:32:00Z")
    ex.cluster_cidr = "10.48.0.0/16"
    t0 = ex.ts(days=52, hours=1)
    specs = [("node01", "172.20.1.11", True, "enp1s0"), ("node02", "172.20.1.12", False, "enp1s0"),
             ("node03", "172.20.2.13", False, "enp1s0")]
    blocks = {"node01": "10.48.61.0/26", "node02": "10.48.217.64/26", "node03": "10.48.143.128/26"}
    ips, npods = calico_operator(ex, specs, t0=t0, pool="10.48.0.0/16", blocks=blocks)
    created = ex.ts(days=20)
    ns_object(ex, "billing", created)
    app(ex, ips, "billing", "billing-api", image="billing/api:3.0.4", created=created, calico=True,
        ports=[port(8443, "https")], readiness=http_probe("/readyz", "https", scheme="HTTPS"),
        placements=[(n, CS("running", since=tplus(created, minutes=1)), {"start": tplus(created, minutes=1)})
                    for n in ("node02", "node03")],
        svc_ports=[sport(443, "https", "https")])
    # The crash-looping worker: rolled out 2 h ago with a ConfigMap that lacks queue.url.
    rollout = ex.ts(hours=2, minutes=4)
    last_start, last_end = ex.ts(minutes=3, seconds=11), ex.ts(minutes=3, seconds=10)
    ex.add("ConfigMap", typed("ConfigMap", "v1", meta(ex, "invoice-worker-config", "billing", created=rollout),
                              data={"config.yaml": "log:\n  level: info\nqueue:\n  name: invoices\n  prefetch: 20\n"
                                    "ledger:\n  url: https://billing-api.billing.svc.cluster.local\n"}))
    crash = CS("waiting", reason="CrashLoopBackOff",
               message="back-off 5m0s restarting failed container=worker pod={pod}_{ns}({uid})", restarts=23,
               last=terminated(1, "Error", last_start, last_end))
    _, _, wp, _ = app(ex, ips, "billing", "invoice-worker", image="billing/invoice-worker:1.14.2", created=rollout,
                      calico=True, container_name="worker", never_complete=True,
                      mounts=[{"name": "config", "readOnly": True, "mountPath": "/etc/invoice-worker"}],
                      template_extra={"volumes": [{"name": "config", "configMap": {"name": "invoice-worker-config",
                                                                                   "defaultMode": 420}}]},
                      resources=res(cpu_req="200m", mem_req="256Mi", mem_lim="512Mi"),
                      placements=[("node03", crash, {"start": tplus(rollout, seconds=4)})])
    wp = wp[0]
    pn = wp["metadata"]["name"]
    img = wp["spec"]["containers"][0]["image"]
    fld = "spec.containers{worker}"
    kubelet_event(ex, wp, reason="Pulled", message='Container image "%s" already present on machine' % img,
                  first=tplus(rollout, seconds=5), last=last_start, count=24, field=fld)
    kubelet_event(ex, wp, reason="Created", message="Created container worker", first=tplus(rollout, seconds=5),
                  last=last_start, count=24, field=fld)
    kubelet_event(ex, wp, reason="Started", message="Started container worker", first=tplus(rollout, seconds=5),
                  last=last_start, count=24, field=fld)
    kubelet_event(ex, wp, reason="BackOff", message="Back-off restarting failed container worker in pod %s_billing(%s)"
                  % (pn, wp["metadata"]["uid"]), first=tplus(rollout, seconds=20), last=ex.ts(seconds=14), count=541,
                  etype="Warning", field=fld)

    def worker_log(start):
        t = dt.datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ")
        j = lambda ms, lvl, msg, extra="": '{"level":"%s","ts":"%s","caller":"%s","msg":"%s"%s}' % (
            lvl, (t + dt.timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            {"info": "cmd/worker/main.go:58", "error": "internal/config/load.go:91",
             "fatal": "cmd/worker/main.go:74"}[lvl] if "loading" not in msg else "internal/config/load.go:44",
            msg, extra)
        return "\n".join([
            j(2, "info", "starting invoice-worker", ',"version":"1.14.2","commit":"9f3c2ab"'),
            j(3, "info", "loading configuration", ',"path":"/etc/invoice-worker/config.yaml"'),
            j(5, "error", "invalid configuration", ',"error":"queue.url: required key is missing"'),
            j(5, "fatal", "cannot start without a queue connection, exiting", ',"exitCode":1'),
        ])
    ex.log("billing", pn, "worker", worker_log(last_start))
    ex.log("billing", pn, "worker", worker_log(ex.ts(minutes=8, seconds=22)), previous=True)
    calico_pod = [p for p in npods if p["spec"]["nodeName"] == "node03"][0]
    ex.log("calico-system", calico_pod["metadata"]["name"], "calico-node",
           calico_node_log(ex, "node03", "172.20.2.13", "enp1s0", tplus(ex.cni_start["node03"], seconds=6),
                           peers=["172.20.1.11", "172.20.1.12"]))
    # The calico-node log of the other nodes was not collected: only node03's (where the worker runs).
    ex.logs = {k: v for k, v in ex.logs.items() if k[0] in ("billing",) or k[1] == calico_pod["metadata"]["name"]}
    ex.logs = {k: v for k, v in ex.logs.items() if v}

    # Layout: multi-document YAML for the Calico resources, a `kubectl get ... -o yaml` List per namespace,
    # nodes as a List, and logs/NS/POD/CONTAINER[.previous].log.
    docs = [o for k, o in ex.objs if k in ("Installation", "IPPool", "FelixConfiguration")]
    write(os.path.join(root, "calico-resources.yaml"), "---\n".join(kubectl_yaml(o) for o in docs))
    write_list_yaml(os.path.join(root, "nodes.yaml"), objects(ex, "Node"))
    write_list_yaml(os.path.join(root, "namespaces.yaml"), objects(ex, "Namespace"))
    for ns in ("kube-system", "tigera-operator", "calico-system", "billing", "default"):
        write_list_yaml(os.path.join(root, ns + ".yaml"), objects(ex, *NS_KINDS, ns=ns))
    write_logs_dir(ex, root)
    expect(name, ["container-crashloop"],
           ["container-oomkilled", "container-exited-pod-running", "pod-pending", "cni-pod-unhealthy",
            "cni-not-detected", "service-no-endpoints"],
           "Calico installed by the tigera operator: Installation default (operator.tigera.io/v1, calicoNetwork "
           "ipPools encapsulation VXLANCrossSubnet, mtu 1450), IPPool default-ipv4-ippool read through the Calico API "
           "server (projectcalico.org/v3, cidr 10.48.0.0/16, vxlanMode CrossSubnet, ipipMode Never), a "
           "FelixConfiguration (a kind the tool does not know and must skip), calico-node/calico-typha/"
           "calico-kube-controllers in namespace calico-system (not kube-system) owned by the Installation, the "
           "operator in tigera-operator; node03 sits in another /24 (172.20.2.0/24) than node01/02, so cross-subnet "
           "traffic is VXLAN-encapsulated. Fault: billing/invoice-worker waiting in CrashLoopBackOff (restartCount "
           "23, lastState terminated reason Error exitCode 1) whose logs (logs/billing/POD/worker.log and "
           "worker.previous.log, as `kubectl logs [--previous]` print them) say why: `queue.url: required key is "
           "missing` in its ConfigMap. No Service selects the worker, so nothing else breaks. Layout: "
           "calico-resources.yaml is a multi-document YAML (three `kubectl get -o yaml` outputs joined by ---); "
           "per-namespace List YAML files; logs/ directory.")


# ---------------------------------------------------------------------------------------------
# 5. oomkilled-running


def oomkilled_running():
    name = "oomkilled-running"
    root = fresh(name)
    ex = Ex(name, "2025-02-06T16:48:00Z")
    ex.cluster_cidr = "172.18.0.0/16"
    t0 = ex.ts(days=88, hours=7)
    specs = [("k8s-cp", "10.10.0.10", True, "eth0", "172.18.44.0/26"),
             ("k8s-w1", "10.10.0.11", False, "eth0", "172.18.120.64/26"),
             ("k8s-w2", "10.10.0.12", False, "eth0", "172.18.201.192/26")]
    ips = base_calico(ex, specs, t0=t0, pool="172.18.0.0/16", ipip="CrossSubnet", coredns_on=["k8s-w1", "k8s-w2"],
                      kc_on="k8s-w2")
    created = ex.ts(days=9, hours=2)
    ns_object(ex, "media", ex.ts(days=60))
    # P6.2: OOM-killed seven times, running again now.
    end = ex.ts(minutes=14, seconds=2)
    resizer = CS("running", since=ex.ts(minutes=13, seconds=51), restarts=7,
                 last=terminated(137, "OOMKilled", ex.ts(hours=1, minutes=2, seconds=40), end))
    _, _, rp, _ = app(ex, ips, "media", "image-resizer", image="media/image-resizer:2.7.0", created=created,
                      calico=True, container_name="resizer", ports=[port(8080, "http")],
                      env_vars=[env("MAX_IMAGE_PIXELS", "178956970"), env("WORKERS", "4")],
                      resources=res(cpu_req="250m", mem_req="128Mi", cpu_lim="1", mem_lim="256Mi"),
                      readiness=http_probe("/healthz", "http"),
                      placements=[("k8s-w1", resizer, {"start": tplus(created, seconds=6)})],
                      svc_ports=[sport(80, "http", "http")])
    rp = rp[0]
    fld = "spec.containers{resizer}"
    img = rp["spec"]["containers"][0]["image"]
    kubelet_event(ex, rp, reason="Pulled", message='Container image "%s" already present on machine' % img,
                  first=ex.ts(hours=19, minutes=40), last=ex.ts(minutes=13, seconds=52), count=7, field=fld)
    kubelet_event(ex, rp, reason="Created", message="Created container resizer", first=ex.ts(hours=19, minutes=40),
                  last=ex.ts(minutes=13, seconds=52), count=7, field=fld)
    kubelet_event(ex, rp, reason="Started", message="Started container resizer", first=ex.ts(hours=19, minutes=40),
                  last=ex.ts(minutes=13, seconds=51), count=7, field=fld)
    kubelet_event(ex, rp, reason="BackOff", message="Back-off restarting failed container resizer in pod %s_media(%s)"
                  % (rp["metadata"]["name"], rp["metadata"]["uid"]), first=ex.ts(hours=6, minutes=12),
                  last=ex.ts(minutes=14), count=4, etype="Warning", field=fld)
    return ex, root, ips, created


def oomkilled_running_all():
    ex, root, ips, created = oomkilled_running()
    # SIGKILL without OOMKilled: the liveness probe failed and the kubelet killed it.
    # memcached hung; the kubelet sent SIGTERM, waited the 30 s grace period, then SIGKILL (137).
    cache = CS("running", since=ex.ts(hours=3, minutes=20, seconds=18), restarts=2,
               last=terminated(137, "Error", ex.ts(days=2, hours=1), ex.ts(hours=3, minutes=20, seconds=19)))
    _, _, cps, _ = app(ex, ips, "media", "thumbnail-cache", image="memcached:1.6.26-alpine", created=created,
                       calico=True, container_name="memcached", ports=[port(11211, "memcache")],
                       resources=res(cpu_req="100m", mem_req="512Mi", mem_lim="1Gi"),
                       liveness=tcp_probe("memcache", delay=15, period=10, timeout=3, failure=3),
                       readiness=tcp_probe("memcache"),
                       placements=[("k8s-w2", cache, {"start": tplus(created, seconds=7)})],
                       svc_ports=[sport(11211, "memcache", "memcache")])
    cp_ = cps[0]
    fld = "spec.containers{memcached}"
    kubelet_event(ex, cp_, reason="Unhealthy", message="Liveness probe failed: dial tcp %s:11211: i/o timeout"
                  % cp_["status"]["podIP"], first=ex.ts(hours=3, minutes=21, seconds=9),
                  last=ex.ts(hours=3, minutes=20, seconds=49), count=3, etype="Warning", field=fld)
    kubelet_event(ex, cp_, reason="Killing", message="Container memcached failed liveness probe, will be restarted",
                  first=ex.ts(hours=3, minutes=20, seconds=49), count=1, field=fld)
    # Layout: the two pods as `kubectl get pod NAME -o json` files, the rest as Lists per namespace.
    name = ex.name
    for p in ex.of_kind("Pod", "media"):
        write(os.path.join(root, "media", "pod-%s.json" % p["metadata"]["name"]), kubectl_json(p))
    write_list_json(os.path.join(root, "media", "others.json"),
                    [o for k, o in ex.objs if o["metadata"].get("namespace") == "media" and k != "Pod"])
    write_list_json(os.path.join(root, "nodes.json"), objects(ex, "Node"))
    write_list_json(os.path.join(root, "kube-system.json"), objects(ex, *NS_KINDS, ns="kube-system"))
    write_list_json(os.path.join(root, "default.json"), objects(ex, *NS_KINDS, ns="default"))
    write_list_json(os.path.join(root, "cluster.json"), objects(ex, "Namespace", "IPPool"))
    expect(name, ["container-oomkilled"],
           ["container-crashloop", "container-exited-pod-running", "pod-pending", "service-no-endpoints",
            "cni-pod-unhealthy"],
           "P6.2 on Calico (calico.yaml, ipipMode CrossSubnet, pool 172.18.0.0/16). Pod media/image-resizer-* is "
           "Running and Ready, its container `resizer` running again (started 14 min ago) with restartCount 7 and "
           "lastState.terminated reason OOMKilled exitCode 137 under a 256Mi limit: only the restart count and the "
           "last reason tell. The kubelet's BackOff events for it are 14 minutes old and the container runs now, "
           "so this is not a crash loop. Second pod media/thumbnail-cache-*: lastState terminated reason Error "
           "exitCode 137 (SIGKILL after a failed liveness probe, see its Unhealthy/Killing events), running again "
           "with restartCount 2: NOT container-oomkilled; at most an info finding (\"killed by SIGKILL, possibly "
           "OOM\"). Layout: each media pod as its own `kubectl get pod -o json` file, everything else as "
           "`kubectl get ... -o json` Lists.")


# ---------------------------------------------------------------------------------------------
# 6. completed-sidecar


def completed_sidecar():
    name = "completed-sidecar"
    root = fresh(name)
    ex = Ex(name, "2025-03-02T02:37:00Z")
    t0 = ex.ts(days=33, hours=5)
    specs = [("lab-cp", "192.168.56.10", True, "enp0s8", "10.244.0.0/24"),
             ("lab-w1", "192.168.56.11", False, "enp0s8", "10.244.1.0/24"),
             ("lab-w2", "192.168.56.12", False, "enp0s8", "10.244.2.0/24")]
    ips = base_flannel(ex, specs, t0=t0, backend="vxlan", coredns_on=["lab-cp", "lab-cp"])
    # A healthy pod with a completed init container.
    ns_object(ex, "apps", ex.ts(days=28))
    created = ex.ts(days=6, hours=3)
    init = ctr("render-config", "busybox:1.36", command=["sh", "-c", "envsubst < /tmpl/nginx.conf > /conf/nginx.conf"],
               mounts=[{"name": "conf", "mountPath": "/conf"}])
    web_t_extra = {"initContainers": [init], "volumes": [{"name": "conf", "emptyDir": {}}]}
    st = lambda s: {"web": CS("running", since=tplus(s, seconds=3))}
    _, _, wps, _ = app(ex, ips, "apps", "web", image="nginx:1.25-alpine", created=created, ports=[port(80, "http")],
                       template_extra=web_t_extra, readiness=http_probe("/", "http"),
                       placements=[(n, st(created), {"start": created, "init_statuses": {"render-config": CS(
                           "terminated", exit_code=0, reason="Completed", since=tplus(created, seconds=1),
                           finished=tplus(created, seconds=2), started=False)}}) for n in ("lab-w1", "lab-w2")],
                       svc_ports=[sport(80, "http", "http")])
    # A native sidecar (init container with restartPolicy Always) and a finished ephemeral debug container.
    side = ctr("log-shipper", "fluent/fluent-bit:3.0.4", restart_policy="Always",
               args=["--config=/fluent-bit/etc/fluent-bit.yaml"], resources=res(cpu_req="20m", mem_req="32Mi",
                                                                               mem_lim="64Mi"),
               mounts=[{"name": "app-logs", "mountPath": "/var/log/app"}])
    api_extra = {"initContainers": [side], "volumes": [{"name": "app-logs", "emptyDir": {}}]}
    api_created = ex.ts(days=2, hours=7)
    dbg = ctr("debugger-7xq2k", "busybox:1.36", stdin=True, tty=True, target="api")
    dbg.pop("resources")
    dbg = {"name": dbg["name"], "image": dbg["image"], "resources": {}, "terminationMessagePath": "/dev/termination-log",
           "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent", "stdin": True, "tty": True,
           "targetContainerName": "api"}
    _, _, aps, _ = app(ex, ips, "apps", "api", image="apps/api:7.1.0", created=api_created,
                       ports=[port(8080, "http")], template_extra=api_extra, readiness=http_probe("/healthz", "http"),
                       placements=[("lab-w2", {"api": CS("running", since=tplus(api_created, seconds=4))},
                                    {"start": api_created,
                                     "init_statuses": {"log-shipper": CS("running", since=tplus(api_created, seconds=2),
                                                                         ready=True, started=True)},
                                     "ephemeral": [dbg],
                                     "eph_statuses": {"debugger-7xq2k": CS(
                                         "terminated", exit_code=0, reason="Completed", since=ex.ts(hours=5, minutes=2),
                                         finished=ex.ts(hours=4, minutes=48))}})],
                       svc_ports=[sport(8080, "http", "http")])
    # P6.1: a Job pod (restartPolicy OnFailure) whose `migrate` container completed while `app` runs on.
    ns_object(ex, "reports", ex.ts(days=20))
    job_created = ex.ts(hours=2, minutes=37)
    cj_uid = ex.uid("cronjob/reports/nightly-report")
    sched = dt.datetime.strptime(job_created, "%Y-%m-%dT%H:%M:%SZ")
    job_name = "nightly-report-%d" % ((sched - dt.datetime(1970, 1, 1)).total_seconds() // 60)
    job_uid = ex.uid("job/" + job_name)
    job_labels = {"batch.kubernetes.io/controller-uid": job_uid, "batch.kubernetes.io/job-name": job_name,
                  "controller-uid": job_uid, "job-name": job_name}
    job = ex.add("Job", typed("Job", "batch/v1", meta(
        ex, job_name, "reports", created=job_created, labels=job_labels, generation=1,
        owners=[{"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly-report", "uid": cj_uid,
                 "controller": True, "blockOwnerDeletion": True}], uid_seed="job/" + job_name,
        annotations={"batch.kubernetes.io/cronjob-scheduled-timestamp": job_created}),
        spec={"parallelism": 1, "completions": 1, "backoffLimit": 6, "selector": {"matchLabels": {
            "batch.kubernetes.io/controller-uid": job_uid}}, "manualSelector": False,
            "template": {"metadata": {"creationTimestamp": None, "labels": job_labels}, "spec": {}},
            "completionMode": "NonIndexed", "suspend": False, "podReplacementPolicy": "TerminatingOrFailed"},
        status={"startTime": job_created, "active": 1, "terminating": 0, "uncountedTerminatedPods": {}, "ready": 0}))
    migrate = ctr("migrate", "reports/report-db-migrate:5.4.1", command=["/app/migrate", "--to", "latest"],
                  env=[env("DB_HOST", "reports-db.reports.svc.cluster.local")],
                  resources=res(cpu_req="100m", mem_req="64Mi", mem_lim="128Mi"))
    appc = ctr("app", "reports/report-builder:5.4.1", args=["--serve-results", "--port=8080"],
               ports=[port(8080, "http")], env=[env("DB_HOST", "reports-db.reports.svc.cluster.local")],
               resources=res(cpu_req="500m", mem_req="512Mi", mem_lim="1Gi"))
    jt = {"containers": [migrate, appc], "restartPolicy": "OnFailure"}
    js = tplus(job_created, seconds=3)
    ip = ips.take("lab-w1")
    jp = pod(ex, "%s-%s" % (job_name, rand_suffix(ex.name + "job")), "reports", template=jt, created=job_created,
             node="lab-w1", pod_ip=ip, labels=job_labels, owners=[owner("Job", job, api="batch/v1")],
             generate_name=job_name + "-", start=js,
             statuses={"migrate": CS("terminated", exit_code=0, reason="Completed", since=tplus(js, seconds=2),
                                     finished=tplus(js, seconds=41), started=False),
                       "app": CS("running", since=tplus(js, seconds=2), ready=True)},
             ready_at=tplus(js, seconds=41))
    # Layout: `kubectl get KIND -A -o yaml` per kind.
    files = {"nodes.yaml": ("Node",), "namespaces.yaml": ("Namespace",), "pods.yaml": ("Pod",),
             "services.yaml": ("Service",), "endpoints.yaml": ("Endpoints",), "endpointslices.yaml": ("EndpointSlice",),
             "daemonsets.yaml": ("DaemonSet",), "deployments.yaml": ("Deployment",),
             "replicasets.yaml": ("ReplicaSet",), "jobs.yaml": ("Job",), "configmaps.yaml": ("ConfigMap",)}
    for fn, kinds in files.items():
        write_list_yaml(os.path.join(root, fn), objects(ex, *kinds))
    expect(name, ["container-exited-pod-running"],
           ["container-crashloop", "container-oomkilled", "pod-pending", "service-no-endpoints", "cni-pod-unhealthy"],
           "P6.1 on Flannel (VXLAN). Pod reports/nightly-report-29014560-* (a CronJob's Job, restartPolicy "
           "OnFailure) is phase Running while its container `migrate` is terminated reason Completed exitCode 0 and "
           "`app` runs on: the pod shows Running but is not Ready (ContainersNotReady [migrate]). Must NOT be "
           "reported: apps/web-* pods whose init container render-config Completed (normal), the flannel pods' "
           "Completed init containers install-cni-plugin/install-cni, apps/api-* with a native sidecar "
           "(initContainers log-shipper with restartPolicy Always, running and ready) and an ephemeral debug "
           "container debugger-7xq2k that terminated Completed (ephemeralContainerStatuses). No Service selects the "
           "Job pod. The Job object is a kind the tool does not model (skipped). Layout: `kubectl get KIND -A -o "
           "yaml` List per kind.")


# ---------------------------------------------------------------------------------------------
# 7. pending-unschedulable


def pending_unschedulable():
    name = "pending-unschedulable"
    root = fresh(name)
    ex = Ex(name, "2025-02-24T09:14:00Z")
    t0 = ex.ts(days=140)
    specs = [("wk-1", "10.60.0.11", False, "ens5", "10.244.41.128/26"),
             ("wk-2", "10.60.0.12", False, "ens5", "10.244.90.0/26"),
             ("wk-3", "10.60.0.13", False, "ens5", "10.244.12.192/26")]
    ips = base_calico(ex, specs, t0=t0, pool="10.244.0.0/16", ipip="Always", static=False,
                      coredns_on=["wk-1", "wk-3"], kc_on="wk-2", api_ip="10.60.0.5")
    ns_object(ex, "analytics", ex.ts(days=90))
    created = ex.ts(days=1, hours=2)
    big = res(cpu_req="2500m", mem_req="2Gi", cpu_lim="3", mem_lim="3Gi")
    ok = lambda: CS("running", since=tplus(created, seconds=40))
    _, _, rps, _ = app(ex, ips, "analytics", "report-renderer", image="analytics/report-renderer:0.19.0",
                       created=created, calico=True, ports=[port(8080, "http")], resources=big, never_complete=True,
                       readiness=http_probe("/ready", "http"),
                       placements=[("wk-1", ok(), {"start": tplus(created, seconds=2)}),
                                   ("wk-2", ok(), {"start": tplus(created, seconds=2)}),
                                   (None, None, {"unschedulable_message": "0/3 nodes are available: 3 Insufficient cpu. "
                                                 "preemption: 0/3 nodes are available: 3 No preemption victims found "
                                                 "for incoming pod.."})],
                       svc_ports=[sport(8080, "http", "http")])
    app(ex, ips, "analytics", "etl-batch", image="analytics/etl:3.3.2", created=ex.ts(days=3), calico=True,
        resources=res(cpu_req="3", mem_req="4Gi", cpu_lim="3", mem_lim="4Gi"),
        placements=[("wk-3", CS("running", since=ex.ts(days=3, seconds=-50)), {"start": ex.ts(days=3, seconds=-2)})])
    pending = [p for p in rps if not p["spec"].get("nodeName")][0]
    for p in rps:
        if p["spec"].get("nodeName"):
            scheduler_event(ex, p, reason="Scheduled", action="Binding", etype="Normal",
                            at=tplus(created, seconds=1).replace("Z", ".218340Z"),
                            message="Successfully assigned analytics/%s to %s" % (p["metadata"]["name"],
                                                                                  p["spec"]["nodeName"]),
                            instance="default-scheduler-7c9b5f6d54-2xkqv")
    msg = pending["status"]["conditions"][0]["message"]
    scheduler_event(ex, pending, reason="FailedScheduling", message=msg,
                         at=tplus(created, seconds=1).replace("Z", ".224013Z"),
                         series=(37, ex.ts(minutes=4).replace("Z", ".913627Z")),
                         instance="default-scheduler-7c9b5f6d54-2xkqv")
    # Layout: kubectl get ... -o json Lists, and the same events through the events.k8s.io/v1 API.
    write_list_json(os.path.join(root, "nodes.json"), objects(ex, "Node"))
    write_list_json(os.path.join(root, "cluster.json"), objects(ex, "Namespace", "IPPool"))
    for ns in ("kube-system", "default"):
        write_list_json(os.path.join(root, ns + ".json"), objects(ex, *NS_KINDS, ns=ns))
    write_list_json(os.path.join(root, "analytics.json"),
                    [o for o in objects(ex, *NS_KINDS, ns="analytics") if o["kind"] != "Event"])
    write_list_json(os.path.join(root, "analytics-events.json"), objects(ex, "Event", ns="analytics"))
    write_list_json(os.path.join(root, "analytics-events.events.k8s.io.json"),
                    [as_events_v1(e) for e in objects(ex, "Event", ns="analytics")])
    expect(name, ["pod-pending"],
           ["pod-sandbox-network-failed", "container-crashloop", "service-no-endpoints", "cni-pod-unhealthy"],
           "P5 on Calico (IPIP), three worker nodes of a cluster whose control plane is not visible (managed), "
           "`kubernetes` endpoint 10.60.0.5. analytics/report-renderer has 3 replicas requesting 2500m CPU each: two "
           "run on wk-1/wk-2, the third is Pending with condition PodScheduled False reason Unschedulable and the "
           "scheduler's message \"0/3 nodes are available: 3 Insufficient cpu. preemption: ... No preemption victims "
           "found for incoming pod..\" (wk-3 is taken by etl-batch). The FailedScheduling event is written by the "
           "scheduler through events.k8s.io: in analytics-events.json (core/v1 view) it has eventTime, series "
           "{count 37, lastObservedTime}, no count and null first/lastTimestamp; analytics-events.events.k8s.io.json "
           "holds the same events as events.k8s.io/v1 (note, regarding, series). The Service keeps two ready "
           "endpoints, so no Service finding.")


# ---------------------------------------------------------------------------------------------
# 8. sandbox-cni-failure


def sandbox_cni_failure():
    name = "sandbox-cni-failure"
    root = fresh(name)
    ex = Ex(name, "2025-03-06T13:52:00Z")
    t0 = ex.ts(days=210, hours=4)
    w2_created = ex.ts(hours=3, minutes=5)
    specs = [("cp-1", "192.168.10.10", True, "ens192", "10.244.182.64/26"),
             ("worker-1", "192.168.10.11", False, "ens192", "10.244.226.128/26"),
             ("worker-2", "192.168.11.21", False, "ens192", "10.244.133.192/26")]
    w2_cni = tplus(w2_created, seconds=31)
    # worker-2 joined 3 h ago from another subnet; calico-node on it never finished starting, so Calico never
    # set NetworkUnavailable there (the condition is absent, not True) while the kubelet is Ready because
    # install-cni wrote 10-calico.conflist.
    # The container lives ~70 s (liveness: 10 s delay, 6 failures 10 s apart) then waits out a 5 min back-off.
    calico_start_w2 = ex.ts(seconds=64)
    restarts = 27
    not_ready = CS("running", since=calico_start_w2, ready=False, restarts=restarts,
                   last=terminated(137, "Error", ex.ts(minutes=7, seconds=15), ex.ts(minutes=6, seconds=4)))

    def calico_status(n, started):
        if n == "worker-2":
            return {"calico-node": not_ready}
        return {"calico-node": CS("running", since=started)}

    log_lines = []
    t = dt.datetime.strptime(calico_start_w2, "%Y-%m-%dT%H:%M:%SZ")
    L = lambda sec, ms, lvl, src, msg: calico_line(t + dt.timedelta(seconds=sec, milliseconds=ms), lvl, 9, src, msg)
    log_lines += [
        L(0, 402, "INFO", "startup/startup.go 425", "Early log level set to info"),
        L(0, 402, "INFO", "startup/utils.go 126", "Using NODENAME environment for node name worker-2"),
        L(0, 402, "INFO", "startup/utils.go 138", "Determined node name: worker-2"),
        L(0, 403, "INFO", "startup/startup.go 94", "Starting node worker-2 with version v3.27.3"),
        L(0, 404, "INFO", "startup/startup.go 430", "Checking datastore connection"),
    ]
    for i in range(2):
        log_lines.append(L(30 + 31 * i, 405 + i, "INFO", "startup/startup.go 459",
                           'Hit error connecting to datastore - retry error=Get "https://10.96.0.1:443/api/v1/nodes/foo":'
                           ' dial tcp 10.96.0.1:443: i/o timeout'))
    w2_log = "\n".join(log_lines)
    ips = base_calico(ex, specs, t0=t0, pool="10.244.0.0/16", ipip="Always", coredns_on=["worker-1", "cp-1"],
                      kc_on="worker-1", node_statuses=calico_status, node_logs={"worker-2": w2_log},
                      node_overrides={"worker-2": {"created": w2_created, "cni_since": None, "cni": None,
                                                   "ready_since": tplus(w2_created, seconds=58),
                                                   "tunnel_addr": None}})
    calico_w2 = [p for p in ex.of_kind("Pod", "kube-system")
                 if p["spec"].get("nodeName") == "worker-2" and p["metadata"]["name"].startswith("calico-node")][0]
    # The shop: three checkout replicas; the one placed on worker-2 cannot get a sandbox.
    ns_object(ex, "store", ex.ts(days=150))
    created = ex.ts(days=11)
    moved = ex.ts(minutes=58, seconds=30)
    stuck = {"checkout": CS("waiting", reason="ContainerCreating")}
    _, _, cps, svc = app(ex, ips, "store", "checkout", image="store/checkout:5.2.3", created=created, calico=True,
                         ports=[port(8080, "http")], readiness=http_probe("/ready", "http"),
                         env_vars=[env("PAYMENTS_URL", "http://payments.store.svc.cluster.local:8080")],
                         placements=[("worker-1", CS("running", since=tplus(created, seconds=9)), {"start": created}),
                                     ("worker-1", CS("running", since=tplus(created, seconds=9)), {"start": created}),
                                     ("worker-2", stuck, {"start": moved, "created": moved, "sched_at": moved})],
                         svc_ports=[sport(8080, "http", "http")])
    pstuck = [p for p in cps if p["spec"]["nodeName"] == "worker-2"][0]
    pn, puid = pstuck["metadata"]["name"], pstuck["metadata"]["uid"]
    sandbox_msg = ('Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox '
                   '"%s": plugin type="calico" failed (add): stat /var/lib/calico/nodename: no such file or directory: '
                   'check that the calico/node container is running and has mounted /var/lib/calico/')
    scheduler_event(ex, pstuck, reason="Scheduled", action="Binding", etype="Normal",
                    at=tplus(moved, seconds=0).replace("Z", ".611402Z"),
                    message="Successfully assigned store/%s to worker-2" % pn)
    kubelet_event(ex, pstuck, reason="FailedCreatePodSandBox", message=sandbox_msg % ex.hexid("sb1" + pn),
                        first=tplus(moved, seconds=1), last=tplus(moved, seconds=1), count=1, etype="Warning")
    kubelet_event(ex, pstuck, reason="SandboxChanged", message="Pod sandbox changed, it will be killed and re-created.",
                  first=tplus(moved, seconds=16), last=ex.ts(minutes=1, seconds=12), count=214)
    kubelet_event(ex, pstuck, reason="FailedCreatePodSandBox",
                        message="(combined from similar events): " + sandbox_msg % ex.hexid("sb2" + pn),
                        first=tplus(moved, seconds=17), last=ex.ts(seconds=49), count=213, etype="Warning")
    # Events of calico-node on worker-2 (kube-system).
    fld = "spec.containers{calico-node}"
    cn = calico_w2
    kubelet_event(ex, cn, reason="Unhealthy", etype="Warning", field=fld, count=231,
                  first=tplus(w2_cni, seconds=12), last=ex.ts(seconds=31),
                  message="Readiness probe failed: calico/node is not ready: BIRD is not ready: Error querying BIRD: "
                          "unable to connect to BIRDv4 socket: dial unix /var/run/calico/bird.ctl: connect: no such "
                          "file or directory")
    kubelet_event(ex, cn, reason="Unhealthy", etype="Warning", field=fld, count=165,
                  first=tplus(w2_cni, seconds=21), last=ex.ts(seconds=4),
                  message='Liveness probe failed: calico/node is not ready: Felix is not live: Get '
                          '"http://localhost:9099/liveness": dial tcp [::1]:9099: connect: connection refused')
    kubelet_event(ex, cn, reason="Killing", field=fld, count=restarts, first=tplus(w2_cni, seconds=72),
                  last=ex.ts(minutes=6, seconds=4), message="Container calico-node failed liveness probe, will be restarted")
    kubelet_event(ex, cn, reason="BackOff", etype="Warning", field=fld, count=96, first=tplus(w2_cni, minutes=9),
                  last=ex.ts(minutes=1, seconds=9), message="Back-off restarting failed container calico-node in pod "
                  "%s_kube-system(%s)" % (cn["metadata"]["name"], cn["metadata"]["uid"]))
    write_dump(ex, root, ["default", "kube-system", "store"])
    # The same pod's events as events.k8s.io/v1 prints them (kubelet events: deprecatedCount, no series).
    evs = [as_events_v1(e) for e in objects(ex, "Event", ns="store")]
    write(os.path.join(root, "store-events.events.k8s.io.yaml"), kubectl_yaml(kubectl_list(evs)))
    expect(name, ["pod-sandbox-network-failed", "cni-pod-unhealthy", "pod-pending"],
           ["node-network-unavailable", "container-crashloop", "container-oomkilled", "cni-not-detected",
            "service-no-endpoints"],
           "P3.1/P5 on Calico (calico.yaml, IPIP). worker-2 joined 3 h ago from another subnet (192.168.11.0/24). "
           "Its calico-node pod is Running but not Ready, restartCount 27, lastState terminated reason Error exit 137 "
           "(killed after its liveness probe failed; terminationGracePeriodSeconds is 0, so SIGKILL; not an OOM "
           "kill), and its log (kube-system/calico-node-*/logs.txt) never gets past startup: `Hit error connecting "
           "to datastore - retry error=Get \"https://10.96.0.1:443/api/v1/nodes/foo\": dial tcp 10.96.0.1:443: i/o "
           "timeout`. So /var/lib/calico/nodename is never written and every sandbox on worker-2 fails: "
           "store/checkout-* (third replica) is Pending/ContainerCreating with FailedCreatePodSandBox events "
           "(`plugin type=\"calico\" failed (add): stat /var/lib/calico/nodename: no such file or directory: check "
           "that the calico/node container is running and has mounted /var/lib/calico/`, one single and one "
           "`(combined from similar events)` with count 213) and SandboxChanged x214. The node itself is Ready "
           "(install-cni wrote the conflist) and has no NetworkUnavailable condition, so no node finding; the "
           "container is running, not in CrashLoopBackOff. Two other checkout replicas keep the Service up. "
           "Layout: `kubectl cluster-info dump` directory (default, kube-system, store) plus "
           "store-events.events.k8s.io.yaml, the same events through the events.k8s.io/v1 API: the kubelet "
           "still writes core/v1 events, so they carry deprecatedCount/deprecatedFirstTimestamp rather than "
           "series (a series appears on scheduler events: see pending-unschedulable and no-cni).")


# ---------------------------------------------------------------------------------------------
# 9. flannel-node-notready


def flannel_node_notready():
    name = "flannel-node-notready"
    root = fresh(name)
    ex = Ex(name, "2025-01-15T07:26:00Z")
    t0 = ex.ts(days=180)
    w3_created = ex.ts(days=1, hours=4)
    specs = [("cp1", "192.168.30.10", True, "eth0", "10.244.0.0/24"),
             ("w1", "192.168.30.11", False, "eth0", "10.244.1.0/24"),
             ("w2", "192.168.30.12", False, "eth0", "10.244.2.0/24"),
             ("w3", "192.168.30.13", False, "eth0", None)]
    restarts = 326
    crash = CS("waiting", reason="CrashLoopBackOff",
               message="back-off 5m0s restarting failed container=kube-flannel pod={pod}_{ns}({uid})",
               restarts=restarts, last=terminated(1, "Error", ex.ts(minutes=2, seconds=47), ex.ts(minutes=2, seconds=45)))

    def fl_status(n, started):
        if n == "w3":
            return {"kube-flannel": crash}
        return {"kube-flannel": CS("running", since=started)}

    w3_log = flannel_log(ex, "w3", "192.168.30.13", "eth0", ex.ts(minutes=2, seconds=47),
                         fail='Error registering network: failed to acquire lease: node "w3" pod cidr not assigned')
    ready_msg = ("container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
                 "message:Network plugin returns error: cni plugin not initialized")
    not_ready_at = ex.ts(hours=2, minutes=11)
    ips = base_flannel(ex, specs, t0=t0, backend="vxlan", coredns_on=["w1", "w2"], flannel_statuses=fl_status,
                       flannel_logs={"w3": w3_log},
                       node_overrides={"w3": {"created": w3_created, "cni_since": None, "ready": False, "cni": None,
                                              "ready_since": not_ready_at, "not_ready_message": ready_msg,
                                              "taints": [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"},
                                                         {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute",
                                                          "timeAdded": tplus(not_ready_at, seconds=5)}]}})
    fl_w3 = [p for p in ex.of_kind("Pod", "kube-flannel") if p["spec"].get("nodeName") == "w3"][0]
    ns_object(ex, "docs", ex.ts(days=100))
    created = ex.ts(days=12)
    app(ex, ips, "docs", "docs-site", image="docs/site:2025.01.2", created=created, ports=[port(8080, "http")],
        readiness=http_probe("/", "http"),
        placements=[(n, CS("running", since=tplus(created, seconds=5)), {"start": created}) for n in ("w1", "w2")],
        svc_ports=[sport(80, "http", "http")])
    # Events: the node controller could not give w3 a pod range, the flannel pod backs off.
    nobj = [n for n in ex.of_kind("Node") if n["metadata"]["name"] == "w3"][0]
    kubelet_event(ex, nobj, reason="RegisteredNode", message="Node w3 event: Registered Node w3 in Controller",
                  first=tplus(w3_created, seconds=3), count=1, component="node-controller", host=None, ns="default")
    kubelet_event(ex, nobj, reason="CIDRNotAvailable", message="Node w3 status is now: CIDRNotAvailable",
                  first=tplus(w3_created, seconds=1), last=ex.ts(hours=1, minutes=3), count=36, component="cidrAllocator",
                  host=None, ns="default", etype="Normal")
    kubelet_event(ex, nobj, reason="NodeNotReady", message="Node w3 status is now: NodeNotReady",
                  first=not_ready_at, count=1, component="node-controller", host=None, ns="default")
    fld = "spec.containers{kube-flannel}"
    kubelet_event(ex, fl_w3, reason="BackOff", etype="Warning", field=fld, count=7412, first=tplus(w3_created, minutes=2),
                  last=ex.ts(seconds=20), message="Back-off restarting failed container kube-flannel in pod %s_kube-flannel(%s)"
                  % (fl_w3["metadata"]["name"], fl_w3["metadata"]["uid"]))
    kubelet_event(ex, fl_w3, reason="Pulled", field=fld, count=restarts + 1, first=tplus(w3_created, seconds=49),
                  last=ex.ts(minutes=2, seconds=48),
                  message='Container image "%s/flannel/flannel:v0.25.1" already present on machine' % REG)
    write_dump(ex, root, ["default", "kube-system", "kube-flannel", "docs"])
    cm = [o for o in ex.of_kind("ConfigMap", "kube-flannel")][0]
    write(os.path.join(root, "kube-flannel-cfg.json"), kubectl_json(cm))
    expect(name, ["node-network-unavailable", "cni-pod-unhealthy", "container-crashloop"],
           ["pod-pending", "cni-not-detected", "service-no-endpoints", "container-oomkilled"],
           "P3.1 on Flannel (VXLAN). Node w3 joined a day ago and got no spec.podCIDR (default/events.json: "
           "CIDRNotAvailable from the cidrAllocator, repeated: the controller-manager's --cluster-cidr has no free "
           "/24 left). kube-flannel-ds-* on w3 is in CrashLoopBackOff (restartCount 326, lastState Error exit 1); its "
           "logs.txt ends with `E... main.go:332] Error registering network: failed to acquire lease: node \"w3\" "
           "pod cidr not assigned`. w3 is NotReady: Ready False reason KubeletNotReady, message `container runtime "
           "network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: "
           "cni plugin not initialized` (its /etc/cni/net.d holds no config: an attempted cleanup removed "
           "10-flannel.conflist, and install-cni only runs when the pod is created), with the not-ready NoSchedule/"
           "NoExecute taints. Flannel never ran on w3, so the node has no NetworkUnavailable condition at all (flannel "
           "only ever sets it False, reason FlannelIsUp, as on the other nodes). DaemonSet pods on the NotReady node "
           "are shown as the API holds them: kube-proxy on w3 (hostNetwork) is Running and Ready, because the "
           "kubelet on w3 is alive and keeps reporting its pods. No other pod runs on w3.")


# ---------------------------------------------------------------------------------------------
# 10. service-no-endpoints


def service_no_endpoints():
    name = "service-no-endpoints"
    root = fresh(name)
    ex = Ex(name, "2025-02-11T12:03:00Z")
    t0 = ex.ts(days=75)
    specs = [("cp-1", "192.168.40.10", True, "ens3", "10.244.9.0/26"),
             ("worker-1", "192.168.40.11", False, "ens3", "10.244.65.64/26"),
             ("worker-2", "192.168.40.12", False, "ens3", "10.244.200.128/26")]
    ips = base_calico(ex, specs, t0=t0, pool="10.244.0.0/16", ipip="Always", coredns_on=["worker-1", "worker-2"],
                      kc_on="worker-2")
    ns_object(ex, "catalog", ex.ts(days=40))
    created = ex.ts(days=4, hours=6)
    # The typo: the Service selects product-catalog, the pods are labelled product-catalogue.
    lbl = {"app.kubernetes.io/name": "product-catalogue", "app.kubernetes.io/part-of": "shop"}
    _, _, pcs, svc = app(ex, ips, "catalog", "product-catalog", image="catalog/product-catalog:1.12.0",
                         created=created, calico=True, labels=lbl, ports=[port(8080, "http")],
                         readiness=http_probe("/ready", "http"),
                         placements=[(n, CS("running", since=tplus(created, seconds=8)), {"start": created})
                                     for n in ("worker-1", "worker-2")],
                         svc_ports=[sport(80, "http", "http")],
                         svc_selector={"app.kubernetes.io/name": "product-catalog"},
                         svc_labels={"app.kubernetes.io/name": "product-catalog", "app.kubernetes.io/part-of": "shop"})
    # A healthy Service that only has EndpointSlices in the snapshot.
    app(ex, ips, "catalog", "search", image="catalog/search:0.33.1", created=created, calico=True,
        ports=[port(9200, "http")], readiness=http_probe("/_health", "http"),
        placements=[(n, CS("running", since=tplus(created, seconds=20)), {"start": created})
                    for n in ("worker-2", "worker-1")],
        svc_ports=[sport(9200, "http", "http")], endpoints=False)
    # A headless Service over a StatefulSet.
    sts_created = ex.ts(days=38)
    sts_labels = {"app": "catalog-db"}
    dbc = ctr("postgres", "postgres:16.2", ports=[port(5432, "postgres")],
              env=[env("POSTGRES_DB", "catalog"), env("PGDATA", "/var/lib/postgresql/data/pgdata")],
              resources=res(cpu_req="500m", mem_req="1Gi", mem_lim="2Gi"), readiness=tcp_probe("postgres"),
              mounts=[{"name": "data", "mountPath": "/var/lib/postgresql/data"}])
    sts = ex.add("StatefulSet", typed("StatefulSet", "apps/v1", meta(ex, "catalog-db", "catalog", created=sts_created,
                                                                     labels=sts_labels, generation=1),
                                      spec={"replicas": 1, "selector": {"matchLabels": sts_labels},
                                            "template": {"metadata": {"creationTimestamp": None, "labels": sts_labels},
                                                         "spec": {"containers": [dbc], "restartPolicy": "Always",
                                                                  "terminationGracePeriodSeconds": 30,
                                                                  "dnsPolicy": "ClusterFirst", "securityContext": {},
                                                                  "schedulerName": "default-scheduler"}},
                                            "volumeClaimTemplates": [{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                                                      "metadata": {"creationTimestamp": None, "name": "data"},
                                                                      "spec": {"accessModes": ["ReadWriteOnce"],
                                                                               "resources": {"requests": {"storage": "20Gi"}},
                                                                               "volumeMode": "Filesystem"},
                                                                      "status": {"phase": "Pending"}}],
                                            "serviceName": "catalog-db", "podManagementPolicy": "OrderedReady",
                                            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                                            "revisionHistoryLimit": 10,
                                            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain",
                                                                                     "whenScaled": "Retain"}},
                                      status={"observedGeneration": 1, "replicas": 1, "readyReplicas": 1,
                                              "currentReplicas": 1, "updatedReplicas": 1,
                                              "currentRevision": "catalog-db-6d9c7b8f5c",
                                              "updateRevision": "catalog-db-6d9c7b8f5c", "collisionCount": 0,
                                              "availableReplicas": 1}))
    dbt = {"containers": [dbc], "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-catalog-db-0"}}]}
    dbl = {"app": "catalog-db", "apps.kubernetes.io/pod-index": "0", "controller-revision-hash": "catalog-db-6d9c7b8f5c",
           "statefulset.kubernetes.io/pod-name": "catalog-db-0"}
    dbip = ips.take("worker-1")
    pod(ex, "catalog-db-0", "catalog", template=dbt, created=ex.ts(days=9), node="worker-1", pod_ip=dbip, labels=dbl,
        annotations=calico_pod_annotations(ex, "catalog-db-0", dbip), owners=[owner("StatefulSet", sts)],
        generate_name="catalog-db-", hostname="catalog-db-0", subdomain="catalog-db", start=ex.ts(days=9),
        statuses={"postgres": CS("running", since=ex.ts(days=9, seconds=-12))})
    hs = service(ex, "catalog-db", "catalog", created=sts_created, headless=True, selector=sts_labels,
                 labels=sts_labels, ports=[sport(5432, "postgres", "postgres")])
    endpoints_for(ex, hs, created=sts_created, changed=ex.ts(days=9, seconds=-14))
    slice_for(ex, hs, created=sts_created, changed=ex.ts(days=9, seconds=-14))
    # A Service without a selector, backed by a hand-written Endpoints (mirrored into an EndpointSlice).
    es = service(ex, "legacy-erp", "catalog", created=ex.ts(days=39), cluster_ip="10.108.77.140",
                 ports=[sport(8069, 8069, "http")], labels={"app": "legacy-erp"})
    endpoints_for(ex, es, created=ex.ts(days=39), manual=[{"addresses": [{"ip": "10.30.5.20"}],
                                                            "ports": [{"name": "http", "port": 8069, "protocol": "TCP"}]}])
    slice_for(ex, es, created=ex.ts(days=39), manual_endpoints=[{"addresses": ["10.30.5.20"],
                                                                 "conditions": {"ready": True}}],
              manual_ports=[{"name": "http", "protocol": "TCP", "port": 8069}])
    # Layout: kubectl get ... -o yaml Lists. The Endpoints list leaves out `search` (kubectl get endpoints
    # for the suspect Services only), so that Service is known from its EndpointSlice alone.
    write_list_yaml(os.path.join(root, "nodes.yaml"), objects(ex, "Node"))
    write_list_yaml(os.path.join(root, "cluster.yaml"), objects(ex, "Namespace", "IPPool"))
    for ns in ("kube-system", "default"):
        write_list_yaml(os.path.join(root, ns + ".yaml"), objects(ex, *NS_KINDS, ns=ns))
    write_list_yaml(os.path.join(root, "catalog.yaml"),
                    objects(ex, "StatefulSet", "Deployment", "ReplicaSet", "Pod", "Service", ns="catalog"))
    write_list_yaml(os.path.join(root, "catalog-endpoints.yaml"), objects(ex, "Endpoints", ns="catalog"))
    write_list_yaml(os.path.join(root, "catalog-endpointslices.yaml"), objects(ex, "EndpointSlice", ns="catalog"))
    expect(name, ["service-no-endpoints"],
           ["service-target-port-mismatch", "pod-pending", "cni-pod-unhealthy", "cni-not-detected"],
           "P1.3 on Calico (IPIP). Service catalog/product-catalog selects app.kubernetes.io/name=product-catalog but "
           "its pods are labelled product-catalogue (typo): no pod matches, the Endpoints object has no subsets and "
           "the EndpointSlice has `endpoints: null` and `ports: null`, although the two product-catalogue pods are "
           "Running and Ready. Must NOT be reported: catalog/search (healthy, has EndpointSlices but no Endpoints "
           "object in the snapshot), catalog/catalog-db (headless, clusterIP None, over StatefulSet pod catalog-db-0 "
           "with hostname/subdomain), catalog/legacy-erp (no selector; hand-written Endpoints to 10.30.5.20:8069, "
           "mirrored into an EndpointSlice by endpointslicemirroring-controller), kube-dns and kubernetes. Layout: "
           "`kubectl get ... -o yaml` Lists (catalog-endpoints.yaml and catalog-endpointslices.yaml separately).")


# ---------------------------------------------------------------------------------------------
# 11. service-target-port-mismatch


def service_target_port_mismatch():
    name = "service-target-port-mismatch"
    root = fresh(name)
    ex = Ex(name, "2025-02-20T17:45:00Z")
    t0 = ex.ts(days=58)
    specs = [("master-1", "192.168.50.10", True, "ens160", "10.244.0.0/24"),
             ("node-1", "192.168.50.21", False, "ens160", "10.244.1.0/24"),
             ("node-2", "192.168.50.22", False, "ens160", "10.244.2.0/24")]
    ips = base_flannel(ex, specs, t0=t0, backend="vxlan", coredns_on=["node-1", "node-2"])
    ns_object(ex, "portal", ex.ts(days=30))
    created = ex.ts(days=1, hours=1)
    # Numeric targetPort 8080; nginx listens on 80. Endpoints are still written, with port 8080.
    app(ex, ips, "portal", "frontend", image="nginx:1.25-alpine", created=created, ports=[port(80, "http")],
        readiness=http_probe("/", 80),
        placements=[(n, CS("running", since=tplus(created, seconds=6)), {"start": created}) for n in ("node-1", "node-2")],
        svc_ports=[sport(80, 8080, "http")])
    # Named targetPort "http-web"; the container's port is named "http". The endpoints controller skips the
    # pods (FindPort fails), the EndpointSlice controller lists them with no ports.
    app(ex, ips, "portal", "admin-ui", image="portal/admin-ui:3.1.0", created=created, ports=[port(3000, "http")],
        readiness=http_probe("/healthz", "http"),
        placements=[(n, CS("running", since=tplus(created, seconds=9)), {"start": created}) for n in ("node-2", "node-1")],
        svc_ports=[sport(80, "http-web", "http")])
    # And one that is right (named port that exists, gRPC).
    app(ex, ips, "portal", "session-api", image="portal/session-api:1.4.7", created=created,
        ports=[port(50051, "grpc"), port(9090, "metrics")], readiness=tcp_probe("grpc"),
        placements=[("node-1", CS("running", since=tplus(created, seconds=4)), {"start": created})],
        svc_ports=[sport(50051, "grpc", "grpc"), sport(9090, "metrics", "metrics")])
    write_list_json(os.path.join(root, "nodes.json"), objects(ex, "Node"))
    for ns in ("kube-system", "kube-flannel", "default", "portal"):
        write_list_json(os.path.join(root, ns + ".json"), objects(ex, *NS_KINDS, ns=ns))
    expect(name, ["service-target-port-mismatch"],
           ["service-no-endpoints", "pod-pending", "cni-pod-unhealthy", "cni-not-detected"],
           "P1.3 on Flannel (VXLAN), pods Running and Ready. portal/frontend: targetPort 8080 (a number) while nginx "
           "declares containerPort 80; the endpoints controller does not check numbers, so Endpoints and "
           "EndpointSlice list both pods on port 8080 and connections are refused. portal/admin-ui: targetPort "
           "\"http-web\" (a name) that no container port has (the port is named \"http\"): the endpoints "
           "controller's FindPort fails, so the Endpoints object has no subsets, while the EndpointSlice controller "
           "still lists both ready pods with `ports: null` (upstream behaviour: getEndpointPorts skips the port, "
           "the endpoint stays). The selector matches ready pods in both cases, so service-no-endpoints (a selector "
           "that matches no ready pod) must not be reported: the port is the cause. portal/session-api (named "
           "targetPorts grpc/metrics that exist) is fine. Layout: `kubectl get ... -o json` List per namespace.")


# ---------------------------------------------------------------------------------------------
# 12. no-cni


def no_cni():
    name = "no-cni"
    root = fresh(name)
    ex = Ex(name, "2025-03-10T19:31:00Z")
    t0 = ex.ts(hours=1, minutes=48)
    msg = ("container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
           "message:Network plugin returns error: cni plugin not initialized")
    nodes = [("cp-1", "192.168.60.10", True), ("worker-1", "192.168.60.11", False), ("worker-2", "192.168.60.12", False)]
    created_of = {}
    for i, (n, ip, cp) in enumerate(nodes):
        c = tplus(t0, minutes=9 * i)
        created_of[n] = c
        node(ex, n, ip, created=c, cp=cp, pod_cidr="10.244.%d.0/24" % i, ready=False, ready_since=c,
             not_ready_message=msg,
             taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"},
                     {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute", "timeAdded": tplus(c, seconds=10)}])
    static_pods(ex, "cp-1", "192.168.60.10", booted=tplus(t0, seconds=-40))
    kube_proxy(ex, [n[0] for n in nodes], created=tplus(t0, seconds=30),
               started_for=lambda n: tplus(created_of[n], seconds=38))
    unsched = ("0/3 nodes are available: 3 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. preemption: "
               "0/3 nodes are available: 3 Preemption is not helpful for scheduling..")
    cd = tplus(t0, seconds=31)
    d, rs, pods, svc = coredns(ex, created=tplus(t0, seconds=30), endpoints=False, never_complete=True,
                               placements=[(None, None, None, {"created": cd, "unschedulable_message": unsched,
                                                               "sched_at": cd}) for _ in range(2)])
    endpoints_for(ex, svc, created=tplus(t0, seconds=30), changed=tplus(t0, seconds=30))
    slice_for(ex, svc, created=tplus(t0, seconds=30), changed=tplus(t0, seconds=30))
    kubernetes_service(ex, created=tplus(t0, seconds=-20), api_ip="192.168.60.10")
    for p in pods:
        scheduler_event(ex, p, reason="FailedScheduling", message=unsched.replace("0/3", "0/1").replace(" 3 node", " 1 node")
                        .replace(" 3 Pre", " 1 Pre"), at=tplus(cd, seconds=0).replace("Z", ".503318Z"),
                        instance="default-scheduler-cp-1")
        scheduler_event(ex, p, reason="FailedScheduling", message=unsched,
                        at=tplus(created_of["worker-2"], seconds=12).replace("Z", ".118407Z"),
                        series=(18, ex.ts(minutes=3).replace("Z", ".740231Z")), instance="default-scheduler-cp-1")
    for n, ip, cp in nodes:
        nobj = [x for x in ex.of_kind("Node") if x["metadata"]["name"] == n][0]
        c = created_of[n]
        kubelet_event(ex, nobj, reason="Starting", message="Starting kubelet.", first=tplus(c, seconds=-2), host=n,
                      ns="default")
        kubelet_event(ex, nobj, reason="NodeHasSufficientMemory", message="Node %s status is now: "
                      "NodeHasSufficientMemory" % n, first=tplus(c, seconds=-2), count=2, host=n, ns="default")
        kubelet_event(ex, nobj, reason="RegisteredNode", message="Node %s event: Registered Node %s in Controller" % (n, n),
                      first=tplus(c, seconds=9), component="node-controller", host=None, ns="default")
    write_dump(ex, root, ["default", "kube-system"])
    expect(name, ["cni-not-detected", "node-network-unavailable", "pod-pending", "service-no-endpoints"],
           ["pod-sandbox-network-failed", "cni-pod-unhealthy", "container-crashloop"],
           "P2/P3.1/P5: a kubeadm cluster 2 h old where no CNI was ever installed. `kubectl cluster-info dump` of "
           "default and kube-system: no CNI DaemonSet or config anywhere, only kube-proxy (Running on all three "
           "nodes: hostNetwork pods need no CNI) and the control plane's static pods. All nodes are NotReady with "
           "`container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network "
           "plugin returns error: cni plugin not initialized` and carry the not-ready NoSchedule/NoExecute taints; "
           "they have podCIDRs (kubeadm --pod-network-cidr) but no NetworkUnavailable condition (nobody sets it "
           "without a CNI). The two CoreDNS pods are Pending and unscheduled: PodScheduled False, Unschedulable, "
           "\"0/3 nodes are available: 3 node(s) had untolerated taint {node.kubernetes.io/not-ready: }\" (CoreDNS "
           "does not tolerate it; this is what real fresh clusters show, no sandbox is ever attempted, hence no "
           "pod-sandbox-network-failed). FailedScheduling events are scheduler events seen through core/v1 "
           "(eventTime, series count 18). Because no CoreDNS pod is ready, kube-dns truly has no endpoint "
           "(Endpoints without subsets, EndpointSlice `endpoints: null`), which DESIGN.md's service-no-endpoints "
           "(\"a Service whose selector matches no ready pod\") reports; coredns-unhealthy, not part of issue 2, "
           "would also apply here once it exists.")


# ---------------------------------------------------------------------------------------------
# 13. single-file


def single_file():
    name = "single-file"
    fresh(name)
    ex = Ex(name, "2025-02-28T06:12:00Z")
    t0 = ex.ts(days=19)
    specs = [("cp-01", "10.1.8.10", True, "eth0", "10.244.50.0/26"),
             ("worker-01", "10.1.8.21", False, "eth0", "10.244.97.128/26"),
             ("worker-02", "10.1.8.22", False, "eth0", "10.244.161.64/26")]
    ips = base_calico(ex, specs, t0=t0, pool="10.244.0.0/16", ipip="Always", coredns_on=["worker-01", "worker-02"],
                      kc_on="worker-01")
    created = ex.ts(days=6)
    app(ex, ips, "notify", "mailer", image="notify/mailer:2.0.1", created=created, calico=True,
        ports=[port(8025, "smtp")], readiness=tcp_probe("smtp"),
        placements=[("worker-02", CS("running", since=tplus(created, seconds=7)), {"start": created})])
    crash = CS("waiting", reason="CrashLoopBackOff",
               message="back-off 5m0s restarting failed container=notifier pod={pod}_{ns}({uid})", restarts=57,
               last=terminated(2, "Error", ex.ts(minutes=1, seconds=36), ex.ts(minutes=1, seconds=35)))
    app(ex, ips, "notify", "notifier", image="notify/notifier:2.0.1", created=ex.ts(hours=5), calico=True,
        env_vars=[env("SMTP_HOST", "mailer.notify.svc.cluster.local"), env("SMTP_PORT", "8025")],
        placements=[("worker-01", crash, {"start": ex.ts(hours=5)})])
    pods = objects(ex, "Pod")
    write(os.path.join(EXAMPLES, name + ".json"), kubectl_json(kubectl_list(pods)))
    expect(name, ["container-crashloop"],
           ["cni-not-detected", "container-oomkilled", "pod-pending", "container-exited-pod-running"],
           "A single file, not a directory: `kubectl get pods -A -o json` (kind List) of a Calico cluster. "
           "notify/notifier-* is waiting in CrashLoopBackOff (restartCount 57, lastState terminated reason Error "
           "exitCode 2); every other pod (calico-node with Completed init containers, calico-kube-controllers, "
           "CoreDNS, kube-proxy, control-plane static pods, notify/mailer) is Running and Ready. There are no "
           "Nodes, Services or DaemonSets in the input: node and Service checks have nothing to judge (unknown, "
           "not healthy and not broken) and the CNI is recognisable only from the calico-node pods (owner "
           "DaemonSet calico-node, label k8s-app=calico-node), so cni-not-detected would be wrong.")


SCENARIOS = {
    "healthy-calico": healthy_calico,
    "healthy-flannel-vxlan": healthy_flannel_vxlan,
    "flannel-hostgw-policy": flannel_hostgw_policy,
    "calico-v3-vxlan-crashloop": calico_v3_vxlan_crashloop,
    "oomkilled-running": oomkilled_running_all,
    "completed-sidecar": completed_sidecar,
    "pending-unschedulable": pending_unschedulable,
    "sandbox-cni-failure": sandbox_cni_failure,
    "flannel-node-notready": flannel_node_notready,
    "service-no-endpoints": service_no_endpoints,
    "service-target-port-mismatch": service_target_port_mismatch,
    "no-cni": no_cni,
    "single-file": single_file,
}


def main(argv):
    names = argv or list(SCENARIOS)
    for n in names:
        SCENARIOS[n]()
        print("wrote", n)


if __name__ == "__main__":
    main(sys.argv[1:])
