#!/usr/bin/env bash
# Benchmarks mpmd-logscan against grep -F and ripgrep (literal user search) and
# against awk pipelines (aggregation) on a generated combined-format log.
#   bench/logscan/run.sh [BUILD_DIR] [SIZE] [RUNS]     e.g. bench/logscan/run.sh build 4G 5
# Prints a markdown table of medians to stdout (wall seconds and CPU seconds,
# user+sys), progress to stderr. Tools run round-robin, so a burst of load on a
# shared machine hits all of them alike. The log goes to
# ${LOGSCAN_BENCH_FILE:-/tmp/logscan-bench.log} and is deleted at the end unless
# KEEP=1. Cold runs drop only that file from the page cache (dd iflag=nocache).
set -euo pipefail
BUILD=${1:-build}
SIZE=${2:-4G}
RUNS=${3:-5}
COLD_RUNS=${COLD_RUNS:-3}
LOG=${LOGSCAN_BENCH_FILE:-/tmp/logscan-bench.log}
OUT=$(mktemp /tmp/logscan-bench-out.XXXXXX)
TIMES=$(mktemp /tmp/logscan-bench-times.XXXXXX)
SCAN=$BUILD/tools/logscan/mpmd-logscan
GEN=$BUILD/tools/logscan/mpmd-logscan-gen
U=${USER_NAME:-grace}
cleanup() { rm -f "$OUT" "$TIMES"; [ "${KEEP:-0}" = 1 ] || rm -f "$LOG"; }
trap cleanup EXIT

for tool in rg mawk gawk; do
  command -v $tool > /dev/null || { echo "missing $tool (scripts/install-deps)" >&2; exit 1; }
done
if [ ! -s "$LOG" ]; then
  echo "generating $SIZE into $LOG" >&2
  "$GEN" --size "$SIZE" --rate 250 --seed 7 > "$LOG"
fi

AWK_AGG='{c[$1]++; if ($10 != "-") b += $10} END {for (k in c) print c[k], k; print b, "bytes"}'
# task@@name@@command (run with bash -c; $LOG, $SCAN, $U, $AWK_AGG exported)
CASES=(
  "search@@mpmd-logscan --user $U@@\$SCAN --user \$U \$LOG"
  "search@@mpmd-logscan --user $U --io pread@@\$SCAN --io pread --user \$U \$LOG"
  "search@@mpmd-logscan --user $U -j 1@@\$SCAN -j 1 --user \$U \$LOG"
  "search@@rg -F ' $U '@@rg -F \" \$U \" \$LOG"
  "search@@rg -F '$U'@@rg -F \"\$U\" \$LOG"
  "search@@grep -F ' $U '@@grep -F \" \$U \" \$LOG"
  "aggregate@@mpmd-logscan --top ip --sum-bytes@@\$SCAN --top ip --sum-bytes \$LOG"
  "aggregate@@mpmd-logscan --top ip --sum-bytes --io pread@@\$SCAN --io pread --top ip --sum-bytes \$LOG"
  "aggregate@@mpmd-logscan --top ip --sum-bytes -j 1@@\$SCAN -j 1 --top ip --sum-bytes \$LOG"
  "aggregate@@mawk '{c[\$1]++; b+=\$10} ...' | sort -rn | head@@mawk \"\$AWK_AGG\" \$LOG | sort -rn | head -11"
  "aggregate@@gawk (same program) | sort -rn | head@@gawk \"\$AWK_AGG\" \$LOG | sort -rn | head -11"
)
export LOG SCAN U AWK_AGG

measure() {  # measure MODE RUN INDEX: appends "mode index wall cpu"
  local mode=$1 idx=$3 cmd=${CASES[$3]#*@@}
  cmd=${cmd#*@@}
  if [ "$mode" = cold ]; then dd if="$LOG" iflag=nocache count=0 status=none; else cat "$LOG" > /dev/null; fi
  # Output goes to a file, not /dev/null: GNU grep stops at the first match on /dev/null.
  /usr/bin/time -f "%e %U %S" -o "$OUT.t" bash -c "$cmd" > "$OUT" 2> /dev/null || true
  read -r wall usr sys < "$OUT.t"
  echo "$mode $idx $wall $(echo "$usr + $sys" | bc)" >> "$TIMES"
  rm -f "$OUT.t"
}

echo "file: $(stat -c %s "$LOG") bytes, $(wc -l < "$LOG") lines; $(nproc) cores;" \
  "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((r = 0; r < RUNS; r++)); do
  echo "warm round $((r + 1))/$RUNS" >&2
  for i in "${!CASES[@]}"; do measure warm $r $i; done
done
for ((r = 0; r < COLD_RUNS; r++)); do
  echo "cold round $((r + 1))/$COLD_RUNS" >&2
  for i in "${!CASES[@]}"; do measure cold $r $i; done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else printf "%.2f", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "| task | command | warm wall (s) | warm CPU (s) | cold wall (s) | cold CPU (s) |"
echo "|---|---|---:|---:|---:|---:|"
for i in "${!CASES[@]}"; do
  task=${CASES[$i]%%@@*}
  name=${CASES[$i]#*@@}
  name=${name%%@@*}
  ww=$(awk -v i="$i" '$1 == "warm" && $2 == i {print $3}' "$TIMES" | median)
  wc=$(awk -v i="$i" '$1 == "warm" && $2 == i {print $4}' "$TIMES" | median)
  cw=$(awk -v i="$i" '$1 == "cold" && $2 == i {print $3}' "$TIMES" | median)
  cc=$(awk -v i="$i" '$1 == "cold" && $2 == i {print $4}' "$TIMES" | median)
  echo "| $task | \`${name//|/\\|}\` | $ww | $wc | $cw | $cc |"
done
