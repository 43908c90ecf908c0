#!/usr/bin/env python3
"""Writes the node data-plane examples (examples/node-*): cluster objects from the same builders as the
other examples (gen_examples.py), plus a nodes/NODE/ bundle per node that is collected for real.

For each example the nodes' data planes are built in network namespaces, the way flanneld, Calico and
kube-proxy program them (underlay veths on a switch namespace, cni0 and pod veths, flannel.1 with its
neighbour and FDB entries, host-gw / BGP routes, Calico's blackhole and VXLAN routes, kube-proxy's and
flannel's iptables rules loaded with iptables-restore, sysctls), then the fault of the example is
applied and `netdoctor collect node` runs inside each node's namespace with --root pointing at a
directory holding the node's /etc/cni/net.d, /run/flannel/subnet.env, /etc/resolv.conf and kubelet
config. So every bundle file is the real output of the real command.

    sudo python3 examples/tools/gen_node_examples.py --netdoctor build/netdoctor [NAME...]

Needs root. Everything lives in namespaces named ndex-*, which are removed on exit (also on failure);
nothing is attached to the root namespace and no packet is sent. Interface MACs are fixed, so a rerun
writes the same bundles except for manifest.json's collection time and namespace inode. This machine's kernel has no IPIP
support, so the Calico examples use BGP and VXLAN modes.
"""

import argparse
import atexit
import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gen_examples as G  # noqa: E402
from k8sgen import CS, Ex, kubectl_json, kubectl_list, port, sport, tcp_probe, http_probe, env, res, write  # noqa

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.dirname(HERE)
PREFIX = "ndex-"
NETDOCTOR = None

# ---------------------------------------------------------------------------------------------
# Commands and namespaces

_created = []


def run(*args, stdin=None, check=True):
    r = subprocess.run([str(a) for a in args], input=stdin, text=True, capture_output=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(str(a) for a in args), r.stderr.strip()))
    return r.stdout


def cleanup():
    while _created:
        subprocess.run(["ip", "netns", "del", _created.pop()], capture_output=True)


atexit.register(cleanup)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))


def netns(name):
    name = PREFIX + name
    subprocess.run(["ip", "netns", "del", name], capture_output=True)  # a leftover of an interrupted run
    run("ip", "netns", "add", name)
    _created.append(name)
    run("ip", "-n", name, "link", "set", "lo", "up")
    return name


def ipn(ns, *args):
    return run("ip", "-n", ns, *args)


def sysctl(ns, key, value):
    run("ip", "netns", "exec", ns, "sysctl", "-qw", "%s=%s" % (key, value))


def mac_of(seed):
    h = hashlib.sha256(seed.encode()).hexdigest()
    return "%02x:%s" % ((int(h[:2], 16) & 0xFE) | 0x02, ":".join(h[i:i + 2] for i in range(2, 12, 2)))


def short_hash(seed, n):
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def net_of(cidr):
    """'10.244.1.0/24' -> '10.244.1.0' (the network address, flannel's VTEP address)."""
    return cidr.split("/")[0]


def host(cidr, n):
    """The n-th address of an IPv4 /24-or-larger network or an IPv6 prefix, as text."""
    import ipaddress
    net = ipaddress.ip_network(cidr, strict=False)
    return str(net.network_address + n)


# ---------------------------------------------------------------------------------------------
# The nodes of an example


class NodeSpec:
    def __init__(self, name, ip, plen=24, iface="eth0", gw="192.168.20.1", ip6=None, plen6=64, gw6=None,
                 pod_cidr=None, pod_cidr6=None, block=None, block6=None, tunnel_addr=None):
        self.name, self.ip, self.plen, self.iface, self.gw = name, ip, plen, iface, gw
        self.ip6, self.plen6, self.gw6 = ip6, plen6, gw6
        self.pod_cidr, self.pod_cidr6 = pod_cidr, pod_cidr6
        self.block, self.block6, self.tunnel_addr = block, block6, tunnel_addr
        self.mtu = 1500
        self.vtep_mac = None
        self.calico_vxlan_mac = mac_of("calico-vxlan" + name)
        self.pods = []  # (name, ip)
        self.sysctls = {}
        self.ns = self.pod_ns = None
        self.root = None


class Cluster:
    """What the data plane needs to know about one example."""

    def __init__(self, ex, cni, nodes, *, backend=None, direct_routing=False, network="10.244.0.0/16",
                 network6=None, pools=()):
        self.ex, self.cni, self.nodes = ex, cni, nodes
        self.backend, self.direct_routing = backend, direct_routing
        self.network, self.network6 = network, network6
        self.pools = pools  # calico: [(cidr, mode)] mode bgp|vxlan
        self.ipmasq = True
        self.flannel_mtu = None
        for n in nodes:
            for o in ex.of_kind("Node"):
                if o["metadata"]["name"] == n.name:
                    data = o["metadata"].get("annotations", {}).get("flannel.alpha.coreos.com/backend-data", "")
                    if "VtepMAC" in data:
                        n.vtep_mac = json.loads(data)["VtepMAC"]
            for p in ex.of_kind("Pod"):
                if p["spec"].get("nodeName") == n.name and not p["spec"].get("hostNetwork") and \
                        p["status"].get("podIP"):
                    n.pods.append((p["metadata"]["name"], p["status"]["podIP"]))


def on_link(a, b):
    import ipaddress
    return ipaddress.ip_address(b.ip) in ipaddress.ip_interface("%s/%d" % (a.ip, a.plen)).network


def build_underlay(c, routers):
    ul = netns("ul")
    ipn(ul, "link", "add", "br0", "address", mac_of(c.ex.name + "switch"), "type", "bridge")
    ipn(ul, "link", "set", "br0", "up")
    for r in routers:
        ipn(ul, "addr", "add", r, "dev", "br0", *(["nodad"] if ":" in r else []))
    for i, n in enumerate(c.nodes):
        n.ns = netns("n%d" % i)
        ipn(ul, "link", "add", "u%d" % i, "address", mac_of(c.ex.name + n.name + "port"), "mtu", n.mtu, "type", "veth",
            "peer", "name", n.iface, "address", mac_of(c.ex.name + n.name + n.iface), "mtu", n.mtu, "netns", n.ns)
        ipn(ul, "link", "set", "u%d" % i, "master", "br0", "up")
        ipn(n.ns, "addr", "add", "%s/%d" % (n.ip, n.plen), "dev", n.iface)
        if n.ip6:
            ipn(n.ns, "addr", "add", "%s/%d" % (n.ip6, n.plen6), "dev", n.iface, "nodad")
        ipn(n.ns, "link", "set", n.iface, "up")
        ipn(n.ns, "route", "add", "default", "via", n.gw, "dev", n.iface, "proto", "static")
        if n.gw6:
            ipn(n.ns, "-6", "route", "add", "default", "via", n.gw6, "dev", n.iface, "proto", "static", "metric", 1024)
        # Ubuntu's defaults (systemd's 50-default.conf: loose reverse-path filtering) and what
        # kubeadm's preflight asks for.
        for k, v in [("net.ipv4.conf.all.rp_filter", 2), ("net.ipv4.conf.default.rp_filter", 2),
                     ("net.ipv4.ip_forward", 1), ("net.bridge.bridge-nf-call-iptables", 1),
                     ("net.bridge.bridge-nf-call-ip6tables", 1)]:
            sysctl(n.ns, k, v)
        if n.ip6:
            sysctl(n.ns, "net.ipv6.conf.all.forwarding", 1)


