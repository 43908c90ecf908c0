#!/usr/bin/env python3
"""Writes the DNS example snapshots examples/dns-*/ and their .expect.json files.

    python3 tests/dns/make_examples.py            # every DNS example
    python3 tests/dns/make_examples.py NAME...    # only these

It builds on the cluster generator of examples/tools (k8sgen.py, components.py, gen_examples.py),
so names, uids, owners, pod IPs, Endpoints and logs agree inside each snapshot exactly as in the
other examples; this file only adds the DNS faults and the node bundles (nodes/NODE/resolv.conf,
kubelet-config.yaml, kubelet-resolv.conf) those faults live in. Output is deterministic.
Only private addresses (10/8, 172.16/12, 192.168/16) and internal names appear.
"""

import contextlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "examples", "tools"))

import gen_examples as G  # noqa: E402
from components import calico_pod_annotations  # noqa: E402
from k8sgen import (CS, Ex, env, http_probe, kubectl_yaml, kubelet_event, meta, port, res, sport,  # noqa: E402
                    tcp_probe, terminated, typed, write, write_dump)

tplus, fresh, expect, app, ns_object = G.tplus, G.fresh, G.expect, G.app, G.ns_object
DNS_IDS = ["coredns-loop", "node-resolv-conf-loopback", "coredns-unhealthy", "pod-dns-config-mismatch",
           "dns-short-name-cross-namespace"]


# ---------------------------------------------------------------------------------------------
# Node bundle files, as the commands print them


STUB = """# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).
# Do not edit.
#
# This file might be symlinked as /etc/resolv.conf. If you're looking at
# /etc/resolv.conf and seeing this text, you have followed the symlink.
#
# This is a dynamic resolv.conf file for connecting local clients to the
# internal DNS stub resolver of systemd-resolved. This file lists all
# configured search domains.
#
# Run "resolvectl status" to see details about the uplink DNS servers
# currently in use.
#
# Third party programs should typically not access this file directly, but only
# through the symlink at /etc/resolv.conf. To manage man:resolv.conf(5) in a
# different way, replace this symlink by a static file or a different symlink.
#
# See man:systemd-resolved.service(8) for details about the supported modes of
# operation for /etc/resolv.conf.

nameserver 127.0.0.53
options edns0 trust-ad
search {search}
"""

UPLINK = """# This is /run/systemd/resolve/resolv.conf managed by man:systemd-resolved(8).
# Do not edit.
#
# This file might be symlinked as /etc/resolv.conf. If you're looking at
# /etc/resolv.conf and seeing this text, you have followed the symlink.
#
# This is a dynamic resolv.conf file for connecting local clients directly to
# all known uplink DNS servers. This file lists all configured search domains.
#
# Third party programs should typically not access this file directly, but only
# through the symlink at /etc/resolv.conf. To manage man:resolv.conf(5) in a
# different way, replace this symlink by a static file or a different symlink.
#
# See man:systemd-resolved.service(8) for details about the supported modes of
# operation for /etc/resolv.conf.

{nameservers}search {search}
"""


