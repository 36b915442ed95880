#!/bin/sh
# CI: farmline as a county's IT person gets it. Checks the man pages (mandoc lint, every
# setting and option documented), stages make install in a temporary DESTDIR and lists it,
# builds the Debian package (make deb) and runs lintian on it, installs it with dpkg -i,
# starts the installed gateway as the user farmline from /etc/farmline/farmline.conf,
# asks it one question over HTTP, stops it, purges the package and checks that it is gone.
#
# Run as root from the top of the tree, on a machine where the package is not in use: it
# installs and purges the package farmline. Without systemd (CI), the gateway is started
# the way the unit would start it, by setpriv as the user farmline.
set -eu
cd "$(dirname "$0")/.."

start=$(date +%s)
say() { printf '== ci-package: %s\n' "$*"; }
fail() { printf 'ci-package: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run it as root (it installs and purges the package)"
for c in dpkg-buildpackage dh lintian mandoc curl setpriv; do
	command -v $c >/dev/null || fail "$c is missing (tools/deps.sh)"
done
version=$(cat VERSION)
work=$(mktemp -d "${TMPDIR:-/tmp}/farmline-ci-package.XXXXXX")
pid=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# --- Man pages --------------------------------------------------------------------------
say "man pages: mandoc -Tlint"
mandoc -Tlint -W warning docs/farmline.1 docs/farmline.conf.5 || fail "mandoc -Tlint"

# Every [section] key of the settings table (common/config.c) in farmline.conf(5), and every
# long option of the command line in farmline(1).
say "man pages: every setting and option documented"
missing=""
for pair in $(grep -ohE 'SETC?\("[a-z_]+", "[a-z_]+"' common/*.c |
    sed -E 's/SETC?\("([a-z_]+)", "([a-z_]+)"/\1:\2/' | sort -u) townships:; do
	section=${pair%%:*} key=${pair#*:}
	grep -q "^\.It Ic \[$section\]" docs/farmline.conf.5 || missing="$missing [$section]"
	[ -z "$key" ] || grep -qE "^\.It .*Cm $key( |\$)" docs/farmline.conf.5 ||
	    missing="$missing [$section]$key"
done
[ -z "$missing" ] || fail "not in docs/farmline.conf.5:$missing"
cli_src=$(ls gateway/main.c cli/*.c 2>/dev/null || true)
[ -n "$cli_src" ] || fail "the command line's source (gateway/main.c or cli/*.c) is missing"
for opt in $(grep -ohE '\{ "[a-z-]+", (no|required|optional)_argument' $cli_src |
    sed -E 's/\{ "([a-z-]+)".*/\1/' | sort -u) version config port db allow-root; do
	grep -qE "Fl \\\\-$opt( |\$)" docs/farmline.1 || missing="$missing --$opt"
done
[ -z "$missing" ] || fail "not in docs/farmline.1:$missing"

# --- make install into a staging directory ------------------------------------------------
say "make install DESTDIR=$work/stage"
make --no-print-directory install DESTDIR="$work/stage" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; fail "make install"; }
(cd "$work/stage" && find . -type f | sort | sed 's|^\.||')
for f in /usr/local/bin/farmline /etc/farmline/farmline.conf /etc/farmline/categories.conf \
    /etc/farmline/ussd.conf /usr/local/share/man/man1/farmline.1 \
    /usr/local/share/man/man5/farmline.conf.5 /usr/local/share/farmline/web/index.html \
    /usr/local/share/farmline/web/node_modules/chart.js/dist/chart.umd.min.js \
    /usr/local/lib/systemd/system/farmline.service; do
	[ -f "$work/stage$f" ] || fail "make install did not install $f"
done
grep -q '^ExecStart=/usr/local/bin/farmline -c /etc/farmline/farmline.conf serve$' \
    "$work/stage/usr/local/lib/systemd/system/farmline.service" || fail "the unit's ExecStart"
if grep -q '/opt/' "$work/stage/usr/local/lib/systemd/system/farmline.service"; then
	fail "the unit names /opt"
fi
grep -q '^dashboard = /usr/local/share/farmline/web' "$work/stage/etc/farmline/farmline.conf" ||
    fail "the installed farmline.conf's dashboard path"
make --no-print-directory uninstall DESTDIR="$work/stage" >/dev/null
left=$(cd "$work/stage" && find . -type f ! -path './etc/farmline/*')
[ -z "$left" ] || fail "make uninstall left $left"

# --- The Debian package -----------------------------------------------------------------
say "make deb"
make --no-print-directory deb >"$work/deb.log" 2>&1 || { tail -n 60 "$work/deb.log"; fail "make deb"; }
deb=$(ls build/deb/farmline_"$version"_*.deb)
dpkg-deb -c "$deb"
if dpkg-deb -c "$deb" | grep -v 'chart.js/dist/chart.umd.min.js$' |
    grep -E 'node_modules/.*[^/]$'; then
	fail "the package ships more of node_modules than Chart.js's built file"
fi

say "lintian"
# lintian says that it should not run as root; CI has no other user to run it as.
if ! lintian --fail-on error,warning --info "build/deb/farmline_${version}_"*.changes \
    >"$work/lintian.log" 2>&1; then
	cat "$work/lintian.log"
	fail "lintian found errors or warnings"
fi
grep -v '^running with root privileges' "$work/lintian.log" || true

# --- Installed and running ------------------------------------------------------------
if dpkg-query -W -f='${Status}' farmline 2>/dev/null | grep -q 'installed'; then
	fail "the package farmline is installed already; purge it first (dpkg --purge farmline)"
fi
say "dpkg -i $deb"
if ! dpkg -i "$deb"; then
	DEBIAN_FRONTEND=noninteractive apt-get install -f -y --no-install-recommends
fi
dpkg-query -W -f='${Status}\n' farmline | grep -q '^install ok installed$' ||
    fail "the package is not installed"

[ "$(/usr/bin/farmline --version)" = "farmline $version" ] || fail "farmline --version"
getent passwd farmline >/dev/null || fail "no user farmline"
[ "$(stat -c '%U %a' /var/lib/farmline)" = "farmline 700" ] || fail "/var/lib/farmline"
[ "$(stat -c '%U:%G %a' /etc/farmline/farmline.conf)" = "root:farmline 640" ] ||
    fail "/etc/farmline/farmline.conf's owner or mode"
[ -f /lib/systemd/system/farmline.service ] || fail "no systemd unit"
man -w farmline >/dev/null 2>&1 || [ -f /usr/share/man/man1/farmline.1.gz ] || fail "no man page"

# The secrets a county would set: the bureau's token always; the generic provider's
# inbound_token when this farmline has that setting (farmline refuses unknown keys).
conf=/etc/farmline/farmline.conf
api_token=ci-bureau-token-0123456789
inbound_token=ci-inbound-token-0123456789
sed -i "s/^api_token *=.*/api_token = $api_token/" "$conf"
grep -q "^api_token = $api_token" "$conf" || fail "could not set [bureau] api_token"
if grep -qs '"inbound_token"' common/*.c; then
	if grep -q '^inbound_token *=' "$conf"; then
		sed -i "s/^inbound_token *=.*/inbound_token = $inbound_token/" "$conf"
	else
		sed -i "/^\[http\]/a inbound_token = $inbound_token" "$conf"
	fi
	say "[http] inbound_token set"
fi

# As the unit runs it: the user farmline, in /var/lib/farmline, on any free loopback port
# (--port 0; the log says which), not allowed to run as root.
say "farmline serve as the user farmline"
(
	cd /var/lib/farmline
	unset FARMLINE_ALLOW_ROOT
	exec setpriv --reuid=farmline --regid=farmline --init-groups -- \
	    /usr/bin/farmline -c "$conf" --port 0 serve
) >"$work/serve.log" 2>&1 &
pid=$!
port=""
i=0
while [ $i -lt 100 ]; do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1 port \([0-9][0-9]*\).*/\1/p' "$work/serve.log")
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; fail "farmline serve exited"; }
	sleep 0.2
	i=$((i + 1))
