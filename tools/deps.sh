#!/bin/sh
# Install the Debian packages that farmline's build, tests and README walk-through need.
#   tools/deps.sh              install whatever is missing (runs apt-get update first)
#   tools/deps.sh --if-missing same, but says nothing when everything is already there
#   tools/deps.sh --list       print the package list
set -eu

PACKAGES="gcc make pkg-config perl curl ca-certificates tzdata opencc
libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev sqlite3 libpcre2-dev
libjansson-dev libopencc-dev libinih-dev libcsv-dev libssl-dev libcmocka-dev
kannel kannel-extras openssl
nodejs chromium fonts-noto-cjk
clang libclang-rt-14-dev llvm valgrind
dpkg-dev debhelper lintian mandoc man-db"

if [ "${1:-}" = "--list" ]; then
	echo $PACKAGES
	exit 0
fi

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	[ "${1:-}" = "--if-missing" ] || echo "deps: all packages are installed"
	exit 0
fi

echo "deps: installing$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
