#!/usr/bin/env python3
"""Prints kube-proxy-rules.in: the iptables-restore input that kube-proxy (iptables mode, 1.26+)
would write for the small cluster described below. Chain names are computed as kube-proxy does:
KUBE-SVC-/KUBE-EXT- = base32(sha256(servicePortName + protocol))[:16] and
KUBE-SEP- = base32(sha256(servicePortName + protocol + "IP:PORT"))[:16]
(checked against a real dump: default/kubernetes:https -> NPX46M4PTMTKRN6Y)."""
import base64
import hashlib

POD_CIDR = "10.244.0.0/16"

# (service port name, cluster IP, port, protocol, nodePort or None, endpoints "IP:PORT")
SERVICES = [
    ("default/kubernetes:https", "10.96.0.1", 443, "tcp", None, ["192.168.50.11:6443"]),
    ("kube-system/kube-dns:dns", "10.96.0.10", 53, "udp", None, ["10.244.1.5:53", "10.244.2.7:53"]),
    ("kube-system/kube-dns:dns-tcp", "10.96.0.10", 53, "tcp", None, ["10.244.1.5:53", "10.244.2.7:53"]),
    ("shop/web", "10.96.120.15", 80, "tcp", 30080,
     ["10.244.1.5:8080", "10.244.2.7:8080", "10.244.2.8:8080"]),
    ("shop/cache:redis", "10.96.5.5", 6379, "tcp", None, []),
    ("shop/api:http", "10.96.7.7", 8443, "tcp", 30443, []),
]


def h(s):
    return base64.b32encode(hashlib.sha256(s.encode()).digest()).decode()[:16]


def main():
    nat_chains, nat_rules, filter_rules = [], [], []
    svc_rules, nodeport_rules = [], []
    for name, ip, port, proto, node_port, eps in SERVICES:
        if not eps:
            filter_rules.append(
                f'-A KUBE-SERVICES -d {ip}/32 -p {proto} -m comment --comment "{name} has no endpoints" '
                f'-m {proto} --dport {port} -j REJECT --reject-with icmp-port-unreachable')
            if node_port:
                filter_rules.append(
                    f'-A KUBE-EXTERNAL-SERVICES -p {proto} -m comment --comment "{name} has no endpoints" '
                    f'-m addrtype --dst-type LOCAL -m {proto} --dport {node_port} '
                    f'-j REJECT --reject-with icmp-port-unreachable')
            continue
        svc = "KUBE-SVC-" + h(name + proto)
        nat_chains.append(svc)
        svc_rules.append(
            f'-A KUBE-SERVICES -d {ip}/32 -p {proto} -m comment --comment "{name} cluster IP" '
            f'-m {proto} --dport {port} -j {svc}')
        if node_port:
            ext = "KUBE-EXT-" + h(name + proto)
            nat_chains.append(ext)
            nodeport_rules.append(
                f'-A KUBE-NODEPORTS -p {proto} -m comment --comment "{name}" -m {proto} '
                f'--dport {node_port} -j {ext}')
            nat_rules.append(
                f'-A {ext} -m comment --comment "masquerade traffic for {name} external destinations" '
                f'-j KUBE-MARK-MASQ')
            nat_rules.append(f'-A {ext} -j {svc}')
        nat_rules.append(
            f'-A {svc} ! -s {POD_CIDR} -d {ip}/32 -p {proto} -m comment --comment "{name} cluster IP" '
            f'-m {proto} --dport {port} -j KUBE-MARK-MASQ')
        for i, ep in enumerate(eps):
            sep = "KUBE-SEP-" + h(name + proto + ep)
            nat_chains.append(sep)
            left = len(eps) - i
            stat = f' -m statistic --mode random --probability {1.0 / left:0.10f}' if left > 1 else ''
            nat_rules.append(f'-A {svc} -m comment --comment "{name} -> {ep}"{stat} -j {sep}')
            ep_ip = ep.rsplit(":", 1)[0]
            nat_rules.append(f'-A {sep} -s {ep_ip}/32 -m comment --comment "{name}" -j KUBE-MARK-MASQ')
            nat_rules.append(f'-A {sep} -p {proto} -m comment --comment "{name}" -m {proto} '
                             f'-j DNAT --to-destination {ep}')

    print("*mangle")
    for c in ["PREROUTING ACCEPT", "INPUT ACCEPT", "FORWARD ACCEPT", "OUTPUT ACCEPT", "POSTROUTING ACCEPT",
              "KUBE-IPTABLES-HINT -", "KUBE-KUBELET-CANARY -", "KUBE-PROXY-CANARY -"]:
        print(f":{c} [0:0]")
    print("COMMIT")
    print("*filter")
    for c in ["INPUT ACCEPT", "FORWARD DROP", "OUTPUT ACCEPT", "KUBE-EXTERNAL-SERVICES -", "KUBE-FIREWALL -",
              "KUBE-FORWARD -", "KUBE-KUBELET-CANARY -", "KUBE-NODEPORTS -", "KUBE-PROXY-CANARY -",
              "KUBE-PROXY-FIREWALL -", "KUBE-SERVICES -", "FLANNEL-FWD -"]:
        print(f":{c} [0:0]")
    print('-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL')
    print('-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS')
    print('-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES')
    print('-A INPUT -j KUBE-FIREWALL')
    print('-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL')
    print('-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD')
    print('-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES')
    print('-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES')
    print('-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD')
    print('-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL')
    print('-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES')
    print('-A OUTPUT -j KUBE-FIREWALL')
    print(f'-A FLANNEL-FWD -s {POD_CIDR} -m comment --comment "flanneld forward" -j ACCEPT')
    print(f'-A FLANNEL-FWD -d {POD_CIDR} -m comment --comment "flanneld forward" -j ACCEPT')
    print('-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP')
    print('-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP')
    print('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT')
    print('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT')
    for r in filter_rules:
        print(r)
    print("COMMIT")
    print("*nat")
    for c in ["PREROUTING ACCEPT", "INPUT ACCEPT", "OUTPUT ACCEPT", "POSTROUTING ACCEPT", "KUBE-KUBELET-CANARY -",
              "KUBE-MARK-MASQ -", "KUBE-NODEPORTS -", "KUBE-POSTROUTING -", "KUBE-PROXY-CANARY -",
              "KUBE-SERVICES -"] + [f"{c} -" for c in nat_chains]:
        print(f":{c} [0:0]")
    print('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES')
    print('-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES')
    print('-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING')
    print('-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000')
    for r in nodeport_rules:
        print(r)
    print('-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN')
    print('-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000')
    print('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully')
    for r in svc_rules:
        print(r)
    print('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS')
    for r in nat_rules:
        print(r)
    print("COMMIT")


if __name__ == "__main__":
    main()
