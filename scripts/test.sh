#!/usr/bin/env bash
# Runs the whole civicgraph test suite: ./scripts/test.sh [go test args...]
#
# Steps (each prints a "== step ==" banner and its elapsed time):
#   1. toolchain   put /usr/local/go/bin and $(go env GOPATH)/bin on PATH
#   2. hygiene     gofmt -l must print nothing; go vet ./...
#   3. generate    gqlgen output under graph/ must be up to date
#   4. postgres    export CIVICGRAPH_TEST_POSTGRES_URL (admin URL: CREATE/DROP DATABASE)
#   5. browser     npm ci in tests/browser; Debian chromium (and a CJK font); export CHROMIUM
#   6. test        go test -race -count=1 -timeout 20m ./...
#   7. bench smoke bench/run.sh --smoke --profile: the benchmark harness end to
#                  end on a small dataset (under a minute; no thresholds)
#
# Arguments, if any, replace ./... in step 6 (-race -count=1 -timeout 20m are
# kept, and a later -timeout given by you wins), e.g.
#   ./scripts/test.sh -run TestFoo ./internal/query/
#
# Environment:
#   CIVICGRAPH_TEST_POSTGRES_URL  use this PostgreSQL admin URL as is (it must
#                                 be allowed to CREATE/DROP DATABASE).
#   CIVICGRAPH_TEST_PG=throwaway  ignore CIVICGRAPH_TEST_POSTGRES_URL and any
#                                 server on 127.0.0.1:5432 and always start a
#                                 throwaway cluster (initdb + pg_ctl on a free
#                                 port, removed on exit). Default: auto.
#   CIVICGRAPH_TEST_ONLY_PG=1     run steps 1 and 4 only: print the URL, check
#                                 that it can create and drop a database, stop.
#
# PostgreSQL resolution order (step 4):
#   a) CIVICGRAPH_TEST_POSTGRES_URL from the environment;
#   b) a server on 127.0.0.1:5432 that accepts user postgres (then root) with
#      trust auth;
#   c) a throwaway cluster from /usr/lib/postgresql/<highest>/bin, installing
#      Debian's postgresql package first when running as root and none is
#      installed; run as the postgres system user (initdb refuses root);
#   d) otherwise fail with what was tried. PostgreSQL tests are never skipped.
set -euo pipefail

# ---------------------------------------------------------------------------
# helpers

