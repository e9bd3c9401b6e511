#!/usr/bin/env bash
# sysbench through `vt gate` vs. straight to the primary's mariadbd, in the same run.
#
# Brings up a throwaway one-shard cluster under a temp VTDATAROOT (mysqlctl init, one `vt tablet`, `vt ctl
# init-shard-primary`, `vt gate`), prepares sysbench tables directly in vt_commerce, then runs each test against
# MariaDB (TCP, vt_app) and against the gate (TCP, keyspace commerce), in text and PS (--db-ps-mode=auto) mode.
# Prints QPS, p95 latency and the gate/direct QPS ratio per test, plus the gate's and tablet's CPU µs per query.
#
# usage: bench/gate-sysbench.sh [-t seconds] [-c threads] [-s table_size] [tests...]
#   default: -t 20 -c 8 -s 10000 oltp_point_select oltp_read_only oltp_read_write
# env: CALIBRATE=1 also runs each test through one and two do-nothing Node TCP hops (bench/pipe-hop.mjs) in front
#      of mariadbd: the floor for any two-process path on this machine.
#      KEEP=1 leaves the cluster running and prints how to reach it.
#      PROF=DIR writes DIR/gate-<pid>.cpuprofile and DIR/tablet-<pid>.cpuprofile: V8 CPU profiles of both processes
#      over the gate runs (sampling starts and stops around each sysbench run through the gate).
set -euo pipefail

TIME=20
THREADS=8
SIZE=10000
while getopts "t:c:s:" opt; do
  case $opt in
    t) TIME=$OPTARG ;;
    c) THREADS=$OPTARG ;;
    s) SIZE=$OPTARG ;;
    *) echo "usage: $0 [-t seconds] [-c threads] [-s table_size] [tests...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
TESTS=("${@:-oltp_point_select}")
[ $# -eq 0 ] && TESTS=(oltp_point_select oltp_read_only oltp_read_write)

REPO=$(cd "$(dirname "$0")/.." && pwd)
# The built CLI (what users run), not bin/dev.js: tsx's transpile adds per-closure __name calls to hot paths.
(cd "$REPO" && npm run build >/dev/null) || { echo "npm run build failed" >&2; exit 1; }
VT=(node "$REPO/bin/run.js")
export VTDATAROOT=$(mktemp -d /tmp/vt-bench-XXXXXX)
export VT_LOG_LEVEL=warn
TOPO=(--topo-implementation local --topo-root "$VTDATAROOT/topo")
UID_=300
PIDS=()

cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then
    echo "KEEP=1: cluster left running in $VTDATAROOT (gate pid $GATE_PID, tablet pid $TABLET_PID)"
    return
  fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  "${VT[@]}" mysqlctl teardown --tablet-uid $UID_ >/dev/null 2>&1 || true
  rm -rf "$VTDATAROOT"
}
trap cleanup EXIT

free_ports() {
  node -e '
    const net = require("net"); const n = +process.argv[1]; const ss = [];
    let done = 0;
    for (let i = 0; i < n; i++) { const s = net.createServer(); ss.push(s);
      s.listen(0, "127.0.0.1", () => { if (++done === n) { console.log(ss.map(x => x.address().port).join(" ")); ss.forEach(x => x.close()); } }); }' "$1"
}
read -r MYSQL_PORT TABLET_HTTP TABLET_RPC GATE_PORT GATE_HTTP HOP1_PORT HOP2_PORT < <(free_ports 7)

wait_for() { # file pattern timeout_s
  local i
  for ((i = 0; i < $3 * 10; i++)); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; return 1
}

NODE_ENV_PROF=()
if [ -n "${PROF:-}" ]; then
  mkdir -p "$PROF"
  HOOK="$VTDATAROOT/prof-hook.mjs"
  (cd "$REPO" && npx tsx -e "import('./bench/bench-support.ts').then(m => process.stdout.write(m.profileHook(process.argv[1])))" '$LABEL') >"$HOOK.tmpl"
  for l in gate tablet; do sed "s/[$]LABEL/$l/" "$HOOK.tmpl" >"$VTDATAROOT/prof-$l.mjs"; done
