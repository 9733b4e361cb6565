#!/usr/bin/env bash
# bench/scaleout.sh — issue 7's scale-out measurement: N stateless civicgraph
# processes on one PostgreSQL database behind nginx and behind HAProxy
# (Debian's /usr/sbin/nginx and /usr/sbin/haproxy), on loopback, against one
# process alone (bench/README.md, "Scale-out (issue 7)").
#
#   bench/scaleout.sh                          # 1 direct, nginx 1-3, HAProxy 1-3; (a) nested and mixed; 16 and 32 clients; 20 s
#   bench/scaleout.sh --proxies nginx --duration 5 --clients 16   # quicker
#
# Every load is civicbench load (bench/README.md: every answer checked,
# warm-up not counted) with the workloads prepared as bench/run.sh does
# (pglcheck, then civicbench prepare). The servers run with the response
# cache off and no rate limit (one ADMIN key; the limit is per key). During
# each load the script reads the CPU time of every civicgraph process, the
# proxy, the database's PostgreSQL backends and the load generator (from
# /proc and /usr/bin/time), and the machine's busy time (/proc/stat), so the
# results say where the CPU went. The proxies' configurations are made from
# bench/scaleout/*.tmpl in a temporary directory.
#
# Exit status: 0 measured; 1 a failure (stderr says which); 2 bad usage.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: bench/scaleout.sh [--servers 1,2,3] [--proxies nginx,haproxy] [--workloads nested,mixed]
                         [--clients 16,32] [--duration SEC] [--warmup SEC] [--database URL]
                         [--civicgraph BIN] [--source DIR] [--out DIR] [--port-base N]

  --servers LIST     numbers of civicgraph processes behind the proxy (default 1,2,3)
  --proxies LIST     nginx, haproxy or both (default nginx,haproxy)
  --workloads LIST   prepared workloads (default nested,mixed; any of bench/run.sh's but the dashboard)
  --clients LIST     concurrent connections (default 16,32)
  --duration SEC     measured seconds per load (default 20); --warmup SEC before it (default 3)
  --database URL     a seeded PostgreSQL database (default postgres://…/cg_soak_small, as bench/soak.sh)
  --civicgraph BIN   the server (default /work/bin-bench/civicgraph when it exists, else built from --source)
  --source DIR       the tree it is built from (default /work/wt-bench when it exists, else this checkout)
  --out DIR          the results folder (default bench/results/scaleout-<date>[-N])
  --port-base N      servers on N+1.., their admin listeners on N+11.., nginx N+80, HAProxy N+81 (default 18310)
EOF
}

die() {
	echo "scaleout.sh: $*" >&2
	exit 1
}

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH=/usr/local/go/bin:$PATH

servers_list=1,2,3
proxies_list=nginx,haproxy
workloads_list=nested,mixed
clients_list=16,32
duration=20
warmup=3
database=""
bin=""
source_dir=""
out=""
base=18310
while (($#)); do
	case $1 in
	--servers) servers_list=$2; shift 2 ;;
	--proxies) proxies_list=$2; shift 2 ;;
	--workloads) workloads_list=$2; shift 2 ;;
	--clients) clients_list=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--database) database=$2; shift 2 ;;
	--civicgraph) bin=$2; shift 2 ;;
	--source) source_dir=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--port-base) base=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
IFS=, read -ra server_counts <<<"$servers_list"
IFS=, read -ra proxies <<<"$proxies_list"
IFS=, read -ra workloads <<<"$workloads_list"
IFS=, read -ra client_counts <<<"$clients_list"
for n in "${server_counts[@]}" "${client_counts[@]}" "$duration" "$warmup" "$base"; do
	[[ $n =~ ^[0-9]+$ ]] || { usage >&2; exit 2; }
