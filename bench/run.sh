#!/usr/bin/env bash
# bench/run.sh — civicgraph's benchmark, end to end (bench/README.md).
#
#   bench/run.sh --scale city             # issue 6's measurement (~20 min on a seeded database)
#   bench/run.sh --smoke                  # CI: the whole harness on --scale small in about a minute
#
# 1. serve --demo's time to its first answer on an empty store;
# 2. database civicgraph_bench_<scale> on PostgreSQL: reused when an earlier
#    run seeded it completely with the same scale and seed, else (or with
#    --fresh) dropped, created, seeded with `civicgraph seed` under
#    /usr/bin/time -v, VACUUM ANALYZEd and marked with a comment;
# 3. `civicgraph serve` (response cache off; with --response-cache both a
#    second one with it on) and PostGraphile 5 (bench/postgraphile) over it;
# 4. pglcheck: (a) nested, (c) window, (b) totals give the same answers from
#    civicgraph, PostGraphile and the SQL; civicbench prepare checks the
#    dashboard and the mixed workload's parts likewise;
# 5. per workload: each server under load (--clients connections,
#    --duration seconds, every answer checked), its peak RSS, then each SQL
#    baseline under pgbench;
# 6. EXPLAIN (ANALYZE, BUFFERS) of every baseline statement;
# 7. import throughput: 1M service records into a copy of the database, and
#    into a copy of a seeded SQLite store;
# 8. the results, printed and written to bench/results/<scale>-<date>/.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/run.sh --scale small|medium|city|province [options]
       bench/run.sh --smoke [options]

  --scale S             dataset size for `civicgraph seed --scale S` (required unless --smoke)
  --smoke               the CI smoke run: --scale small, 1 s windows without warm-up, 20,000
                        import records, no PostGraphile, results in the work directory; not a
                        measurement (the later options still apply)
  --workloads LIST      comma-separated, of dashboard,nested,window,totals,mixed (default all)
  --postgraphile on|off measure PostGraphile 5 on (a), (b), (c) (default on; off with --smoke)
  --response-cache off|on|both
                        civicgraph's response cache: off (default: every answer computed, the
                        comparison), on, or both (a second server with it on, extra rows)
  --import on|off       import throughput on PostgreSQL and SQLite (default on)
  --import-records N    service records to import (default 1000000)
  --sqlite-scale S      the seeded SQLite store imported into (default: --scale, at most medium)
  --demo on|off         serve --demo's time to its first answer (default on)
  --explain on|off      EXPLAIN (ANALYZE, BUFFERS) of the baselines into the results (default on)
  --profile             CPU profile of civicgraph over each measured window, and its heap after
                        it, into the results' profiles/ (through serve --admin-listen)
  --fresh               drop and re-seed the database even if it holds that scale
  --seed N              seed of the synthetic data (default 1)
  --duration SEC        measured seconds per load and per pgbench run (default 30)
  --warmup SEC          load before each measured window, not counted (default 2)
  --clients N           concurrent connections of every load, and pgbench -c (default 8)
  --jobs N              pgbench -j threads (default 2)
  --max-requests N      stop any load after N requests whatever the time (default 5000000)
  --slow-max-requests N a load whose single request takes over 1 s (PostGraphile's (b) at city
                        scale) skips the warm-up and stops after N requests (default 100)
  --request-timeout SEC one request's limit under load; more is an error (default 300)
  --results DIR         where the run's folder goes (default bench/results; --smoke: the work dir)
  --allow-mismatch      measure even when a baseline's answer differs from civicgraph's
                        (the run is then reported as FAILED, in the work directory)
  --keep                keep the work directory (logs, scripts, JSON) after a good run

PostgreSQL: PGHOST, PGPORT, PGUSER (default 127.0.0.1, 5432, postgres); no password
(trust auth); the database is civicgraph_bench_<scale>, connections use sslmode=disable.
The SQLite stores seeded for the import are kept in $CIVICBENCH_CACHE (default
~/.cache/civicgraph-bench).
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

