#!/usr/bin/env bash
# bench/run.sh — issue 3's city-dashboard benchmark, end to end (bench/README.md).
#
#   bench/run.sh --scale small            # ~1 minute
#   bench/run.sh --scale city             # seeds ~10M service records first (many minutes, once)
#
# 1. database civicgraph_bench_<scale> on PostgreSQL: reused when an earlier
#    run seeded it completely with the same scale and seed, else (or with
#    --fresh) dropped, created, seeded with `civicgraph seed` under
#    /usr/bin/time -v, VACUUM ANALYZEd and marked with a comment;
# 2. `civicgraph serve` on 127.0.0.1 (a free port), until /healthz answers;
# 3. the workload from --clients concurrent clients for --duration seconds,
#    every answer checked (any error fails the run), then the server's VmHWM;
# 4. the same figures in plain SQL under pgbench against the same database;
# 5. the results table, printed and written to bench/results/.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/run.sh --scale small|medium|city|province [options]

  --scale S          dataset size for `civicgraph seed --scale S` (required)
  --fresh            drop and re-seed the database even if it holds that scale
  --seed N           seed of the synthetic data (default 1)
  --duration SEC     measured seconds, for civicgraph and for pgbench (default 30)
  --clients N        concurrent clients, and pgbench -c (default 8)
  --warmup SEC       civicgraph load before the measured window, not counted (default 2)
  --jobs N           pgbench -j threads (default 2)
  --max-requests N   stop civicgraph's load after N requests whatever the time (default 5000000)
  --workload W       the workload (default dashboard; `civicbench workloads` lists them)
  --results DIR      where results tables go (default bench/results)
  --allow-mismatch   measure even when the baseline SQL's figures differ from civicgraph's
                     (the run is then reported as FAILED, in the work directory)
  --response-cache on|off
                     serve with its response cache (default on) or without it
                     (--response-cache-mb 0): every request then computed afresh
  --keep             keep the work directory (logs, pgbench script, JSON) after a good run

PostgreSQL: PGHOST, PGPORT, PGUSER (default 127.0.0.1, 5432, postgres); no password
(trust auth); the database is civicgraph_bench_<scale>, connections use sslmode=disable.
EOF
}

die() {
	echo "run.sh: $*" >&2
	exit 1
}

bad_usage() {
	echo "run.sh: $*" >&2
	usage >&2
	exit 2
}

step() { printf '\n==> %s\n' "$*"; }

# --- arguments -------------------------------------------------------------

command_line="bench/run.sh $*"
scale=""
fresh=0
seed=1
duration=30
clients=8
warmup=2
jobs=2
max_requests=5000000
workload=dashboard
results_dir=bench/results
allow_mismatch=0
keep=0
response_cache=on

while (($#)); do
	arg=$1
	shift
	if [[ $arg == --*=* ]]; then
		set -- "${arg#*=}" "$@"
		arg=${arg%%=*}
	fi
	case $arg in
	--fresh) fresh=1 ;;
	--allow-mismatch) allow_mismatch=1 ;;
	--keep) keep=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	--scale | --seed | --duration | --clients | --warmup | --jobs | --max-requests | --workload | --results | --response-cache)
		(($#)) || bad_usage "$arg needs a value"
		value=$1
		shift
		case $arg in
		--scale) scale=$value ;;
		--seed) seed=$value ;;
		--duration) duration=$value ;;
		--clients) clients=$value ;;
		--warmup) warmup=$value ;;
		--jobs) jobs=$value ;;
		--max-requests) max_requests=$value ;;
		--workload) workload=$value ;;
		--results) results_dir=$value ;;
		--response-cache) response_cache=$value ;;
		esac
		;;
	*) bad_usage "unknown argument '$arg'" ;;
	esac
done

