#!/usr/bin/env bash
# The large-snapshot benchmark of issue 2 ("Speed"), end to end. Builds nothing.
#
#   bench/snapshot/run.sh BUILD_DIR [PODS]
#
# Generates a synthetic snapshot (PODS pods, default $ND_BENCH_PODS or 150000; nodes = PODS/30,
# services = PODS/15) under $TMPDIR (or /tmp), times `netdoctor diagnose` on it with /usr/bin/time -v
# (wall time, peak RSS), runs the Google Benchmark binary on the same snapshot (ingest throughput on one
# core, whole diagnose, and the stages that bound them), times python3's json.load of pods.json as a
# peer baseline, and prints the figures against the targets:
#   ingest >= 1 GB/s on one core, diagnose <= 5 s, peak memory <= 2x the snapshot.
# The snapshot is deleted on exit, also on failure or Ctrl-C.
set -euo pipefail

usage() { echo "usage: $0 BUILD_DIR [PODS]" >&2; exit 2; }
[ $# -ge 1 ] || usage
BUILD=$(cd "$1" && pwd) || usage
PODS=${2:-${ND_BENCH_PODS:-150000}}
GEN=$BUILD/bench/snapshot/gen_snapshot
BENCH=$BUILD/bench/snapshot/bench_snapshot
ND=$BUILD/netdoctor
for exe in "$GEN" "$BENCH" "$ND"; do
  [ -x "$exe" ] || { echo "run.sh: $exe not built (cmake --build $BUILD --target netdoctor gen_snapshot bench_snapshot)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "run.sh: /usr/bin/time is needed for peak memory (apt-get install time)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nd-snapshot-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
SNAP=$WORK/snapshot

# Seconds from /usr/bin/time's "h:mm:ss" or "m:ss.ss".
to_seconds() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$1"; }
field() { grep -F "$1" "$2" | head -1 | sed 's/.*: //'; }

echo "== generating $PODS pods into $SNAP"
"$GEN" --out "$SNAP" --pods "$PODS" | tee "$WORK/gen.txt" | sed -n '1,2p'
SIZE=$(du -sb "$SNAP" | cut -f1)
echo "snapshot size: $SIZE bytes ($(awk -v b="$SIZE" 'BEGIN { printf "%.2f GB", b / 1e9 }'))"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) core(s) (times are wall clock; CPU time is shown beside)"

echo
echo "== netdoctor diagnose (end to end, -o json)"
cat "$SNAP"/*.json >/dev/null  # same warm page cache for every run
rc=0
/usr/bin/time -v "$ND" diagnose "$SNAP" -o json >"$WORK/findings.json" 2>"$WORK/time.txt" || rc=$?
if [ "$rc" -gt 1 ]; then
  echo "run.sh: netdoctor diagnose failed (exit $rc):" >&2
  grep -v '^\s' "$WORK/time.txt" >&2 || true
  exit 1
fi
WALL=$(to_seconds "$(field 'Elapsed (wall clock)' "$WORK/time.txt")")
USER_S=$(field 'User time' "$WORK/time.txt")
SYS_S=$(field 'System time' "$WORK/time.txt")
RSS_KB=$(field 'Maximum resident set size' "$WORK/time.txt")
echo "wall ${WALL} s, user ${USER_S} s, sys ${SYS_S} s, peak RSS ${RSS_KB} KB, exit $rc (1 = findings at or above warning)"
if command -v python3 >/dev/null; then
  python3 - "$WORK/findings.json" <<'EOF' || true
import collections, json, sys
d = json.load(open(sys.argv[1]))
print("findings:", d.get("counts"), dict(collections.Counter(f["id"] for f in d.get("findings", []))))
EOF
fi

echo
echo "== Google Benchmark (bench_snapshot, same snapshot)"
ND_BENCH_SNAPSHOT=$SNAP "$BENCH" --benchmark_out="$WORK/bench.json" --benchmark_out_format=json 2>&1 |
  grep -vE '^(\*\*\*WARNING|bench_snapshot: snapshot)' || { echo "run.sh: bench_snapshot failed" >&2; exit 1; }

# Google Benchmark's JSON puts one field per line: "name": "BM_Ingest/iterations:3", then "cpu_time": ...
bench_col() {  # bench_col NAME_PREFIX FIELD
  awk -v n="$1" -v c="$2" '
    /"name": / { cur = $0; sub(/.*"name": "/, "", cur); sub(/".*/, "", cur); next }
    index(cur, n "/") == 1 && index($0, "\"" c "\": ") > 0 {
      v = $0; sub(/.*": /, "", v); gsub(/[",]/, "", v); print v; exit }' "$WORK/bench.json"
}
seconds() {  # seconds VALUE UNIT
  awk -v v="$1" -v u="$2" 'BEGIN { f = (u == "ns") ? 1e-9 : (u == "us") ? 1e-6 : (u == "ms") ? 1e-3 : 1; printf "%.2f", v * f }'
}
INGEST_BPS=$(bench_col BM_Ingest bytes_per_second)
INGEST_CPU=$(seconds "$(bench_col BM_Ingest cpu_time)" "$(bench_col BM_Ingest time_unit)")
INGEST_WALL=$(seconds "$(bench_col BM_Ingest real_time)" "$(bench_col BM_Ingest time_unit)")
DOM_BPS=$(bench_col BM_SimdjsonDomParse bytes_per_second)
READ_BPS=$(bench_col BM_ReadFiles bytes_per_second)
DIAG_CPU=$(seconds "$(bench_col BM_Diagnose cpu_time)" "$(bench_col BM_Diagnose time_unit)")
DIAG_WALL=$(seconds "$(bench_col BM_Diagnose real_time)" "$(bench_col BM_Diagnose time_unit)")
CHECKS_CPU=$(seconds "$(bench_col BM_Checks cpu_time)" "$(bench_col BM_Checks time_unit)")

