#!/usr/bin/env bash
# bench/soak.sh — issue 7's soak: civicgraph under a bounded mixed load of
# reads and writes for a long time, judged on errors, memory and latency
# (bench/README.md, "Soak (issue 7)").
#
#   bench/soak.sh                                   # the full soak: 30 minutes, 16 connections
#   bench/soak.sh --duration 60s                    # a short run, to debug (windows of 15 s; memory not yet settled)
#
# 1. the database (default cg_soak_small, seeded with `civicgraph seed --scale
#    small` when it does not exist);
# 2. four API keys of three roles (ADMIN, ANALYST, OPERATOR, ANALYST);
# 3. `civicgraph serve` with its DEFAULT rate limit, response cache and
#    request timeout, and the admin listener on (for /metrics);
# 4. civicbench soak-prime writes the soak's records once, pglcheck and
#    civicbench prepare check the mixed workload's answers against the SQL;
# 5. civicbench soak: the clients take the keys in turn, OPERATOR clients
#    write every third request; every answer checked; RSS, heap, goroutines
#    sampled every 10 s; p50/p99 per window; the judgement;
# 6. the database's growth, the machine's load, and the results in
#    bench/results/soak-<date>[-N]/ (summary.md, samples.csv, windows.csv,
#    soak.json, machine.log, serve.log.txt: the server's log without its request lines).
#
# Exit status: 0 the soak passed; 1 it failed or could not run (the results
# folder says why); 2 bad usage.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/soak.sh [--duration 30m] [--clients 16] [--database URL] [--out DIR]
                     [--civicgraph BIN] [--source DIR] [--window D] [--port N]

  --duration D     how long the load runs (Go duration; default 30m)
  --clients N      concurrent connections (default 16)
  --database URL   a seeded PostgreSQL database (default postgres://…/cg_soak_small, seeded
                   with --scale small when missing); the soak writes 200 records into it
  --out DIR        the results folder (default bench/results/soak-<date>[-N])
  --civicgraph BIN the server binary (default /work/bin-bench/civicgraph when it exists, else
                   built from --source)
  --source DIR     the tree the server is built from / was built from (default /work/wt-bench
                   when it exists, else this checkout): its commit goes into the results
  --window D       the p50/p99 window (default 5m for 15m or more, 1m for 5m or more, else a quarter)
  --port N         the server listens on N, its admin listener on N+1 (default 18300)
  Further judgement knobs go to civicbench soak after --: e.g. -- -p99-factor 2
EOF
}

die() {
	echo "soak.sh: $*" >&2
	exit 1
}

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH=/usr/local/go/bin:$PATH

duration=30m
clients=16
database=""
out=""
bin=""
source_dir=""
window=""
port=18300
extra=()
while (($#)); do
	case $1 in
	--duration) duration=$2; shift 2 ;;
	--clients) clients=$2; shift 2 ;;
	--database) database=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--civicgraph) bin=$2; shift 2 ;;
	--source) source_dir=$2; shift 2 ;;
	--window) window=$2; shift 2 ;;
	--port) port=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; extra=("$@"); break ;;
	*) usage >&2; exit 2 ;;
	esac
done
[[ $clients =~ ^[0-9]+$ && $port =~ ^[0-9]+$ ]] || { usage >&2; exit 2; }

pg_admin="postgres://${PGUSER:-postgres}@${PGHOST:-127.0.0.1}:${PGPORT:-5432}"
if [[ -z $source_dir ]]; then
	if [[ -d /work/wt-bench ]]; then source_dir=/work/wt-bench; else source_dir=$root; fi
fi
work=$(mktemp -d /tmp/civicgraph-soak.XXXXXX)
if [[ -z $bin ]]; then
	if [[ -x /work/bin-bench/civicgraph ]]; then
		bin=/work/bin-bench/civicgraph
	else
		(cd "$source_dir" && go build -o "$work/civicgraph" ./cmd/civicgraph)
		bin=$work/civicgraph
	fi
