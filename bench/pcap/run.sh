#!/usr/bin/env bash
# Capture-analysis benchmark: generates a large deterministic capture in /tmp (millions of packets,
# hundreds of thousands of flows, the failure patterns mixed in), then reads it with netdoctor,
# `tshark -q -z conv,tcp` and `tcpdump -nn`, and prints wall time, CPU time, throughput and peak
# memory side by side. The file is read once beforehand so every tool reads from the page cache.
#
#   bench/pcap/run.sh [BUILD_DIR] [PACKETS] [REPEAT]     (defaults: ./build, 5000000, 5)
#
# netdoctor's library row is the best of REPEAT runs (pcap_bench times itself); the other tools,
# which take minutes, run once.
# Build first: cmake --build BUILD_DIR --target pcap_gen pcap_bench [netdoctor]
# CPU time (user + sys) is the fairer figure on a shared machine: wall time also counts the time
# other processes held the core.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
PACKETS="${2:-5000000}"
REPEAT="${3:-5}"
FILE="/tmp/nd-bench-$PACKETS.pcap"
GEN="$BUILD/bench/pcap/pcap_gen"
BENCH="$BUILD/bench/pcap/pcap_bench"
ND="$BUILD/netdoctor"
OUT="$(mktemp -d /tmp/nd-bench.XXXXXX)"
trap 'rm -rf "$OUT"' EXIT

for x in "$GEN" "$BENCH"; do
  [ -x "$x" ] || { echo "run.sh: $x missing; build the pcap_gen and pcap_bench targets" >&2; exit 2; }
done
[ -f "$FILE" ] || "$GEN" "$FILE" --packets "$PACKETS"
cat "$FILE" >/dev/null
SIZE=$(stat -c %s "$FILE")
COUNT=$("$BENCH" "$FILE" | awk '/^packets/ {sub(",", "", $2); print $2}')

# measure NAME CMD...: runs CMD under /usr/bin/time -v and prints one table row.
measure() {
  local name=$1
  shift
  /usr/bin/time -v "$@" >"$OUT/stdout" 2>"$OUT/time" || true
  awk -v name="$name" -v size="$SIZE" -v count="$COUNT" -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, t, ":"); wall = (n == 3) ? t[1]*3600 + t[2]*60 + t[3] : t[1]*60 + t[2] }
    /User time \(seconds\)/ { user = $2 }
    /System time \(seconds\)/ { sys = $2 }
    /Maximum resident set size/ { rss = $2 / 1024 }
    END {
      cpu = user + sys
      printf "%-36s %8.2f %8.2f %10.2f %10.0f %10.0f\n", name, wall, cpu,
             (cpu > 0 ? count / cpu / 1e6 : 0), (cpu > 0 ? size / cpu / 1e6 : 0), rss
      printf "%s %s %s\n", name, wall, cpu > "/dev/stderr"
    }' "$OUT/time" 2>>"$OUT/rows"
}

echo "file: $FILE, $COUNT packets, $((SIZE / 1000000)) MB"
/usr/bin/time -v "$BENCH" "$FILE" --repeat "$REPEAT" >"$OUT/bench" 2>"$OUT/benchtime"
sed -n 's/^\(packets\|found\|anomaly\).*/  &/p' "$OUT/bench"
printf "%-36s %8s %8s %10s %10s %10s\n" "tool" "wall s" "cpu s" "Mpps/cpu" "MB/s/cpu" "RSS MB"
awk -v size="$SIZE" -v count="$COUNT" -v n="$REPEAT" '
  /^time/ { cpu = $2; wall = $5 }
  /Maximum resident set size/ { split($0, f, ": "); rss = f[2] / 1024 }
  END {
    printf "%-36s %8.2f %8.2f %10.2f %10.0f %10.0f\n", "netdoctor analyze_file (best of " n ")",
           wall, cpu, count / cpu / 1e6, size / cpu / 1e6, rss
    printf "netdoctor analyze_file %s %s\n", wall, cpu > "/dev/stderr"
  }' "$OUT/bench" "$OUT/benchtime" 2>>"$OUT/rows"
if [ -x "$ND" ]; then
  measure "netdoctor pcap -o json" "$ND" pcap "$FILE" -o json
fi
if command -v tcpdump >/dev/null; then
  measure "tcpdump -nn -r F >/dev/null" sh -c "tcpdump -nn -r '$FILE' >/dev/null 2>&1"
fi
if command -v tshark >/dev/null; then
  measure "tshark -r F -q -z conv,tcp" tshark -r "$FILE" -q -z conv,tcp
fi

awk '
  $1 == "netdoctor" && $2 == "analyze_file" { nw = $(NF-1); nc = $NF }
  $1 == "tshark" { tw = $(NF-1); tc = $NF }
  $1 == "tcpdump" { dw = $(NF-1); dc = $NF }
  END {
    if (nc > 0 && tc > 0) printf "netdoctor vs tshark: %.0fx faster in CPU time, %.0fx in wall time\n", tc / nc, tw / nw
    if (nc > 0 && dc > 0) printf "netdoctor vs tcpdump: %.0fx faster in CPU time, %.0fx in wall time\n", dc / nc, dw / nw
  }' "$OUT/rows"
