#!/bin/bash
# daemon-notify.sh: the real sigtraild speaks systemd's readiness protocol
# and reads its configuration file. Unprivileged (--source stdin):
#   SIGTRAILD=build/collector/sigtraild bash packaging/tests/daemon-notify.sh
# A python3 listener bound on a unix datagram socket plays systemd: the
# daemon must send READY=1 once set up, STOPPING=1 when SIGTERM arrives, and
# exit 0. Then the configuration file: its values apply, a flag overrides
# them, a bad line stops the daemon with exit 78 and FILE:LINE; a flag and
# its key take the same values and refuse a bad one with the same words.
# TAP output.
set -u
export LC_ALL=C
: "${SIGTRAILD:?set SIGTRAILD to the sigtraild binary}"
T=$(mktemp -d)
listener_pid=''
cleanup() {
	[ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null
	exec 3>&- 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
# shellcheck source=../../tests/lib/tap.sh
. "$(dirname "$0")/../../tests/lib/tap.sh"
has_line() { grep -qx "$1" "$2" 2>/dev/null; }
plan 18

# 1. The readiness protocol, on an abstract socket name as systemd uses.
sock="@sigtrail-notify-test-$$"
python3 - "$sock" "$T/notify.log" <<'PY' &
import socket, sys
name, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + name[1:])
with open(out + ".tmp", "w"): pass
import os; os.rename(out + ".tmp", out)
while True:
    msg = s.recv(4096).decode()
    with open(out, "a") as f:
        f.write(msg + "\n--\n")
PY
listener_pid=$!
wait_until 5 test -e "$T/notify.log" || bail "the python3 listener did not start"
mkfifo "$T/in"
NOTIFY_SOCKET=$sock "$SIGTRAILD" --config /dev/null --foreground --source stdin \
	--db "$T/a.db" <"$T/in" 2>"$T/daemon.log" &
daemon=$!
exec 3>"$T/in" # keep stdin open: the daemon runs until SIGTERM
ok "READY=1 once set up" wait_until 10 has_line READY=1 "$T/notify.log"
ok "a STATUS line with READY" wait_until 1 grep -q '^STATUS=recording: source stdin' "$T/notify.log"
ok "no STOPPING before the stop" bash -c "! grep -q STOPPING=1 '$T/notify.log'"
kill -TERM "$daemon"
wait "$daemon"
is "$?" 0 "SIGTERM: exit 0"
ok "STOPPING=1 at the stop" wait_until 5 has_line STOPPING=1 "$T/notify.log"
exec 3>&-

# 2. The configuration file: values apply; a flag wins; errors name the line.
cat >"$T/c.conf" <<CONF
# test
db = $T/from-config.db
source = stdin
CONF
chmod 644 "$T/c.conf"
"$SIGTRAILD" --config "$T/c.conf" --foreground </dev/null 2>"$T/c.log"
is "$?" 0 "runs with source and db from the file"
ok "the database is where the file says" test -s "$T/from-config.db"
"$SIGTRAILD" --config "$T/c.conf" --foreground --db "$T/from-flag.db" </dev/null 2>>"$T/c.log"
ok "--db overrides the file's db" test -s "$T/from-flag.db"
printf 'source = stdin\nretention_days = forever\n' >"$T/bad.conf"
"$SIGTRAILD" --config "$T/bad.conf" --foreground --db "$T/x.db" </dev/null 2>"$T/bad.log"
is "$?" 78 "a bad value: exit 78 (EX_CONFIG)"
ok "the message names file and line" \
	grep -q "$T/bad.conf:2: retention_days = 'forever'" "$T/bad.log"
"$SIGTRAILD" --config "$T/missing.conf" --foreground --source stdin --db "$T/x.db" \
	</dev/null 2>"$T/missing.log"
is "$?" 78 "an explicit --config that does not exist: exit 78"
ok "a missing file is named" grep -q "$T/missing.conf: No such file" "$T/missing.log"

# 3. A flag and its key take the same values (one option table).
"$SIGTRAILD" --config /dev/null --foreground --source stdin --retention 0 --db "$T/r0.db" \
	</dev/null 2>"$T/r0.log"
is "$?" 0 "--retention 0 runs (0: keep everything)"
printf 'source = stdin\nretention_days = 0\n' >"$T/r0.conf"
chmod 644 "$T/r0.conf"
"$SIGTRAILD" --config "$T/r0.conf" --foreground --db "$T/r0f.db" </dev/null 2>>"$T/r0.log"
is "$?" 0 "retention_days = 0 runs"
"$SIGTRAILD" --config /dev/null --foreground --source stdin --retention 36501 --db "$T/x.db" \
	</dev/null 2>"$T/r1.log"
is "$?" 64 "--retention 36501: exit 64 (EX_USAGE)"
printf 'source = stdin\nretention_days = 36501\n' >"$T/r1.conf"
chmod 644 "$T/r1.conf"
"$SIGTRAILD" --config "$T/r1.conf" --foreground --db "$T/x.db" </dev/null 2>"$T/r2.log"
is "$?" 78 "retention_days = 36501: exit 78 (EX_CONFIG)"
flag_words=$(sed -n "s/^sigtraild: error: --retention '36501'//p" "$T/r1.log")
key_words=$(sed -n "s|^sigtraild: error: $T/r1.conf:2: retention_days = '36501'||p" "$T/r2.log")
is "$flag_words" ": expected a whole number of days from 0 to 36500" "the flag names its range"
is "$key_words" "$flag_words" "the key says the same words"

[ "$_tap_failed" = 0 ] || tail -n +1 "$T"/*.log | sed "s/^/# /"
tap_done