step() { printf '\n==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

# --- arguments -------------------------------------------------------------

command_line="bench/run.sh $*"
all_workloads=dashboard,nested,window,totals,mixed
scale=""
smoke=0
fresh=0
seed=1
duration=""
clients=8
warmup=""
jobs=2
max_requests=5000000
slow_max_requests=100
request_timeout=300
workload_list=$all_workloads
results_dir=""
allow_mismatch=0
keep=0
response_cache=off
postgraphile=""
do_import=on
import_records=""
sqlite_scale=""
do_demo=on
do_explain=on
profile=0

while (($#)); do
	arg=$1
	shift
	if [[ $arg == --*=* ]]; then
		set -- "${arg#*=}" "$@"
		arg=${arg%%=*}
	fi
	case $arg in
	--smoke) smoke=1 ;;
	--fresh) fresh=1 ;;
	--allow-mismatch) allow_mismatch=1 ;;
	--keep) keep=1 ;;
	--profile) profile=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	--scale | --seed | --duration | --clients | --warmup | --jobs | --max-requests | --slow-max-requests | --request-timeout | --workloads | --workload | \
		--results | --response-cache | --postgraphile | --import | --import-records | --sqlite-scale | --demo | --explain)
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
		--slow-max-requests) slow_max_requests=$value ;;
		--request-timeout) request_timeout=$value ;;
		--workloads | --workload) workload_list=$value ;;
		--results) results_dir=$value ;;
		--response-cache) response_cache=$value ;;
		--postgraphile) postgraphile=$value ;;
		--import) do_import=$value ;;
		--import-records) import_records=$value ;;
		--sqlite-scale) sqlite_scale=$value ;;
		--demo) do_demo=$value ;;
		--explain) do_explain=$value ;;
		esac
		;;
	*) bad_usage "unknown argument '$arg'" ;;
	esac
done

if ((smoke)); then
	[[ -n $scale ]] || scale=small
	[[ -n $duration ]] || duration=1
	[[ -n $warmup ]] || warmup=0
	[[ -n $import_records ]] || import_records=20000
	[[ -n $postgraphile ]] || postgraphile=off
fi
[[ -n $duration ]] || duration=30
[[ -n $warmup ]] || warmup=2
[[ -n $import_records ]] || import_records=1000000
[[ -n $postgraphile ]] || postgraphile=on

case $scale in
small | medium | city | province) ;;
"") bad_usage "--scale is required (or --smoke)" ;;
*) bad_usage "unknown scale '$scale' (want small, medium, city or province)" ;;
esac
if [[ -z $sqlite_scale ]]; then
	case $scale in small) sqlite_scale=small ;; *) sqlite_scale=medium ;; esac
