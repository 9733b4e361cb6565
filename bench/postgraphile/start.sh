#!/usr/bin/env bash
# bench/postgraphile/start.sh — PostGraphile 5 over civicgraph's database.
#
#   bench/postgraphile/start.sh postgres://postgres@127.0.0.1:5432/DB?sslmode=disable [HOST:PORT]
#
# Installs the pinned packages (package-lock.json) when node_modules is
# missing or stale, then runs server.mjs with the Node 22 from the npm
# package node@22 (node_modules/node/bin/node), never the node on PATH. The
# first line on standard output is
#   postgraphile listening on http://HOST:PORT/graphql (node v22...)
# HOST:PORT defaults to 127.0.0.1:0 (a free port). GET /healthz answers 200.
# Extra environment: PGL_POOL_SIZE (pg pool max, default 10).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if (($# < 1 || $# > 2)); then
	echo "usage: $0 DATABASE_URL [HOST:PORT]" >&2
	exit 2
fi
listen=${2:-127.0.0.1:0}

node="$here/node_modules/node/bin/node"
if [[ ! -x $node || ! -d $here/node_modules/postgraphile || $here/package-lock.json -nt $here/node_modules/.package-lock.json ]]; then
	echo "start.sh: installing PostGraphile and Node 22 (npm ci in $here)" >&2
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
[[ -x $node ]] || { echo "start.sh: $node is missing after npm ci" >&2; exit 1; }
case $("$node" --version) in
v22.*) ;;
*) echo "start.sh: $node is $("$node" --version), not Node 22" >&2; exit 1 ;;
esac

cd "$here"
export DATABASE_URL=$1 HOST=${listen%:*} PORT=${listen##*:} NODE_ENV=${NODE_ENV:-production}
exec "$node" server.mjs
