#!/usr/bin/env bash
# Builds a real PostgreSQL primary and hot standby on this machine, for
# civicgraph's read replicas (serve --replica-url):
#
#   ./scripts/replica-pair.sh            build, print both URLs, wait for Ctrl-C (or SIGTERM), tear down
#   ./scripts/replica-pair.sh --test [go test args...]
#                                        build, run the replica tests against the pair, tear down
#
# Steps: initdb the primary (wal_level=replica, a replication role
# `replicator`, pg_hba letting it replicate from the loopback), start it;
# pg_basebackup -R from it over a physical replication slot (the standby's
# primary_conninfo and standby.signal come from -R); start the standby; wait
# until it streams and has replayed everything.
#
# --test runs `go test -race -count=1 -run Replica` on the packages with
# replica tests (or the go test arguments given), with
#   CIVICGRAPH_TEST_PRIMARY_URL   the primary's postgres database
#   CIVICGRAPH_TEST_REPLICA_URL   the standby's postgres database
#   CIVICGRAPH_TEST_REPLICA_DATA  the standby's data directory (the tests stop
#                                 and start it: its log is standby.log and its
#                                 socket directory sock-standby beside it)
# and CIVICGRAPH_TEST_POSTGRES_URL set to the primary unless already set.
# Without these variables the same tests build a pair of their own
# (internal/storetest/standby.go does what this script does).
#
# Environment:
#   CIVICGRAPH_TEST_POSTGRES_BIN  server binaries (default /usr/lib/postgresql/15/bin)
#   REPLICA_PAIR_PORTS            "FIRST LAST": the port range to pick two free
#                                 ports from (default "55600 55699")
#
# As root the servers run as the postgres system user (runuser -u postgres),
# as internal/storetest/pgcluster.go runs them: initdb refuses root.
set -euo pipefail

bin=${CIVICGRAPH_TEST_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
read -r port_first port_last <<<"${REPLICA_PAIR_PORTS:-55600 55699}"
repo=$(cd "$(dirname "$0")/.." && pwd)

die() {
	printf 'replica-pair.sh: ERROR: %s\n' "$*" >&2
	exit 1
}
log() { printf 'replica-pair.sh: %s\n' "$*"; }

testing=0
if [[ ${1:-} == --test ]]; then
	testing=1
	shift
elif [[ $# -gt 0 ]]; then
	die "usage: $0 [--test [go test args...]]"
fi

for tool in initdb pg_ctl pg_basebackup psql; do
	[[ -x $bin/$tool ]] || die "$bin/$tool is missing: install PostgreSQL 15 or set CIVICGRAPH_TEST_POSTGRES_BIN"
done

# as_pg runs a server program as the user that owns the clusters.
as_pg() {
	if [[ $(id -u) == 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# free_port prints a port of the range that nothing listens on, skipping $1.
free_port() {
	local p
	for ((p = port_first; p <= port_last; p++)); do
		[[ $p == "${1:-}" ]] && continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	die "no free port in $port_first-$port_last"
}

base=$(mktemp -d /tmp/civicgraph-replica-pair.XXXXXX)
chmod 755 "$base"
mkdir -m 700 "$base/sock-primary" "$base/sock-standby"
touch "$base/primary.log" "$base/standby.log"
if [[ $(id -u) == 0 ]]; then
	chown postgres: "$base" "$base/sock-primary" "$base/sock-standby" "$base/primary.log" "$base/standby.log"
fi
primary_data=$base/primary
standby_data=$base/standby

teardown() {
	local rc=$?
	set +e
	for data in "$standby_data" "$primary_data"; do
		if [[ -f $data/postmaster.pid ]]; then
			as_pg "$bin/pg_ctl" stop -w -t 60 -D "$data" -m fast >/dev/null
		fi
	done
	if [[ $rc != 0 && $rc != 130 ]]; then
		for f in primary standby; do
			[[ -s $base/$f.log ]] && { echo "--- $f.log"; tail -n 30 "$base/$f.log"; }
		done
	fi
	rm -rf "$base"
	exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

primary_port=$(free_port)
standby_port=$(free_port "$primary_port")

# Settings both servers start with: their own port and socket directory,
# loopback only, and no waiting for the disk (a test's data need not
# survive the machine's crash).
options() { echo "-p $1 -k $2 -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=50"; }

log "primary: initdb in $primary_data"
as_pg "$bin/initdb" -D "$primary_data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync --no-instructions >/dev/null
# PostgreSQL 15's defaults already stream (wal_level=replica,
# max_wal_senders=10); saying so keeps the script right if they change.
cat >>"$primary_data/postgresql.conf" <<EOF
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
hot_standby = on
EOF
cat >>"$primary_data/pg_hba.conf" <<EOF
host replication replicator 127.0.0.1/32 trust
EOF
as_pg "$bin/pg_ctl" start -w -t 60 -D "$primary_data" -l "$base/primary.log" -o "$(options "$primary_port" "$base/sock-primary")" >/dev/null
as_pg "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$primary_port" -U postgres -d postgres \
	-c "CREATE ROLE replicator WITH REPLICATION LOGIN"

log "standby: pg_basebackup -R over the slot civicgraph_standby"
as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U replicator -D "$standby_data" \
	-R -X stream -C -S civicgraph_standby -c fast --no-sync
as_pg "$bin/pg_ctl" start -w -t 60 -D "$standby_data" -l "$base/standby.log" -o "$(options "$standby_port" "$base/sock-standby")" >/dev/null

psql_at() { as_pg "$bin/psql" -X -A -t -q -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2"; }
for ((i = 0; ; i++)); do
	[[ $(psql_at "$standby_port" "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'") == 1 ]] && break
	((i < 300)) || die "the standby did not start streaming in 30 s"
	sleep 0.1
done
lsn=$(psql_at "$primary_port" "SELECT pg_current_wal_lsn()")
for ((i = 0; ; i++)); do
	[[ $(psql_at "$standby_port" "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn") == t ]] && break
	((i < 300)) || die "the standby did not replay the primary's WAL in 30 s"
	sleep 0.1
done
[[ $(psql_at "$standby_port" "SELECT pg_is_in_recovery()") == t ]] || die "the standby is not in recovery"

primary_url="postgres://postgres@127.0.0.1:$primary_port/postgres?sslmode=disable"
replica_url="postgres://postgres@127.0.0.1:$standby_port/postgres?sslmode=disable"
log "the standby streams from the primary"
echo "primary: $primary_url"
echo "replica: $replica_url"

if ((testing == 0)); then
	echo "serve with: civicgraph serve --database '$primary_url' --replica-url '$replica_url'"
	echo "(Ctrl-C stops and removes both)"
	# In the background: bash runs a trap only once the command it waits for ends.
	while true; do
		sleep 3600 &
		wait $!
	done
fi

export PATH=/usr/local/go/bin:$PATH
export CIVICGRAPH_TEST_PRIMARY_URL=$primary_url
export CIVICGRAPH_TEST_REPLICA_URL=$replica_url
export CIVICGRAPH_TEST_REPLICA_DATA=$standby_data
export CIVICGRAPH_TEST_POSTGRES_URL=${CIVICGRAPH_TEST_POSTGRES_URL:-$primary_url}
args=("$@")
if ((${#args[@]} == 0)); then
	args=(-run Replica ./internal/store/ ./internal/server/ ./cmd/civicgraph/)
fi
cd "$repo"
log "go test -race -count=1 ${args[*]}"
nice -n 10 go test -race -count=1 "${args[@]}"
