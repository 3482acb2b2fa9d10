#!/bin/bash
# errors: start-up failures exit non-zero at once with a message that names
# the cause, and leave the audit state alone.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 6
# uid 65534 needs a directory it may write, so that the missing capability
# is the only thing wrong.
chmod 0755 "$T" || bail "chmod $T failed"
install -d -o 65534 -g 65534 "$T/nobody" || bail "cannot create $T/nobody"
setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$SIGTRAILD" ||
	bail "uid 65534 cannot execute $SIGTRAILD (build in a world-readable directory)"

run_daemon_to_exit "$T/nonroot.log" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	-- --db "$T/nobody/x.db"
ok "uid 65534 without capabilities: exits with an error (status $STATUS)" exited_with_error "$STATUS"
is "$(grep -c CAP_AUDIT_CONTROL "$T/nonroot.log")" 1 "uid 65534 without capabilities: one line names CAP_AUDIT_CONTROL"

run_daemon_to_exit "$T/nodb.log" -- --db /proc/nope/x.db
ok "--db /proc/nope/x.db: exits with an error (status $STATUS)" exited_with_error "$STATUS"
like "$(cat "$T/nodb.log")" '/proc/nope/x\.db' "--db /proc/nope/x.db: the message names the path"

run_daemon_to_exit "$T/badsource.log" -- --db "$DB" --source bogus
ok "--source bogus: exits with an error (status $STATUS)" exited_with_error "$STATUS"
like "$(cat "$T/badsource.log")" bogus "--source bogus: the message names the value"
done_testing