fi
case $sqlite_scale in small | medium | city) ;; *) bad_usage "--sqlite-scale takes small, medium or city" ;; esac
case $response_cache in off | on | both) ;; *) bad_usage "--response-cache takes off, on or both, not '$response_cache'" ;; esac
for pair in "postgraphile:$postgraphile" "import:$do_import" "demo:$do_demo" "explain:$do_explain"; do
	case ${pair#*:} in on | off) ;; *) bad_usage "--${pair%%:*} takes on or off, not '${pair#*:}'" ;; esac
done
for pair in "seed:$seed" "duration:$duration" "clients:$clients" "jobs:$jobs" "max-requests:$max_requests" "slow-max-requests:$slow_max_requests" \
	"request-timeout:$request_timeout" "import-records:$import_records"; do
	[[ ${pair#*:} =~ ^[1-9][0-9]*$ ]] || bad_usage "--${pair%%:*} must be a positive integer, not '${pair#*:}'"
done
[[ $warmup =~ ^[0-9]+$ ]] || bad_usage "--warmup must be a whole number of seconds, not '$warmup'"
((jobs <= clients)) || bad_usage "--jobs ($jobs) cannot exceed --clients ($clients) (pgbench's rule)"
workloads=()
IFS=, read -r -a requested <<<"$workload_list"
for w in dashboard nested window totals mixed; do # the order of a run
	for r in "${requested[@]}"; do
		[[ $r == "$w" ]] && workloads+=("$w") && break
	done
done
for r in "${requested[@]}"; do
	[[ ,$all_workloads, == *",$r,"* ]] || bad_usage "unknown workload '$r' (want some of $all_workloads)"
done
((${#workloads[@]})) || bad_usage "--workloads names none of $all_workloads"
has_workload() {
	local w
	for w in "${workloads[@]}"; do [[ $w == "$1" ]] && return 0; done
	return 1
}
# pglcheck's workloads this run needs (mixed is made of all three).
pgl_only=()
for w in nested window totals; do
	if has_workload "$w" || has_workload mixed; then pgl_only+=("$w"); fi
done

# --- environment -------------------------------------------------------------

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

for tool in go psql pgbench; do
	command -v "$tool" >/dev/null || die "$tool is not installed (PostgreSQL's client tools and Go are needed)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time is not installed (Debian package 'time'); it measures the seed"
if [[ $postgraphile == on ]]; then
	command -v npm >/dev/null || die "npm is not installed: PostGraphile needs it (or --postgraphile off)"
fi

pg_host=${PGHOST:-127.0.0.1}
pg_port=${PGPORT:-5432}
pg_user=${PGUSER:-postgres}
db="civicgraph_bench_${scale}"
import_db="civicgraph_bench_import"
admin_url="postgres://${pg_user}@${pg_host}:${pg_port}/postgres?sslmode=disable"
db_url="postgres://${pg_user}@${pg_host}:${pg_port}/${db}?sslmode=disable"
import_url="postgres://${pg_user}@${pg_host}:${pg_port}/${import_db}?sslmode=disable"
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$admin_url" "$@"; }

psql_admin -c 'SELECT 1' >/dev/null 2>&1 ||
	die "cannot reach PostgreSQL as $pg_user at $pg_host:$pg_port (set PGHOST/PGPORT/PGUSER)"

work=$(mktemp -d "${TMPDIR:-/tmp}/civicbench.XXXXXX")
cut -d' ' -f1-3 /proc/loadavg >"$work/loadavg.start"
if [[ -z $results_dir ]]; then
	if ((smoke)); then results_dir=$work/results; else results_dir=bench/results; fi
fi
[[ $results_dir == /* ]] || results_dir="$root/$results_dir"
cache_dir=${CIVICBENCH_CACHE:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/civicgraph-bench}
mkdir -p "$cache_dir" 2>/dev/null || cache_dir=$work/cache # no writable home: seed afresh each run

# --- cleanup: whatever happens, no server or seed is left running ------------

cg_pid=""
hot_pid=""
pgl_pid=""
seed_pid=""
poller_pid=""
child_pid=""
run_dir=""
import_db_made=0

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

stop_servers() {
	# serve finishes requests in flight for up to 30 s
	if [[ -n $cg_pid ]]; then stop_pid "$cg_pid" 35 && cg_pid=""; fi
	if [[ -n $hot_pid ]]; then stop_pid "$hot_pid" 35 && hot_pid=""; fi
	if [[ -n $pgl_pid ]]; then stop_pid "$pgl_pid" 10 && pgl_pid=""; fi
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
	stop_servers
	if ((import_db_made)); then
		psql_admin -c "DROP DATABASE IF EXISTS \"$import_db\" WITH (FORCE)" >/dev/null 2>&1 || true
	fi
	if ((rc != 0)) && [[ -n $run_dir && -d $run_dir && $run_dir != "$work"/* ]]; then
		# A failed run leaves nothing in the results: its folder joins the work files.
		mv "$run_dir" "$work/results-incomplete" 2>/dev/null || true
	fi
	if ((rc == 0 && !keep)); then
		rm -rf "$work"
	else
		echo "run.sh: work files (logs, scripts, JSON) kept in $work" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

what="benchmark"
((smoke)) && what="SMOKE RUN (not a measurement)"
echo "civicgraph $what: scale $scale, workloads ${workloads[*]}, $clients clients, ${duration}s (+${warmup}s warm-up)"
echo "  PostGraphile $postgraphile, response cache $response_cache, import $do_import ($import_records records), demo $do_demo, explain $do_explain"
echo "load average now: $(cat "$work/loadavg.start") on $(nproc) CPUs; work directory $work"

# --- build ---------------------------------------------------------------------

step "building civicgraph, civicbench and pglcheck"
revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
go build -o "$work/civicgraph" ./cmd/civicgraph
go build -o "$work/civicbench" ./bench/cmd/civicbench
go build -o "$work/pglcheck" ./bench/cmd/pglcheck
bench() { run_child "$work/civicbench" "$@"; }

run_name="$scale-$(date -u +%Y-%m-%d)"
((smoke)) && run_name="smoke-$run_name"
run_dir=$(bench rundir -results "$results_dir" -name "$run_name")
echo "  results will go to $run_dir"

# --- serve --demo on an empty store ---------------------------------------------

if [[ $do_demo == on ]]; then
	step "serve --demo on an empty store: time to its first answer"
	bench demo -civicgraph "$work/civicgraph" -out "$work/demo.json"
fi

# --- the dataset ------------------------------------------------------------

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

# --- the servers ---------------------------------------------------------------

# wait_line FILE PATTERN PID WHAT: the first match of PATTERN in FILE, once
# the process PID prints it (up to 10 minutes: serve migrates first,
# PostGraphile's start.sh may run npm ci).
wait_line() {
	local file=$1 pattern=$2 pid=$3 what=$4 i line
	for ((i = 0; i < 6000; i++)); do
		line=$(grep -o -m1 "$pattern" "$file" 2>/dev/null || true)
		if [[ -n $line ]]; then
			echo "$line"
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 20 "${file%.out}.log" >&2 2>/dev/null || true
			die "$what exited before listening (logs in $work)"
		fi
		sleep 0.1
	done
	die "$what did not start listening within 10 minutes (logs in $work)"
}

step "creating an ADMIN API key for the run"
# serve migrates first, so the key table exists even in an older database.
CIVICBENCH_API_KEY=$("$work/civicgraph" apikey create --name "bench-$(date -u +%Y%m%dT%H%M%SZ)-$$" --role ADMIN --database "$db_url" | tail -n1)
export CIVICBENCH_API_KEY

# No rate limit (the load is the point) and a request timeout above the
# load's own; the admin listener serves pprof for --profile.
serve_flags="--listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --rate-limit -1 --request-timeout $((request_timeout + 10))s"
# start_civicgraph NAME CACHE_MB: starts a server; sets started_pid, started_url, started_admin.
start_civicgraph() {
	local name=$1 cache_mb=$2
	# shellcheck disable=SC2086 # serve_flags is a list of words
	"$work/civicgraph" serve --database "$db_url" $serve_flags --response-cache-mb "$cache_mb" \
		>"$work/$name.out" 2>"$work/$name.log" &
	started_pid=$!
	started_url=$(wait_line "$work/$name.out" 'listening on http://127\.0\.0\.1:[0-9]*' "$started_pid" "civicgraph serve ($name)")
	started_url="${started_url#listening on }"
	started_admin=$(wait_line "$work/$name.out" 'admin listening on http://127\.0\.0\.1:[0-9]*' "$started_pid" "civicgraph's admin listener ($name)")
	started_admin="${started_admin#admin listening on }"
	bench wait -url "$started_url/healthz" -timeout 60s >/dev/null
}

cache_first=0
if [[ $response_cache == on ]]; then cache_first=64; fi
step "starting civicgraph serve (response cache $([[ $response_cache == on ]] && echo on || echo off))"
start_civicgraph civicgraph "$cache_first"
cg_pid=$started_pid cg_url=$started_url cg_admin=$started_admin
echo "  pid $cg_pid at $cg_url/graphql, admin $cg_admin"
if [[ $response_cache == both ]]; then
	step "starting a second civicgraph serve with its response cache on"
	start_civicgraph civicgraph-cache 64
	hot_pid=$started_pid hot_url=$started_url
	echo "  pid $hot_pid at $hot_url/graphql"
fi

pgl_url=""
pgl_version=""
if [[ $postgraphile == on ]] && { has_workload nested || has_workload window || has_workload totals; }; then
	step "starting PostGraphile 5 (bench/postgraphile/start.sh)"
	bench/postgraphile/start.sh "$db_url" 127.0.0.1:0 >"$work/postgraphile.out" 2>"$work/postgraphile.log" &
	pgl_pid=$! # start.sh execs node: this is the server's pid
	pgl_url=$(wait_line "$work/postgraphile.out" 'http://127\.0\.0\.1:[0-9]*/graphql' "$pgl_pid" "PostGraphile")
	bench wait -url "${pgl_url%/graphql}/healthz" -timeout 60s >/dev/null
	pgl_pkg=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' bench/postgraphile/node_modules/postgraphile/package.json | head -n1)
	pgl_version="postgraphile $pgl_pkg, $(grep -o 'node v[0-9.]*' "$work/postgraphile.out" | head -n1)"
	echo "  $(head -n1 "$work/postgraphile.out"), pid $pgl_pid"
fi

# --- checks and plans ------------------------------------------------------------

if ((${#pgl_only[@]})); then
	step "pglcheck: the same answers from civicgraph${pgl_url:+, PostGraphile} and the SQL for $(
		IFS=,
		echo "${pgl_only[*]}"
	)"
	pgl_flags=(-civicgraph "$cg_url/graphql" -database "$db_url" -out "$work/checked" -n 0 -only "$(
		IFS=,
		echo "${pgl_only[*]}"
	)")
	if [[ -n $pgl_url ]]; then pgl_flags+=(-postgraphile "$pgl_url"); fi
	if ! run_child "$work/pglcheck" "${pgl_flags[@]}"; then
		((allow_mismatch)) || die "pglcheck found different answers or failed (rerun with --allow-mismatch to measure anyway)"
	fi
fi

prepare_flags=(-url "$cg_url/graphql" -database "$db_url" -dir "$work" -pglcheck "$work/checked")
if [[ -n $pgl_url ]]; then prepare_flags+=(-postgraphile "$pgl_url"); fi
if ((allow_mismatch)); then prepare_flags+=(-allow-mismatch); fi
for w in "${workloads[@]}"; do
	step "preparing $w: parameters from the data, every baseline checked against civicgraph"
	bench prepare -workload "$w" "${prepare_flags[@]}"
done

# --- the measurements ------------------------------------------------------------

# reset_hwm PID: the peak RSS (VmHWM) starts again from the current RSS.
hwm_reset=1
reset_hwm() {
	if ! { echo 5 >"/proc/$1/clear_refs"; } 2>/dev/null; then
		if ((hwm_reset)); then
			echo "  warning: cannot reset /proc/$1/clear_refs: peak RSS figures are cumulative over the run" >&2
		fi
		hwm_reset=0
	fi
}

load_flags=(-clients "$clients" -duration "${duration}s" -warmup "${warmup}s" -max-requests "$max_requests"
	-slow-max-requests "$slow_max_requests" -timeout "${request_timeout}s")
# measure WORKLOAD TARGET PID URL [EXTRA...]: one load and the server's status after it.
measure() {
	local w=$1 target=$2 pid=$3 url=$4
	shift 4
	reset_hwm "$pid"
	bench load -workload "$w" -target "$target" -url "$url" -dir "$work" "${load_flags[@]}" "$@"
	kill -0 "$pid" 2>/dev/null || die "the $target server died during the load (logs in $work)"
	cp "/proc/$pid/status" "$work/$w.$target.status"
	echo "  server $(grep -E '^VmHWM' "$work/$w.$target.status" | tr -s '\t ' ' ')"
}

for w in "${workloads[@]}"; do
	step "$w: civicgraph, $clients clients for ${duration}s"
	extra=()
	if ((profile)); then extra=(-profile "$cg_admin" -profile-dir "$run_dir/profiles"); fi
	measure "$w" civicgraph "$cg_pid" "$cg_url/graphql" "${extra[@]}"
	if [[ -n $hot_pid ]]; then
		step "$w: civicgraph with its response cache on"
		measure "$w" civicgraph-cache "$hot_pid" "$hot_url/graphql"
	fi
	if [[ -n $pgl_url ]] && [[ $w == nested || $w == window || $w == totals ]]; then
		step "$w: PostGraphile 5, $clients clients for ${duration}s"
		measure "$w" postgraphile "$pgl_pid" "$pgl_url"
	fi
	step "$w: the SQL baselines under pgbench, $clients clients for ${duration}s"
	bench pgbench -workload "$w" -dir "$work" -database "$db_url" -clients "$clients" -jobs "$jobs" -duration "$duration"
done

step "stopping the servers"
stop_servers

if [[ $do_explain == on ]]; then
	step "EXPLAIN (ANALYZE, BUFFERS) of every baseline statement"
	bench explain -dir "$work" -database "$db_url" -out "$run_dir/explain" -workloads "$(
		IFS=,
		echo "${workloads[*]}"
	)"
fi

# --- import throughput -------------------------------------------------------------

if [[ $do_import == on ]]; then
	step "import throughput on PostgreSQL: $import_records records into a copy of $db"
	psql_admin -c "DROP DATABASE IF EXISTS \"$import_db\" WITH (FORCE)"
	import_db_made=1
	copy_start=$(date +%s.%N)
	run_child psql -X -q -v ON_ERROR_STOP=1 -d "$admin_url" -c "CREATE DATABASE \"$import_db\" TEMPLATE \"$db\" STRATEGY FILE_COPY"
	echo "  copied in $(awk -v a="$copy_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
	bench records -civicgraph "$work/civicgraph" -database "$db_url" -n "$import_records" -out "$work/records.pg.ndjson"
	bench import -civicgraph "$work/civicgraph" -database "$import_url" -file "$work/records.pg.ndjson" \
		-base "a copy of $db" -out "$work/import.postgresql.json"
	psql_admin -c "DROP DATABASE \"$import_db\" WITH (FORCE)"
	import_db_made=0
	rm -f "$work/records.pg.ndjson"

	sqlite_base="$cache_dir/sqlite-$sqlite_scale-seed$seed.db"
	if [[ ! -f $sqlite_base.done || $fresh == 1 ]]; then
		step "seeding the SQLite store for the import: civicgraph seed --scale $sqlite_scale --seed $seed (kept in $cache_dir)"
		mkdir -p "$cache_dir"
		rm -f "$sqlite_base" "$sqlite_base"-* "$sqlite_base.done" "$sqlite_base.tmp"*
		run_child "$work/civicgraph" seed --scale "$sqlite_scale" --seed "$seed" --database "sqlite:$sqlite_base.tmp"
		for f in "$sqlite_base.tmp"*; do mv "$f" "$sqlite_base${f#"$sqlite_base.tmp"}"; done
		echo "civicgraph-bench scale=$sqlite_scale seed=$seed seeded_at=$(date -u +%Y-%m-%dT%H:%M:%SZ) revision=$revision" >"$sqlite_base.done"
	fi
	step "import throughput on SQLite: $import_records records into a copy of the seeded $sqlite_scale store"
	echo "  $(cat "$sqlite_base.done")"
	for f in "$sqlite_base" "$sqlite_base"-wal "$sqlite_base"-shm; do
		[[ -f $f ]] && cp "$f" "$work/import.db${f#"$sqlite_base"}"
	done
	bench records -civicgraph "$work/civicgraph" -database "sqlite:$sqlite_base" -n "$import_records" -out "$work/records.sqlite.ndjson"
	bench import -civicgraph "$work/civicgraph" -database "sqlite:$work/import.db" -file "$work/records.sqlite.ndjson" \
		-base "a copy of a SQLite store seeded with --scale $sqlite_scale" -out "$work/import.sqlite.json"
	rm -f "$work/records.sqlite.ndjson" "$work/import.db" "$work/import.db"-*
fi

# --- the results -------------------------------------------------------------------

step "results"
report_flags=(-dir "$work" -database "$db_url" -out "$run_dir" -scale "$scale" -command "$command_line" -revision "$revision"
	-workloads "$(
		IFS=,
		echo "${workloads[*]}"
	)" -clients "$clients" -jobs "$jobs" -duration "$duration" -warmup "$warmup" -response-cache "$response_cache"
	-serve-flags "$serve_flags --response-cache-mb $cache_first" -sqlite-scale "$sqlite_scale")
if [[ -n $pgl_version ]]; then report_flags+=(-postgraphile "$pgl_version"); fi
if ((reused)); then report_flags+=(-reused); fi
if ((smoke)); then report_flags+=(-smoke); fi
bench report "${report_flags[@]}"