done
for p in "${proxies[@]}"; do [[ $p == nginx || $p == haproxy ]] || { usage >&2; exit 2; }; done
max_servers=0
for n in "${server_counts[@]}"; do ((n > max_servers)) && max_servers=$n; done
((max_servers >= 1 && max_servers <= 9)) || { usage >&2; exit 2; }

pg_admin="postgres://${PGUSER:-postgres}@${PGHOST:-127.0.0.1}:${PGPORT:-5432}"
[[ -n $database ]] || database="$pg_admin/cg_soak_small?sslmode=disable"
db_name=${database##*/}
db_name=${db_name%%\?*}
if [[ -z $source_dir ]]; then
	if [[ -d /work/wt-bench ]]; then source_dir=/work/wt-bench; else source_dir=$root; fi
fi
work=$(mktemp -d /tmp/civicgraph-scaleout.XXXXXX)
if [[ -z $bin ]]; then
	if [[ -x /work/bin-bench/civicgraph ]]; then
		bin=/work/bin-bench/civicgraph
	else
		(cd "$source_dir" && go build -o "$work/civicgraph" ./cmd/civicgraph)
		bin=$work/civicgraph
	fi
fi
revision=$(git -C "$source_dir" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [[ -z $out ]]; then
	out=bench/results/scaleout-$(date -u +%Y-%m-%d)
	n=2
	first=$out
	while [[ -e $out ]]; do out=$first-$n; n=$((n + 1)); done
fi
[[ $out == /* ]] || out=$root/$out
mkdir -p "$out/loads"

# serve_log_summary LOG: the server's log without its request lines (one a
# request: hundreds of MB over a long run), with their count by HTTP status.
serve_log_summary() {
	echo "# $(grep -c '"msg":"request"' "$1" || true) request lines (not kept), by HTTP status:"
	grep -o '"msg":"request".*"status":[0-9]*' "$1" | grep -o '"status":[0-9]*$' | sort | uniq -c | sed 's/^/#  /' || true
	echo "# every other line:"
	grep -v '"msg":"request"' "$1" | head -n 500 || true
}

cg_pids=()
proxy_pid=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_proxy
	local p
	for p in "${cg_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${cg_pids[@]}"; do
		for _ in $(seq 1 350); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
	local f
	for f in "$work"/*.log; do
		[[ -f $f ]] || continue
		case $f in
		*/serve-*.log) serve_log_summary "$f" >"$out/$(basename "$f" .log).log.txt" ;;
		*) cp "$f" "$out/" ;;
		esac
	done
	rm -rf "$work"
	exit "$rc"
}
stop_proxy() {
	if [[ -n $proxy_pid ]]; then
		kill -TERM "$proxy_pid" 2>/dev/null || true
		for _ in $(seq 1 100); do kill -0 "$proxy_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$proxy_pid" 2>/dev/null || true
		wait "$proxy_pid" 2>/dev/null || true
		proxy_pid=""
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '==> [%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

step "building civicbench and pglcheck"
nice -n 10 go build -o "$work/civicbench" ./bench/cmd/civicbench
nice -n 10 go build -o "$work/pglcheck" ./bench/cmd/pglcheck
bench() { "$work/civicbench" "$@"; }

step "an ADMIN key; $max_servers civicgraph processes (response cache off, no rate limit)"
CIVICBENCH_API_KEY=$("$bin" apikey create --name "scaleout-$(date -u +%Y%m%dT%H%M%SZ)-$$" --role ADMIN --database "$database" | tail -n1)
export CIVICBENCH_API_KEY
for i in $(seq 1 "$max_servers"); do
	"$bin" serve --database "$database" --listen "127.0.0.1:$((base + i))" --admin-listen "127.0.0.1:$((base + 10 + i))" \
		--rate-limit -1 --response-cache-mb 0 --request-timeout 60s >"$work/serve-$i.out" 2>"$work/serve-$i.log" &
	cg_pids+=($!)
done
for i in $(seq 1 "$max_servers"); do
	bench wait -url "http://127.0.0.1:$((base + i))/healthz" -timeout 120s >/dev/null || die "server $i did not start: $(tail -n 5 "$work/serve-$i.log")"
done
direct="http://127.0.0.1:$((base + 1))"

step "checking and preparing ${workloads[*]} (pglcheck, civicbench prepare)"
bench_needs="nested,window,totals"
"$work/pglcheck" -civicgraph "$direct/graphql" -database "$database" -out "$work/checked" -n 0 -only "$bench_needs" >"$work/pglcheck.log" ||
	die "pglcheck: $(tail -n 5 "$work/pglcheck.log")"
for w in "${workloads[@]}"; do
	bench prepare -workload "$w" -url "$direct/graphql" -database "$database" -dir "$work" -pglcheck "$work/checked" >>"$work/prepare.log"
done

# ticks PID...: their user+system CPU time in clock ticks (1/100 s).
ticks() {
	local t=0 p v
	for p in "$@"; do
		v=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || v=0
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
# pg_ticks: "PID TICKS" of the PostgreSQL backends serving the database
# ("postgres: 15/main: USER DB ADDR state": the database is a word of it).
pg_ticks() {
	local p
	for p in $(ps -eo pid=,args= | awk -v db="$db_name" '$2 == "postgres:" && index(" " $0 " ", " " db " ") { print $1 }'); do
		echo "$p $(ticks "$p")"
	done
}
# machine_ticks: "BUSY TOTAL" from /proc/stat's cpu line (busy: all but idle and iowait).
machine_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
proxy_pids() { if [[ -n $proxy_pid ]]; then echo "$proxy_pid" $(pgrep -P "$proxy_pid" || true); fi; }

start_proxy() { # start_proxy KIND N: the proxy in front of servers 1..N; sets proxy_url
	local kind=$1 n=$2 lines="" i port
	if [[ $kind == nginx ]]; then port=$((base + 80)); else port=$((base + 81)); fi
	for i in $(seq 1 "$n"); do
		if [[ $kind == nginx ]]; then
			lines+="        server 127.0.0.1:$((base + i));"$'\n'
		else
			lines+="    server cg$i 127.0.0.1:$((base + i))"$'\n'
		fi
	done
	local tmpl=bench/scaleout/nginx.conf.tmpl conf=$work/nginx.conf
	[[ $kind == haproxy ]] && tmpl=bench/scaleout/haproxy.cfg.tmpl conf=$work/haproxy.cfg
	mkdir -p "$work/client_body" "$work/proxy_temp" "$work/fastcgi_temp" "$work/uwsgi_temp" "$work/scgi_temp"
	LINES=$lines WORKDIR=$work LISTEN="127.0.0.1:$port" WORKERS=$(nproc) \
		awk '{ gsub(/@WORK@/, ENVIRON["WORKDIR"]); gsub(/@LISTEN@/, ENVIRON["LISTEN"]); gsub(/@WORKERS@/, ENVIRON["WORKERS"])
			if ($0 ~ /^@SERVERS@$/) { printf "%s", ENVIRON["LINES"]; next } print }' "$tmpl" >"$conf"
	cp "$conf" "$out/$(basename "$conf").$n"
	if [[ $kind == nginx ]]; then
		/usr/sbin/nginx -p "$work/" -c "$conf" -e "$work/nginx.error.log" >>"$work/nginx.log" 2>&1 &
	else
		/usr/sbin/haproxy -db -f "$conf" >>"$work/haproxy.log" 2>&1 &
	fi
	proxy_pid=$!
	proxy_url="http://127.0.0.1:$port"
	bench wait -url "$proxy_url/healthz" -timeout 30s >/dev/null || die "$kind did not start (logs in $out)"
}

csv=$out/runs.csv
echo "config,proxy,servers,workload,clients,req_per_s,p50_ms,p95_ms,p99_ms,requests,errors,wall_s,civicgraph_cores,civicgraph_cores_each,proxy_cores,postgres_cores,loadgen_cores,machine_busy_cores,load1" >"$csv"

# measure CONFIG PROXY N URL: every workload at every client count against URL.
measure() {
	local config=$1 proxy=$2 n=$3 url=$4 w c
	for w in "${workloads[@]}"; do
		for c in "${client_counts[@]}"; do
			local pids=("${cg_pids[@]:0:n}") each=() i
			local cg0 px0 pg0 m0 t0 cg1 px1 m1 t1 loadgen pg
			for i in "${pids[@]}"; do each+=("$(ticks "$i")"); done
			cg0=$(ticks "${pids[@]}")
			px0=$(ticks $(proxy_pids))
			pg0=$(pg_ticks)
			m0=$(machine_ticks)
			t0=$(date +%s.%N)
			/usr/bin/time -f '%U %S' -o "$work/loadgen.time" "$work/civicbench" load -workload "$w" -target civicgraph \
				-url "$url/graphql" -dir "$work" -clients "$c" -duration "${duration}s" -warmup "${warmup}s" -timeout 60s \
				>"$work/load.out" 2>&1 || die "load $config $w $c failed: $(tail -n 3 "$work/load.out")"
			t1=$(date +%s.%N)
			m1=$(machine_ticks)
			cg1=$(ticks "${pids[@]}")
			px1=$(ticks $(proxy_pids))
			pg=$(
				pg_ticks | awk -v before="$pg0" 'BEGIN { n = split(before, b, "\n"); for (i = 1; i <= n; i++) { split(b[i], f, " "); t0[f[1]] = f[2] } }
					{ s += $2 - ($1 in t0 ? t0[$1] : 0) } END { print s + 0 }'
			)
			local per="" k=0
			for i in "${pids[@]}"; do
				per+="$(awk -v a="${each[$k]}" -v b="$(ticks "$i")" -v w="$t1 $t0" 'BEGIN { split(w, t, " "); printf "%.2f", (b - a) / 100 / (t[1] - t[2]) }')/"
				k=$((k + 1))
			done
			per=${per%/}
			loadgen=$(awk '{ print ($1 + $2) * 100 }' "$work/loadgen.time")
			cp "$work/$w.civicgraph.load.json" "$out/loads/$config.$w.c$c.load.json"
			awk -v ncpu="$(nproc)" -v cfg="$config" -v px="$proxy" -v n="$n" -v w="$w" -v c="$c" -v t0="$t0" -v t1="$t1" \
				-v cg="$((cg1 - cg0))" -v per="$per" -v pxt="$((px1 - px0))" -v pg="$pg" -v lg="$loadgen" \
				-v m0="$m0" -v m1="$m1" -v load1="$(cut -d' ' -f1 /proc/loadavg)" '
				BEGIN { wall = t1 - t0; split(m0, a, " "); split(m1, b, " ")
					busy = (b[1] - a[1]) / (b[2] - a[2]) * ncpu }
				{ line = line $0 }
				END {
					match(line, /"reqPerSec": *[0-9.e+-]+/); rps = substr(line, RSTART, RLENGTH); sub(/.*: */, "", rps)
					match(line, /"p50Ms": *[0-9.e+-]+/); p50 = substr(line, RSTART, RLENGTH); sub(/.*: */, "", p50)
					match(line, /"p95Ms": *[0-9.e+-]+/); p95 = substr(line, RSTART, RLENGTH); sub(/.*: */, "", p95)
					match(line, /"p99Ms": *[0-9.e+-]+/); p99 = substr(line, RSTART, RLENGTH); sub(/.*: */, "", p99)
					match(line, /"requests": *[0-9]+/); req = substr(line, RSTART, RLENGTH); sub(/.*: */, "", req)
					match(line, /"errors": *[0-9]+/); errs = substr(line, RSTART, RLENGTH); sub(/.*: */, "", errs)
					printf "%s,%s,%d,%s,%d,%.1f,%.2f,%.2f,%.2f,%d,%d,%.1f,%.2f,%s,%.2f,%.2f,%.2f,%.2f,%s\n", cfg, px, n, w, c, rps, p50, p95, p99, req, errs, wall,
						cg / 100 / wall, per, pxt / 100 / wall, pg / 100 / wall, lg / 100 / wall, busy, load1
				}' "$work/$w.civicgraph.load.json" >>"$csv"
			echo "  $(tail -n1 "$csv")"
		done
	done
}

echo "started $(date -u +%Y-%m-%dT%H:%M:%SZ); load $(cat /proc/loadavg)" >"$out/machine.log"
step "one process, direct"
measure direct-1 none 1 "$direct"
for p in "${proxies[@]}"; do
	for n in "${server_counts[@]}"; do
		step "$p in front of $n process(es)"
		start_proxy "$p" "$n"
		measure "$p-$n" "$p" "$n" "$proxy_url"
		stop_proxy
	done
done
step "one process, direct, again (how much the machine drifted meanwhile)"
measure direct-1-again none 1 "$direct"
echo "ended $(date -u +%Y-%m-%dT%H:%M:%SZ); load $(cat /proc/loadavg)" >>"$out/machine.log"

# --- results.md ----------------------------------------------------------------
{
	echo "# Scale-out (issue 7): $(date -u +%Y-%m-%d)"
	echo
	echo "Command: \`bench/scaleout.sh --servers $servers_list --proxies $proxies_list --workloads $workloads_list --clients $clients_list --duration $duration --warmup $warmup\`"
	echo
	echo "civicgraph \`$bin\` from $source_dir at $revision: \`serve --rate-limit -1 --response-cache-mb 0 --request-timeout 60s\`, one ADMIN key;"
	echo "database \`$db_name\` (PostgreSQL $(psql "$database" -Atc 'SHOW server_version' | cut -d' ' -f1)); nginx $(/usr/sbin/nginx -v 2>&1 | cut -d/ -f2), HAProxy $(/usr/sbin/haproxy -v | head -n1 | cut -d' ' -f3),"
	echo "$(nproc) worker processes/threads each; machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), **shared with other engineers' builds and tests** (load1 per row)."
	echo "Each row: civicbench load, ${warmup} s warm-up + ${duration} s measured, every answer checked. CPU columns are cores used over the load (warm-up included):"
	echo "civicgraph (all processes; each), the proxy (master and workers), the database's PostgreSQL backends, the load generator; machine busy = all CPU time on the machine, of $(nproc)."
	echo
	echo "| config | workload | clients | req/s | × direct | p50 ms | p99 ms | civicgraph cores (each) | proxy | PostgreSQL | load gen | machine busy | load1 |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk -F, 'NR > 1 { key = $4 "," $5; if ($1 == "direct-1") base[key] = $6
			printf "| %s | %s | %d | %.1f | %.2f× | %.2f | %.2f | %.2f (%s) | %.2f | %.2f | %.2f | %.2f | %s |\n", $1, $4, $5, $6, (base[key] > 0 ? $6 / base[key] : 0), $7, $9, $13, $14, $15, $16, $17, $18, $19 }' "$csv"
	echo
	echo "CPU time per answer (ms): each CPU column above ÷ req/s; what one request costs each part, whatever else ran on the machine."
	echo
	echo "| config | workload | clients | civicgraph | PostgreSQL | proxy | load gen | sum |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	awk -F, 'NR > 1 && $6 > 0 { k = 1000 / $6
			printf "| %s | %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f |\n", $1, $4, $5, $13 * k, $16 * k, $15 * k, $17 * k, ($13 + $15 + $16 + $17) * k }' "$csv"
} >"$out/results.md"
cp "$work/prepare.log" "$out/" 2>/dev/null || true
echo
cat "$out/results.md"
