#!/usr/bin/env bash
# Smoke test of the single executable (run by .ci/run after `npm run build:binary`).
#
# The binary is copied alone into a temp dir and run from there, so anything it still reads from the repo or
# node_modules fails. Checks: help and roles, version, the not-yet-implemented gate, help parity with
# bin/run.js, Node's SEA "require() ... only built-in modules" warning never printed, an etcd3 round trip
# from a SEA built by the same pipeline (proves the gRPC protos are inlined), and `vt ctl` round trips
# against the local store and a real etcd this script starts (only for the ctl verbs the binary has).
#
# Prints PASS/FAIL/SKIP lines and a summary; exits 1 if anything failed. Env: VT (binary, default dist/vt).
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
src_vt=${VT:-$repo/dist/vt}

passed=0 failed=0 skipped=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
skip() { echo "SKIP $*"; skipped=$((skipped + 1)); }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vt-smoke.XXXXXX")
etcd_pid=
cleanup() {
  [ -f "$tmp/cluster/cluster.json" ] && (cd "$tmp/cwd" && timeout 60 "$vt" down --root "$tmp/cluster" --clean >/dev/null 2>&1)
  if [ -n "$etcd_pid" ]; then
    kill "$etcd_pid" 2>/dev/null
    wait "$etcd_pid" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -x "$src_vt" ]; then
  echo "FAIL $src_vt missing: run npm run build:binary"
  exit 1
fi
mkdir -p "$tmp/bin" "$tmp/cwd"
cp "$src_vt" "$tmp/bin/vt"
vt=$tmp/bin/vt

# run NAME CMD...: runs in an empty cwd with a timeout; leaves $out (stdout+stderr) and $rc.
sea_warning='only supports loading built-in modules'
run() {
  local name=$1
  shift
  out=$(cd "$tmp/cwd" && timeout 30 "$@" 2>&1)
  rc=$?
  printf '%s\n' "$out" >"$tmp/$name.out"
  if grep -q "$sea_warning" <<<"$out"; then
    fail "$name: the binary tried to require() a file from disk (Node's SEA warning): $*"
  fi
}
show() { sed 's/^/    | /' <<<"$out" | head -n "${1:-15}"; }

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# ---- help, roles, version -------------------------------------------------------------------------------
run help "$vt" --help
if [ "$rc" -eq 0 ]; then pass "vt --help exits 0"; else fail "vt --help exited $rc"; show; fi
has_commands() { [ -n "$(find "src/commands/$1" -name '*.ts' ! -name '*.test.ts' 2>/dev/null | head -1)" ]; }
for role in gate tablet ctl ctld worker up down top mysqlctl; do
  if [ ! -e "src/commands/$role.ts" ] && ! has_commands "$role"; then
    skip "vt --help lists $role (no src/commands/$role yet)"
  elif grep -qE "^  $role( |\$)" "$tmp/help.out"; then
    pass "vt --help lists $role"
  else
    fail "vt --help does not list $role"
  fi
done

version=$(node -p "require('./package.json').version")
run version "$vt" --version
if [ "$rc" -eq 0 ] && grep -q "^vt/$version " <<<"$out"; then pass "vt --version is vt/$version"; else fail "vt --version: rc=$rc"; show; fi

# Same help as the JS entry point (bin/run.js reads dist/ and oclif.manifest.json: only when they are fresh).
if [ -f oclif.manifest.json ] && [ -z "$(find src/commands -name '*.ts' -newer oclif.manifest.json | head -1)" ]; then
  for args in "--help" "ctl --help" "mysqlctl --help"; do
    # shellcheck disable=SC2086
    run "parity" "$vt" $args
    mine=$out
    # shellcheck disable=SC2086
    js=$(cd "$tmp/cwd" && node "$repo/bin/run.js" $args 2>&1)
    if [ "$mine" = "$js" ]; then pass "vt $args same as bin/run.js"; else fail "vt $args differs from bin/run.js"; diff <(echo "$mine") <(echo "$js") | head -20; fi
  done
  # Every command's own help (flags, args, aliases, defaults) from the build-time manifest, too.
  differ=
  ids=$(node -p "Object.keys(require('./oclif.manifest.json').commands).map((id) => id.replaceAll(':', ' ')).join('\\n')")
  while read -r id; do
    # shellcheck disable=SC2086
    run "parity-cmd" "$vt" $id --help
    mine=$out
    # shellcheck disable=SC2086
    js=$(cd "$tmp/cwd" && node "$repo/bin/run.js" $id --help 2>&1)
    [ "$mine" = "$js" ] || differ="$differ, $id"
  done <<<"$ids"
  n=$(wc -l <<<"$ids")
  if [ -z "$differ" ]; then pass "vt <command> --help same as bin/run.js for all $n commands"; else fail "vt <command> --help differs from bin/run.js for: ${differ#, }"; fi
