#!/usr/bin/env bash
# Vendors Apache ECharts into the dashboard's embedded assets:
#   ./scripts/vendor-echarts.sh [VERSION]
#
# The version is pinned by tests/browser/package-lock.json (echarts is a
# devDependency there, next to playwright-core). With VERSION, the script
# first runs `npm install --save-dev echarts@VERSION` to change the pin;
# without, it installs exactly what the lock file says (npm ci). Then it
# copies dist/echarts.min.js, LICENSE and NOTICE into
# internal/dashboard/assets/vendor/, which are committed: `go build` and
# `go run` never need npm. internal/dashboard's TestVendoredEChartsMatchesLock
# fails when the copy and the pin disagree, so an update cannot be half done.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
browser=$root/tests/browser
vendor=$root/internal/dashboard/assets/vendor
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

cd "$browser"
if [[ $# -gt 0 ]]; then
	npm install --no-audit --no-fund --save-dev "echarts@$1"
else
	npm ci --no-audit --no-fund
fi

src=$browser/node_modules/echarts
version=$(node -p "require('$src/package.json').version")
mkdir -p "$vendor"
cp "$src/dist/echarts.min.js" "$vendor/echarts.min.js"
cp "$src/LICENSE" "$vendor/ECHARTS-LICENSE.txt"
cp "$src/NOTICE" "$vendor/ECHARTS-NOTICE.txt"
echo "vendored echarts $version into ${vendor#"$root"/}"