def kubelet_config(cluster_dns="10.96.0.10", resolv_conf=None):
    """/var/lib/kubelet/config.yaml as kubeadm 1.29 writes it (keys sorted, zero durations)."""
    lines = [
        "apiVersion: kubelet.config.k8s.io/v1beta1",
        "authentication:",
        "  anonymous:",
        "    enabled: false",
        "  webhook:",
        "    cacheTTL: 0s",
        "    enabled: true",
        "  x509:",
        "    clientCAFile: /etc/kubernetes/pki/ca.crt",
        "authorization:",
        "  mode: Webhook",
        "  webhook:",
        "    cacheAuthorizedTTL: 0s",
        "    cacheUnauthorizedTTL: 0s",
        "cgroupDriver: systemd",
        "clusterDNS:",
        "- %s" % cluster_dns,
        "clusterDomain: cluster.local",
        "containerRuntimeEndpoint: \"\"",
        "cpuManagerReconcilePeriod: 0s",
        "evictionPressureTransitionPeriod: 0s",
        "fileCheckFrequency: 0s",
        "healthzBindAddress: 127.0.0.1",
        "healthzPort: 10248",
        "httpCheckFrequency: 0s",
        "imageMinimumGCAge: 0s",
        "kind: KubeletConfiguration",
        "logging:",
        "  flushFrequency: 0",
        "  options:",
        "    json:",
        "      infoBufferSize: \"0\"",
        "  verbosity: 0",
        "memorySwap: {}",
        "nodeStatusReportFrequency: 0s",
        "nodeStatusUpdateFrequency: 0s",
    ]
    if resolv_conf is not None:
        lines.append("resolvConf: %s" % resolv_conf)
    lines += [
        "rotateCertificates: true",
        "runtimeRequestTimeout: 0s",
        "shutdownGracePeriod: 0s",
        "shutdownGracePeriodCriticalPods: 0s",
        "staticPodPath: /etc/kubernetes/manifests",
        "streamingConnectionIdleTimeout: 0s",
        "syncFrequency: 0s",
        "volumeStatsAggPeriod: 0s",
    ]
    return "\n".join(lines) + "\n"


def bundle(root, node_name, files):
    for rel, text in files.items():
        write(os.path.join(root, "nodes", node_name, rel), text)


# ---------------------------------------------------------------------------------------------
# CoreDNS pods with chosen statuses and logs


@contextlib.contextmanager
def coredns_statuses(statuses_for):
    """Makes the base clusters' CoreDNS pods get statuses_for(index, node, start) instead of Running."""
    orig = G.coredns

    def wrapper(ex, *, created, placements, **kw):
        placed = [(n, ip, statuses_for(i, n, st["coredns"].since), k) for i, (n, ip, st, k) in enumerate(placements)]
        return orig(ex, created=created, placements=placed, **kw)

    G.coredns = wrapper
    try:
        yield
    finally:
        G.coredns = orig


def dns_pods(ex):
    return [p for p in ex.of_kind("Pod", "kube-system") if p["metadata"]["labels"].get("k8s-app") == "kube-dns"]


def crash(ex, restarts, ago_s):
    """CrashLoopBackOff after `restarts` runs; the last one ended ago_s seconds ago after about 2 s."""
    return CS("waiting", reason="CrashLoopBackOff", ready=False, restarts=restarts,
              message="back-off 5m0s restarting failed container=coredns pod={pod}_{ns}({uid})",
              last=terminated(1, "Error", ex.ts(seconds=ago_s + 2), ex.ts(seconds=ago_s)))


def backoff_events(ex, pods, restarts):
    for p in pods:
        kubelet_event(ex, p, reason="BackOff", etype="Warning", field="spec.containers{coredns}", count=restarts * 4,
                      first=tplus(p["status"]["startTime"], minutes=1), last=ex.ts(seconds=40),
                      message="Back-off restarting failed container coredns in pod %s_kube-system(%s)"
                      % (p["metadata"]["name"], p["metadata"]["uid"]))


CURRENT_HEAD = [
    ".:53",
    "[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8"
    "b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908",
    "CoreDNS-1.11.1",
    "linux/amd64, go1.20.7, ae2bbc2",
]

# The loop plugin's verdict in the three wordings CoreDNS versions have printed (plugin/loop/loop.go):
# 1.3.1 and later, 1.2.1-1.2.2 (2018, with the Go log timestamps of that time), 1.2.3-1.3.0.
LOOP_CURRENT = ("[FATAL] plugin/loop: Loop (127.0.0.1:44222 -> :53) detected for zone \".\", see "
                "https://coredns.io/plugins/loop#troubleshooting. Query: \"HINFO 4547991504243258144.3688648895315093531.\"")
