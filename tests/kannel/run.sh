#!/bin/bash
# farmline against the real Kannel (Debian's kannel and kannel-extras), all on 127.0.0.1:
#
#   fakesmsc (the phones) ⇄ bearerbox (smsc = fake) ⇄ smsbox ─ sms-service get-url ──▶ farmline
#                                                       ▲         (or post-url)           │
#                                                       └───── cgi-bin/sendsms, dlr-url ◀─┘
#
# A farmer's question sent as UCS-2 becomes a consultation; the acknowledgement comes back to
# the farmer's number and the notice to the expert's, through sendsms; the expert's answer
# sent from the expert's number reaches the farmer's in readable Chinese; the fake SMSC's
# delivery reports mark the outbound rows delivered; a retried request is processed once; and
# a question sent while farmline is down arrives when it is back (smsbox's http-request-retry).
#
#   tests/kannel/run.sh        (or make test-kannel) from anywhere; it runs from the top of the
#                              tree, once with the sms-service's get-url and once with post-url
#   tests/kannel/run.sh get-url    or post-url: only that one
#   FARMLINE_BIN=build-san/farmline tests/kannel/run.sh
#   KEEP=1 tests/kannel/run.sh      keeps the temporary folder (configs, logs, database)
#
# Free ports, a temporary folder, and every process it starts is stopped by the trap, by pid.
set -eu
set -o pipefail

cd "$(dirname "$0")/../.."

case "${1:-}" in
"")
	rc=0
	"$0" get-url || rc=1
	"$0" post-url || rc=1
	exit "$rc"
	;;
get-url|post-url)
	MODE=$1
	;;
*)
	echo "usage: $0 [get-url|post-url]" >&2
	exit 2
	;;
esac

FARMLINE_BIN=${FARMLINE_BIN:-build/farmline}
BEARERBOX=${BEARERBOX:-/usr/sbin/bearerbox}
SMSBOX=${SMSBOX:-/usr/sbin/smsbox}
FAKESMSC=${FAKESMSC:-/usr/lib/kannel/test/fakesmsc}
LIMIT=${KANNEL_TEST_LIMIT:-240}	# seconds: the whole test stops after this whatever happens
WAIT=${KANNEL_TEST_WAIT:-30}	# seconds: the longest wait for any one thing

SERVICE=10690000
FARMER=+8613800000001
FARMER2=+8613800000003
EXPERT=+8613900000002
QUESTION=鹅苗死亡很多怎么办
ANSWER=建议先隔离病鹅
QUESTION2=鸡拉稀怎么办，已经死了十几只，不吃食也不喝水

say() { printf '%s\n' "$*"; }
ok() { printf '  ok   %s\n' "$*"; }

TMP=""
PIDS=""
WATCHDOG=""
STATUS=1
STOP_RC=0

# Stop one process we started: TERM, up to 10 s, then KILL; reap it.
stop_pid() {
	local pid=$1
	STOP_RC=0
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || STOP_RC=$?; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "  (pid $pid did not stop on TERM: KILL)"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || STOP_RC=$?
}

show_logs() {
	local f
	[ -n "$TMP" ] && [ -d "$TMP" ] || return 0
	say "--- what the phones received (decoded)"
	if decode_phones 2>/dev/null; then
		sed 's/^/  /' "$TMP/phones.txt"
	fi
	for f in farmline.log farmline2.log smsbox-access.log; do
		[ -s "$TMP/$f" ] || continue
		say "--- $f (last 25 lines)"
		tail -n 25 "$TMP/$f" | sed 's/^/  /'
	done
	# Kannel's own logs are at debug level: only what matters
	for f in smsbox.log bearerbox.log fakesmsc.log; do
		[ -s "$TMP/$f" ] || continue
		say "--- $f (warnings, errors, status lines, SMS; last 25)"
		grep -E 'WARNING|ERROR|PANIC|Status line|Parsing URL|Got message|connected' "$TMP/$f" |
		    tail -n 25 | sed 's/^/  /'
	done
	[ "${KEEP:-0}" = 1 ] || say "--- (KEEP=1 keeps $TMP: configs, logs, database)"
}