case $response_cache in
on) cache_mb=64 ;;
off) cache_mb=0 ;;
*) bad_usage "--response-cache takes on or off, not '$response_cache'" ;;
esac
case $scale in
small | medium | city | province) ;;
"") bad_usage "--scale is required" ;;
*) bad_usage "unknown scale '$scale' (want small, medium, city or province)" ;;
esac
for pair in "seed:$seed" "duration:$duration" "clients:$clients" "jobs:$jobs" "max-requests:$max_requests"; do
	[[ ${pair#*:} =~ ^[1-9][0-9]*$ ]] || bad_usage "--${pair%%:*} must be a positive integer, not '${pair#*:}'"
done
[[ $warmup =~ ^[0-9]+$ ]] || bad_usage "--warmup must be a whole number of seconds, not '$warmup'"
((jobs <= clients)) || bad_usage "--jobs ($jobs) cannot exceed --clients ($clients) (pgbench's rule)"

# --- environment -------------------------------------------------------------

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
[[ $results_dir == /* ]] || results_dir="$root/$results_dir"

for tool in go psql pgbench; do
	command -v "$tool" >/dev/null || die "$tool is not installed (PostgreSQL's client tools and Go are needed)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time is not installed (Debian package 'time'); it measures the seed"

pg_host=${PGHOST:-127.0.0.1}
pg_port=${PGPORT:-5432}
pg_user=${PGUSER:-postgres}
db="civicgraph_bench_${scale}"
admin_url="postgres://${pg_user}@${pg_host}:${pg_port}/postgres?sslmode=disable"
db_url="postgres://${pg_user}@${pg_host}:${pg_port}/${db}?sslmode=disable"
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$admin_url" "$@"; }
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db_url" "$@"; }

psql_admin -c 'SELECT 1' >/dev/null 2>&1 ||
	die "cannot reach PostgreSQL as $pg_user at $pg_host:$pg_port (set PGHOST/PGPORT/PGUSER)"

work=$(mktemp -d "${TMPDIR:-/tmp}/civicbench.XXXXXX")
cut -d' ' -f1-3 /proc/loadavg >"$work/loadavg.start"

# --- cleanup: whatever happens, no server or seed is left running ------------

server_pid=""
seed_pid=""
poller_pid=""
child_pid=""

# run_child CMD...: runs CMD in the background and waits for it, so that a
# signal to this script is handled at once (bash runs traps only between
# foreground commands) and the cleanup can stop CMD.
run_child() {
	"$@" &
	child_pid=$!
	local rc=0
	wait "$child_pid" || rc=$?
	child_pid=""
	return "$rc"
}

stop_pid() { # stop_pid PID SECONDS: TERM, then KILL after SECONDS
	local pid=$1 grace=$2 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < grace * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

stop_server() {
	if [[ -n $server_pid ]]; then
		stop_pid "$server_pid" 35 # serve finishes requests in flight for up to 30 s
		server_pid=""
	fi
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n $poller_pid ]]; then stop_pid "$poller_pid" 1; fi
	if [[ -n $child_pid ]]; then stop_pid "$child_pid" 5; fi
	if [[ -n $seed_pid ]]; then
		# /usr/bin/time does not pass signals on: stop the seed (its child) first.
		local child
		for child in $(ps -o pid= --ppid "$seed_pid" 2>/dev/null); do stop_pid "$child" 10; done
		stop_pid "$seed_pid" 5
	fi
	stop_server
	if ((rc == 0 && !keep)); then
		rm -rf "$work"
	else
		echo "run.sh: work files (logs, pgbench script, JSON) kept in $work" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "civicgraph benchmark: workload $workload, scale $scale, $clients clients, ${duration}s (+${warmup}s warm-up)"
echo "load average now: $(cat "$work/loadavg.start") on $(nproc) CPUs; work directory $work"

# --- 1. build ------------------------------------------------------------------

step "building civicgraph and civicbench"
revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
go build -o "$work/civicgraph" ./cmd/civicgraph
go build -o "$work/civicbench" ./bench/cmd/civicbench
bench() { "$work/civicbench" "$@"; }
bench workloads | grep -q "^$workload " || die "unknown workload '$workload' (see: go run ./bench/cmd/civicbench workloads)"

# --- 2. the dataset ------------------------------------------------------------

marker_prefix="civicgraph-bench scale=$scale seed=$seed "
exists=$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$db'")
comment=""
if [[ -n $exists ]]; then
	comment=$(psql_admin -c "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = '$db'")
fi

reused=0
if [[ -n $exists && $fresh == 0 && $comment == "$marker_prefix"* ]]; then
	reused=1
	step "reusing database $db (seeded by an earlier run; --fresh rebuilds it)"
	echo "  ${comment#civicgraph-bench }"
else
	if [[ -n $exists ]]; then
		if ((fresh)); then
			why="--fresh"
		elif [[ -z $comment ]]; then
			why="it has no completed-seed marker (an interrupted seed?)"
		else
			why="it holds something else: '$comment'"
		fi
		step "dropping database $db: $why"
		psql_admin -c "DROP DATABASE \"$db\" WITH (FORCE)"
	fi
	step "creating database $db and seeding it: civicgraph seed --scale $scale --seed $seed"
	psql_admin -c "CREATE DATABASE \"$db\""
	case $scale in
	city) echo "  --scale city writes ~10.7M lines; this takes many minutes" ;;
	province) echo "  --scale province writes ~107M lines; this takes hours and much disk" ;;
	esac
	seed_started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	/usr/bin/time -v -o "$work/seed.time" "$work/civicgraph" seed --scale "$scale" --seed "$seed" --database "$db_url" &
	seed_pid=$!
	if [[ ! -t 2 ]]; then
		# Not a terminal: the seed draws no progress bar, so report how far it got.
		(
			start=$SECONDS ticks=0
			while sleep 5; do
				(((++ticks % 6) == 0)) || continue
				size=$(psql_admin -c "SELECT pg_size_pretty(pg_database_size('$db'))" 2>/dev/null || echo '?')
				printf '  seed: %dm%02ds elapsed, database %s\n' $(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)) "$size"
			done
		) &
		poller_pid=$!
	fi
	seed_rc=0
	wait "$seed_pid" || seed_rc=$?
	seed_pid=""
	if [[ -n $poller_pid ]]; then
		stop_pid "$poller_pid" 1
		poller_pid=""
	fi
	((seed_rc == 0)) || die "the seed failed (exit $seed_rc); /usr/bin/time's report: $work/seed.time"
	seed_seconds=$(awk -F': ' '/Elapsed \(wall clock\) time/ {
		n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$work/seed.time")
	seed_rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/seed.time")
	echo "  seeded in ${seed_seconds}s, peak RSS ${seed_rss} kB"

	step "VACUUM ANALYZE (statistics and visibility map, as any database that has been running a while)"
	vacuum_start=$(date +%s.%N)
	run_child psql -X -q -v ON_ERROR_STOP=1 -d "$db_url" -c "VACUUM (ANALYZE)"
	vacuum_seconds=$(awk -v a="$vacuum_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	echo "  took ${vacuum_seconds}s"
	psql_admin -c "COMMENT ON DATABASE \"$db\" IS '${marker_prefix}seeded_at=$seed_started seed_seconds=$seed_seconds seed_peak_rss_kb=$seed_rss vacuum_seconds=$vacuum_seconds revision=$revision'"
fi

# --- 3. the server -----------------------------------------------------------

step "creating an ADMIN API key for the run"
# serve migrates first, so the key table exists even in an older database.
CIVICBENCH_API_KEY=$("$work/civicgraph" apikey create --name "bench-$(date -u +%Y%m%dT%H%M%SZ)-$$" --role ADMIN --database "$db_url" | tail -n1)
export CIVICBENCH_API_KEY

step "starting civicgraph serve on 127.0.0.1 (a free port), response cache $response_cache"
# No rate limit (the load is the point) and a request timeout above the
# load's own.
"$work/civicgraph" serve --database "$db_url" --listen 127.0.0.1:0 --rate-limit -1 --request-timeout 300s \
	--response-cache-mb "$cache_mb" >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
addr=""
for ((i = 0; i < 6000; i++)); do # serve migrates the database first: up to 10 minutes
	addr=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/server.out" 2>/dev/null | head -n1 || true)
	[[ -n $addr ]] && break
	if ! kill -0 "$server_pid" 2>/dev/null; then
		tail -n 20 "$work/server.log" >&2 || true
		die "civicgraph serve exited before listening (log: $work/server.log)"
	fi
	sleep 0.1
done
[[ -n $addr ]] || die "civicgraph serve did not start listening within 10 minutes (log: $work/server.log)"
bench wait -url "$addr/healthz" -timeout 60s
echo "  server pid $server_pid at $addr"

# --- 4. civicgraph under load --------------------------------------------------

step "preparing the $workload workload (finding the city, checking the baseline SQL against civicgraph)"
prepare_flags=()
if ((allow_mismatch)); then prepare_flags+=(-allow-mismatch); fi
run_child "$work/civicbench" prepare -workload "$workload" -url "$addr/graphql" -database "$db_url" -dir "$work" "${prepare_flags[@]}"

step "civicgraph: $clients clients for ${duration}s over HTTP"
run_child "$work/civicbench" load -workload "$workload" -url "$addr/graphql" -dir "$work" \
	-clients "$clients" -duration "${duration}s" -warmup "${warmup}s" -max-requests "$max_requests"
kill -0 "$server_pid" 2>/dev/null || die "the server died during the load (log: $work/server.log)"
cp "/proc/$server_pid/status" "$work/server.status"
echo "  server $(grep -E '^VmHWM' "$work/server.status" | tr -s '\t ' ' ')"
stop_server

# --- 5. the baseline -----------------------------------------------------------

pgbench_cmd=(pgbench -n -c "$clients" -j "$jobs" -T "$duration" -f "$work/$workload.sql" -l --log-prefix="$work/pgbench_log" "$db_url")
pgbench_shown="pgbench -n -c $clients -j $jobs -T $duration -f $workload.sql -l --log-prefix=pgbench_log '$db_url'"
step "baseline: plain SQL under pgbench, $clients clients for ${duration}s"
echo "  $pgbench_shown"
run_child "${pgbench_cmd[@]}" >"$work/pgbench.out" 2>"$work/pgbench.err" ||
	die "pgbench failed: $(tail -n 5 "$work/pgbench.err")"
grep -E '^(number of transactions actually processed|latency average|tps)' "$work/pgbench.out" | sed 's/^/  /'

# --- 6. the results ------------------------------------------------------------

step "results"
report_flags=()
if ((reused)); then report_flags+=(-reused); fi
bench report -workload "$workload" -dir "$work" -database "$db_url" -scale "$scale" \
	-command "$command_line" -pgbench-command "$pgbench_shown" -revision "$revision" \
	-results "$results_dir" "${report_flags[@]}"