LOOP_SEEN = [
    ".:53",
    "2018/09/22 07:39:37 [INFO] CoreDNS-1.2.2",
    "2018/09/22 07:39:37 [INFO] linux/amd64, go1.11, eb51e8b",
    "CoreDNS-1.2.2",
    "linux/amd64, go1.11, eb51e8b",
    "2018/09/22 07:39:37 [INFO] plugin/reload: Running configuration MD5 = f65c4821c8a9b7b5eb30fa4fbc167769",
    "2018/09/22 07:39:38 [FATAL] plugin/loop: Seen \"HINFO IN 8205794187887631643.5216586587165434789.\" more than "
    "twice, loop detected",
]
LOOP_FORWARDING = [
    ".:53",
    "2019/01/15 08:21:33 [INFO] CoreDNS-1.2.6",
    "2019/01/15 08:21:33 [INFO] linux/amd64, go1.11.2, 756749c",
    "CoreDNS-1.2.6",
    "linux/amd64, go1.11.2, 756749c",
    "2019/01/15 08:21:33 [INFO] plugin/reload: Running configuration MD5 = 86e5222d14b17c8b907970f002198e96",
    "2019/01/15 08:21:39 [FATAL] plugin/loop: Forwarding loop detected in \".\" zone. Exiting. See "
    "https://coredns.io/plugins/loop#troubleshooting. Probe query: \"HINFO 6213484581937315262.7406474591564232593.\".",
]

CALICO_SPECS = [("cp-1", "192.168.{n}.10", True, "ens18", "10.244.182.64/26"),
                ("worker-1", "192.168.{n}.11", False, "ens18", "10.244.226.128/26"),
                ("worker-2", "192.168.{n}.12", False, "ens18", "10.244.133.192/26")]


def calico_specs(n):
    return [(a, ip.format(n=n), cp, i, b) for a, ip, cp, i, b in CALICO_SPECS]


def shop(ex, ips, created, *, env_web=None, env_api=None, template_extra=None):
    """A small application namespace: web and api (+ Services), healthy."""
    ns_object(ex, "shop", created)
    app(ex, ips, "shop", "web", image="shop/web:1.25.4", created=created, calico=True, ports=[port(8080, "http")],
        env_vars=env_web, readiness=http_probe("/", "http", period=5),
        placements=[(n, CS("running", since=tplus(created, minutes=1)), {"start": tplus(created, minutes=1)})
                    for n in ("worker-1", "worker-2")],
        svc_ports=[sport(80, "http", "http")])
    app(ex, ips, "shop", "api", image="shop/api:2.3.1", created=created, calico=True, ports=[port(9000, "http")],
        env_vars=env_api, readiness=http_probe("/healthz", 9000), template_extra=template_extra,
        placements=[("worker-2", CS("running", since=tplus(created, minutes=2)), {"start": tplus(created, minutes=2)})],
        svc_ports=[sport(9000, 9000, "http")])


def per_object_yaml(ex, root):
    for kind, o in ex.objs:
        ns = o["metadata"].get("namespace") or "cluster-scope"
        write(os.path.join(root, ns, "%s-%s.yaml" % (kind.lower(), o["metadata"]["name"])), kubectl_yaml(o))


# ---------------------------------------------------------------------------------------------
# 1. dns-loop-logs: the loop from logs, in each of its wordings