else
  skip "help parity with bin/run.js (oclif.manifest.json missing or older than src/commands: run npm run build)"
fi

# Every role's own help works (loads its command class out of the bundle).
for role in gate tablet ctld worker up down top; do
  [ -e "src/commands/$role.ts" ] || continue
  run "help-$role" "$vt" "$role" --help
  if [ "$rc" -eq 0 ] && grep -q "\$ vt $role" <<<"$out"; then pass "vt $role --help"; else fail "vt $role --help: rc=$rc"; show; fi
done

# ---- the gate: a stub says so; a real gate must reject a bad flag with a usage error (never start here) ---
run gate-help "$vt" gate --help
if grep -q 'not implemented yet' <<<"$out"; then
  run gate "$vt" gate
  if [ "$rc" -ne 0 ] && grep -q 'not implemented yet' <<<"$out"; then
    pass "vt gate exits $rc with 'not implemented yet'"
  else
    fail "vt gate (stub): rc=$rc"
    show
  fi
else
  run gate "$vt" gate --smoke-no-such-flag
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -qi 'nonexistent flag' <<<"$out"; then
    pass "vt gate --smoke-no-such-flag is a usage error (rc=$rc)"
  else
    fail "vt gate --smoke-no-such-flag: rc=$rc"
    show
  fi
fi

# ---- aliases: CamelCase verbs resolve to the same command -----------------------------------------------
run ctl-help "$vt" ctl --help
ctl_help=$out
if grep -q 'ctl create-keyspace' <<<"$ctl_help"; then
  run alias "$vt" ctl CreateKeyspace --help
  alias_rc=$rc
  alias_help=$(sed 's/ctl CreateKeyspace/ctl create-keyspace/g' <<<"$out")
  run canonical "$vt" ctl create-keyspace --help
  if [ "$alias_rc" -eq 0 ] && [ "$alias_help" = "$(sed 's/ctl CreateKeyspace/ctl create-keyspace/g' <<<"$out")" ]; then
    pass "alias vt ctl CreateKeyspace is vt ctl create-keyspace"
  else
    fail "alias vt ctl CreateKeyspace: rc=$alias_rc, help differs from ctl create-keyspace"
    diff <(echo "$alias_help") <(echo "$out") | head -10
  fi
else
  skip "alias ctl CreateKeyspace (not in vt ctl --help yet)"
fi

# ---- etcd ------------------------------------------------------------------------------------------------
etcd_addr=
if command -v etcd >/dev/null; then
  port=$(free_port)
  peer=$(free_port)
  etcd --name smoke --data-dir "$tmp/etcd" \
    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "smoke=http://127.0.0.1:$peer" >"$tmp/etcd.log" 2>&1 &
  etcd_pid=$!
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then etcd_addr=127.0.0.1:$port; break; fi
    sleep 0.1
  done
  if [ -n "$etcd_addr" ]; then pass "etcd started on $etcd_addr"; else fail "etcd did not listen on $port"; tail -5 "$tmp/etcd.log"; fi
else
  skip "etcd checks (etcd not installed)"
fi

if [ -n "$etcd_addr" ]; then
  probe=$repo/dist/sea/etcd-probe
  if [ ! -x "$probe" ] || [ "$probe" -ot "$src_vt" ]; then
    node scripts/build-binary.mjs --etcd-probe-only --quiet || fail "building dist/sea/etcd-probe"
  fi
  cp "$probe" "$tmp/bin/etcd-probe"
  ok=
  for _ in 1 2 3 4 5; do # etcd may listen before it has a leader
    run etcd-probe "$tmp/bin/etcd-probe" "http://$etcd_addr"
    if [ "$rc" -eq 0 ] && grep -q 'etcd-probe: ok round-trip' <<<"$out"; then ok=1; break; fi
    sleep 0.5
  done
  if [ -n "$ok" ]; then pass "etcd3 put/get/delete from a SEA (gRPC protos inlined)"; else fail "etcd3 round trip from a SEA: rc=$rc"; show; fi
fi

# ---- vt ctl round trips -----------------------------------------------------------------------------------
verbs="add-cell-info create-keyspace get-keyspaces get-keyspace"
missing=
for v in $verbs; do grep -qE "ctl $v( |\$)" <<<"$ctl_help" || missing="$missing $v"; done

