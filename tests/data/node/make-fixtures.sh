#!/bin/bash
# Rebuilds the node-bundle fixtures in this folder from a real data plane built in network
# namespaces (see README.md). Needs root. Everything it creates lives in namespaces named ndfix-*;
# nothing touches the root namespace, and the namespaces are removed on exit, also on failure.
set -euo pipefail
cd "$(dirname "$0")"

NODE=ndfix-node   # the "node": eth0, cni0 bridge, a pod veth, flannel.1 vxlan
POD=ndfix-pod     # a "pod" on the node's bridge
PEER=ndfix-peer   # the other end of the node's eth0 (the "underlay")
cleanup() { for n in $NODE $POD $PEER; do ip netns del $n 2>/dev/null || true; done; }
trap cleanup EXIT
cleanup
for n in $NODE $POD $PEER; do ip netns add $n; ip -n $n link set lo up; done

# Underlay: node eth0 <-> peer uplink, IPv4 and IPv6.
ip -n $NODE link add eth0 type veth peer name uplink netns $PEER
ip -n $NODE addr add 192.168.50.11/24 dev eth0
ip -n $NODE addr add fd00:50::11/64 dev eth0 nodad
ip -n $NODE link set eth0 up
ip -n $PEER addr add 192.168.50.12/24 dev uplink
ip -n $PEER link set uplink up

# Pod bridge cni0 with one pod attached by a veth pair.
ip -n $NODE link add cni0 type bridge
ip -n $NODE link set cni0 mtu 1450
ip -n $NODE addr add 10.244.1.1/24 dev cni0
ip -n $NODE addr add fd00:10:244:1::1/64 dev cni0 nodad
ip -n $NODE link set cni0 up
ip -n $NODE link add veth1a2b3c4d type veth peer name eth0 netns $POD
ip -n $NODE link set veth1a2b3c4d mtu 1450 master cni0 up
ip -n $POD link set eth0 mtu 1450 up
ip -n $POD addr add 10.244.1.5/24 dev eth0

# flannel.1: VXLAN VNI 1 on UDP 8472, as flannel's vxlan backend sets it up.
ip -n $NODE link add flannel.1 type vxlan id 1 local 192.168.50.11 dev eth0 dstport 8472 nolearning
ip -n $NODE link set flannel.1 mtu 1450 up
ip -n $NODE addr add 10.244.1.0/32 dev flannel.1
ip -n $NODE neigh add 10.244.2.0 lladdr 5e:2a:9c:41:7b:02 dev flannel.1 nud permanent
ip -n $NODE neigh add 192.168.50.12 lladdr 02:00:c0:a8:32:0c dev eth0 nud permanent
ip -n $NODE neigh add fd00:50::12 lladdr 02:00:c0:a8:32:0c dev eth0 nud permanent
bridge -n $NODE fdb append 00:00:00:00:00:00 dev flannel.1 dst 192.168.50.12
bridge -n $NODE fdb add 5e:2a:9c:41:7b:02 dev flannel.1 dst 192.168.50.12 self permanent

# Routes: flannel vxlan (onlink), host-gw style, multipath, the rejecting types, a second table, IPv6.
ip -n $NODE route add default via 192.168.50.1 dev eth0 proto static metric 100 onlink
ip -n $NODE route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
ip -n $NODE route add 10.244.3.0/24 via 192.168.50.13 dev eth0 proto bird
ip -n $NODE route add 10.244.5.0/24 nexthop via 192.168.50.13 dev eth0 weight 1 nexthop via 192.168.50.14 dev eth0 weight 2
ip -n $NODE route add blackhole 10.244.9.0/24
ip -n $NODE route add unreachable 10.244.8.0/24
ip -n $NODE route add prohibit 10.244.7.0/24
ip -n $NODE route add 10.99.0.0/16 dev eth0 table 100
ip -n $NODE -6 route add fd00:10:244:2::/64 via fd00:50::12 dev eth0 metric 1024
ip -n $NODE -6 route add blackhole fd00:10:244:9::/64

# kube-proxy's rules (iptables mode, kube-proxy >= 1.26 form) round-tripped through this
# machine's iptables-restore/iptables-save, so the text is exactly what iptables-save prints.
ip netns exec $NODE iptables-restore < kube-proxy-rules.in

ip -n $NODE -j addr show > ip-addr.json
ip -n $NODE -j -d link show > ip-link.json
ip -n $NODE -j route show table all > ip-route.json
ip -n $NODE -j neigh show > ip-neigh.json
bridge -n $NODE -j fdb show > bridge-fdb.json
ip netns exec $NODE iptables-save > iptables-save.txt
ip netns exec $NODE nft -j list ruleset > nft-ruleset.json
ip netns exec $NODE sysctl -a > sysctl.txt 2>/dev/null
# The same commands without -j, for people reading the fixtures.
{ ip -n $NODE addr show; ip -n $NODE -d link show; ip -n $NODE route show table all;
  ip -n $NODE neigh show; bridge -n $NODE fdb show; } > plain-text-view.txt
echo "fixtures written in $(pwd)"