def dns_loop_logs():
    name = "dns-loop-logs"
    root = fresh(name)
    ex = Ex(name, "2025-03-18T09:40:00Z")
    t0 = ex.ts(hours=3, minutes=20)
    restarts = [38, 37, 38]
    with coredns_statuses(lambda i, n, s: {"coredns": crash(ex, restarts[i], 40 + 17 * i)}):
        ips = G.base_calico(ex, calico_specs(50), t0=t0, pool="10.244.0.0/16", coredns_on=["worker-1", "worker-2", "cp-1"],
                            kc_on="worker-1")
    pods = dns_pods(ex)
    for p, text in zip(pods, [CURRENT_HEAD + [LOOP_CURRENT], LOOP_SEEN, LOOP_FORWARDING]):
        ex.log("kube-system", p["metadata"]["name"], "coredns", "\n".join(text))
    backoff_events(ex, pods, 38)
    shop(ex, ips, ex.ts(hours=2, minutes=30), env_api=[env("REDIS_ADDR", "redis.cache.svc.cluster.local:6379")])
    write_dump(ex, root, ["default", "kube-system", "shop"])
    expect(name, ["coredns-loop", "container-crashloop", "service-no-endpoints"],
           ["coredns-unhealthy", "node-resolv-conf-loopback", "pod-dns-config-mismatch", "pod-pending",
            "cni-pod-unhealthy", "dns-short-name-cross-namespace"],
           "P7 from logs alone: `kubectl cluster-info dump --namespaces default,kube-system,shop` of a fresh kubeadm "
           "1.29 cluster on Calico, no node bundles. The coredns Deployment (3 replicas, Corefile `forward . "
           "/etc/resolv.conf` with `loop`) has all three pods in CrashLoopBackOff (restartCount 37-38, last exit 1). "
           "Each pod's logs.txt ends with the loop plugin's verdict in one of the three wordings CoreDNS has printed: "
           "`[FATAL] plugin/loop: Loop (127.0.0.1:44222 -> :53) detected for zone \".\"` (1.3.1 and later), "
           "`Seen \"HINFO IN ...\" more than twice, loop detected` (1.2.1-1.2.2, Go log timestamps) and `Forwarding "
           "loop detected in \".\" zone` (1.2.3-1.3.0). A real Deployment runs one version; the three pods are here so "
           "one snapshot exercises every wording. coredns-loop is reported per pod with its line; the node files are "
           "not in the snapshot, so the finding says the upstream that leads back is not shown. The crash loop and "
           "kube-dns without ready pods are the foundation checks' symptoms; coredns-unhealthy stays quiet because "
           "the loop explains it.")


# ---------------------------------------------------------------------------------------------
# 2. dns-loop-predicted: the loop from configuration only


def dns_loop_predicted():
    name = "dns-loop-predicted"
    root = fresh(name)
    ex = Ex(name, "2025-03-20T15:05:00Z")
    t0 = ex.ts(hours=1, minutes=48)
    with coredns_statuses(lambda i, n, s: {"coredns": crash(ex, 21 + i, 70 + 31 * i)}):
        ips = G.base_calico(ex, calico_specs(60), t0=t0, pool="10.244.0.0/16", coredns_on=["worker-1", "worker-2"],
                            kc_on="worker-2")
    backoff_events(ex, dns_pods(ex), 21)
    shop(ex, ips, ex.ts(hours=1, minutes=5))
    per_object_yaml(ex, root)
    for n, ip, *_ in calico_specs(60):
        bundle(root, n, {"resolv.conf": STUB.format(search="corp.internal"),
                         "kubelet-config.yaml": kubelet_config()})
    expect(name, ["coredns-loop", "node-resolv-conf-loopback", "container-crashloop", "service-no-endpoints"],
           ["coredns-unhealthy", "pod-dns-config-mismatch", "dns-short-name-cross-namespace", "pod-pending"],
           "P7 predicted from configuration, without any log: one `kubectl get KIND NAME -o yaml` per file (no logs) "
           "and a node bundle per node. The nodes run Ubuntu 22.04 with systemd-resolved, so nodes/*/resolv.conf is "
           "the stub file (`nameserver 127.0.0.53`, `search corp.internal`); kubelet-config.yaml has clusterDNS "
           "10.96.0.10 but no resolvConf, so the kubelet hands /etc/resolv.conf (the stub) to dnsPolicy=Default pods. "
           "CoreDNS runs with dnsPolicy Default and the Corefile says `forward . /etc/resolv.conf`: each CoreDNS pod "
           "forwards to 127.0.0.53 inside its own network namespace, that is to itself, and its loop plugin stops "
           "it (both pods CrashLoopBackOff, restartCount 21-22). coredns-loop names the Corefile line, the kubelet "
           "setting, the resolv.conf line and the deployment's real name and replica count (2) for the scale-down "
           "and back; node-resolv-conf-loopback lists the pods of each node that inherit the stub.")


# ---------------------------------------------------------------------------------------------
# 3. dns-upstream-timeout: a DNS failure that is not a loop