log() { printf '%s\n' "$*"; }
warn() { printf 'test.sh: warning: %s\n' "$*" >&2; }
die() {
	printf '\ntest.sh: ERROR: %s\n' "$*" >&2
	exit 1
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

script_start=$(now)
step_name=""
step_start=""

step() {
	step_end
	step_name=$1
	step_start=$(now)
	printf '\n== %s ==\n' "$step_name"
}

step_end() {
	if [[ -n $step_name ]]; then
		printf -- '-- %s: done in %s\n' "$step_name" "$(elapsed "$step_start")"
	fi
	step_name=""
}

is_root() { [[ $(id -u) -eq 0 ]]; }

apt_updated=0
apt_install() {
	is_root || return 1
	command -v apt-get >/dev/null 2>&1 || return 1
	if [[ $apt_updated -eq 0 ]]; then
		log "apt-get update"
		DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 update </dev/null || return 1
		apt_updated=1
	fi
	log "apt-get install -y $*"
	DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 install -y "$@" </dev/null
}

# Runs on every exit: stops the throwaway PostgreSQL cluster (if any) and says
# which step failed.
pg_tmp=""
pg_ctl_bin=""
pg_run_as=""
test_pid=""
on_exit() {
	local rc=$? _
	set +e
	if [[ -n $test_pid ]] && kill -0 "$test_pid" 2>/dev/null; then
		log "stopping go test (pid $test_pid)"
		kill -TERM -- "-$test_pid" 2>/dev/null || kill -TERM "$test_pid" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$test_pid" 2>/dev/null || break
			sleep 0.5
		done
		kill -KILL -- "-$test_pid" 2>/dev/null || kill -KILL "$test_pid" 2>/dev/null
	fi
	if [[ -n $pg_tmp && -d $pg_tmp ]]; then
		if [[ -f $pg_tmp/data/postmaster.pid ]]; then
			log "stopping throwaway PostgreSQL in $pg_tmp"
			if ! as_pg "$pg_ctl_bin" -D "$pg_tmp/data" -m immediate -w -t 30 stop >/dev/null 2>&1; then
				warn "pg_ctl stop failed: killing the postmaster"
				kill -KILL "$(head -n1 "$pg_tmp/data/postmaster.pid" 2>/dev/null)" 2>/dev/null
			fi
		fi
		rm -rf -- "$pg_tmp"
	fi
	if [[ $rc -ne 0 && -n $step_name ]]; then
		printf -- '-- %s: FAILED after %s (exit %d)\n' "$step_name" "$(elapsed "$step_start")" "$rc" >&2
	fi
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---------------------------------------------------------------------------
# repository root

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if root=$(git -C "$script_dir" rev-parse --show-toplevel 2>/dev/null); then
	cd "$root"
else
	cd "$script_dir/.."
fi
[[ -f go.mod ]] || die "no go.mod in $(pwd): cannot find the repository root"

# ---------------------------------------------------------------------------
step "toolchain"

case ":$PATH:" in
*:/usr/local/go/bin:*) ;;
*) if [[ -d /usr/local/go/bin ]]; then PATH="/usr/local/go/bin:$PATH"; fi ;;
esac
command -v go >/dev/null 2>&1 || die "no 'go' on PATH (looked in /usr/local/go/bin too): install Go first"
gopath=$(go env GOPATH)
gopath_bin="${gopath%%:*}/bin"
case ":$PATH:" in
*:"$gopath_bin":*) ;;
*) PATH="$PATH:$gopath_bin" ;;
esac
export PATH
log "$(go version) ($(command -v go))"
log "repository: $(pwd)"

# ---------------------------------------------------------------------------
# PostgreSQL (step 4; a function so CIVICGRAPH_TEST_ONLY_PG=1 can jump to it)

