#!/bin/sh
# The dashboard end to end (make test-dashboard): farmline serving a seeded database on
# loopback, Debian's Chromium driven by playwright-core signing in and reading back what the
# charts drew. See tests/dashboard/test.mjs for what it checks.
#
#   tests/dashboard/run.sh                 from anywhere; it runs from the top of the tree
#   FARMLINE_BIN=build-san/farmline tests/dashboard/run.sh
#   KEEP=1 tests/dashboard/run.sh          keeps the temporary folder (config, database, log)
#
# Needs: node and npm, sqlite3, /usr/bin/chromium (tools/deps.sh installs them), Chart.js in
# bureau/web/node_modules and playwright-core in tests/dashboard/node_modules (both installed
# here with npm ci from their package-lock.json when missing or older than it). Playwright's own
# browser download is never used.
set -eu
cd "$(dirname "$0")/../.."

FARMLINE_BIN=${FARMLINE_BIN:-build/farmline}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export FARMLINE_BIN CHROMIUM

need() {
	command -v "$1" >/dev/null 2>&1 || {
		echo "test-dashboard: $1 is missing ($2)" >&2
		exit 1
	}
}
need node "tools/deps.sh installs nodejs"
need npm "it comes with Node.js; on plain Debian: apt-get install npm"
need sqlite3 "tools/deps.sh installs sqlite3"
[ -x "$CHROMIUM" ] || { echo "test-dashboard: no $CHROMIUM (tools/deps.sh installs chromium)" >&2; exit 1; }
[ -x "$FARMLINE_BIN" ] || { echo "test-dashboard: no $FARMLINE_BIN (make)" >&2; exit 1; }

# npm ci in DIR when its node_modules is missing or older than its package-lock.json.
npm_ci() {
	if [ ! -f "$1/node_modules/.package-lock.json" ] ||
	    [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
		echo "== npm ci in $1"
		(cd "$1" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
		touch "$1/node_modules/.package-lock.json"
	fi
}
npm_ci bureau/web
npm_ci tests/dashboard

exec node tests/dashboard/test.mjs
