#!/usr/bin/env bash
# Records the small captures in this folder (README.md says what each shows). Run once, as root:
#   tests/data/pcap/record.sh
# Everything happens inside network namespaces this script creates (names start with ndpcap-):
# veth pairs between them, no link to the host's interfaces, no route out, addresses from
# 10.2xx.0.0/16, 10.244.0.0/16, 10.96.0.0/16 and 192.168.201.0/24 only. Every client command is
# bounded by `timeout`; the namespaces, their processes and /etc/netns/ndpcap-* are removed on exit,
# also when a step fails.
set -euo pipefail

OUT="$(cd "$(dirname "$0")" && pwd)"
P=ndpcap
LOG="$(mktemp -d /tmp/ndpcap-record.XXXXXX)"
ETC_NETNS_EXISTED=$([ -d /etc/netns ] && echo 1 || true)

cleanup() {
  set +e
  for ns in $(ip netns list | awk '{print $1}' | grep "^$P-"); do
    for pid in $(ip netns pids "$ns"); do kill "$pid" 2>/dev/null; done
  done
  sleep 0.2
  for ns in $(ip netns list | awk '{print $1}' | grep "^$P-"); do
    for pid in $(ip netns pids "$ns"); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns"
  done
  wait 2>/dev/null  # reap the background servers quietly
  rm -rf /etc/netns/"$P"-*
  [ -n "$ETC_NETNS_EXISTED" ] || rmdir /etc/netns 2>/dev/null
  [ -n "${KEEP_LOG:-}" ] || rm -rf "$LOG"
}
trap cleanup EXIT INT TERM
cleanup
LOG="$(mktemp -d /tmp/ndpcap-record.XXXXXX)"

[ "$(id -u)" -eq 0 ] || { echo "record.sh: needs root (network namespaces)" >&2; exit 1; }

mkns() { for n in "$@"; do ip netns add "$P-$n"; ip -n "$P-$n" link set lo up; done; }
# delns NS...: stops what runs inside (servers started by this script), then removes the namespace.
delns() {
  for n in "$@"; do
    for pid in $(ip netns pids "$P-$n"); do kill "$pid" 2>/dev/null || true; done
    ip netns del "$P-$n"
  done
}
in_ns() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }
# veth NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN (an address "-" leaves that end without one)
veth() {
  ip link add "$2" netns "$P-$1" type veth peer name "$5" netns "$P-$4"
  [ "$3" = - ] || ip -n "$P-$1" addr add "$3" dev "$2"
  [ "$6" = - ] || ip -n "$P-$4" addr add "$6" dev "$5"
  ip -n "$P-$1" link set "$2" up
  ip -n "$P-$4" link set "$5" up
}

# capture NS IFACE FILE [filter]: tcpdump in the background until stop_capture; waits until it
# listens so no packet is missed. --immediate-mode: without it, packets still in the kernel's ring
# when tcpdump is stopped are lost.
TPIDS=()
capture() {
  local err="$LOG/$3.err"
  ip netns exec "$P-$1" tcpdump -Z root -U --immediate-mode -nn -s 262144 -i "$2" -w "$OUT/$3" ${4:+"$4"} 2>"$err" &
  TPIDS+=($!)
  for _ in $(seq 50); do grep -q listening "$err" 2>/dev/null && return 0; sleep 0.1; done
  echo "record.sh: tcpdump on $1/$2 did not start:" >&2; cat "$err" >&2; return 1
}
stop_capture() {
  sleep 1
  for pid in "${TPIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${TPIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  TPIDS=()
}

# listen NS ADDR PORT: a TCP server that accepts, reads a little, closes; exits by itself after 30 s.
# Started straight from `ip netns exec` (not through in_ns, whose subshell would print
# "Terminated" when delns stops it) and disowned (no job notice either).
listen() {
  ip netns exec "$P-$1" timeout 30 python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8); s.settimeout(1)
end = time.time() + 28
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    c.settimeout(1)
    try: c.recv(100)
    except Exception: pass
    c.close()
' "$2" "$3" &
  disown
  sleep 0.5
}
# connect NS HOST PORT SECONDS: one TCP connection attempt; sends a line when it connects.
connect() {
  in_ns "$1" timeout "$4" bash -c "exec 3<>/dev/tcp/$2/$3 && echo hello >&3 && sleep 0.2" \
    2>/dev/null || true
}

echo "== syn_dead_address.pcap, dns_unanswered.pcap: a gateway that blackholes 10.201.99.0/24"
mkns client gw
veth client eth0 10.201.0.2/24 gw eth0 10.201.0.1/24
in_ns client ip route add default via 10.201.0.1
in_ns gw ip route add blackhole 10.201.99.0/24
capture client eth0 syn_dead_address.pcap tcp
connect client 10.201.99.7 8080 4.5  # Linux sends the SYN at 0, 1 and 3 s
stop_capture
mkdir -p /etc/netns/$P-client
printf 'nameserver 10.201.99.53\noptions timeout:1 attempts:3\n' >/etc/netns/$P-client/resolv.conf
capture client eth0 dns_unanswered.pcap udp
in_ns client timeout 8 getent ahostsv4 db.shop.lab >/dev/null || true
stop_capture
delns client gw

