#!/usr/bin/env bash
# bench/postgraphile/check.sh — issue 6's side-by-side preparation: civicgraph
# and PostGraphile 5 over the same database must give the same answers to the
# workloads of bench/workloads/, and so must the baseline SQL for pgbench.
# Not a load test: a few sequential requests each (bench/README.md,
# "PostGraphile baseline (issue 6)").
#
#   bench/postgraphile/check.sh                       # database cg_pgl_small, seeded on first use
#   bench/postgraphile/check.sh --database postgres://postgres@127.0.0.1:5432/civicgraph_bench_city?sslmode=disable
#
# 1. the database: cg_pgl_<scale>, reused when an earlier check seeded it with
#    the same scale and seed, else created and seeded with `civicgraph seed`
#    (or --database URL, used as it is: it must hold a seeded civicgraph);
# 2. civicgraph serve on 127.0.0.1 (a free port), with an ADMIN key;
# 3. PostGraphile (bench/postgraphile/start.sh, Node 22 from npm) on 127.0.0.1;
# 4. pglcheck: parameters from the data, the answers compared, N sequential
#    requests timed; request bodies and pgbench scripts written to the output
#    folder; then both servers' peak RSS, and both are stopped.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/postgraphile/check.sh [options]

  --scale S          small|medium|city|province: the database cg_pgl_<S> (default small)
  --seed N           seed of the synthetic data (default 1)
  --fresh            drop and re-seed cg_pgl_<S> even if it holds that scale
  --database URL     use this database as it is instead (no seeding)
  --requests N       sequential requests per workload and server for the rough timings (default 50; 0: compare only)
  --only W,...       some of nested,window,totals
  --response-cache on|off
                     civicgraph's response cache (default off: every answer computed)
  --out DIR          where pglcheck writes bodies, pgbench scripts and answers (default: the work folder's out/)

PostgreSQL: PGHOST, PGPORT, PGUSER (default 127.0.0.1, 5432, postgres), trust auth.
EOF
}

die() {
	echo "check.sh: $*" >&2
	exit 1
}
bad_usage() {
	echo "check.sh: $*" >&2
	usage >&2
	exit 2
}
step() { printf '\n==> %s\n' "$*"; }

scale=small
seed=1
fresh=0
db_url=""
requests=50
only=""
response_cache=off
out=""
while (($#)); do
	arg=$1
	shift
	if [[ $arg == --*=* ]]; then
		set -- "${arg#*=}" "$@"
		arg=${arg%%=*}
	fi
	case $arg in
	--fresh) fresh=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	--scale | --seed | --database | --requests | --only | --response-cache | --out)
		(($#)) || bad_usage "$arg needs a value"
		value=$1
		shift
		case $arg in
		--scale) scale=$value ;;
		--seed) seed=$value ;;
		--database) db_url=$value ;;
		--requests) requests=$value ;;
		--only) only=$value ;;
		--response-cache) response_cache=$value ;;
		--out) out=$value ;;
		esac
		;;
	*) bad_usage "unknown argument '$arg'" ;;
	esac
done
case $scale in small | medium | city | province) ;; *) bad_usage "unknown scale '$scale'" ;; esac
case $response_cache in on) cache_mb=64 ;; off) cache_mb=0 ;; *) bad_usage "--response-cache takes on or off" ;; esac
[[ $seed =~ ^[1-9][0-9]*$ ]] || bad_usage "--seed must be a positive integer"
[[ $requests =~ ^[0-9]+$ ]] || bad_usage "--requests must be a whole number"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
for tool in go psql npm; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done

pg_host=${PGHOST:-127.0.0.1}
pg_port=${PGPORT:-5432}
pg_user=${PGUSER:-postgres}
admin_url="postgres://${pg_user}@${pg_host}:${pg_port}/postgres?sslmode=disable"
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$admin_url" "$@"; }
psql_admin -c 'SELECT 1' >/dev/null 2>&1 || die "cannot reach PostgreSQL as $pg_user at $pg_host:$pg_port"