PY_LINE="python3 not found"
if command -v python3 >/dev/null; then
  PODS_BYTES=$(stat -c %s "$SNAP/pods.json")
  AVAIL_KB=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
  # json.load holds about three times the file as Python objects: skip it where that does not fit.
  if [ $((PODS_BYTES / 1024 * 4)) -lt "$AVAIL_KB" ]; then
    echo
    echo "== peer baseline: python3 json.load(pods.json), $PODS_BYTES bytes"
    /usr/bin/time -f '%e %U %S %M' -o "$WORK/py.txt" \
      python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$SNAP/pods.json"
    read -r PW PU PS PM <"$WORK/py.txt"
    PY_LINE=$(awk -v w="$PW" -v u="$PU" -v s="$PS" -v m="$PM" -v b="$PODS_BYTES" \
      'BEGIN { printf "%.2f GB/s (%.1f s CPU, %.1f s wall, peak RSS %.2f GB for a %.2f GB file)", b / 1e9 / (u + s), u + s, w, m * 1024 / 1e9, b / 1e9 }')
  else
    PY_LINE="skipped: pods.json needs about $((PODS_BYTES * 4 / 1024 / 1024)) MiB, $((AVAIL_KB / 1024)) MiB available"
  fi
fi

verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? (v >= t) : (v <= t); print ok ? "PASS" : "FAIL" }'; }
INGEST_GBS=$(awk -v b="$INGEST_BPS" 'BEGIN { printf "%.2f", b / 1e9 }')
RSS_RATIO=$(awk -v k="$RSS_KB" -v s="$SIZE" 'BEGIN { printf "%.2f", k * 1024 / s }')

echo
echo "== summary ($(sed -n '2p' "$WORK/gen.txt" | sed 's/^ *//; s/,$//'))"
printf '%-22s %s\n' "snapshot size" "$SIZE bytes ($(awk -v b="$SIZE" 'BEGIN { printf "%.2f GB", b / 1e9 }'))"
printf '%-22s %-6s %s\n' "ingest (one core)" "$(verdict "$INGEST_GBS" 1 '>=')" \
  "$INGEST_GBS GB/s = load_snapshot in $INGEST_CPU s CPU ($INGEST_WALL s wall); target >= 1 GB/s"
printf '%-22s %-6s %s\n' "" "" "for scale: reading the files $(awk -v b="$READ_BPS" 'BEGIN { printf "%.2f", b / 1e9 }') GB/s, simdjson DOM parse alone $(awk -v b="$DOM_BPS" 'BEGIN { printf "%.2f", b / 1e9 }') GB/s"
printf '%-22s %-6s %s\n' "whole diagnose" "$(verdict "$WALL" 5 '<=')" \
  "$WALL s wall, $(awk -v u="$USER_S" -v s="$SYS_S" 'BEGIN { printf "%.2f", u + s }') s CPU (netdoctor diagnose -o json); target <= 5 s"
printf '%-22s %-6s %s\n' "" "" "BM_Diagnose (load + detect_cni + run_checks): $DIAG_CPU s CPU, $DIAG_WALL s wall; checks alone $CHECKS_CPU s CPU"
printf '%-22s %-6s %s\n' "peak memory" "$(verdict "$RSS_RATIO" 2 '<=')" \
  "$(awk -v k="$RSS_KB" 'BEGIN { printf "%.2f GB", k * 1024 / 1e9 }') RSS = ${RSS_RATIO}x the snapshot; target <= 2x"
printf '%-22s %-6s %s\n' "peer: python json" "" "$PY_LINE"
echo "slowest checks (CPU):"
awk '
  /"name": "BM_Check\// { cur = $0; sub(/.*"name": "BM_Check\//, "", cur); sub(/\/iterations.*/, "", cur); next }
  /"name": / { cur = ""; next }
  cur != "" && /"cpu_time": / { v = $0; sub(/.*": /, "", v); gsub(/,/, "", v) }
  cur != "" && /"time_unit": / { u = $0; sub(/.*": "/, "", u); gsub(/[",]/, "", u); print v, u, cur; cur = "" }' \
  "$WORK/bench.json" | sort -gr | head -4 | awk '{ printf "  %10.1f %s  %s\n", $1, $2, $3 }'
