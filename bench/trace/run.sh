#!/bin/sh
# Trace latency on a large synthetic snapshot (issue 8: p95 <= 1 ms per trace after loading).
#
#   bench/trace/run.sh BUILD_DIR [PODS] [TRACES]     (defaults: 60000 pods = 2000 nodes, 4000 traces)
#
# 1. gen_snapshot --cni flannel --node-bundles: the snapshot plus a consistent flannel-vxlan bundle per
#    node (routes to every other node's podCIDR, neighbour + FDB entries for every peer VTEP, sysctl);
#    4 nodes also get kube-proxy's iptables-save for every Service.
# 2. netdoctor diagnose on it under /usr/bin/time (user+sys CPU, peak RSS): the whole run.
# 3. bench_checks: CPU per check in one context (the Tracer runs all of them), and what they found.
# 4. bench_trace: Tracer build time, then p50/p95/p99 of a seeded mix of traces, with the verdicts.
# The snapshot is deleted when the script exits.
#
# Why not 150000 pods (5000 nodes)? The bundles hold one route, neighbour and FDB entry per other
# node, so they grow with nodes squared: 1.2 GB of bundles at 2000 nodes, about 7.5 GB at 5000, and
# the node facts parsed from them (plus one judged PeerRoute per node pair) need about 11 GB at
# 2000 nodes and would need about 70 GB at 5000. 2000 nodes fits this 24 GiB machine.
set -e
build=${1:-build}
pods=${2:-60000}
traces=${3:-4000}
dir=$(mktemp -d "${TMPDIR:-/tmp}/ndtrace-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
for t in "$build/bench/snapshot/gen_snapshot" "$build/bench/trace/bench_trace" "$build/bench/trace/bench_checks" \
  "$build/netdoctor"; do
  [ -x "$t" ] || { echo "run.sh: $t missing: cmake --build $build --target netdoctor gen_snapshot bench_trace bench_checks" >&2; exit 2; }
done
snap="$dir/snapshot"
echo "== gen_snapshot --pods $pods --cni flannel --node-bundles"
/usr/bin/time -f "   %e s wall" "$build/bench/snapshot/gen_snapshot" --out "$snap" --pods "$pods" --cni flannel \
  --node-bundles | grep -E "^wrote|node bundles|nodes,"
echo "== netdoctor diagnose (whole run)"
"/usr/bin/time" -f "   %U s user + %S s sys CPU, %e s wall, peak RSS %M KB" \
  "$build/netdoctor" diagnose "$snap" -o json --fail-on critical >"$dir/findings.json" || true
python3 - "$dir/findings.json" <<'PY'
import collections, json, sys
d = json.load(open(sys.argv[1]))
fs = d["findings"] if isinstance(d, dict) else d
c = collections.Counter((f["id"], f["severity"]) for f in fs)
node = [k for k in c if k[0].startswith("node-") and k[0] != "node-network-unavailable" and k[1] == "critical"]
print("   findings: " + ", ".join("%s %s %d" % (i, s, n) for (i, s), n in sorted(c.items())))
print("   critical node data-plane findings (from the bundles): %d%s" % (sum(c[k] for k in node),
      "" if not node else " " + str(node)))
PY
echo "== bench_checks (CPU per check, slowest first)"
"$build/bench/trace/bench_checks" "$snap" 8
echo "== bench_trace ($traces traces)"
"$build/bench/trace/bench_trace" "$snap" "$traces"