# ctl_round_trip LABEL TOPO-FLAGS...: add-cell-info zone1, create-keyspace ks1, get-keyspaces lists it,
# get-keyspace ks1 --json is JSON naming it. oclif takes flags after the verb, so TOPO-FLAGS go last.
ctl_round_trip() {
  local label=$1
  shift
  local cell_flags=()
  run cell-help "$vt" ctl add-cell-info --help
  if grep -q -- '--root' <<<"$out"; then cell_flags+=(--root /vitess/zone1); fi
  if grep -q -- '--server-address' <<<"$out" && [ -n "$etcd_addr" ]; then cell_flags+=(--server-address "$etcd_addr"); fi
  run add-cell "$vt" ctl add-cell-info zone1 "${cell_flags[@]}" "$@"
  if [ "$rc" -eq 0 ]; then pass "$label: ctl add-cell-info zone1"; else fail "$label: ctl add-cell-info zone1: rc=$rc"; show; fi
  run create-ks "$vt" ctl create-keyspace ks1 "$@"
  if [ "$rc" -eq 0 ]; then pass "$label: ctl create-keyspace ks1"; else fail "$label: ctl create-keyspace ks1: rc=$rc"; show; fi
  run get-kss "$vt" ctl get-keyspaces "$@"
  if [ "$rc" -eq 0 ] && grep -qw ks1 <<<"$out"; then pass "$label: ctl get-keyspaces lists ks1"; else fail "$label: ctl get-keyspaces: rc=$rc"; show; fi
  run get-ks "$vt" ctl get-keyspace ks1 --json "$@"
  if [ "$rc" -eq 0 ] && node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8")); if(!JSON.stringify(j).includes("ks1")) process.exit(1)' <<<"$out" 2>/dev/null; then
    pass "$label: ctl get-keyspace ks1 --json is JSON naming ks1"
  else
    fail "$label: ctl get-keyspace ks1 --json: rc=$rc"
    show
  fi
}

if [ -n "$missing" ]; then
  skip "vt ctl round trips (vt ctl --help lacks:$missing)"
else
  export VTDATAROOT=$tmp/vtdataroot
  ctl_round_trip "local store"
  if [ -n "$etcd_addr" ]; then
    ctl_round_trip "etcd" --topo-implementation etcd --topo-global-server-address "$etcd_addr" --topo-global-root /vitess/global
    # The records must really be in etcd, at Vitess's path, not in the local store under VTDATAROOT.
    if command -v etcdctl >/dev/null; then
      keys=$(ETCDCTL_API=3 etcdctl --endpoints "http://$etcd_addr" get --prefix /vitess/global --keys-only 2>&1)
      if grep -q '^/vitess/global/keyspaces/ks1/Keyspace$' <<<"$keys"; then
        pass "etcd: /vitess/global/keyspaces/ks1/Keyspace is in etcd"
      else
        fail "etcd: /vitess/global/keyspaces/ks1/Keyspace not in etcd"
        sed 's/^/    | /' <<<"$keys" | head
      fi
    else
      skip "etcd key check (etcdctl not installed)"
    fi
  else
    skip "vt ctl round trip against etcd (no etcd)"
  fi
fi

# ---- a whole cluster from the binary alone: vt up re-runs this executable for tablets and the gate -------
if grep -q 'not implemented yet' <<<"$(cd "$tmp/cwd" && "$vt" up --help 2>&1)"; then
  skip "vt up from the binary (vt up not implemented)"
else
  out=$(cd "$tmp/cwd" && timeout 180 "$vt" up --root "$tmp/cluster" --port-base 33000 --replicas 0 2>&1)
  rc=$?
  if [ "$rc" -eq 0 ] && [ -f "$tmp/cluster/cluster.json" ]; then
    pass "vt up (demo cluster) from the binary"
    gate_port=$(node -e "console.log(require(process.argv[1]).ports.gateMysql)" "$tmp/cluster/cluster.json")
    if command -v mariadb >/dev/null; then
      rows=$(mariadb -h 127.0.0.1 -P "$gate_port" -u app --batch --skip-column-names commerce -e 'select count(*) from customer' 2>&1)
      if [ "$rows" = "5" ]; then pass "query through the binary's gate: 5 customers"; else fail "query through the gate: $rows"; fi
    else
      skip "query through the gate (mariadb CLI not installed)"
    fi
    if ps -eo args | grep -F "$tmp/bin/vt tablet" | grep -vq grep; then
      pass "tablets run as the same executable"
    else
      fail "no '$tmp/bin/vt tablet' process"
    fi
    out=$(cd "$tmp/cwd" && timeout 60 "$vt" down --root "$tmp/cluster" --clean 2>&1)
    if [ $? -eq 0 ] && [ ! -e "$tmp/cluster" ]; then pass "vt down --clean from the binary"; else fail "vt down"; show; fi
  else
    fail "vt up from the binary: rc=$rc"
    show 40
  fi
fi

echo "smoke-binary: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
