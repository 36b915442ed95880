#!/bin/bash
# Run the benchmarks and end with one table: every figure they printed against its goal.
#
#   bench/run.sh [BENCHMARK...]    from anywhere; runs from the top of the tree. Without
#                                  arguments: every build/bench/bench_* (make bench does this)
#
# Each benchmark prints its own figures and lines "figure: NAME VALUE UNIT OP GOAL" (OP is
# >=, >, <= or <, or - for a figure without a goal); this script collects them. The whole
# output is kept in $BUILD/bench/results.txt. It exits non-zero only when a benchmark failed to
# run; a goal that is missed is a finding, shown as MISSED in the table, not a failure.
#
# Settings are environment variables read by the benchmarks (defaults in brackets):
#   FARMLINE_BIN [build/farmline]   BENCH_KEEP=1 keeps each temporary folder (logs, database)
#   BENCH_LIMIT  seconds before a benchmark kills what it started and gives up
#   farmline's config: BENCH_HTTP_THREADS [2] BENCH_BATCH_MAX [256] BENCH_LOG_LEVEL [info]
#   ingest:   BENCH_SECONDS [15] BENCH_CONNS [64] BENCH_RATE [2000] BENCH_LATENCY_SECONDS [20]
#             BENCH_DRAIN_SECONDS [120] BENCH_PROVIDER_EXTRA (more [provider] lines, e.g.
#             "rate = 1" to keep the sender out of the way)
#             BENCH_PERF=DIR: perf record (DWARF call graphs) of farmline during both runs
#   memory:   BENCH_MESSAGES [1000000] BENCH_CONNS [64]
#   outbound: BENCH_OUTBOX [100000] BENCH_RATE_CAP [500] BENCH_CAP_SECONDS [20]
#             BENCH_PARALLEL [16]
#   kannel:   BENCH_KANNEL_SMS [20000] BENCH_KANNEL_LOG_LEVEL [2] BEARERBOX SMSBOX FAKESMSC
#   writer:   BENCH_WRITER_MESSAGES [100000] BENCH_WRITER_BATCH [64]
set -u
set -o pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export FARMLINE_BIN=${FARMLINE_BIN:-$BUILD/farmline}

if [ $# -eq 0 ]; then
	set -- "$BUILD"/bench/bench_*
fi
mkdir -p "$BUILD/bench"
RESULTS=$BUILD/bench/results.txt
: >"$RESULTS"

failed=""
for b in "$@"; do
	[ -x "$b" ] || { echo "bench/run.sh: $b is not built (make bench builds it)"; exit 2; }
	echo "== $b" | tee -a "$RESULTS"
	start=$(date +%s)
	if ! "$b" 2>&1 | tee -a "$RESULTS"; then
		failed="$failed $(basename "$b")"
		echo "!! $b failed" | tee -a "$RESULTS"
	fi
	echo "   ($(( $(date +%s) - start )) s)" | tee -a "$RESULTS"
done

{
	echo
	echo "== summary: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
	    head -n 1), load average now $(cut -d' ' -f1-3 /proc/loadavg)"
	awk '
	$1 == "figure:" {
		name = $2; value = $3; unit = $4; op = $5; goal = $6
		if (op == "-") {
			verdict = ""; goalstr = ""
		} else {
			ok = (op == ">=" && value + 0 >= goal + 0) || (op == ">" && value + 0 > goal + 0) ||
			    (op == "<=" && value + 0 <= goal + 0) || (op == "<" && value + 0 < goal + 0)
			verdict = ok ? "ok" : "MISSED"
			goalstr = op " " goal " " unit
			goals++; met += ok
		}
		v = value + 0
		shown = (v == int(v) || v >= 1000) ? sprintf("%.0f", v) : sprintf("%.2f", v)
		printf "  %-40s %12s %-9s %-20s %s\n", name, shown, unit, goalstr, verdict
	}
	END { printf "  %d of %d goals met\n", met, goals }' "$RESULTS"
	if [ -n "$failed" ]; then
		echo "  did not run to the end:$failed"
	fi
	echo "  (everything above is in $RESULTS)"
} | tee -a "$RESULTS"

[ -z "$failed" ]
