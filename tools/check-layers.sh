#!/bin/sh
# The modules depend downwards only: common < store < routing < experts < consult < bureau <
# gateway < cli. Fails, naming the file and the line, when a module includes the header of one
# above it (tests, benchmarks and fuzz harnesses may include anything).
set -eu
cd "$(dirname "$0")/.."

order="common store routing experts consult bureau gateway cli"
rank() {
	i=0
	for m in $order; do
		[ "$m" = "$1" ] && { echo $i; return; }
		i=$((i + 1))
	done
	echo -1
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
bad=0
for m in $order; do
	[ -d "$m" ] || continue
	mr=$(rank "$m")
	for f in "$m"/*.c "$m"/*.h; do
		[ -f "$f" ] || continue
		grep -n '^#include "[a-z_]*/' "$f" | while IFS= read -r line; do
			dep=$(printf '%s\n' "$line" | sed -E 's/^[0-9]+:#include "([a-z_]+)\/.*/\1/')
			dr=$(rank "$dep")
			if [ "$dr" -gt "$mr" ]; then
				echo "$f:${line%%:*}: $m includes $dep, a module above it"
				echo x
			fi
		done
	done
done >"$out"
if grep -q '^x$' "$out"; then
	grep -v '^x$' "$out" >&2
	bad=1
fi
[ $bad -eq 0 ] && echo "check-layers: every module includes only modules below it"
exit $bad