def build_pods_bridge(c, n, mtu):
    """flannel: cni0 with the pods' veths (the bridge plugin's names: veth + 8 hex)."""
    n.pod_ns = netns("n%dp" % c.nodes.index(n))
    ipn(n.ns, "link", "add", "cni0", "address", mac_of(c.ex.name + n.name + "cni0"), "type", "bridge")
    ipn(n.ns, "link", "set", "cni0", "mtu", mtu)
    ipn(n.ns, "addr", "add", "%s/24" % host(n.pod_cidr, 1), "dev", "cni0")
    if n.pod_cidr6:
        ipn(n.ns, "addr", "add", "%s/64" % host(n.pod_cidr6, 1), "dev", "cni0", "nodad")
    ipn(n.ns, "link", "set", "cni0", "up")
    for k, (pod, ip) in enumerate(n.pods):
        veth = "veth" + short_hash(c.ex.name + pod, 8)
        ipn(n.ns, "link", "add", veth, "address", mac_of(veth + "host"), "mtu", mtu, "type", "veth", "peer", "name",
            "p%d" % k, "address", mac_of(veth + "pod"), "mtu", mtu, "netns", n.pod_ns)
        ipn(n.ns, "link", "set", veth, "master", "cni0", "up")
        ipn(n.pod_ns, "addr", "add", "%s/24" % ip, "dev", "p%d" % k)
        ipn(n.pod_ns, "link", "set", "p%d" % k, "up")


def build_pods_calico(c, n, mtu):
    """Calico: a cali + 11 hex veth per pod, a /32 route to it, proxy ARP and strict rp_filter as Felix sets."""
    n.pod_ns = netns("n%dp" % c.nodes.index(n))
    for k, (pod, ip) in enumerate(n.pods):
        veth = "cali" + short_hash(c.ex.name + pod, 11)
        ipn(n.ns, "link", "add", veth, "address", "ee:ee:ee:ee:ee:ee", "mtu", mtu, "type", "veth", "peer", "name",
            "p%d" % k, "address", mac_of(veth + "pod"), "mtu", mtu, "netns", n.pod_ns)
        ipn(n.ns, "link", "set", veth, "up")
        ipn(n.pod_ns, "addr", "add", "%s/32" % ip, "dev", "p%d" % k)
        ipn(n.pod_ns, "link", "set", "p%d" % k, "up")
        ipn(n.ns, "route", "add", ip, "dev", veth, "scope", "link")
        sysctl(n.ns, "net.ipv4.conf.%s.rp_filter" % veth, 1)
        sysctl(n.ns, "net.ipv4.conf.%s.proxy_arp" % veth, 1)


def build_flannel(c):
    vxlan = c.backend == "vxlan"
    mtu = c.flannel_mtu or (1450 if vxlan else 1500)
    for n in c.nodes:
        if vxlan:
            ipn(n.ns, "link", "add", "flannel.1", "address", n.vtep_mac, "type", "vxlan", "id", 1, "local", n.ip,
                "dev", n.iface, "dstport", 8472, "nolearning")
            ipn(n.ns, "link", "set", "flannel.1", "mtu", mtu, "up")
            ipn(n.ns, "addr", "add", "%s/32" % net_of(n.pod_cidr), "dev", "flannel.1")
        build_pods_bridge(c, n, mtu)
        for p in c.nodes:
            if p is n:
                continue
            direct = not vxlan or (c.direct_routing and on_link(n, p))
            if direct:
                ipn(n.ns, "route", "add", p.pod_cidr, "via", p.ip, "dev", n.iface)
                if p.pod_cidr6 and p.ip6:
                    ipn(n.ns, "-6", "route", "add", p.pod_cidr6, "via", p.ip6, "dev", n.iface, "metric", 1024)
            else:
                ipn(n.ns, "route", "add", p.pod_cidr, "via", net_of(p.pod_cidr), "dev", "flannel.1", "onlink")
                ipn(n.ns, "neigh", "add", net_of(p.pod_cidr), "lladdr", p.vtep_mac, "dev", "flannel.1", "nud",
                    "permanent")
                run("bridge", "-n", n.ns, "fdb", "add", p.vtep_mac, "dev", "flannel.1", "dst", p.ip, "self",
                    "permanent")


def build_calico(c):
    vxlan = any(mode == "vxlan" for _, mode in c.pools)
    mtu = 1450 if vxlan else 1500
    for n in c.nodes:
        if vxlan:
            ipn(n.ns, "link", "add", "vxlan.calico", "address", n.calico_vxlan_mac, "type", "vxlan", "id", 4096,
                "local", n.ip, "dev", n.iface, "dstport", 4789, "nolearning")
            ipn(n.ns, "link", "set", "vxlan.calico", "mtu", mtu, "up")
            ipn(n.ns, "addr", "add", "%s/32" % n.tunnel_addr, "dev", "vxlan.calico")
        build_pods_calico(c, n, mtu)
        proto = "80" if vxlan else "bird"
        ipn(n.ns, "route", "add", "blackhole", n.block, "proto", proto)
        if n.block6:
            ipn(n.ns, "-6", "route", "add", "blackhole", n.block6, "proto", "bird", "metric", 1024)
        for p in c.nodes:
            if p is n:
                continue
            if vxlan:
                ipn(n.ns, "route", "add", p.block, "via", p.tunnel_addr, "dev", "vxlan.calico", "proto", "80",
                    "onlink")
                ipn(n.ns, "neigh", "add", p.tunnel_addr, "lladdr", p.calico_vxlan_mac, "dev", "vxlan.calico", "nud",
                    "permanent")
                run("bridge", "-n", n.ns, "fdb", "add", p.calico_vxlan_mac, "dev", "vxlan.calico", "dst", p.ip,
                    "self", "permanent")
            else:
                ipn(n.ns, "route", "add", p.block, "via", p.ip, "dev", n.iface, "proto", "bird")
            if p.block6 and p.ip6:
                ipn(n.ns, "-6", "route", "add", p.block6, "via", p.ip6, "dev", n.iface, "proto", "bird", "metric",
                    1024)