fi
prof_env() { # label -> env assignments for `env`
  if [ -n "${PROF:-}" ]; then echo "NODE_OPTIONS=--import=$VTDATAROOT/prof-$1.mjs VT_BENCH_PROF_DIR=$(cd "$PROF" && pwd)"; fi
}
prof_toggle() { [ -n "${PROF:-}" ] && kill -USR2 "$GATE_PID" "$TABLET_PID" || true; }
prof_save() { # test mode: the hook writes <label>-<pid>.cpuprofile asynchronously; keep one per run
  [ -n "${PROF:-}" ] || return 0
  local l p
  for l in gate tablet; do
    p=$GATE_PID; [ $l = tablet ] && p=$TABLET_PID
    for _ in $(seq 50); do [ -s "$PROF/$l-$p.cpuprofile" ] && break; sleep 0.1; done
    mv "$PROF/$l-$p.cpuprofile" "$PROF/$l-$1-$2.cpuprofile" 2>/dev/null || echo "no $l profile for $1 $2" >&2
  done
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

echo "== cluster in $VTDATAROOT (mysqld :$MYSQL_PORT, tablet rpc :$TABLET_RPC, gate :$GATE_PORT http :$GATE_HTTP)"
"${VT[@]}" mysqlctl init --tablet-uid $UID_ --mysql-port "$MYSQL_PORT" >/dev/null
"${VT[@]}" ctl add-cell-info zone1 --root /vitess/zone1 "${TOPO[@]}" >/dev/null
env $(prof_env tablet) "${VT[@]}" tablet --tablet-path zone1-$UID_ --init-keyspace commerce --init-shard 0 --init-tablet-type replica \
  --hostname 127.0.0.1 --bind-address 127.0.0.1 --port "$TABLET_HTTP" --grpc-port "$TABLET_RPC" \
  --mysql-port "$MYSQL_PORT" "${TOPO[@]}" 2>"$VTDATAROOT/tablet.log" &
TABLET_PID=$!
PIDS+=("$TABLET_PID")
wait_for "$VTDATAROOT/tablet.log" "rpc [0-9]" 60
"${VT[@]}" ctl init-shard-primary commerce/0 zone1-$UID_ "${TOPO[@]}" >/dev/null
env $(prof_env gate) "${VT[@]}" gate --mysql-server-port "$GATE_PORT" --port "$GATE_HTTP" --tablet-types-to-wait PRIMARY "${TOPO[@]}" \
  >"$VTDATAROOT/gate.log" 2>&1 &
GATE_PID=$!
PIDS+=("$GATE_PID")
wait_for "$VTDATAROOT/gate.log" "vt gate: MySQL on" 60

DIRECT=(--mysql-host=127.0.0.1 --mysql-port="$MYSQL_PORT" --mysql-user=vt_app --mysql-password= --mysql-db=vt_commerce)
GATE=(--mysql-host=127.0.0.1 --mysql-port="$GATE_PORT" --mysql-user=app --mysql-password=x --mysql-db=commerce)
COMMON=(--db-driver=mysql --tables=4 --table-size="$SIZE" --threads="$THREADS" --time="$TIME" --report-interval=0 --histogram=off)

echo "== prepare: 4 tables x $SIZE rows in vt_commerce"
sysbench oltp_read_write "${COMMON[@]}" "${DIRECT[@]}" --mysql-user=vt_dba prepare >/dev/null

CLK_TCK=$(getconf CLK_TCK)
run_one() { # label test mode target...
  local label=$1 test=$2 mode=$3
  shift 3
  local out gate0 tab0 gate1 tab1
  [ "$label" = gate ] && prof_toggle
  gate0=$(cpu_ticks "$GATE_PID"); tab0=$(cpu_ticks "$TABLET_PID")
  out=$(sysbench "$test" "${COMMON[@]}" --db-ps-mode="$mode" "$@" run)
  gate1=$(cpu_ticks "$GATE_PID"); tab1=$(cpu_ticks "$TABLET_PID")
  [ "$label" = gate ] && { prof_toggle; prof_save "$test" "$mode" >&2; }
  local qps p95 queries
  qps=$(awk '/queries:/ {gsub(/\(/, "", $3); print $3; exit}' <<<"$out")
  queries=$(awk '/queries:/ {print $2; exit}' <<<"$out")
  p95=$(awk '/95th percentile:/ {print $3; exit}' <<<"$out")
  local gate_us tab_us
  gate_us=$(awk -v d=$((gate1 - gate0)) -v q="$queries" -v t="$CLK_TCK" 'BEGIN {printf "%.0f", (q > 0 ? d / t * 1e6 / q : 0)}')
  tab_us=$(awk -v d=$((tab1 - tab0)) -v q="$queries" -v t="$CLK_TCK" 'BEGIN {printf "%.0f", (q > 0 ? d / t * 1e6 / q : 0)}')
  echo "$label $qps $p95 $gate_us $tab_us"
}

if [ "${CALIBRATE:-0}" = 1 ]; then
  node "$REPO/bench/pipe-hop.mjs" "$HOP1_PORT" "$MYSQL_PORT" >/dev/null &
  PIDS+=("$!")
  node "$REPO/bench/pipe-hop.mjs" "$HOP2_PORT" "$HOP1_PORT" >/dev/null &
  PIDS+=("$!")
  sleep 0.5
fi
HOP1=("${DIRECT[@]}" --mysql-port="$HOP1_PORT")
HOP2=("${DIRECT[@]}" --mysql-port="$HOP2_PORT")

printf '\n%-20s %-8s %12s %9s %12s %9s %7s %10s %12s\n' test mode direct_qps p95_ms gate_qps p95_ms ratio gate_us/q tablet_us/q
for test in "${TESTS[@]}"; do
  for mode in disable auto; do
    read -r _ dq dp _ _ < <(run_one direct "$test" "$mode" "${DIRECT[@]}")
    read -r _ gq gp gus tus < <(run_one gate "$test" "$mode" "${GATE[@]}")
    ratio=$(awk -v g="$gq" -v d="$dq" 'BEGIN {printf "%.2f", (d > 0 ? g / d : 0)}')
    printf '%-20s %-8s %12s %9s %12s %9s %7s %10s %12s\n' "$test" "$([ "$mode" = auto ] && echo ps || echo text)" \
      "$dq" "$dp" "$gq" "$gp" "$ratio" "$gus" "$tus"
    if [ "${CALIBRATE:-0}" = 1 ]; then
      for hops in 1 2; do
        if [ $hops = 1 ]; then read -r _ hq hp _ _ < <(run_one hop "$test" "$mode" "${HOP1[@]}")
        else read -r _ hq hp _ _ < <(run_one hop "$test" "$mode" "${HOP2[@]}"); fi
        ratio=$(awk -v g="$hq" -v d="$dq" 'BEGIN {printf "%.2f", (d > 0 ? g / d : 0)}')
        printf '%-20s %-8s %12s %9s %12s %9s %7s %10s %12s\n' "  ($hops node hop$([ $hops = 2 ] && echo s))" "" "" "" "$hq" "$hp" "$ratio" "" ""
      done
    fi
  done
done
echo
echo "gate_us/q and tablet_us/q: process CPU time (user+sys) during the gate run / queries sysbench counted."