done
[ -n "$port" ] || { cat "$work/serve.log"; fail "farmline serve did not start listening"; }
[ "$(ps -o user= -p "$pid")" = "farmline" ] || fail "serve does not run as farmline"
url=http://127.0.0.1:$port

curl -fsS "$url/healthz" >/dev/null || fail "/healthz"
answer=$(curl -sS -H "Authorization: Bearer $inbound_token" \
    --data-urlencode 'from=+8613800000001' --data-urlencode 'text=鹅苗死亡很多怎么办' \
    "$url/sms/inbound")
echo "POST /sms/inbound → $answer"
echo "$answer" | grep -q '"ok":[ ]*true' || fail "the question was not taken"
echo "$answer" | grep -q '"ticket":[ ]*1[,}]' || fail "no ticket 1 in the answer"
curl -fsS -H "Authorization: Bearer $api_token" "$url/metrics" |
    grep -qF "farmline_build_info{version=\"$version\"} 1" || fail "/metrics: farmline_build_info"
curl -fsS -o /dev/null "$url/assets/node_modules/chart.js/dist/chart.umd.min.js" ||
    fail "the dashboard's chart library is not served"
[ "$(stat -c '%U %a' /var/lib/farmline/farmline.db)" = "farmline 600" ] ||
    fail "/var/lib/farmline/farmline.db's owner or mode"
(cd /var/lib/farmline && setpriv --reuid=farmline --regid=farmline --init-groups -- \
    /usr/bin/farmline -c "$conf" show 1) | grep -q 鹅苗死亡很多怎么办 ||
    fail "farmline show 1 does not show the question"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[ $rc -eq 0 ] || { cat "$work/serve.log"; fail "farmline serve exited $rc on SIGTERM"; }
grep -q 'stopped' "$work/serve.log" || { cat "$work/serve.log"; fail "no clean stop"; }

# --- Purged -------------------------------------------------------------------------------
say "dpkg --purge farmline"
dpkg --purge farmline
if dpkg-query -W -f='${Status}' farmline 2>/dev/null | grep -q 'installed'; then
	fail "the package is still installed"
fi
for f in /usr/bin/farmline /etc/farmline /var/lib/farmline /lib/systemd/system/farmline.service \
    /usr/share/farmline /usr/share/man/man1/farmline.1.gz \
    /etc/systemd/system/multi-user.target.wants/farmline.service; do
	[ ! -e "$f" ] || fail "$f is still there after the purge"
done

say "passed in $(($(date +%s) - start)) s"
