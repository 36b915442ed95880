#!/bin/sh
# config/farmline.conf as it is installed: the paths of a local run (data/, config/,
# bureau/web) become the installed ones, each comment kept in its column. Fails unless it
# found all four.
#   tools/installed-conf.sh STATEDIR CONFDIR WEBDIR < config/farmline.conf
set -eu
[ $# -eq 3 ] || { echo "usage: $0 STATEDIR CONFDIR WEBDIR < farmline.conf" >&2; exit 2; }

awk -v db="$1/farmline.db" -v rules="$2/categories.conf" -v menu="$2/ussd.conf" -v web="$3" '
NR == 1 && /^# farmline configuration/ {
	print "# farmline configuration, installed: farmline.conf(5) describes every setting."
	next
}
{
	to = ""
	if ($1 == "path" && $3 == "data/farmline.db") to = db
	else if ($1 == "rules" && $3 == "config/categories.conf") to = rules
	else if ($1 == "menu" && $3 == "config/ussd.conf") to = menu
	else if ($1 == "dashboard" && $3 == "bureau/web") to = web
	if (to == "" || $2 != "=") { print; next }
	n++
	line = $1 " = " to
	c = index($0, ";")
	if (c > 0) {
		comment = substr($0, c)
		pad = c - 1 - length(line)
		if (pad < 1) pad = 1
		line = line sprintf("%" pad "s", "") comment
	}
	print line
}
END {
	if (n != 4) {
		print "installed-conf.sh: found " n + 0 " of the 4 paths to rewrite" > "/dev/stderr"
		exit 1
	}
}'
