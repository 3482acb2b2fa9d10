#!/bin/bash
# owned: a collector adopts the rules listed in a record left in its runtime
# directory only when the record proves that the collector which wrote it is
# gone: the same boot (boot_id), and its pid no longer running the process
# that wrote it (pid and start time). In every other case the rules that are
# loaded (an administrator's, say) stay loaded, and the log says why. Crash
# recovery itself (a real SIGKILL) is tests/kernel/crash.sh.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 19
REC=$RUNTIME_DIR/owned-rules

# What an administrator does: enable audit, load the rules sigtrail would.
set_enabled 1 || bail "auditctl -e 1 failed"
admin_rules
RULES=$(sigtrail_rules)
# The rule lines of a record, as a collector writes them: from a real one
# that added the rules (a setup step, not a check).
auditctl -D -k sigtrail >/dev/null
start_daemon --source multicast
grep '^-a ' "$REC" >"$T/rule-lines" || bail "no rule lines in $REC"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || bail "the setup daemon did not exit 0"
_daemons=()
[ "$(wc -l <"$T/rule-lines")" -eq 4 ] || bail "expected 4 rule lines: $(cat "$T/rule-lines")"

BOOT=$(cat /proc/sys/kernel/random/boot_id)
start_time() { awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$1/stat"; }
# record BOOT PID START: a record as a collector writes it.
record() {
	mkdir -p "$RUNTIME_DIR"
	printf 'sigtrail-owned 2\nboot_id %s\npid %s\nstart_time %s\n' "$1" "$2" "$3" >"$REC"
	cat "$T/rule-lines" >>"$REC"
}
# A pid that is gone, with the start time it had.
sleep 1000 &
DEAD=$!
wait_comm "$DEAD" sleep
DEAD_START=$(start_time "$DEAD")
kill -KILL "$DEAD"
wait "$DEAD" 2>/dev/null
# A pid that runs.
sleep 1000 &
LIVE=$!
_children+=("$LIVE")
wait_comm "$LIVE" sleep
LIVE_START=$(start_time "$LIVE")

# A. Another boot: the record cannot be this boot's collector's.
admin_rules
record 00000000-0000-0000-0000-000000000000 "$DEAD" "$DEAD_START"
start_daemon --source multicast
stop_daemon
like "$(cat "$LOG")" "owned-rules does not prove that its collector is gone: it was written in another boot" \
	"another boot: the log says so"
is "$(sigtrail_rules)" "$RULES" "another boot: the loaded rules stay loaded"
ok "another boot: the record is dropped" test ! -e "$REC"

# B. Its collector still runs (same pid, same start time): not ours.
admin_rules
record "$BOOT" "$LIVE" "$LIVE_START"
cp "$REC" "$T/live-record"
start_daemon --source multicast
stop_daemon
like "$(cat "$LOG")" "belongs to another collector: its collector, pid $LIVE, is still running" \
	"owner alive: the log says so"
is "$(sigtrail_rules)" "$RULES" "owner alive: its rules stay loaded"
ok "owner alive: its record is left as it was" cmp -s "$REC" "$T/live-record"
rm -f "$REC"

# C. The pid runs another process (another start time): the writer is gone,
#    its rules are adopted and removed at the stop.
admin_rules
record "$BOOT" "$LIVE" $((LIVE_START + 1))
start_daemon --source multicast
stop_daemon
like "$(cat "$LOG")" "4 sigtrail audit rules were left loaded by a collector that did not stop cleanly" \
	"pid reused: the gone collector's rules are adopted"
is "$(sigtrail_rules)" "" "pid reused: and removed at the stop"

# D. A record that names no boot or start time (an older sigtrail's).
admin_rules
{ echo "pid $DEAD"; cat "$T/rule-lines"; } >"$REC"
start_daemon --source multicast
stop_daemon
like "$(cat "$LOG")" "does not prove that its collector is gone: it does not name its boot, pid and start time" \
	"old record: the log says it proves nothing"
is "$(sigtrail_rules)" "$RULES" "old record: the loaded rules stay loaded"
ok "old record: the record is dropped" test ! -e "$REC"

# E. Immutable (pretended): nothing can be undone, so nothing is adopted,
#    even from a record that proves its collector is gone.
admin_rules
record "$BOOT" "$DEAD" "$DEAD_START"
cp "$REC" "$T/dead-record"
start_daemon --source multicast --inject-status enabled=2
stop_daemon
unlike "$(cat "$LOG")" "did not stop cleanly" "immutable: nothing adopted"
is "$(sigtrail_rules)" "$RULES" "immutable: the rules stay loaded"
ok "immutable: the record stays for a collector that can act on it" cmp -s "$REC" "$T/dead-record"
rm -f "$REC"

auditctl -D -k sigtrail >/dev/null
set_enabled "$_orig_enabled"
done_testing