# ---------------------------------------------------------------------------------------------
# iptables: kube-proxy (iptables mode, 1.29) and flanneld, as iptables-restore input


def h16(s):
    return base64.b32encode(hashlib.sha256(s.encode()).digest()).decode()[:16]


def service_ports(ex):
    """(name, cluster IP, port, proto, ready endpoints "IP:PORT") for every Service port, from the slices."""
    out = []
    slices = ex.of_kind("EndpointSlice")
    for s in ex.of_kind("Service"):
        ip = s["spec"].get("clusterIP")
        if not ip or ip == "None":
            continue
        ns, name = s["metadata"]["namespace"], s["metadata"]["name"]
        for sp in s["spec"]["ports"]:
            pname = sp.get("name", "")
            full = "%s/%s%s" % (ns, name, ":" + pname if pname else "")
            proto = sp.get("protocol", "TCP").lower()
            eps = []
            for sl in slices:
                if sl["metadata"]["namespace"] != ns or \
                        sl["metadata"].get("labels", {}).get("kubernetes.io/service-name") != name:
                    continue
                for p in sl.get("ports") or []:
                    if p.get("name", "") == pname and p.get("protocol", "TCP").lower() == proto:
                        for e in sl.get("endpoints") or []:
                            if e.get("conditions", {}).get("ready", True):
                                eps += ["%s:%d" % (a, p["port"]) for a in e["addresses"]]
            out.append((full, ip, sp["port"], proto, sorted(set(eps))))
    return out


def iptables_rules(c, n, services, *, flannel_masq=True, extra_nat=()):
    nat_chains, nat_rules, filter_rules, svc_rules = [], [], [], []
    cluster = c.network
    for name, ip, port_, proto, eps in services:
        if not eps:
            filter_rules.append('-A KUBE-SERVICES -d %s/32 -p %s -m comment --comment "%s has no endpoints" -m %s '
                                '--dport %d -j REJECT --reject-with icmp-port-unreachable' % (ip, proto, name, proto,
                                                                                               port_))
            continue
        svc = "KUBE-SVC-" + h16(name + proto)
        nat_chains.append(svc)
        svc_rules.append('-A KUBE-SERVICES -d %s/32 -p %s -m comment --comment "%s cluster IP" -m %s --dport %d '
                         '-j %s' % (ip, proto, name, proto, port_, svc))
        nat_rules.append('-A %s ! -s %s -d %s/32 -p %s -m comment --comment "%s cluster IP" -m %s --dport %d '
                         '-j KUBE-MARK-MASQ' % (svc, cluster, ip, proto, name, proto, port_))
        for i, ep in enumerate(eps):
            sep = "KUBE-SEP-" + h16(name + proto + ep)
            nat_chains.append(sep)
            left = len(eps) - i
            stat = " -m statistic --mode random --probability %0.10f" % (1.0 / left) if left > 1 else ""
            nat_rules.append('-A %s -m comment --comment "%s -> %s"%s -j %s' % (svc, name, ep, stat, sep))
            epip = ep.rsplit(":", 1)[0]
            nat_rules.append('-A %s -s %s/32 -m comment --comment "%s" -j KUBE-MARK-MASQ' % (sep, epip, name))
            nat_rules.append('-A %s -p %s -m comment --comment "%s" -m %s -j DNAT --to-destination %s' % (
                sep, proto, name, proto, ep))
    flannel = c.cni == "flannel"
    out = ["*mangle"] + [":%s [0:0]" % x for x in ["PREROUTING ACCEPT", "INPUT ACCEPT", "FORWARD ACCEPT",
                                                    "OUTPUT ACCEPT", "POSTROUTING ACCEPT", "KUBE-IPTABLES-HINT -",
                                                    "KUBE-KUBELET-CANARY -", "KUBE-PROXY-CANARY -"]] + ["COMMIT"]
    fchains = ["INPUT ACCEPT", "FORWARD ACCEPT", "OUTPUT ACCEPT", "KUBE-EXTERNAL-SERVICES -", "KUBE-FIREWALL -",
               "KUBE-FORWARD -", "KUBE-KUBELET-CANARY -", "KUBE-NODEPORTS -", "KUBE-PROXY-CANARY -",
               "KUBE-PROXY-FIREWALL -", "KUBE-SERVICES -"] + (["FLANNEL-FWD -"] if flannel else [])
    out += ["*filter"] + [":%s [0:0]" % x for x in fchains]
    out += [
        '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
        '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
        '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
        '-A INPUT -j KUBE-FIREWALL',
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
        '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES']
    if flannel:
        out.append('-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD')
    out += ['-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
            '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
            '-A OUTPUT -j KUBE-FIREWALL']
    if flannel:
        out += ['-A FLANNEL-FWD -s %s -m comment --comment "flanneld forward" -j ACCEPT' % cluster,
                '-A FLANNEL-FWD -d %s -m comment --comment "flanneld forward" -j ACCEPT' % cluster]
    out += ['-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
            '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
            '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
            '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT']
    out += filter_rules + ["COMMIT"]
    nchains = ["PREROUTING ACCEPT", "INPUT ACCEPT", "OUTPUT ACCEPT", "POSTROUTING ACCEPT", "KUBE-KUBELET-CANARY -",
               "KUBE-MARK-MASQ -", "KUBE-NODEPORTS -", "KUBE-POSTROUTING -", "KUBE-PROXY-CANARY -",
               "KUBE-SERVICES -"] + (["FLANNEL-POSTRTG -"] if flannel and flannel_masq else []) + \
        ["%s -" % x for x in nat_chains]
    out += ["*nat"] + [":%s [0:0]" % x for x in nchains]
    out += ['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
            '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES']
    out += list(extra_nat)
    if flannel and flannel_masq:
        out.append('-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG')
    out.append('-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING')
    if flannel and flannel_masq:
        sub = n.pod_cidr
        out += ['-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
                '-A FLANNEL-POSTRTG -s %s -d %s -m comment --comment "flanneld masq" -j RETURN' % (sub, cluster),
                '-A FLANNEL-POSTRTG -s %s -d %s -m comment --comment "flanneld masq" -j RETURN' % (cluster, sub),
                '-A FLANNEL-POSTRTG ! -s %s -d %s -m comment --comment "flanneld masq" -j RETURN' % (cluster, sub),
                '-A FLANNEL-POSTRTG -s %s ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully' % cluster,
                '-A FLANNEL-POSTRTG ! -s %s -d %s -m comment --comment "flanneld masq" -j MASQUERADE --random-fully' % (cluster, cluster)]
    out += ['-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
            '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
            '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
            '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully']
    out += svc_rules
    out.append('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule '
               'in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS')
    out += nat_rules + ["COMMIT"]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Node files (what --root points at) and collection