def upstream_log(ex, pod_ip, upstream, start_ts):
    lines = list(CURRENT_HEAD)
    # The loop plugin's own probe times out: the upstream does not answer. That is not a loop.
    for i, sport_ in enumerate((41149, 51091, 39752)):
        lines.append("[ERROR] plugin/errors: 2 6759933941041887570.8387443695236110557. HINFO: read udp %s:%d->%s:53: "
                     "i/o timeout" % (pod_ip, sport_, upstream))
    for i, (qname, qtype) in enumerate([("registry.corp.internal.", "A"), ("registry.corp.internal.", "AAAA"),
                                        ("ldap.corp.internal.", "A"), ("mirror.corp.internal.", "AAAA"),
                                        ("registry.corp.internal.", "A")]):
        lines.append("[ERROR] plugin/errors: 2 %s %s: read udp %s:%d->%s:53: i/o timeout"
                     % (qname, qtype, pod_ip, 35000 + 977 * i, upstream))
    return "\n".join(lines)


def dns_upstream_timeout():
    name = "dns-upstream-timeout"
    root = fresh(name)
    ex = Ex(name, "2025-02-26T07:55:00Z")
    t0 = ex.ts(days=64, hours=2)
    specs = [("k8s-master", "192.168.21.10", True, "eth0", "10.244.0.0/24"),
             ("k8s-node1", "192.168.21.11", False, "eth0", "10.244.1.0/24"),
             ("k8s-node2", "192.168.21.12", False, "eth0", "10.244.2.0/24")]
    ips = G.base_flannel(ex, specs, t0=t0, backend="vxlan", coredns_on=["k8s-node1", "k8s-node2"])
    for p in dns_pods(ex):
        ex.log("kube-system", p["metadata"]["name"], "coredns",
               upstream_log(ex, p["status"]["podIP"], "192.168.21.1", p["status"]["startTime"]))
    created = ex.ts(days=30)
    app(ex, ips, "blog", "blog-frontend", image="blog/frontend:1.8.2", created=created, ports=[port(2368, "http")],
        env_vars=[env("url", "http://blog.corp.internal")], readiness=http_probe("/", "http"),
        placements=[(n, CS("running", since=tplus(created, minutes=3)), {"start": tplus(created, minutes=3)})
                    for n in ("k8s-node1", "k8s-node2")],
        svc_ports=[sport(80, "http", "http")])
    write_dump(ex, root, ["default", "kube-system", "kube-flannel", "blog"])
    cm = [o for o in ex.of_kind("ConfigMap", "kube-flannel")][0]
    from k8sgen import kubectl_json
    write(os.path.join(root, "kube-flannel-cfg.json"), kubectl_json(cm))
    for n, ip, *_ in specs:
        bundle(root, n, {"resolv.conf": "# Generated by NetworkManager\nsearch corp.internal\nnameserver 192.168.21.1\n",
                         "kubelet-config.yaml": kubelet_config(resolv_conf="/etc/resolv.conf")})
    expect(name, ["coredns-unhealthy"], ["coredns-loop", "node-resolv-conf-loopback", "pod-dns-config-mismatch",
                                         "container-crashloop", "service-no-endpoints"],
           "P10.1, and not P7: `kubectl cluster-info dump` of a Flannel cluster plus node bundles. The nodes' "
           "resolver is the office router 192.168.21.1 (NetworkManager file, kubelet resolvConf /etc/resolv.conf), "
           "which does not answer queries coming from the pod network. Both CoreDNS pods are Running and Ready "
           "(cluster names resolve), but their logs are full of `[ERROR] plugin/errors: 2 ... read udp "
           "10.244.x.y:N->192.168.21.1:53: i/o timeout`, starting with the loop plugin's own HINFO probe "
           "(`6759933941041887570.8387443695236110557. HINFO`) timing out. A probe that times out is an unreachable "
           "upstream, not a loop: coredns-unhealthy (warning) names the upstream and the resolv.conf line it came "
           "from; coredns-loop must stay quiet.")


# ---------------------------------------------------------------------------------------------
# 4. dns-systemd-resolved-ok: the stub on the node, but the kubelet already hands out the real file