work=$(mktemp -d "${TMPDIR:-/tmp}/pglcheck.XXXXXX")
[[ -n $out ]] || out="$work/out"
[[ $out == /* ]] || out="$root/$out"

cg_pid=""
pgl_pid=""
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
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n $pgl_pid ]]; then stop_pid "$pgl_pid" 10; fi
	if [[ -n $cg_pid ]]; then stop_pid "$cg_pid" 35; fi
	echo "check.sh: logs in $work; pglcheck's output in $out" >&2
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- build ---------------------------------------------------------------------

step "building civicgraph and pglcheck"
go build -o "$work/civicgraph" ./cmd/civicgraph
go build -o "$work/pglcheck" ./bench/cmd/pglcheck

# --- the database --------------------------------------------------------------

if [[ -n $db_url ]]; then
	step "using the database $db_url as it is"
else
	db="cg_pgl_${scale}"
	db_url="postgres://${pg_user}@${pg_host}:${pg_port}/${db}?sslmode=disable"
	marker="pglcheck scale=$scale seed=$seed"
	comment=$(psql_admin -c "SELECT coalesce(shobj_description(oid, 'pg_database'), '-') FROM pg_database WHERE datname = '$db'")
	if [[ -n $comment && $comment == "$marker" && $fresh == 0 ]]; then
		step "reusing database $db ($marker; --fresh re-seeds it)"
	else
		if [[ -n $comment ]]; then
			if ((fresh)); then why="--fresh"; elif [[ $comment == - ]]; then why="it has no pglcheck marker"; else why="it holds '$comment'"; fi
			step "dropping database $db: $why"
			psql_admin -c "DROP DATABASE \"$db\" WITH (FORCE)"
		fi
		step "creating database $db and seeding it: civicgraph seed --scale $scale --seed $seed"
		psql_admin -c "CREATE DATABASE \"$db\""
		"$work/civicgraph" seed --scale "$scale" --seed "$seed" --database "$db_url"
		psql -X -q -v ON_ERROR_STOP=1 -d "$db_url" -c "VACUUM (ANALYZE)"
		psql_admin -c "COMMENT ON DATABASE \"$db\" IS '$marker'"
	fi
fi

# --- the servers ---------------------------------------------------------------

# wait_line FILE PATTERN PID WHAT: the first match of PATTERN in FILE, once
# the process PID prints it (up to 10 minutes: serve migrates first, start.sh
# may run npm ci).
wait_line() {
	local file=$1 pattern=$2 pid=$3 what=$4 i line
	for ((i = 0; i < 6000; i++)); do
		line=$(grep -o -m1 "$pattern" "$file" 2>/dev/null || true)
		if [[ -n $line ]]; then
			echo "$line"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || die "$what exited before listening (logs in $work)"
		sleep 0.1
	done
	die "$what did not start listening within 10 minutes (logs in $work)"
}

step "starting civicgraph serve (response cache $response_cache)"
CIVICBENCH_API_KEY=$("$work/civicgraph" apikey create --name "pglcheck-$(date -u +%Y%m%dT%H%M%SZ)-$$" --role ADMIN --database "$db_url" | tail -n1)
export CIVICBENCH_API_KEY
"$work/civicgraph" serve --database "$db_url" --listen 127.0.0.1:0 --rate-limit -1 --request-timeout 300s \
	--response-cache-mb "$cache_mb" >"$work/civicgraph.out" 2>"$work/civicgraph.log" &
cg_pid=$!
cg_addr=$(wait_line "$work/civicgraph.out" 'http://127\.0\.0\.1:[0-9]*' "$cg_pid" "civicgraph serve")
echo "  civicgraph pid $cg_pid at $cg_addr/graphql"

step "starting PostGraphile (bench/postgraphile/start.sh)"
bench/postgraphile/start.sh "$db_url" 127.0.0.1:0 >"$work/postgraphile.out" 2>"$work/postgraphile.log" &
pgl_pid=$! # start.sh execs node: this is the server's pid
pgl_url=$(wait_line "$work/postgraphile.out" 'http://127\.0\.0\.1:[0-9]*/graphql' "$pgl_pid" "PostGraphile")
echo "  $(head -n1 "$work/postgraphile.out"), pid $pgl_pid"

# --- the check -----------------------------------------------------------------

step "pglcheck: the same answers from civicgraph, PostGraphile and the baseline SQL"
flags=(-civicgraph "$cg_addr/graphql" -postgraphile "$pgl_url" -database "$db_url" -out "$out" -n "$requests")
if [[ -n $only ]]; then flags+=(-only "$only"); fi
rc=0
"$work/pglcheck" "${flags[@]}" || rc=$?

step "servers' peak RSS (VmHWM) after the check"
for pair in "civicgraph:$cg_pid" "postgraphile:$pgl_pid"; do
	pid=${pair#*:}
	[[ -r /proc/$pid/status ]] && echo "  ${pair%%:*}: $(grep -E '^VmHWM' "/proc/$pid/status" | tr -s '\t ' ' ')"
done
exit "$rc"