def node_root(c, n):
    from components import FLANNEL_CNI_CONF, CALICO_CNI_TEMPLATE
    root = os.path.join(tempfile.gettempdir(), "ndex-root", n.name)  # fixed: manifest.json records it
    if os.path.isdir(root):
        shutil.rmtree(root)
    n.root = root
    w = lambda rel, text: write(os.path.join(root, rel), text)
    w("etc/resolv.conf", "# Generated by NetworkManager\nsearch corp.internal\nnameserver 192.168.20.1\n")
    w("var/lib/kubelet/config.yaml", KUBELET_CONFIG)
    if c.cni == "flannel":
        w("etc/cni/net.d/10-flannel.conflist", FLANNEL_CNI_CONF)
        env_ = ["FLANNEL_NETWORK=%s" % c.network, "FLANNEL_SUBNET=%s/24" % host(n.pod_cidr, 1)]
        if c.network6:
            env_ += ["FLANNEL_IPV6_NETWORK=%s" % c.network6, "FLANNEL_IPV6_SUBNET=%s/64" % host(n.pod_cidr6, 1)]
        env_ += ["FLANNEL_MTU=%d" % (c.flannel_mtu or (1450 if c.backend == "vxlan" else 1500)),
                 "FLANNEL_IPMASQ=%s" % ("true" if c.ipmasq else "false")]
        w("run/flannel/subnet.env", "\n".join(env_) + "\n")
    else:
        vxlan = any(mode == "vxlan" for _, mode in c.pools)
        conf = CALICO_CNI_TEMPLATE.replace("__KUBERNETES_NODE_NAME__", n.name).replace(
            "__CNI_MTU__", "1450" if vxlan else "1500").replace(
            "__KUBECONFIG_FILEPATH__", "/etc/cni/net.d/calico-kubeconfig")
        w("etc/cni/net.d/10-calico.conflist", conf)
    return root


KUBELET_CONFIG = """apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
containerRuntimeEndpoint: ""
cpuManagerReconcilePeriod: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
kind: KubeletConfiguration
logging: {}
resolvConf: /etc/resolv.conf
rotateCertificates: true
staticPodPath: /etc/kubernetes/manifests
"""


def collect(c, root_dir):
    for n in c.nodes:
        out = os.path.join(root_dir, "nodes", n.name)
        if os.path.isdir(out):
            shutil.rmtree(out)
        run("ip", "netns", "exec", n.ns, "unshare", "--uts", "sh", "-c",
            'hostname "$0" && exec "$1" collect node --out "$2" --root "$3" -q', n.name, NETDOCTOR, out, n.root)
        shutil.rmtree(n.root)
        drop_nft(out)


def drop_nft(out):
    """nft-ruleset.json shows the same rules as iptables-save.txt through nft (30 KiB a node) and diagnose
    does not read it: the examples leave it out, and the manifest says so."""
    path = os.path.join(out, "nft-ruleset.json")
    if not os.path.exists(path):
        return
    os.remove(path)
    man_path = os.path.join(out, "manifest.json")
    man = json.load(open(man_path))
    for f in [f for f in man["files"] if f["file"] == "nft-ruleset.json"]:
        man["files"].remove(f)
        man["skipped"].append({"file": "nft-ruleset.json", "source": f["source"],
                               "reason": "removed from the example to keep the repository small (same rules as "
                                         "iptables-save.txt)"})
    write(man_path, json.dumps(man, indent=2) + "\n")


def load_rules(c, services, **kw_by_node):
    for n in c.nodes:
        kw = kw_by_node.get(n.name, {})
        svcs = kw.pop("services", services)
        run("ip", "netns", "exec", n.ns, "iptables-restore", stdin=iptables_rules(c, n, svcs, **kw))


# ---------------------------------------------------------------------------------------------
# Cluster objects


LAYOUT = {"nodes.json": ("Node",), "namespaces.json": ("Namespace",), "pods.json": ("Pod",),
          "services.json": ("Service",), "endpoints.json": ("Endpoints",),
          "endpointslices.json": ("EndpointSlice",), "daemonsets.json": ("DaemonSet",),
          "deployments.json": ("Deployment",), "replicasets.json": ("ReplicaSet",),
          "configmaps.json": ("ConfigMap",)}


def write_objects(ex, root):
    files = dict(LAYOUT)
    if ex.of_kind("IPPool"):
        files["ippools.json"] = ("IPPool",)
    for fn, kinds in files.items():
        G.write_list_json(os.path.join(root, fn), G.objects(ex, *kinds))


def blog_apps(ex, ips, nodes):
    created = ex.ts(days=77, hours=2)
    G.app(ex, ips, "blog", "blog-db", image="mariadb:11.3", created=created, ports=[port(3306, "mysql")],
          env_vars=[env("MARIADB_DATABASE", "ghost"), env("MARIADB_USER", "ghost")],
          readiness=tcp_probe("mysql"), resources=res(cpu_req="250m", mem_req="512Mi", mem_lim="1Gi"),
          placements=[(nodes[2], CS("running", since=G.tplus(created, minutes=1)),
                       {"start": G.tplus(created, minutes=1)})],
          svc_ports=[sport(3306, "mysql", "mysql")])
    G.app(ex, ips, "blog", "blog-frontend", image="blog/frontend:1.8.2", created=created, ports=[port(2368, "http")],
          env_vars=[env("database__client", "mysql"), env("database__connection__host", "blog-db"),
                    env("url", "http://blog.corp.internal")],
          readiness=http_probe("/ghost/api/admin/site/", "http"),
          placements=[(n, CS("running", since=G.tplus(created, minutes=3)), {"start": G.tplus(created, minutes=3)})
                      for n in (nodes[1], nodes[2])],
          svc_ports=[sport(80, "http", "http")])
    G.ns_object(ex, "blog", created)