def dns_systemd_resolved_ok():
    name = "dns-systemd-resolved-ok"
    root = fresh(name)
    ex = Ex(name, "2025-03-03T13:12:00Z")
    t0 = ex.ts(days=95)
    specs = calico_specs(70)
    ips = G.base_calico(ex, specs, t0=t0, pool="10.244.0.0/16", coredns_on=["worker-1", "worker-2"], kc_on="worker-1")
    shop(ex, ips, ex.ts(days=40), env_web=[env("API_URL", "http://api:9000")])
    # An agent on dnsPolicy Default that only names outside hosts: the node's upstream file suits it.
    G.app(ex, ips, "shop", "edge-probe", image="shop/edge-probe:0.9.3", created=ex.ts(days=40), calico=True,
          env_vars=[env("TARGET_URL", "https://portal.corp.internal/health")],
          template_extra={"dnsPolicy": "Default"},
          placements=[("worker-1", CS("running", since=ex.ts(days=39)), {"start": ex.ts(days=39)})])
    per_object_yaml(ex, root)
    uplink = UPLINK.format(nameservers="nameserver 192.168.70.2\nnameserver 192.168.70.3\n", search="corp.internal")
    for n, ip, *_ in specs:
        bundle(root, n, {"resolv.conf": STUB.format(search="corp.internal"), "kubelet-resolv.conf": uplink,
                         "kubelet-config.yaml": kubelet_config(resolv_conf="/run/systemd/resolve/resolv.conf")})
    # What two pods really got, captured with `kubectl exec POD -- cat /etc/resolv.conf`.
    web = [p for p in ex.of_kind("Pod", "shop") if p["metadata"]["name"].startswith("web-")][0]
    write(os.path.join(root, "pods", "shop", web["metadata"]["name"], "resolv.conf"),
          "search shop.svc.cluster.local svc.cluster.local cluster.local corp.internal\nnameserver 10.96.0.10\n"
          "options ndots:5\n")
    probe = [p for p in ex.of_kind("Pod", "shop") if p["metadata"]["name"].startswith("edge-probe-")][0]
    write(os.path.join(root, "pods", "shop", probe["metadata"]["name"], "resolv.conf"),
          "search corp.internal\nnameserver 192.168.70.2\nnameserver 192.168.70.3\n")
    expect(name, [], DNS_IDS + ["container-crashloop", "service-no-endpoints", "pod-pending"],
           "No finding: Ubuntu nodes on systemd-resolved whose /etc/resolv.conf is the stub (`nameserver "
           "127.0.0.53`), but kubeadm set `resolvConf: /run/systemd/resolve/resolv.conf` in kubelet-config.yaml, and "
           "nodes/*/kubelet-resolv.conf (the file that setting names) holds the real upstreams 192.168.70.2 and "
           ".3. CoreDNS (dnsPolicy Default, `forward . /etc/resolv.conf`) therefore forwards to them: no loop, no "
           "loopback for Default pods. A dnsPolicy=Default agent (shop/edge-probe) names only an outside host. "
           "pods/shop/*/resolv.conf are what two pods really got, and both match what their policy gives (the "
           "ClusterFirst one with the node's search domain corp.internal after the cluster ones, ndots:5).")


# ---------------------------------------------------------------------------------------------
# 5. dns-short-name-cross-namespace: redis and mysql named from the wrong namespace