cleanup() {
	local rc=$? pid
	set +e
	trap - EXIT
	trap '' INT TERM HUP PIPE	# finish cleaning up whatever comes (a closed stdout too)
	if [ -n "$WATCHDOG" ]; then
		kill "$WATCHDOG" 2>/dev/null
		wait "$WATCHDOG" 2>/dev/null
	fi
	[ "$STATUS" -eq 0 ] || rc=1
	# The processes first, newest first (fakesmsc, smsbox, bearerbox, farmline).
	for pid in $PIDS; do
		stop_pid "$pid"
	done
	PIDS=""
	exec 3>&- 2>/dev/null
	if [ "$rc" -ne 0 ]; then
		show_logs
	fi
	if [ -n "$TMP" ] && [ -d "$TMP" ]; then
		if [ "${KEEP:-0}" = 1 ]; then
			say "kept $TMP"
		else
			rm -rf "$TMP"
		fi
	fi
	if [ "$rc" -eq 0 ]; then
		say "PASS: Kannel end to end ($MODE)"
	else
		say "FAIL: Kannel end to end ($MODE)"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 1' INT TERM HUP
trap 'exit 1' PIPE	# our output closed (| head): still clean up

fail() {
	say "  FAIL $*"
	STATUS=1
	exit 1
}

started() { PIDS="$1 $PIDS"; }	# newest first, for cleanup

forget() {	# a pid stopped on purpose
	local p out=""
	for p in $PIDS; do
		[ "$p" = "$1" ] || out="$out $p"
	done
	PIDS=$out
}

# ---- what is needed
for f in "$BEARERBOX" "$SMSBOX"; do
	[ -x "$f" ] || fail "$f not found: install Debian's kannel (tools/deps.sh)"
done
[ -x "$FAKESMSC" ] || fail "$FAKESMSC not found: install Debian's kannel-extras (tools/deps.sh)"
[ -x "$FARMLINE_BIN" ] || fail "$FARMLINE_BIN not found: make it first"
for t in curl sqlite3 perl iconv od mkfifo; do
	command -v "$t" >/dev/null || fail "$t not found (tools/deps.sh)"
done
ulimit -c 0	# fakesmsc aborts on its way out when its input ends: no core files

TMP=$(mktemp -d "${TMPDIR:-/tmp}/farmline-kannel.XXXXXX")
DB=$TMP/farmline.db

# The whole test has a time limit: a perl process that TERMs us, stopped by the trap.
perl -e 'sleep $ARGV[0]; kill "TERM", $ARGV[1]' "$LIMIT" $$ &
WATCHDOG=$!

# ---- free ports (the kernel picks them; released just before the daemons bind them)
# shellcheck disable=SC2046
set -- $(perl -MIO::Socket::INET -e '
	for (1..5) {
		my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0,
		    Proto => "tcp") or die "no free port: $!\n";
		push @s, $s; print $s->sockport, " ";
	}')
ADMIN_PORT=$1 SMSBOX_PORT=$2 FAKESMSC_PORT=$3 SENDSMS_PORT=$4 FARMLINE_PORT=$5
rand() { od -An -N8 -tx1 /dev/urandom | tr -d ' \n'; }
ADMIN_PASSWORD=$(rand)
SENDSMS_USER=farmline
SENDSMS_PASSWORD=$(rand)
KANNEL_TOKEN=$(rand)$(rand)	# [kannel] token: the end of every webhook's path

fill() {
	sed -e "s|@DIR@|$TMP|g" \
	    -e "s|@ADMIN_PORT@|$ADMIN_PORT|g" -e "s|@ADMIN_PASSWORD@|$ADMIN_PASSWORD|g" \
	    -e "s|@SMSBOX_PORT@|$SMSBOX_PORT|g" -e "s|@FAKESMSC_PORT@|$FAKESMSC_PORT|g" \
	    -e "s|@SENDSMS_PORT@|$SENDSMS_PORT|g" -e "s|@FARMLINE_PORT@|$FARMLINE_PORT|g" \
	    -e "s|@SENDSMS_USER@|$SENDSMS_USER|g" -e "s|@SENDSMS_PASSWORD@|$SENDSMS_PASSWORD|g" \
	    -e "s|@SERVICE_NUMBER@|$SERVICE|g" -e "s|@KANNEL_TOKEN@|$KANNEL_TOKEN|g" \
	    -e "s|@HTTP_RETRY@|20|g" -e "s|@HTTP_QUEUE_DELAY@|1|g" \
	    -e "s|^@GET@|$([ "$MODE" = get-url ] || echo '# ')|" \
	    -e "s|^@POST@|$([ "$MODE" = post-url ] || echo '# ')|" "$1" > "$2"
}
fill tests/kannel/kannel.conf.in "$TMP/kannel.conf"
fill tests/kannel/farmline.conf.in "$TMP/farmline.conf"
CONF=$TMP/farmline.conf

say "Kannel end to end, sms-service $MODE, in $TMP"
say "  farmline :$FARMLINE_PORT  bearerbox admin :$ADMIN_PORT smsbox :$SMSBOX_PORT" \
    "fake SMSC :$FAKESMSC_PORT  sendsms :$SENDSMS_PORT"

# ---- helpers

# wait_until SECONDS DESCRIPTION COMMAND...: run COMMAND every 0.2 s until it succeeds.
wait_until() {
	local secs=$1 what=$2 end
	shift 2
	end=$(( $(date +%s) + secs ))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || fail "waited ${secs}s for $what"
		sleep 0.2
	done
}

http_up() { curl -s -o /dev/null --max-time 2 "$1"; }	# any HTTP answer
http_ok() { curl -sf -o /dev/null --max-time 2 "$1"; }	# a 2xx answer

start_farmline() {
	"$FARMLINE_BIN" -c "$CONF" serve >"$TMP/$1" 2>&1 &
	FARMLINE_PID=$!
	started "$FARMLINE_PID"
	wait_until "$WAIT" "farmline's /healthz ($TMP/$1)" \
	    http_ok "http://127.0.0.1:$FARMLINE_PORT/healthz"
}

# The text as fakesmsc's "ucs2" field: UTF-16BE bytes, each %XX.
ucs2() { printf '%s' "$1" | iconv -f UTF-8 -t UTF-16BE | od -An -v -tx1 | tr -d ' \n' | sed 's/../%&/g'; }

# phone FROM TEXT: a handset sends TEXT to the service number, as UCS-2 (a Chinese SMS).
phone() {
	local line
	line="$1 $SERVICE ucs2 $(ucs2 "$2")"
	# fakesmsc reads its input lines with fgets into 256 bytes
	[ ${#line} -lt 250 ] || fail "message too long for fakesmsc's input line: $2"
	printf '%s\n' "$line" >&3
	say "  $1 → $SERVICE (UCS-2): $2"
}

# fakesmsc prints each SMS it receives as "Got message N: <FROM TO TYPE DATA>", DATA %-encoded
# for "data" and "ucs-2" (UTF-16BE), and "udh UDH data DATA" for each part of a concatenated
# SMS. Write $TMP/phones.txt: one line per SMS, "TO<TAB>FROM<TAB>text in UTF-8", parts joined.
decode_phones() {
	perl -CO -MEncode -ne '
		sub undo { my $s = shift; $s =~ tr/+/ /; $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge; $s }
		sub text {	# the bytes of an SMS whose coding fakesmsc does not print (udh)
			my $b = shift;
			if (length($b) % 2 == 0) {
				my $t = eval { Encode::decode("UTF-16BE", $b, Encode::FB_CROAK) };
				return $t if defined $t && $t !~ /[\x00-\x08\x0e-\x1f\x{fffd}]/;
			}
			my $t = eval { Encode::decode("UTF-8", $b, Encode::FB_CROAK) };
			return defined $t ? $t : $b;
		}
		next unless /Got message \d+: <(\S+) (\S+) (\S+) (.*)>\s*$/;
		my ($from, $to, $type, $rest) = ($1, $2, $3, $4);
		my $t;
		if ($type eq "text") {
			$t = Encode::decode("UTF-8", $rest);
		} elsif ($type eq "data") {
			$t = text(undo($rest));
		} elsif ($type eq "ucs-2") {
			$t = Encode::decode("UTF-16BE", undo($rest));
		} elsif ($type eq "udh") {
			my ($udh, $data) = $rest =~ /^(\S+) (?:\S+ )?(\S*)$/ or next;
			$udh = undo($udh);
			$data = undo($data);
			my ($ref, $total, $seq);
			my @u = unpack "C*", $udh;
			for (my $i = 1; $i + 1 < @u; $i += 2 + $u[$i + 1]) {
				($ref, $total, $seq) = @u[$i + 2 .. $i + 4] if $u[$i] == 0;
				($ref, $total, $seq) = ($u[$i + 2] * 256 + $u[$i + 3], @u[$i + 4, $i + 5])
				    if $u[$i] == 8;
			}
			if (!defined $ref) {
				$t = text($data);
			} else {
				my $k = "$from $to $ref";
				$parts{$k}[$seq] = $data;
				next if grep { !defined $parts{$k}[$_] } 1 .. $total;
				$t = text(join "", map { $parts{$k}[$_] } 1 .. $total);
				delete $parts{$k};
			}
		} else {
			$t = "[$type] $rest";
		}
		$t =~ s/[\r\n\t]/ /g;
		print "$to\t$from\t$t\n";
	' "$TMP/fakesmsc.log" >"$TMP/phones.tmp" && mv "$TMP/phones.tmp" "$TMP/phones.txt"
}

# received TO TEXT: TO's handset has received an SMS containing TEXT.
received() {
	decode_phones || return 1
	awk -F'\t' -v to="$1" -v want="$2" '$1 == to && index($3, want) { found = 1 }
	    END { exit !found }' "$TMP/phones.txt"
}

# wait_sms TO TEXT DESCRIPTION
wait_sms() {
	wait_until "$WAIT" "$3: an SMS to $1 containing \"$2\"" received "$1" "$2"
	ok "$3 reached $1: $(awk -F'\t' -v to="$1" -v want="$2" \
	    '$1 == to && index($3, want) { print $3; exit }' "$TMP/phones.txt")"
}

sql() { sqlite3 -batch -noheader -cmd '.timeout 5000' "$DB" "$1"; }
sql_is() { test "$(sql "$2")" = "$1"; }	# sql_is WANT SQL

# expect DESCRIPTION WANT SQL
expect() {
	local got
	got=$(sql "$3") || fail "$1: sqlite3 failed on: $3"
	[ "$got" = "$2" ] || fail "$1: expected '$2', the database says '$got' ($3)"
	ok "$1: $got"
}

# ---- farmline, with a poultry expert
"$FARMLINE_BIN" -c "$CONF" expert add --phone "$EXPERT" --name 王专家 --categories poultry \
    >"$TMP/expert-add.log" 2>&1 || { cat "$TMP/expert-add.log"; fail "expert add"; }
ok "expert $EXPERT 王专家 registered for poultry"
start_farmline farmline.log
ok "farmline serves on 127.0.0.1:$FARMLINE_PORT (provider kannel)"

# ---- Kannel: bearerbox, smsbox, then fakesmsc with its input on a FIFO kept open on fd 3
STATUS_URL="http://127.0.0.1:$ADMIN_PORT/status.txt?password=$ADMIN_PASSWORD"
(cd "$TMP" && exec "$BEARERBOX" -v 4 kannel.conf) >"$TMP/bearerbox.out" 2>&1 &
started $!
wait_until "$WAIT" "bearerbox's admin port" http_ok "$STATUS_URL"
(cd "$TMP" && exec "$SMSBOX" -v 4 kannel.conf) >"$TMP/smsbox.out" 2>&1 &
started $!
wait_until "$WAIT" "smsbox's sendsms port" http_up "http://127.0.0.1:$SENDSMS_PORT/"
smsbox_connected() { curl -sf --max-time 2 "$STATUS_URL" | grep -q 'smsbox:'; }
wait_until "$WAIT" "smsbox to connect to bearerbox" smsbox_connected
mkfifo "$TMP/fifo"
exec 3<>"$TMP/fifo"
(cd "$TMP" && exec "$FAKESMSC" -H 127.0.0.1 -r "$FAKESMSC_PORT" -i 0 -v 0 <"$TMP/fifo") \
    >"$TMP/fakesmsc.log" 2>&1 &
started $!
fake_connected() { grep -q 'Fakesmsc client connected' "$TMP/bearerbox.log"; }
wait_until "$WAIT" "fakesmsc to connect to bearerbox" fake_connected
ok "bearerbox, smsbox and fakesmsc are up ($(curl -sf "$STATUS_URL" | sed -n 's/^Kannel bearerbox version `\(.*\)'"'"'.*/Kannel \1/p'))"

# ---- the farmer asks
say "A farmer asks, in UCS-2"
phone "$FARMER" "$QUESTION"
wait_until "$WAIT" "the question in farmline's database" \
    sql_is 1 "SELECT count(*) FROM consultations"
TICKET=$(sql "SELECT id FROM consultations")
ok "consultation #$TICKET created"
expect "the question as stored (UCS-2 decoded)" "$QUESTION" \
    "SELECT question FROM consultations WHERE id = $TICKET"
expect "its category" "poultry" "SELECT category FROM consultations WHERE id = $TICKET"
expect "the inbound row: provider, sender, Kannel's id kept" "kannel|$FARMER|1" \
    "SELECT provider, sender, provider_id GLOB '*-*-*-*-*' FROM messages
     WHERE direction = 'in' AND consultation_id = $TICKET"
wait_sms "$FARMER" "编号$TICKET" "the acknowledgement"
received "$FARMER" "家禽" || fail "the acknowledgement does not name the category 家禽"
ok "the acknowledgement names the ticket $TICKET and the category 家禽"
wait_sms "$EXPERT" "$QUESTION" "the expert's notice"
received "$EXPERT" "#$TICKET" || fail "the expert's notice does not carry #$TICKET"
ok "the expert's notice carries #$TICKET"

# ---- Kannel offers the same SMS again (what http-request-retry does): processed once
URL=$(sed -n "s|.*Parsing URL \`\(http://127.0.0.1:$FARMLINE_PORT/sms/kannel/$KANNEL_TOKEN?[^']*\)'.*|\1|p" \
    "$TMP/smsbox.log" | head -n 1)
[ -n "$URL" ] || fail "the request smsbox made is not in smsbox.log"
say "The same request again, as smsbox's retry would send it"
if [ "$MODE" = get-url ]; then
	say "  GET ${URL#"http://127.0.0.1:$FARMLINE_PORT"}"
	code=$(curl -s -o "$TMP/replay.body" -w '%{http_code}' --max-time 5 "$URL") || true
else
	say "  POST ${URL#"http://127.0.0.1:$FARMLINE_PORT"}, the text as UTF-16BE in the body"
	printf '%s' "$QUESTION" | iconv -f UTF-8 -t UTF-16BE >"$TMP/replay.text"
	code=$(curl -s -o "$TMP/replay.body" -w '%{http_code}' --max-time 5 \
	    -H 'Content-Type: text/plain; charset="UTF-16BE"' -H 'X-Kannel-Coding: 2' \
	    -H "X-Kannel-To: $SERVICE" --data-binary @"$TMP/replay.text" "$URL") || true
fi
[ "$code" = 200 ] || fail "a repeated request is answered $code, not 200 ($(cat "$TMP/replay.body"))"
[ ! -s "$TMP/replay.body" ] || fail "farmline's answer to Kannel is not empty: $(cat "$TMP/replay.body")"
ok "answered 200 with an empty body"
expect "inbound rows after the repeat" 1 "SELECT count(*) FROM messages WHERE direction = 'in'"
expect "consultations after the repeat" 1 "SELECT count(*) FROM consultations"

# ---- the expert answers
say "The expert answers from the phone"
phone "$EXPERT" "$TICKET $ANSWER"
wait_sms "$FARMER" "$ANSWER" "the answer"
received "$FARMER" "#$TICKET" || fail "the answer to the farmer does not carry #$TICKET"
wait_until "$WAIT" "the consultation to be answered" \
    sql_is answered "SELECT status FROM consultations WHERE id = $TICKET"
expect "consultation #$TICKET status, answered by" "answered|王专家" \
    "SELECT c.status, e.name FROM consultations c JOIN experts e ON e.id = c.answered_by
     WHERE c.id = $TICKET"
expect "the answer as stored (UCS-2 decoded)" "$TICKET $ANSWER" \
    "SELECT body FROM messages WHERE direction = 'in' AND sender = '$EXPERT'"

# ---- delivery reports: the fake SMSC reports each SMS delivered through the dlr-url
say "Delivery reports"
wait_until "$WAIT" "every outbound row to be delivered" sql_is 0 \
    "SELECT count(*) FROM messages WHERE direction = 'out'
     AND (status <> 'delivered' OR report_at IS NULL)"
expect "outbound rows: provider, status, with a report time" \
    "$(sql "SELECT count(*) FROM messages WHERE direction = 'out'")|kannel|delivered|1" \
    "SELECT count(*), group_concat(DISTINCT provider), group_concat(DISTINCT status),
     min(report_at IS NOT NULL) FROM messages WHERE direction = 'out'"
# smsbox logs each dlr-url it calls: status 8 (the SMSC took it), then 1 (delivered)
dlrs=$(grep -c "Parsing URL \`http://127.0.0.1:$FARMLINE_PORT/dlr/kannel/$KANNEL_TOKEN?ref=[0-9a-f]\{32\}&status=1&" \
    "$TMP/smsbox.log" || true)
[ "$dlrs" -ge "$(sql "SELECT count(*) FROM messages WHERE direction = 'out'")" ] ||
    fail "only $dlrs delivered reports (status=1) in smsbox.log"
ok "$dlrs dlr-url calls with status=1 (delivered) seen in smsbox.log, each naming its reference"
expect "outbound rows with a reference of their own" \
    "$(sql "SELECT count(*) FROM messages WHERE direction = 'out'")" \
    "SELECT count(DISTINCT report_ref) FROM messages WHERE direction = 'out'
     AND length(report_ref) = 32"

# ---- forged reports: without the token, by our sequential id, by a made-up reference
say "Reports farmline did not ask for"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    "http://127.0.0.1:$FARMLINE_PORT/dlr/kannel?ref=$(sql "SELECT report_ref FROM messages
     WHERE direction = 'out' ORDER BY id LIMIT 1")&status=2") || true
[ "$code" = 403 ] || fail "a report without the token is answered $code, not 403"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    "http://127.0.0.1:$FARMLINE_PORT/dlr/kannel/$KANNEL_TOKEN?msgid=2&status=2") || true
[ "$code" = 400 ] || fail "a report by our sequential id is answered $code, not 400"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    "http://127.0.0.1:$FARMLINE_PORT/dlr/kannel/$KANNEL_TOKEN?ref=$(rand)$(rand)&status=2") || true
[ "$code" = 200 ] || fail "a report naming no message is answered $code, not 200"
expect "outbound rows still delivered after the forged reports" \
    "$(sql "SELECT count(*) FROM messages WHERE direction = 'out'")" \
    "SELECT count(*) FROM messages WHERE direction = 'out' AND status = 'delivered'"