def flannel_example(name, now, specs, *, backend="vxlan", direct_routing=False, network6=None, ds_args=None):
    """specs: [(name, ip, is_cp, iface, podcidr)] as gen_examples.base_flannel takes them."""
    ex = Ex(name, now)
    t0 = ex.ts(days=130, hours=6)
    ips = G.base_flannel(ex, specs, t0=t0, backend=backend, coredns_on=[specs[0][0], specs[0][0]])
    for ns in ("kube-system", "kube-flannel", "default"):
        G.ns_object(ex, ns, t0)
    blog_apps(ex, ips, [s[0] for s in specs])
    cm = [o for o in ex.of_kind("ConfigMap") if o["metadata"]["name"] == "kube-flannel-cfg"][0]
    conf = json.loads(cm["data"]["net-conf.json"])
    if direct_routing:
        conf["Backend"]["DirectRouting"] = True
    if network6:
        conf["EnableIPv6"] = True
        conf["IPv6Network"] = network6
    cm["data"]["net-conf.json"] = json.dumps(conf, indent=2) + "\n"
    if ds_args is not None:
        for o in ex.of_kind("DaemonSet") + ex.of_kind("Pod"):
            for ct in o["spec"]["template"]["spec"]["containers"] if o["kind"] == "DaemonSet" else o["spec"]["containers"]:
                if ct["name"] == "kube-flannel":
                    ct["args"] = ds_args
    return ex


def calico_example(name, now, specs, *, pool, vxlan="Never"):
    """specs: [(name, ip, is_cp, iface, block)] as gen_examples.base_calico takes them."""
    ex = Ex(name, now)
    ex.cluster_cidr = pool
    t0 = ex.ts(days=41, hours=3, minutes=12)
    ips = G.base_calico(ex, specs, t0=t0, pool=pool, ipip="Never", vxlan=vxlan,
                        coredns_on=[specs[1][0], specs[2][0]], kc_on=specs[1][0])
    for ns in ("kube-system", "default"):
        G.ns_object(ex, ns, t0)
    for o in ex.of_kind("Node"):  # plain BGP: Calico sets no IPIP tunnel address
        if vxlan == "Never":
            o["metadata"]["annotations"].pop("projectcalico.org/IPv4IPIPTunnelAddr", None)
    created = ex.ts(days=23, hours=5)
    G.ns_object(ex, "shop", created)
    G.app(ex, ips, "shop", "web", image="nginxinc/nginx-unprivileged:1.25-alpine", created=created, calico=True,
          ports=[port(8080, "http")], readiness=http_probe("/", "http", period=5),
          placements=[(n, CS("running", since=G.tplus(created, minutes=1)), {"start": G.tplus(created, minutes=1)})
                      for n in (specs[1][0], specs[2][0])],
          svc_ports=[sport(80, "http", "http")])
    G.app(ex, ips, "shop", "redis", image="redis:7.2-alpine", created=created, calico=True,
          ports=[port(6379, "redis")], readiness=tcp_probe("redis"),
          placements=[(specs[1][0], CS("running", since=G.tplus(created, minutes=1)),
                       {"start": G.tplus(created, minutes=1)})],
          svc_ports=[sport(6379, "redis", "redis")])
    return ex


def add_ipv6(ex, node_name, ip6, *, pod_cidr6=None, calico=False, flannel=False):
    for o in ex.of_kind("Node"):
        if o["metadata"]["name"] != node_name:
            continue
        o["status"]["addresses"].insert(1, {"type": "InternalIP", "address": ip6})
        if pod_cidr6:
            o["spec"]["podCIDRs"] = [o["spec"]["podCIDR"], pod_cidr6]
        ann = o["metadata"]["annotations"]
        if calico:
            ann["projectcalico.org/IPv6Address"] = ip6 + "/64"
        if flannel:
            ann["flannel.alpha.coreos.com/public-ipv6"] = ip6
            ann["flannel.alpha.coreos.com/backend-v6-data"] = "null"
        o["metadata"]["annotations"] = dict(sorted(ann.items()))


def expect(name, must, note):
    quiet = ["node-ip-forward-disabled", "node-bridge-nf-call-iptables-disabled", "pod-cidr-overlaps-node-network",
             "pod-cidr-overlaps-service-cidr", "node-missing-pod-route", "node-vxlan-fdb-missing",
             "node-rp-filter-strict", "node-mtu-mismatch", "node-service-rules-missing",
             "node-service-endpoints-stale", "pod-egress-not-masqueraded", "node-bundle-unreadable",
             "cni-not-detected", "cni-pod-unhealthy", "node-network-unavailable", "coredns-loop",
             "node-resolv-conf-loopback"]
    G.expect(name, must, [q for q in quiet if q not in must], note)


def finish(ex, c, routers):
    """Builds the healthy data plane of cluster c (underlay, CNI)."""
    build_underlay(c, routers)
    if c.cni == "flannel":
        build_flannel(c)
    else:
        build_calico(c)
    for n in c.nodes:
        node_root(c, n)


# ---------------------------------------------------------------------------------------------
# The examples

FLANNEL_SPECS = [("k8s-master", "192.168.20.10", True, "eth0", "10.244.0.0/24"),
                 ("k8s-node1", "192.168.20.11", False, "eth0", "10.244.1.0/24"),
                 ("k8s-node2", "192.168.20.12", False, "eth0", "10.244.2.0/24")]
FLANNEL_NOTE = ("Flannel v0.25 VXLAN on three kubeadm nodes (k8s-master 192.168.20.10, k8s-node1 .11, k8s-node2 "
                ".12 on eth0, podCIDRs 10.244.0-2.0/24), CoreDNS and a blog app with Services, Endpoints and "
                "EndpointSlices. Layout: `kubectl get KIND -A -o json` per kind, and nodes/NODE/ bundles written "
                "by `netdoctor collect node` inside network namespaces built as flanneld and kube-proxy program "
                "a node (flannel.1 with its neighbour/FDB entries, cni0 and pod veths, kube-proxy's iptables "
                "rules and flannel's masquerade; see examples/tools/gen_node_examples.py). ")