echo "== forwarding_off.pcap: a router namespace with net.ipv4.ip_forward=0 (P4)"
mkns client router server
veth client eth0 10.202.1.2/24 router r1 10.202.1.1/24
veth router r2 10.202.2.1/24 server eth0 10.202.2.2/24
in_ns client ip route add default via 10.202.1.1
in_ns server ip route add default via 10.202.2.1
in_ns router sysctl -qw net.ipv4.ip_forward=0
listen server 10.202.2.2 80
capture router r1 forwarding_off.pcap tcp
connect client 10.202.2.2 80 4.5
stop_capture

echo "== routed_any.pcap: the same router forwarding, captured with -i any (LINUX_SLL2)"
in_ns router sysctl -qw net.ipv4.ip_forward=1
capture router any routed_any.pcap tcp
connect client 10.202.2.2 80 3  # completes
connect client 10.202.2.2 81 3  # nothing listens: RST
stop_capture
delns client router server

echo "== icmp_reject.pcap: iptables REJECT rules with several --reject-with"
mkns client server
veth client eth0 10.203.0.2/24 server eth0 10.203.0.1/24
in_ns server iptables -A INPUT -p tcp --dport 81 -j REJECT --reject-with icmp-port-unreachable
in_ns server iptables -A INPUT -p tcp --dport 82 -j REJECT --reject-with icmp-host-prohibited
in_ns server iptables -A INPUT -p tcp --dport 83 -j REJECT --reject-with icmp-admin-prohibited
in_ns server iptables -A INPUT -p tcp --dport 84 -j REJECT --reject-with tcp-reset
capture client eth0 icmp_reject.pcap "tcp or icmp or udp"
for port in 81 82 83 84 85; do connect client 10.203.0.1 $port 2; done  # 85: no listener, RST
in_ns client timeout 2 bash -c 'echo ping >/dev/udp/10.203.0.1/5353' || true  # port unreachable
stop_capture
delns client server

echo "== dns_search_walk.pcap: dnsmasq answering known.lab only; a resolver with ndots:5"
mkns client dns
veth client eth0 10.204.0.2/24 dns eth0 10.204.0.1/24
ip netns exec $P-dns timeout 30 dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
  --interface=eth0 --bind-interfaces --listen-address=10.204.0.1 -p 53 --user=root \
  --pid-file="$LOG/dnsmasq.pid" --address=/known.lab/10.0.0.5 --address=/#/ 2>"$LOG/dnsmasq.err" &
disown
sleep 1
mkdir -p /etc/netns/$P-client
printf 'nameserver 10.204.0.1\nsearch shop.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:1 attempts:1\n' \
  >/etc/netns/$P-client/resolv.conf
capture client eth0 dns_search_walk.pcap "udp port 53"
in_ns client timeout 5 getent ahostsv4 redis >/dev/null || true        # NXDOMAIN everywhere
in_ns client timeout 5 getent ahostsv4 api.known.lab >/dev/null || true  # NXDOMAIN x3, then found
in_ns client timeout 5 getent ahosts web.known.lab >/dev/null || true    # A and AAAA
stop_capture
delns client dns

echo "== vxlan.pcap: two nodes with VXLAN (VNI 42, UDP 8472 as flannel) over a veth underlay"
mkns node1 node2
veth node1 u1 192.168.201.1/24 node2 u2 192.168.201.2/24
in_ns node1 ip link add vx42 type vxlan id 42 dstport 8472 local 192.168.201.1 remote 192.168.201.2 dev u1
in_ns node2 ip link add vx42 type vxlan id 42 dstport 8472 local 192.168.201.2 remote 192.168.201.1 dev u2
in_ns node1 ip addr add 10.244.42.1/24 dev vx42
in_ns node2 ip addr add 10.244.42.2/24 dev vx42
in_ns node1 ip link set vx42 up
in_ns node2 ip link set vx42 up
listen node2 10.244.42.2 80
capture node1 u1 vxlan.pcap
connect node1 10.244.42.2 80 3  # completes
connect node1 10.244.42.2 81 3  # RST
stop_capture
delns node1 node2

echo "== hairpin_*.pcap: client and endpoint on one bridge, DNAT for a Service address (P3.4)"
mkns node podA podB
in_ns node ip link add cni0 type bridge
in_ns node ip addr add 10.244.7.1/24 dev cni0
in_ns node ip link set cni0 up
veth podA eth0 10.244.7.2/24 node vethA -
veth podB eth0 10.244.7.3/24 node vethB -
in_ns node ip link set vethA master cni0
in_ns node ip link set vethB master cni0
in_ns podA ip route add default via 10.244.7.1
in_ns podB ip route add default via 10.244.7.1
in_ns node sysctl -qw net.ipv4.ip_forward=1
in_ns node iptables -t nat -A PREROUTING -d 10.96.7.10 -p tcp --dport 80 -j DNAT --to-destination 10.244.7.3:80
listen podB 10.244.7.3 80
# bridge-nf-call-iptables=0: the endpoint's reply is bridged straight back, never un-DNATed.
in_ns node sysctl -qw net.bridge.bridge-nf-call-iptables=0
capture podA eth0 hairpin_brnf_off.pcap tcp
capture node any hairpin_brnf_off_any.pcap tcp
connect podA 10.96.7.10 80 3.5
stop_capture
in_ns node conntrack -F 2>/dev/null || true
in_ns node sysctl -qw net.bridge.bridge-nf-call-iptables=1
sleep 0.5
capture node any hairpin_brnf_on_any.pcap tcp
connect podA 10.96.7.10 80 3
stop_capture

echo "record.sh: done; captures in $OUT"
ls -l "$OUT"/*.pcap