ok "no token: 403; a sequential id: 400; an unknown reference: acknowledged, nothing changed"

# ---- farmline down: smsbox keeps the SMS and offers it again until farmline takes it
say "farmline stopped; a farmer asks meanwhile"
stop_farmline() {
	stop_pid "$FARMLINE_PID"
	forget "$FARMLINE_PID"
	[ "$STOP_RC" = 0 ] || fail "farmline exited $STOP_RC on SIGTERM (see $1)"
	! grep -Eq 'Sanitizer|runtime error' "$TMP/$1" || fail "sanitizer report in $1"
}
stop_farmline farmline.log
ok "farmline stopped on SIGTERM, exit status 0"
phone "$FARMER2" "$QUESTION2"
couldnt_fetch() { grep -q "Couldn't fetch <http://127.0.0.1:$FARMLINE_PORT/sms/kannel" "$TMP/smsbox.log"; }
wait_until "$WAIT" "smsbox to fail to reach farmline" couldnt_fetch
ok "smsbox could not reach farmline and keeps the SMS"
start_farmline farmline2.log
ok "farmline started again"
wait_sms "$FARMER2" "编号" "the late question's acknowledgement"
expect "the question that came while farmline was down" "$QUESTION2|poultry" \
    "SELECT question, category FROM consultations c JOIN farmers f ON f.id = c.farmer_id
     WHERE f.phone = '$FARMER2'"