def flannel_vxlan(name, now, *, fault=None, specs=FLANNEL_SPECS, direct_routing=False, ds_args=None, before=None,
                  rules=None, routers=("192.168.20.1/24",), node_kw=None):
    root = G.fresh(name)
    ex = flannel_example(name, now, specs, direct_routing=direct_routing, ds_args=ds_args)
    write_objects(ex, root)
    nodes = [NodeSpec(s[0], s[1], iface=s[3], pod_cidr=s[4], **(node_kw or {}).get(s[0], {})) for s in specs]
    c = Cluster(ex, "flannel", nodes, backend="vxlan", direct_routing=direct_routing)
    if before:
        before(c)
    finish(ex, c, list(routers))
    load_rules(c, service_ports(ex), **(rules(c) if rules else {}))
    if fault:
        fault(c)
    collect(c, root)
    cleanup()
    return c, root


def node_of(c, name):
    return [n for n in c.nodes if n.name == name][0]


def node_healthy_flannel_vxlan():
    name = "node-healthy-flannel-vxlan"
    flannel_vxlan(name, "2025-02-18T14:05:00Z")
    expect(name, [], FLANNEL_NOTE + "Everything is as it should be: forwarding and bridge netfilter on, one route "
           "per peer via its VTEP on flannel.1 with the neighbour and FDB entries, MTU 1450 under a 1500 underlay, "
           "kube-proxy rules for every Service port matching the ready endpoints, pod egress masqueraded. "
           "Nothing at warning or above.")


def node_ip_forward_off():
    name = "node-ip-forward-off"
    flannel_vxlan(name, "2025-02-19T09:12:00Z",
                  fault=lambda c: sysctl(node_of(c, "k8s-node1").ns, "net.ipv4.ip_forward", 0))
    expect(name, ["node-ip-forward-disabled"], FLANNEL_NOTE + "On k8s-node1 net.ipv4.ip_forward is 0 (set after "
           "flannel started, as a `sysctl -p` of a file with ip_forward = 0 would): the node drops what it should "
           "route, so its pods time out towards the other nodes, Services and the outside (P4).")


def strip_bridge_keys(root, node):
    """A node without br_netfilter: `sysctl -a` there prints no net.bridge.* keys at all."""
    d = os.path.join(root, "nodes", node)
    path = os.path.join(d, "sysctl.txt")
    lines = open(path).read().splitlines(keepends=True)
    text = "".join(l for l in lines if not l.startswith("net.bridge."))
    write(path, text)
    man = json.load(open(os.path.join(d, "manifest.json")))
    for f in man["files"]:
        if f["file"] == "sysctl.txt":
            f["bytes"] = len(text.encode())
    write(os.path.join(d, "manifest.json"), json.dumps(man, indent=2) + "\n")


def node_bridge_nf_off():
    name = "node-bridge-nf-off"
    _, root = flannel_vxlan(name, "2025-02-20T16:40:00Z", fault=lambda c: sysctl(
        node_of(c, "k8s-node1").ns, "net.bridge.bridge-nf-call-iptables", 0))
    strip_bridge_keys(root, "k8s-node2")
    expect(name, ["node-bridge-nf-call-iptables-disabled"], FLANNEL_NOTE + "On k8s-node1 "
           "net.bridge.bridge-nf-call-iptables is 0; on k8s-node2 the br_netfilter module is not loaded, so its "
           "sysctl -a has no net.bridge.* keys at all (this machine's kernel has bridge netfilter built in, so "
           "those lines were removed from the collected sysctl.txt, and manifest.json's byte count adjusted). "
           "Either way bridged pod traffic skips kube-proxy's rules (P3.4).")


def node_vxlan_fdb_missing():
    name = "node-vxlan-fdb-missing"

    def fault(c):
        n1, n2, m = node_of(c, "k8s-node1"), node_of(c, "k8s-node2"), node_of(c, "k8s-master")
        run("bridge", "-n", n1.ns, "fdb", "del", n2.vtep_mac, "dev", "flannel.1", "dst", n2.ip, "self")
        ipn(n2.ns, "neigh", "replace", net_of(m.pod_cidr), "lladdr", mac_of("old-flannel.1-k8s-master"), "dev",
            "flannel.1", "nud", "permanent")

    flannel_vxlan(name, "2025-02-21T11:03:00Z", fault=fault)
    expect(name, ["node-vxlan-fdb-missing"], FLANNEL_NOTE + "The routes are all there, but k8s-node1 lost its FDB "
           "entry for k8s-node2's VTEP (`bridge fdb del`), and k8s-node2 keeps a neighbour entry for 10.244.0.0 with "
           "the MAC k8s-master's flannel.1 had before it was re-created (the node annotation carries the new one). "
           "VXLAN traffic between those pairs has nowhere to go (P9).")


def node_mtu_mismatch():
    name = "node-mtu-mismatch"

    def fault(c):  # the link loses its MTU after flanneld has set everything up for 1500
        n2 = node_of(c, "k8s-node2")
        ipn(PREFIX + "ul", "link", "set", "u%d" % c.nodes.index(n2), "mtu", 1400)
        ipn(n2.ns, "link", "set", n2.iface, "mtu", 1400)

    flannel_vxlan(name, "2025-02-22T08:27:00Z", fault=fault)
    expect(name, ["node-mtu-mismatch"], FLANNEL_NOTE + "k8s-node2's underlay (eth0 and its switch port) has MTU "
           "1400 while flannel.1, cni0, the pod veths and FLANNEL_MTU stay at 1450, computed when flanneld started "
           "on a 1500 link: VXLAN packets of full-size pod frames are 1500 bytes and do not fit. Small requests "
           "work, large transfers stall.")


def node_kube_proxy_rules():
    name = "node-kube-proxy-rules"

    def rules(c):
        svcs = service_ports(c.ex)
        missing = [s for s in svcs if not s[0].startswith("blog/blog-frontend")]
        stale = [(s[0], s[1], s[2], s[3], ["10.244.2.9:3306"]) if s[0] == "blog/blog-db:mysql" else s for s in svcs]
        return {"k8s-node2": {"services": missing}, "k8s-node1": {"services": stale}}

    flannel_vxlan(name, "2025-02-23T13:55:00Z", rules=rules)
    expect(name, ["node-service-rules-missing", "node-service-endpoints-stale"], FLANNEL_NOTE + "kube-proxy "
           "(iptables mode) is out of step on two nodes. On k8s-node2 it has no rules at all for Service "
           "blog/blog-frontend: no KUBE-SERVICES jump for its ClusterIP and no REJECT, so pods there time out on "
           "the Service. On k8s-node1 the rules for blog/blog-db still send to 10.244.2.9, the pod before the last "
           "rollout, while the EndpointSlice lists the new one. k8s-master is in step (P1.3).")