pg_bindir=""
find_pg_bindir() {
	local d best=""
	for d in /usr/lib/postgresql/*/bin; do
		[[ -x $d/initdb && -x $d/pg_ctl ]] || continue
		if [[ -z $best ]] || [[ $(printf '%s\n%s\n' "$best" "$d" | sort -V | tail -n1) == "$d" ]]; then
			best=$d
		fi
	done
	pg_bindir=$best
	[[ -n $pg_bindir ]]
}

psql_bin=""
find_psql() {
	if command -v psql >/dev/null 2>&1; then
		psql_bin=$(command -v psql)
	elif find_pg_bindir && [[ -x $pg_bindir/psql ]]; then
		psql_bin=$pg_bindir/psql
	else
		psql_bin=""
	fi
	[[ -n $psql_bin ]]
}

# psql_ok URL SQL...: each SQL runs as its own command (CREATE DATABASE cannot
# run in the implicit transaction of a multi-statement -c).
psql_ok() {
	local url=$1 sql args=()
	shift
	for sql in "$@"; do args+=(-c "$sql"); done
	PGCONNECT_TIMEOUT=5 "$psql_bin" -X -q -v ON_ERROR_STOP=1 "$url" "${args[@]}" </dev/null >/dev/null
}

# Does something accept TCP connections on 127.0.0.1:PORT?
tcp_open() {
	# shellcheck disable=SC2016 # $1 is expanded by the inner bash
	timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# Is a PostgreSQL server answering on 127.0.0.1:PORT? Waits a little for one
# that is still starting up.
pg_answers() {
	local port=$1 isready="" _ rc
	if command -v pg_isready >/dev/null 2>&1; then
		isready=$(command -v pg_isready)
	elif find_pg_bindir && [[ -x $pg_bindir/pg_isready ]]; then
		isready=$pg_bindir/pg_isready
	fi
	if [[ -z $isready ]]; then
		tcp_open "$port"
		return
	fi
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		rc=0
		"$isready" -q -h 127.0.0.1 -p "$port" -t 3 || rc=$?
		case $rc in
		0) return 0 ;;
		1) sleep 1 ;; # rejecting connections: starting up
		*) return 1 ;;
		esac
	done
	return 1
}

pg_tried=()
pg_url=""

# (b) the machine's server on 127.0.0.1:5432.
try_local_5432() {
	local user url
	if ! pg_answers 5432; then
		pg_tried+=("nothing answered on 127.0.0.1:5432")
		return 1
	fi
	if ! find_psql; then
		pg_url="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
		warn "no psql found: using $pg_url unverified"
		return 0
	fi
	for user in postgres root; do
		url="postgres://$user@127.0.0.1:5432/postgres?sslmode=disable"
		if psql_ok "$url" 'select 1' 2>/dev/null; then
			pg_url=$url
			return 0
		fi
		pg_tried+=("127.0.0.1:5432 answers but refused $url")
	done
	return 1
}

# as_pg CMD...: run CMD as the user that owns the throwaway cluster.
as_pg() {
	if [[ -z $pg_run_as ]]; then
		"$@"
	elif command -v runuser >/dev/null 2>&1; then
		runuser -u "$pg_run_as" -- "$@"
	else
		su -s /bin/bash "$pg_run_as" -c "$(printf '%q ' "$@")"
	fi
}

# (c) a throwaway cluster from the installed server binaries.
start_throwaway() {
	local base port attempt log_file sockdir
	if ! find_pg_bindir; then
		pg_tried+=("no initdb under /usr/lib/postgresql/*/bin")
		if ! is_root; then
			pg_tried+=("not root, so did not apt-get install postgresql")
			return 1
		fi
		if ! apt_install postgresql; then
			pg_tried+=("apt-get install postgresql failed")
			return 1
		fi
		# Debian's package may have created and started its own cluster.
		if [[ ${CIVICGRAPH_TEST_PG:-auto} != throwaway ]] && try_local_5432; then
			return 0
		fi
		if ! find_pg_bindir; then
			pg_tried+=("still no initdb under /usr/lib/postgresql/*/bin after installing postgresql")
			return 1
		fi
	fi
	pg_ctl_bin=$pg_bindir/pg_ctl
	log "server binaries: $pg_bindir ($("$pg_bindir/postgres" --version 2>/dev/null || echo '?'))"

	# initdb refuses to run as root: use the postgres system user.
	if is_root; then
		pg_run_as=postgres
		if ! id -u "$pg_run_as" >/dev/null 2>&1; then
			log "creating system user $pg_run_as"
			useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
				--shell /bin/bash "$pg_run_as" || {
				pg_tried+=("could not create the $pg_run_as system user")
				return 1
			}
		fi
	fi

	base=${TMPDIR:-/tmp}
	pg_tmp=$(mktemp -d "$base/civicgraph-pg.XXXXXX")
	if [[ -n $pg_run_as ]]; then
		chown "$pg_run_as": "$pg_tmp"
		chmod 700 "$pg_tmp"
		if ! as_pg test -w "$pg_tmp" || [[ ${#pg_tmp} -gt 70 ]]; then
			# The postgres user cannot reach $TMPDIR, or the socket path would
			# be too long: fall back to /tmp.
			rm -rf -- "$pg_tmp"
			pg_tmp=$(mktemp -d /tmp/civicgraph-pg.XXXXXX)
			chown "$pg_run_as": "$pg_tmp"
			chmod 700 "$pg_tmp"
		fi
	fi
	sockdir=$pg_tmp
	log_file=$pg_tmp/postgres.log

	log "initdb in $pg_tmp/data${pg_run_as:+ (as $pg_run_as)}"
	if ! (cd "$pg_tmp" && as_pg "$pg_bindir/initdb" -D "$pg_tmp/data" -A trust -U postgres \
		--locale=C.UTF-8 -E UTF8 --no-sync >"$pg_tmp/initdb.log" 2>&1); then
		log "initdb with --locale=C.UTF-8 failed; retrying with --no-locale"
		as_pg rm -rf -- "$pg_tmp/data"
		if ! (cd "$pg_tmp" && as_pg "$pg_bindir/initdb" -D "$pg_tmp/data" -A trust -U postgres \
			--no-locale -E UTF8 --no-sync >"$pg_tmp/initdb.log" 2>&1); then
			sed 's/^/  initdb: /' "$pg_tmp/initdb.log" >&2 || true
			pg_tried+=("initdb failed (see the output above)")
			return 1
		fi
	fi

	port=55432
	for attempt in 1 2 3 4 5 6 7 8 9 10; do
		while tcp_open "$port" || [[ -e $sockdir/.s.PGSQL.$port ]]; do
			port=$((port + 1))
			[[ $port -lt 55532 ]] || {
				pg_tried+=("no free port in 55432-55531")
				return 1
			}
		done
		log "starting throwaway PostgreSQL on 127.0.0.1:$port (attempt $attempt)"
		if (cd "$pg_tmp" && as_pg "$pg_ctl_bin" -D "$pg_tmp/data" -l "$log_file" -w -t 60 \
			-o "-p $port -k $sockdir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=200" \
			start >/dev/null); then
			pg_url="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
			return 0
		fi
		# Probably lost a race for the port: show why, and try the next one.
		tail -n 5 "$log_file" 2>/dev/null | sed 's/^/  postgres: /' >&2 || true
		as_pg "$pg_ctl_bin" -D "$pg_tmp/data" -m immediate stop >/dev/null 2>&1 || true
		port=$((port + 1))
	done
	pg_tried+=("pg_ctl start failed 10 times (last log: see above)")
	return 1
}

setup_postgres() {
	local mode=${CIVICGRAPH_TEST_PG:-auto} dbname
	case $mode in
	auto | throwaway) ;;
	*) die "CIVICGRAPH_TEST_PG must be 'auto' or 'throwaway', not '$mode'" ;;
	esac

	if [[ $mode == throwaway ]]; then
		log "CIVICGRAPH_TEST_PG=throwaway: starting a throwaway cluster"
		start_throwaway || true
	elif [[ -n ${CIVICGRAPH_TEST_POSTGRES_URL:-} ]]; then
		log "using CIVICGRAPH_TEST_POSTGRES_URL from the environment"
		pg_url=$CIVICGRAPH_TEST_POSTGRES_URL
	elif try_local_5432; then
		log "using the server on 127.0.0.1:5432"
	else
		start_throwaway || true
	fi

	if [[ -z $pg_url ]]; then
		printf '\ntest.sh: ERROR: no PostgreSQL for the tests. Tried:\n' >&2
		printf '  - %s\n' "${pg_tried[@]}" >&2
		printf 'Set CIVICGRAPH_TEST_POSTGRES_URL to an admin URL (one that may CREATE/DROP DATABASE),\nor install Debian'"'"'s postgresql package (apt-get install postgresql) and rerun.\n' >&2
		exit 1
	fi

	export CIVICGRAPH_TEST_POSTGRES_URL=$pg_url
	log "CIVICGRAPH_TEST_POSTGRES_URL=$CIVICGRAPH_TEST_POSTGRES_URL"

	# The tests create and drop databases: check that now.
	if find_psql; then
		dbname="civicgraph_check_$$_$RANDOM"
		psql_ok "$pg_url" "create database $dbname" "drop database $dbname" ||
			die "PostgreSQL at $pg_url cannot create and drop a database (psql: $psql_bin)"
		log "checked: create database / drop database OK ($("$psql_bin" -X -At "$pg_url" -c 'show server_version' </dev/null))"
	else
		warn "no psql: did not check CREATE/DROP DATABASE"
	fi
}

if [[ ${CIVICGRAPH_TEST_ONLY_PG:-} == 1 ]]; then
	step "postgres"
	setup_postgres
	step_end
	log ""
	log "CIVICGRAPH_TEST_ONLY_PG=1: stopping after the PostgreSQL step ($(elapsed "$script_start") in all)"
	exit 0
fi

# ---------------------------------------------------------------------------
step "hygiene: gofmt"

go_files=()
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	while IFS= read -r -d '' f; do
		[[ $f == *node_modules/* || ! -f $f ]] && continue
		go_files+=("$f")
	done < <(git ls-files -z --cached --others --exclude-standard -- '*.go')
else
	while IFS= read -r -d '' f; do
		go_files+=("$f")
	done < <(find . -name '*.go' -not -path '*/node_modules/*' -not -path './.git/*' -print0)
fi
log "${#go_files[@]} Go files"
if [[ ${#go_files[@]} -gt 0 ]]; then
	if ! unformatted=$(printf '%s\0' "${go_files[@]}" | xargs -0 gofmt -l); then
		die "gofmt failed (syntax error above?)"
	fi
	if [[ -n $unformatted ]]; then
		printf '%s\n' "$unformatted" | sed 's/^/  /' >&2
		die "these files are not gofmt-formatted: run 'gofmt -w' on them"
	fi
fi

step "hygiene: go vet"
go vet ./...

# ---------------------------------------------------------------------------
step "generate: gqlgen"

# One "sha256  path" line per file under graph/, so that a change shows even
# when graph/ has uncommitted local edits.
graph_sums() {
	if [[ -d graph ]]; then
		find graph -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
	fi
}

if [[ -f gqlgen.yml || -f gqlgen.yaml || -f .gqlgen.yml ]]; then
	before=$(graph_sums)
	log "graph/ before: $(printf '%s' "$before" | sha256sum | cut -c1-16)"
	go run github.com/99designs/gqlgen generate
	after=$(graph_sums)
	log "graph/ after:  $(printf '%s' "$after" | sha256sum | cut -c1-16)"
	if [[ $before != "$after" ]]; then
		printf 'files the generator changed, added or removed:\n' >&2
		diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sed -n 's/^[<>] [0-9a-f]*  //p' |
			LC_ALL=C sort -u | sed 's/^/  /' >&2 || true
		die "generated code in graph/ was stale: 'go run github.com/99designs/gqlgen generate' changed it.
Run the generator and commit the result (the regenerated files are now in your tree)."
	fi
	log "graph/ is up to date"
else
	log "no gqlgen.yml: nothing to generate"
fi

# ---------------------------------------------------------------------------
step "postgres"
setup_postgres

# ---------------------------------------------------------------------------
step "browser tooling"

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [[ -f tests/browser/package.json ]]; then
	command -v npm >/dev/null 2>&1 || die "tests/browser needs npm, and there is none on PATH"
	if [[ -f tests/browser/package-lock.json ]]; then
		(cd tests/browser && npm ci --no-audit --no-fund </dev/null)
	else
		(cd tests/browser && npm install --no-audit --no-fund </dev/null)
	fi
fi

if [[ ! -x /usr/bin/chromium ]]; then
	is_root || die "/usr/bin/chromium is missing and we are not root: run 'apt-get install chromium'"
	apt_install chromium || die "could not install Debian's chromium with apt-get"
	[[ -x /usr/bin/chromium ]] || die "apt-get installed chromium, but /usr/bin/chromium is still missing"
fi
# The dashboard is in Chinese first: without a CJK font its screenshots show
# boxes instead of characters (the checks read the DOM, so they pass anyway).
if ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK\|Noto Serif CJK\|WenQuanYi'; then
	if is_root; then
		apt_install fonts-noto-cjk || warn "could not install fonts-noto-cjk: dashboard screenshots will lack Chinese glyphs"
	else
		warn "no CJK font (apt-get install fonts-noto-cjk): dashboard screenshots will lack Chinese glyphs"
	fi
fi
export CHROMIUM=/usr/bin/chromium
chromium_version=$("$CHROMIUM" --version 2>/dev/null) || die "$CHROMIUM --version failed"
log "CHROMIUM=$CHROMIUM ($chromium_version)"

# ---------------------------------------------------------------------------
step "test"

if [[ $# -gt 0 ]]; then
	test_args=("$@")
else
	test_args=(./...)
fi
log "go test -race -count=1 -timeout 20m ${test_args[*]}"
# go test runs in its own process group (setsid), in the background, so that
# a TERM/INT sent to this script stops it and its test binaries (on_exit)
# before the throwaway PostgreSQL is removed.
if command -v setsid >/dev/null 2>&1; then
	setsid -w go test -race -count=1 -timeout 20m "${test_args[@]}" &
else
	go test -race -count=1 -timeout 20m "${test_args[@]}" &
fi
test_pid=$!
test_rc=0
wait "$test_pid" || test_rc=$?
test_pid=""
[[ $test_rc -eq 0 ]] || die "go test failed (exit $test_rc)"

# ---------------------------------------------------------------------------
step "bench smoke"
if [[ $# -gt 0 ]]; then
	log "skipped: go test ran only the arguments given; the full suite (no arguments) runs the smoke"
else
	# The benchmark harness end to end, as bench/run.sh --smoke runs it
	# (bench/README.md): civicgraph_bench_small on the tests' PostgreSQL (seeded
	# on first use), a second per load and per pgbench run, every answer
	# checked, pprof through serve --admin-listen, the import on PostgreSQL and
	# SQLite, serve --demo's first answer; no thresholds, no PostGraphile. It
	# fails loudly when the harness breaks.
	if [[ $CIVICGRAPH_TEST_POSTGRES_URL =~ ^postgres(ql)?://([^:@/]+)(:([^@]*))?@([^:/?]+)(:([0-9]+))?/ ]]; then
		export PGUSER=${BASH_REMATCH[2]} PGHOST=${BASH_REMATCH[5]} PGPORT=${BASH_REMATCH[7]:-5432}
		if [[ -n ${BASH_REMATCH[4]} ]]; then export PGPASSWORD=${BASH_REMATCH[4]}; fi
	else
		die "bench/run.sh needs user, host and port, and CIVICGRAPH_TEST_POSTGRES_URL has none: $CIVICGRAPH_TEST_POSTGRES_URL"
	fi
	if ! command -v pgbench >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
		if find_pg_bindir && [[ -x $pg_bindir/pgbench && -x $pg_bindir/psql ]]; then
			PATH="$pg_bindir:$PATH"
		else
			apt_install postgresql-client || die "bench/run.sh needs pgbench and psql: apt-get install postgresql-client"
		fi
	fi
	if [[ ! -x /usr/bin/time ]]; then
		apt_install time || die "bench/run.sh needs /usr/bin/time: apt-get install time"
	fi
	log "bench/run.sh --smoke --profile (PostgreSQL $PGUSER@$PGHOST:$PGPORT)"
	if command -v setsid >/dev/null 2>&1; then
		setsid -w bench/run.sh --smoke --profile </dev/null &
	else
		bench/run.sh --smoke --profile </dev/null &
	fi
	test_pid=$!
	test_rc=0
	wait "$test_pid" || test_rc=$?
	test_pid=""
	[[ $test_rc -eq 0 ]] || die "the benchmark smoke run failed (exit $test_rc): the harness is broken (bench/run.sh --smoke --keep keeps its logs)"
fi
step_end

log ""
log "all steps passed in $(elapsed "$script_start")"
