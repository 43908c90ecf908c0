#!/bin/sh
# Trace latency on a synthetic snapshot: bench/trace/run.sh BUILD_DIR [PODS]
# Generates a flannel snapshot with bench/snapshot's gen_snapshot (PODS pods, default 30000: 1000 nodes,
# 2002 Services), gives every node the node bundle of tests/data/trace/flannel-vxlan/nodes/w1 (so the
# walk reads real routes, sysctl and kube-proxy rules on every node), runs bench_trace, deletes it.
set -e
build=${1:-build}
pods=${2:-30000}
src=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/ndtrace-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$build/bench/snapshot/gen_snapshot" --out "$dir" --pods "$pods" --cni flannel --quiet
python3 - "$dir" "$src/tests/data/trace/flannel-vxlan/nodes/w1" <<'PY'
import json, os, shutil, sys
snap, bundle = sys.argv[1], sys.argv[2]
for n in json.load(open(os.path.join(snap, "nodes.json")))["items"]:
    shutil.copytree(bundle, os.path.join(snap, "nodes", n["metadata"]["name"]))
PY
"$build/bench/trace/bench_trace" "$dir" 4000