TICKET2=$(sql "SELECT c.id FROM consultations c JOIN farmers f ON f.id = c.farmer_id
    WHERE f.phone = '$FARMER2'")
# Its notice is longer than one UCS-2 SMS (70 characters): Kannel sends it in two parts
# (concatenated, UDH) and the handset shows it whole.
wait_sms "$EXPERT" "$QUESTION2" "the notice of #$TICKET2, in two parts,"
expect "the notice's segments" 2 \
    "SELECT segments FROM messages WHERE direction = 'out' AND kind = 'notify'
     AND consultation_id = $TICKET2"
parts=$(grep -c "Got message [0-9]*: <$SERVICE $EXPERT udh " "$TMP/fakesmsc.log" || true)
[ "$parts" = 2 ] || fail "the expert's handset got $parts concatenated parts, not 2"
ok "the expert's handset got it as 2 concatenated parts"

# ---- what the phones received
say "What fakesmsc received (decoded from UCS-2):"
decode_phones
awk -F'\t' '{ printf "  %s → %s: %s\n", $2, $1, $3 }' "$TMP/phones.txt"
stop_farmline farmline2.log
ok "farmline stopped again, exit status 0"
# max-messages = 0: smsbox itself replied nothing, every SMS the phones got is one farmline sent
decode_phones
expect "SMS the phones got = SMS farmline sent" "$(wc -l <"$TMP/phones.txt" | tr -d ' ')" \
    "SELECT count(*) FROM messages WHERE direction = 'out'"
garbled=$(grep -c $'\xef\xbf\xbd' "$TMP/phones.txt" || true)
[ "$garbled" = 0 ] || fail "$garbled SMS hold U+FFFD (garbled)"
if grep -Eq 'WARNING|ERROR|PANIC' "$TMP/bearerbox.log"; then
	say "  note: bearerbox logged:"
	grep -E 'WARNING|ERROR|PANIC' "$TMP/bearerbox.log" | sed 's/^/    /' | head -n 10
fi
STATUS=0