def dns_short_name_cross_namespace():
    name = "dns-short-name-cross-namespace"
    root = fresh(name)
    ex = Ex(name, "2025-03-12T10:02:00Z")
    t0 = ex.ts(days=120)
    specs = calico_specs(80)
    ips = G.base_calico(ex, specs, t0=t0, pool="10.244.0.0/16", coredns_on=["worker-1", "worker-2"], kc_on="worker-2")
    created = ex.ts(days=30)
    for ns in ("cache", "db"):
        ns_object(ex, ns, created)
    app(ex, ips, "cache", "redis", image="redis:7.2-alpine", created=created, calico=True, ports=[port(6379, "redis")],
        readiness=tcp_probe("redis"), resources=res(cpu_req="100m", mem_req="256Mi", mem_lim="512Mi"),
        placements=[("worker-1", CS("running", since=tplus(created, minutes=1)), {"start": tplus(created, minutes=1)})],
        svc_ports=[sport(6379, "redis", "redis")])
    app(ex, ips, "db", "mysql", image="mysql:8.0.36", created=created, calico=True, ports=[port(3306, "mysql")],
        readiness=tcp_probe("mysql"), resources=res(cpu_req="250m", mem_req="1Gi", mem_lim="2Gi"),
        placements=[("worker-2", CS("running", since=tplus(created, minutes=2)), {"start": tplus(created, minutes=2)})],
        svc_ports=[sport(3306, "mysql", "mysql")])
    later = ex.ts(days=2, hours=3)
    ns_object(ex, "shop", ex.ts(days=25))
    # orders: the JDBC URL in its mounted application.properties names "mysql" (it lives in db).
    props = ("# orders service\n"
             "server.port=8080\n"
             "spring.datasource.url=jdbc:mysql://mysql:3306/orders?useSSL=false&serverTimezone=UTC\n"
             "spring.datasource.username=orders\n"
             "spring.datasource.hikari.maximum-pool-size=10\n"
             "management.endpoints.web.exposure.include=health,info\n")
    ex.add("ConfigMap", typed("ConfigMap", "v1", meta(ex, "orders-config", "shop", created=later),
                              data={"application.properties": props}))
    app(ex, ips, "shop", "orders", image="shop/orders:5.2.0", created=later, calico=True, ports=[port(8080, "http")],
        readiness=http_probe("/actuator/health/liveness", "http"),
        mounts=[{"name": "config", "readOnly": True, "mountPath": "/config"}],
        template_extra={"volumes": [{"name": "config", "configMap": {"name": "orders-config", "defaultMode": 420}}]},
        placements=[(n, CS("running", since=tplus(later, minutes=1)), {"start": tplus(later, minutes=1)})
                    for n in ("worker-1", "worker-2")],
        svc_ports=[sport(80, "http", "http")])
    # cart: REDIS_HOST=redis (it lives in cache); its other names are fine.
    app(ex, ips, "shop", "cart", image="shop/cart:3.4.1", created=later, calico=True, ports=[port(8080, "http")],
        env_vars=[env("REDIS_HOST", "redis"), env("REDIS_PORT", "6379"), env("ORDERS_URL", "http://orders/api/v1"),
                  env("MYSQL_HOST", "mysql.db"), env("SSO_URL", "https://sso.corp.internal/auth")],
        readiness=http_probe("/healthz", "http"),
        placements=[("worker-2", CS("running", since=tplus(later, minutes=2)), {"start": tplus(later, minutes=2)})],
        svc_ports=[sport(80, "http", "http")])
    per_object_yaml(ex, root)
    expect(name, ["dns-short-name-cross-namespace"],
           ["coredns-loop", "node-resolv-conf-loopback", "coredns-unhealthy", "pod-dns-config-mismatch",
            "service-no-endpoints", "container-crashloop"],
           "P10.2: one `kubectl get KIND NAME -o yaml` per file. Namespace shop runs cart and orders; redis lives in "
           "namespace cache and mysql in db. cart's env REDIS_HOST=redis resolves from shop as "
           "redis.shop.svc.cluster.local, redis.svc.cluster.local, redis.cluster.local, redis. (ndots:5): none "
           "exists, so the finding says to write redis.cache.svc.cluster.local. The ConfigMap shop/orders-config "
           "(mounted as a file by orders) has `spring.datasource.url=jdbc:mysql://mysql:3306/orders...` on line 3 of "
           "application.properties: the same mistake inside a JDBC URL, fixed as jdbc:mysql://mysql.db.svc."
           "cluster.local:3306/... Not findings: cart's MYSQL_HOST=mysql.db (the search list makes it "
           "mysql.db.svc.cluster.local), ORDERS_URL=http://orders/api/v1 (same namespace), and an outside "
           "https://sso.corp.internal URL. Both pods still run: the applications retry in the background.")


# ---------------------------------------------------------------------------------------------
# 6. dns-pod-config-mismatch: the kubelets' clusterDNS is not the kube-dns ClusterIP