def node_egress_not_masqueraded():
    name = "node-egress-not-masqueraded"

    def before(c):
        c.ipmasq = False

    flannel_vxlan(name, "2025-02-25T15:18:00Z", ds_args=["--kube-subnet-mgr"], before=before,
                  rules=lambda c: {n.name: {"flannel_masq": False} for n in c.nodes})
    expect(name, ["pod-egress-not-masqueraded"], FLANNEL_NOTE + "The kube-flannel DaemonSet runs flanneld without "
           "--ip-masq (someone dropped it from the args): subnet.env says FLANNEL_IPMASQ=false and no node has "
           "flannel's FLANNEL-POSTRTG masquerade, so pods reach outside hosts with their pod addresses and a "
           "database that allow-lists the node addresses refuses them (P3.5).")


def node_egress_masq_exemption():
    name = "node-egress-masq-exemption"
    rule = ('-A POSTROUTING -s 10.244.0.0/16 -d 172.20.0.0/16 -m comment --comment "db network sees pod addresses" '
            '-j ACCEPT')
    flannel_vxlan(name, "2025-02-26T07:44:00Z", rules=lambda c: {"k8s-node1": {"extra_nat": [rule]}})
    expect(name, ["pod-egress-not-masqueraded"], FLANNEL_NOTE + "On k8s-node1 a rule placed before flannel's "
           "masquerade accepts pod traffic to 172.20.0.0/16 (the database network) unchanged: pods there reach the "
           "database with pod addresses, which its allow-list (node addresses only) refuses (P3.5). The other nodes "
           "masquerade.")


def node_rp_filter_strict():
    name = "node-rp-filter-strict"
    specs = [FLANNEL_SPECS[0], FLANNEL_SPECS[1], ("k8s-node2", "192.168.20.140", False, "eth0", "10.244.2.0/24")]

    def fault(c):
        n2 = node_of(c, "k8s-node2")
        for k in ("net.ipv4.conf.all.rp_filter", "net.ipv4.conf.default.rp_filter", "net.ipv4.conf.eth0.rp_filter"):
            sysctl(n2.ns, k, 1)

    flannel_vxlan(name, "2025-02-27T12:09:00Z", specs=specs, direct_routing=True, fault=fault,
                  routers=("192.168.20.1/24", "192.168.20.129/25"),
                  node_kw={"k8s-node2": {"plen": 25, "gw": "192.168.20.129"}})
    expect(name, ["node-rp-filter-strict"], "Flannel v0.25 VXLAN with DirectRouting on three nodes of one L2 "
           "segment: k8s-master 192.168.20.10/24, k8s-node1 192.168.20.11/24, and k8s-node2 192.168.20.140 "
           "configured with a /25. The /24 nodes see k8s-node2 on-link and route to its pods directly over eth0; "
           "k8s-node2 sees them on another subnet and routes back through flannel.1. Every route is right from its "
           "own node's point of view, but k8s-node2 runs strict reverse-path filtering (rp_filter = 1, a RHEL "
           "default) and drops the direct packets whose way back is flannel.1. Layout as in node-healthy-flannel-"
           "vxlan.")


HOSTGW_SPECS = [("node-a", "10.20.30.11", True, "eno1", "10.244.0.0/24"),
                ("node-b", "10.20.30.12", False, "eno1", "10.244.1.0/24"),
                ("node-c", "10.20.30.13", False, "eno1", "10.244.2.0/24")]


def node_missing_route_hostgw():
    name = "node-missing-route-hostgw"
    root = G.fresh(name)
    ex = flannel_example(name, "2025-01-28T08:40:00Z", HOSTGW_SPECS, backend="host-gw", network6="fd00:10:244::/56")
    nodes = []
    for i, s in enumerate(HOSTGW_SPECS):
        import ipaddress
        ip6, cidr6 = "fd00:10:20:30::%d" % (11 + i), str(ipaddress.ip_network("fd00:10:244:%d::/64" % i))
        add_ipv6(ex, s[0], ip6, pod_cidr6=cidr6, flannel=True)
        nodes.append(NodeSpec(s[0], s[1], iface=s[3], gw="10.20.30.1", ip6=ip6, gw6="fd00:10:20:30::1",
                              pod_cidr=s[4], pod_cidr6=cidr6))
    write_objects(ex, root)
    c = Cluster(ex, "flannel", nodes, backend="host-gw", network6="fd00:10:244::/56")
    finish(ex, c, ["10.20.30.1/24", "fd00:10:20:30::1/64"])
    load_rules(c, service_ports(ex))
    a, b, cc = nodes
    ipn(b.ns, "route", "del", cc.pod_cidr)
    ipn(cc.ns, "-6", "route", "del", a.pod_cidr6)
    ipn(a.ns, "route", "add", "10.244.1.128/25", "via", "10.20.30.99", "dev", "eno1", "proto", "static")
    collect(c, root)
    cleanup()
    expect(name, ["node-missing-pod-route"], "Flannel v0.25 host-gw, dual-stack (net-conf.json Network "
           "10.244.0.0/16 and IPv6Network fd00:10:244::/56), nodes node-a/b/c on 10.20.30.0/24 and "
           "fd00:10:20:30::/64 (eno1) with podCIDRs 10.244.N.0/24 and fd00:10:244:N::/64. Three broken routes: "
           "node-b has no route to node-c's 10.244.2.0/24; node-c has no route to node-a's fd00:10:244::/64; "
           "node-a's route to node-b's 10.244.1.0/24 is shadowed for its upper half by a leftover static route "
           "10.244.1.128/25 via 10.20.30.99. Bundles collected from network namespaces as in "
           "node-healthy-flannel-vxlan; objects as `kubectl get KIND -A -o json`.")


CALICO_NOTE = ("Calico v3.27 from calico.yaml on three kubeadm nodes, pods in blocks of /26 (Calico IPAM: the "
               "nodes' podCIDRs are not used), CoreDNS and a shop app with Services, Endpoints and "
               "EndpointSlices. Layout: `kubectl get KIND -A -o json` per kind (IPPools in ippools.json), and "
               "nodes/NODE/ bundles written by `netdoctor collect node` inside network namespaces built as BIRD/"
               "Felix and kube-proxy program a node (cali* veths with /32 routes, blackhole routes for the node's "
               "own blocks, routes to the other nodes' blocks). ")


