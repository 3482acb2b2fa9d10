#!/bin/bash
# rules_reload: an auditd reload (`augenrules --load`, whose rules start with
# -D) deletes sigtrail's rules under a running daemon. It must notice, load
# them again, say so in its log, and go on recording.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

plan 4
start_daemon
auditctl -D -k sigtrail >/dev/null
is "$(sigtrail_rules)" "" "rules deleted behind the daemon's back"
_rules_loaded() { [ -n "$(sigtrail_rules)" ]; }
wait_until 15 _rules_loaded
is "$(sigtrail_rules | wc -l)" 4 "within 15 s the daemon has loaded its 4 rules again"
start_victim
"$SIGSEND64" kill "$VICTIM" 15 >/dev/null
wait_rows 1 "select count(*) from signals where target_pid = $VICTIM"
stop_daemon
like "$(cat "$LOG")" 'rules had been removed' "the log says the rules were removed and reloaded"
done_testing