def dns_pod_config_mismatch():
    name = "dns-pod-config-mismatch"
    root = fresh(name)
    ex = Ex(name, "2025-03-07T16:44:00Z")
    t0 = ex.ts(days=210)
    specs = calico_specs(90)
    ips = G.base_calico(ex, specs, t0=t0, pool="10.244.0.0/16", coredns_on=["worker-1", "worker-2"], kc_on="worker-1")
    # kube-dns was deleted and applied again from a manifest without clusterIP: it got a new address.
    svc = [s for s in ex.of_kind("Service", "kube-system") if s["metadata"]["name"] == "kube-dns"][0]
    svc["spec"]["clusterIP"] = "10.106.47.215"
    svc["spec"]["clusterIPs"] = ["10.106.47.215"]
    svc["metadata"]["creationTimestamp"] = ex.ts(hours=5, minutes=12)
    created = ex.ts(days=60)
    ns_object(ex, "reports", created)
    ns_object(ex, "db", created)
    app(ex, ips, "db", "postgres", image="postgres:16.2", created=created, calico=True, ports=[port(5432, "postgres")],
        readiness=tcp_probe("postgres"), resources=res(cpu_req="250m", mem_req="512Mi", mem_lim="1Gi"),
        placements=[("worker-1", CS("running", since=tplus(created, minutes=1)), {"start": tplus(created, minutes=1)})],
        svc_ports=[sport(5432, "postgres", "postgres")])
    # A reporting worker whose manifest was copied from a node agent's, dnsPolicy Default included.
    app(ex, ips, "reports", "report-builder", image="reports/builder:2.0.7", created=created, calico=True,
        env_vars=[env("PGHOST", "postgres.db"), env("PGPORT", "5432"), env("PGDATABASE", "reports")],
        template_extra={"dnsPolicy": "Default"},
        placements=[("worker-2", CS("running", since=tplus(created, minutes=4)), {"start": tplus(created, minutes=4)})])
    per_object_yaml(ex, root)
    for n, ip, *_ in specs:
        bundle(root, n, {"resolv.conf": "search corp.internal\nnameserver 192.168.90.2\n",
                         "kubelet-config.yaml": kubelet_config(resolv_conf="/etc/resolv.conf")})
    web = [p for p in ex.of_kind("Pod", "db")][0]
    write(os.path.join(root, "pods", "db", web["metadata"]["name"], "resolv.conf"),
          "search db.svc.cluster.local svc.cluster.local cluster.local corp.internal\nnameserver 10.96.0.10\n"
          "options ndots:5\n")
    expect(name, ["pod-dns-config-mismatch"],
           ["coredns-loop", "node-resolv-conf-loopback", "coredns-unhealthy", "dns-short-name-cross-namespace",
            "service-no-endpoints", "container-crashloop"],
           "P8, P10.2: one `kubectl get KIND NAME -o yaml` per file plus node bundles. kube-system/kube-dns was "
           "deleted and applied again from a manifest without clusterIP five hours ago, so it now has ClusterIP "
           "10.106.47.215, while every kubelet-config.yaml still says clusterDNS 10.96.0.10: nothing answers DNS "
           "there, and every ClusterFirst pod (their captured resolv.conf, pods/db/*/resolv.conf, shows "
           "nameserver 10.96.0.10) resolves nothing; one finding per node, listing its pods. CoreDNS itself is "
           "healthy behind the new address. Second case: reports/report-builder runs with dnsPolicy Default and "
           "PGHOST=postgres.db, a cluster name its node resolver (192.168.90.2, search corp.internal) cannot "
           "resolve; the fix sets dnsPolicy ClusterFirst.")


SCENARIOS = {
    "dns-loop-logs": dns_loop_logs,
    "dns-loop-predicted": dns_loop_predicted,
    "dns-upstream-timeout": dns_upstream_timeout,
    "dns-systemd-resolved-ok": dns_systemd_resolved_ok,
    "dns-short-name-cross-namespace": dns_short_name_cross_namespace,
    "dns-pod-config-mismatch": dns_pod_config_mismatch,
}


def main(argv):
    for n in argv or list(SCENARIOS):
        SCENARIOS[n]()
        print("wrote", n)


if __name__ == "__main__":
    main(sys.argv[1:])