fi
revision=$(git -C "$source_dir" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$source_dir" status --porcelain --untracked-files=no 2>/dev/null | wc -l)
((dirty == 0)) || revision="$revision (+$dirty changed files)"

if [[ -z $out ]]; then
	out=bench/results/soak-$(date -u +%Y-%m-%d)
	n=2
	base=$out
	while [[ -e $out ]]; do out=$base-$n; n=$((n + 1)); done
fi
[[ $out == /* ]] || out=$root/$out
mkdir -p "$out"

# serve_log_summary LOG: the server's log without its request lines (one a
# request: hundreds of MB over a long run), with their count by HTTP status.
serve_log_summary() {
	echo "# $(grep -c '"msg":"request"' "$1" || true) request lines (not kept), by HTTP status:"
	grep -o '"msg":"request".*"status":[0-9]*' "$1" | grep -o '"status":[0-9]*$' | sort | uniq -c | sed 's/^/#  /' || true
	echo "# every other line:"
	grep -v '"msg":"request"' "$1" | head -n 500 || true
}

cg_pid=""
logger_pid=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n $logger_pid ]]; then kill "$logger_pid" 2>/dev/null || true; fi
	if [[ -n $cg_pid ]] && kill -0 "$cg_pid" 2>/dev/null; then
		kill -TERM "$cg_pid" 2>/dev/null || true
		for _ in $(seq 1 350); do kill -0 "$cg_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$cg_pid" 2>/dev/null || true
	fi
	if [[ -f $work/serve.log ]]; then serve_log_summary "$work/serve.log" >"$out/serve.log.txt"; fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '==> [%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

step "building civicbench and pglcheck (the harness, from this checkout)"
nice -n 10 go build -o "$work/civicbench" ./bench/cmd/civicbench
nice -n 10 go build -o "$work/pglcheck" ./bench/cmd/pglcheck

if [[ -z $database ]]; then
	database="$pg_admin/cg_soak_small?sslmode=disable"
	if [[ -z $(psql "$pg_admin/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname = 'cg_soak_small'") ]]; then
		step "seeding cg_soak_small: civicgraph seed --scale small --seed 1"
		psql "$pg_admin/postgres" -qc "CREATE DATABASE cg_soak_small"
		"$bin" seed --scale small --seed 1 --database "$database" >"$work/seed.log"
	fi
fi

# db_stats LABEL: the database's size and the rows of the tables the soak writes to.
db_stats() {
	psql "$database" -AtF ' ' -c "SELECT '$1', pg_database_size(current_database()),
		(SELECT count(*) FROM service_records), (SELECT count(*) FROM changes),
		(SELECT count(*) FROM audit_log), (SELECT count(*) FROM idempotency_keys),
		(SELECT count(*) FROM access_log)"
}

step "API keys: ADMIN, ANALYST, OPERATOR, ANALYST"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
: >"$work/keys"
i=0
for role in ADMIN ANALYST OPERATOR ANALYST; do
	i=$((i + 1))
	name="soak-$stamp-$i-${role,,}"
	secret=$("$bin" apikey create --name "$name" --role "$role" --database "$database" | tail -n1)
	echo "$role $name $secret" >>"$work/keys"
done
export CIVICBENCH_API_KEY=$(awk '$1 == "ADMIN" { print $3; exit }' "$work/keys")

step "civicgraph serve on 127.0.0.1:$port (admin $((port + 1))), default rate limit, cache and timeout"
"$bin" serve --database "$database" --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$((port + 1))" \
	>"$work/serve.out" 2>"$work/serve.log" &
cg_pid=$!
url="http://127.0.0.1:$port"
admin="http://127.0.0.1:$((port + 1))"
"$work/civicbench" wait -url "$url/healthz" -timeout 120s >/dev/null || die "serve did not start: $(tail -n 5 "$work/serve.log")"

step "writing the soak's records once, then checking the mixed workload against the SQL"
"$work/civicbench" soak-prime -url "$url/graphql" -database "$database" -keys "$work/keys"
"$work/pglcheck" -civicgraph "$url/graphql" -database "$database" -out "$work/checked" -n 0 -only nested,window,totals >"$work/pglcheck.log" ||
	die "pglcheck: $(tail -n 5 "$work/pglcheck.log")"
"$work/civicbench" prepare -workload mixed -url "$url/graphql" -database "$database" -dir "$work" -pglcheck "$work/checked" >"$work/prepare.log"
db_before=$(db_stats before)

# The machine is shared: the load, and who uses the CPU, every minute.
(
	while :; do
		echo "$(date -u +%H:%M:%S) $(cat /proc/loadavg)"
		ps -eo pcpu=,comm= --sort=-pcpu | head -n 6 | awk '{ printf "    %5s%% %s\n", $1, $2 }'
		sleep 60
	done
) >"$out/machine.log" 2>&1 &
logger_pid=$!

command="bench/soak.sh --duration $duration --clients $clients${window:+ --window $window}"
step "soak: $duration, $clients clients (results in ${out#"$root"/})"
win_flag=()
[[ -n $window ]] && win_flag=(-window "$window")
soak_rc=0
"$work/civicbench" soak -dir "$work" -url "$url/graphql" -admin "$admin" -pid "$cg_pid" -keys "$work/keys" \
	-database "$database" -out "$out" -clients "$clients" -duration "$duration" -command "$command" \
	"${win_flag[@]}" "${extra[@]}" || soak_rc=$?
kill "$logger_pid" 2>/dev/null || true
logger_pid=""
db_after=$(db_stats after)

# The database's growth and the setting, after the Go half's summary.
read -r _ size0 rec0 ch0 au0 id0 ac0 <<<"$db_before"
read -r _ size1 rec1 ch1 au1 id1 ac1 <<<"$db_after"
{
	echo
	echo "## Setting"
	echo
	echo "- civicgraph: \`$bin\` built from $source_dir at $revision; serve with its defaults (rate limit 100 operations/s per key, burst 1000; response cache 64 MiB; request timeout 30 s):"
	echo "  \`civicgraph serve --database … --listen 127.0.0.1:$port --admin-listen 127.0.0.1:$((port + 1))\`"
	echo "- database: \`${database%%\?*}\` (PostgreSQL $(psql "$database" -Atc 'SHOW server_version'), on the same machine)"
	echo "- machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), Go $(go env GOVERSION)."
	echo "  **Shared**: other engineers' builds and tests ran during the soak; machine.log has the load average and the busiest processes every minute, windows.csv each window's mean load."
	echo
	echo "## The database's growth"
	echo
	echo "| | before | after | growth |"
	echo "|---|---:|---:|---:|"
	printf '| size | %.1f MiB | %.1f MiB | %+.1f MiB |\n' "$(bc -l <<<"$size0/1048576")" "$(bc -l <<<"$size1/1048576")" "$(bc -l <<<"($size1-$size0)/1048576")"
	echo "| service_records | $rec0 | $rec1 | $((rec1 - rec0)) |"
	echo "| changes (the change feed) | $ch0 | $ch1 | $((ch1 - ch0)) |"
	echo "| audit_log | $au0 | $au1 | $((au1 - au0)) |"
	echo "| idempotency_keys | $id0 | $id1 | $((id1 - id0)) |"
	echo "| access_log | $ac0 | $ac1 | $((ac1 - ac0)) |"
	echo
	echo "The records stay the same 200 (every write gives them the values they already have): such a write adds no change-feed row, but its audit rows and its idempotency key stay."
} >>"$out/summary.md"
cp "$work/prepare.log" "$out/prepare.log" 2>/dev/null || true
echo
cat "$out/summary.md"
exit "$soak_rc"