def calico(name, now, specs, *, pool, gw, vxlan="Never", v6=None):
    root = G.fresh(name)
    ex = calico_example(name, now, specs, pool=pool, vxlan=vxlan)
    nodes = []
    for i, s in enumerate(specs):
        kw = {}
        if v6:
            kw = dict(ip6=v6["ips"][i], gw6=v6["gw"], block6=v6["blocks"][i])
            add_ipv6(ex, s[0], v6["ips"][i], calico=True)
        nodes.append(NodeSpec(s[0], s[1], iface=s[3], gw=gw, block=s[4], tunnel_addr=s[4].split("/")[0], **kw))
    if v6:
        from k8sgen import meta, typed
        pool6 = G.objects(ex, "IPPool")[0]
        m = meta(ex, "default-ipv6-ippool", created=pool6["metadata"]["creationTimestamp"], generation=1)
        ex.add("IPPool", typed("IPPool", "crd.projectcalico.org/v1", m, spec={
            "allowedUses": ["Workload", "Tunnel"], "blockSize": 122, "cidr": v6["pool"], "ipipMode": "Never",
            "natOutgoing": False, "nodeSelector": "all()", "vxlanMode": "Never"}))
    write_objects(ex, root)
    c = Cluster(ex, "calico", nodes, network=pool, pools=[(pool, "vxlan" if vxlan != "Never" else "bgp")])
    finish(ex, c, [gw + "/24"] + ([v6["gw"] + "/64"] if v6 else []))
    load_rules(c, service_ports(ex))
    collect(c, root)
    cleanup()
    return ex


def node_pod_cidr_overlap_calico():
    name = "node-pod-cidr-overlap-calico"
    specs = [("cp-1", "192.168.1.10", True, "ens18", "192.168.84.128/26"),
             ("worker-1", "192.168.1.11", False, "ens18", "192.168.201.0/26"),
             ("worker-2", "192.168.1.12", False, "ens18", "192.168.37.64/26")]
    calico(name, "2025-03-12T09:48:00Z", specs, pool="192.168.0.0/16", gw="192.168.1.1")
    expect(name, ["pod-cidr-overlaps-node-network"], CALICO_NOTE + "Calico in plain BGP mode with the quick-start "
           "pool 192.168.0.0/16 (kubeadm init --pod-network-cidr=192.168.0.0/16) on nodes that live in "
           "192.168.1.0/24 (ens18): the pool holds the node subnet, so any block Calico carves from 192.168.1.0/24 "
           "gives pods addresses the nodes see as on-link, and pods cannot reach hosts of that subnet (P9). The "
           "fix must propose a pool that overlaps nothing (the check's unit test verifies the choice).")


def node_pod_cidr_overlap_ipv6():
    name = "node-pod-cidr-overlap-ipv6"
    specs = [("cp-1", "192.168.10.10", True, "ens18", "10.244.182.64/26"),
             ("worker-1", "192.168.10.11", False, "ens18", "10.244.226.128/26"),
             ("worker-2", "192.168.10.12", False, "ens18", "10.244.133.192/26")]
    v6 = {"pool": "fd12:3456:789a::/48", "gw": "fd12:3456:789a:1::1",
          "ips": ["fd12:3456:789a:1::10", "fd12:3456:789a:1::11", "fd12:3456:789a:1::12"],
          "blocks": ["fd12:3456:789a:5b9e:21a8:c2fd:7c4e:ffc0/122", "fd12:3456:789a:e210:93c4:7d1a:2b60:3a80/122",
                     "fd12:3456:789a:8f07:5e3b:19d2:c6a4:4d00/122"]}
    calico(name, "2025-03-13T14:22:00Z", specs, pool="10.244.0.0/16", gw="192.168.10.1", v6=v6)
    expect(name, ["pod-cidr-overlaps-node-network"], CALICO_NOTE + "Dual-stack, BGP for both families: the IPv4 "
           "pool 10.244.0.0/16 is fine, but the IPv6 pool default-ipv6-ippool is fd12:3456:789a::/48, the site's "
           "whole ULA prefix, which holds the nodes' own subnet fd12:3456:789a:1::/64 (ens18, addresses ::10-::12). "
           "The IPv6 pool has natOutgoing false, as Calico creates IPv6 pools, which is normal for routed IPv6.")


def node_pod_cidr_overlaps_service():
    name = "node-pod-cidr-overlaps-service"
    specs = [("cp-1", "192.168.10.10", True, "ens18", "10.96.182.64/26"),
             ("worker-1", "192.168.10.11", False, "ens18", "10.96.226.128/26"),
             ("worker-2", "192.168.10.12", False, "ens18", "10.96.133.192/26")]
    calico(name, "2025-03-14T17:05:00Z", specs, pool="10.96.0.0/16", gw="192.168.10.1", vxlan="Always")
    expect(name, ["pod-cidr-overlaps-service-cidr"], CALICO_NOTE + "Calico VXLAN (vxlan.calico, VNI 4096, routes via "
           "the peers' tunnel addresses, Felix's proto 80) with the pool 10.96.0.0/16, inside kubeadm's Service "
           "range 10.96.0.0/12 (kube-apiserver --service-cluster-ip-range): ClusterIPs such as 10.96.0.1 and "
           "10.96.0.10 are pod addresses too (P9).")


SCENARIOS = {
    "node-healthy-flannel-vxlan": node_healthy_flannel_vxlan,
    "node-ip-forward-off": node_ip_forward_off,
    "node-bridge-nf-off": node_bridge_nf_off,
    "node-vxlan-fdb-missing": node_vxlan_fdb_missing,
    "node-mtu-mismatch": node_mtu_mismatch,
    "node-kube-proxy-rules": node_kube_proxy_rules,
    "node-egress-not-masqueraded": node_egress_not_masqueraded,
    "node-egress-masq-exemption": node_egress_masq_exemption,
    "node-rp-filter-strict": node_rp_filter_strict,
    "node-missing-route-hostgw": node_missing_route_hostgw,
    "node-pod-cidr-overlap-calico": node_pod_cidr_overlap_calico,
    "node-pod-cidr-overlap-ipv6": node_pod_cidr_overlap_ipv6,
    "node-pod-cidr-overlaps-service": node_pod_cidr_overlaps_service,
}


def main():
    global NETDOCTOR
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--netdoctor", required=True, help="the netdoctor binary that collects the bundles")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    NETDOCTOR = os.path.abspath(a.netdoctor)
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    for n in a.names or list(SCENARIOS):
        try:
            SCENARIOS[n]()
        finally:
            cleanup()
        print("wrote", n)


if __name__ == "__main__":
    main()
