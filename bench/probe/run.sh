#!/bin/sh
# Overhead of `netdoctor probe mesh`: N tcp probes to a listener in a namespace, at --parallel 8 and 32.
# Prints probes per second and the process's CPU (user + sys, from getrusage in the mesh report and
# from /usr/bin/time-like accounting of the whole run). Needs root (it creates ndprb-bench-PID-c/-s,
# removed on exit) and python3 for the listener.
# Usage: bench/probe/run.sh [NETDOCTOR_BINARY] [N]
set -eu
BIN=${1:-$(dirname "$0")/../../build/netdoctor}
N=${2:-1000}
C=ndprb-bench-$$-c
S=ndprb-bench-$$-s
DIR=$(mktemp -d /tmp/ndprb-bench-XXXXXX)
LPID=
cleanup() {
  [ -n "$LPID" ] && kill "$LPID" 2>/dev/null || true
  ip netns del "$C" 2>/dev/null || true
  ip netns del "$S" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
ip netns add "$C"
ip netns add "$S"
ip -n "$C" link add c0 type veth peer name s0 netns "$S"
ip -n "$C" addr add 10.78.0.1/24 dev c0
ip -n "$S" addr add 10.78.0.2/24 dev s0
for ns in "$C" "$S"; do ip -n "$ns" link set lo up; done
ip -n "$C" link set c0 up
ip -n "$S" link set s0 up
# Many short connections from one source address: let TIME_WAIT ports be reused.
ip netns exec "$C" sysctl -qw net.ipv4.tcp_tw_reuse=1
ip netns exec "$S" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.78.0.2", 7000)); s.listen(4096)
while True:
    c, _ = s.accept(); c.close()
' &
LPID=$!
sleep 0.5
{
  echo "targets:"
  i=0
  while [ "$i" -lt "$N" ]; do echo "  - {probe: tcp, target: \"10.78.0.2:7000\"}"; i=$((i + 1)); done
} >"$DIR/targets.yaml"
for P in 8 32; do
  "$BIN" probe mesh --targets "$DIR/targets.yaml" --netns "$C" --parallel "$P" -o json >"$DIR/out.json" || true
  python3 - "$DIR/out.json" "$P" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["mesh"]
ok = m["probes"] - m["failed"]
rate = 1000.0 * m["probes"] / max(m["elapsed_ms"], 1)
cpu = m["cpu_user_ms"] + m["cpu_sys_ms"]
print(f"--parallel {sys.argv[2]:>2}: {m['probes']} tcp probes ({ok} connected) in {m['elapsed_ms']} ms = "
      f"{rate:.0f} probes/s; cpu {m['cpu_user_ms']} ms user + {m['cpu_sys_ms']} ms sys "
      f"= {cpu / m['probes']:.3f} ms per probe")
PY
done
