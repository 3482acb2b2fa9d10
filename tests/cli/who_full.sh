#!/bin/bash
# who_full.sh: on a terminal, `sigtrail who` cuts every command line to the
# terminal's width with a visible ellipsis; --full shows each whole, ending
# with its last argument; piped, nothing is cut. Runs `who` in a pty
# (script(1)) 80 columns wide.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v script >/dev/null || skip_all "script (util-linux) is needed for a pty"
DB=$T/f.db
deaths_db "$DB"
LONG="/usr/bin/python3 -c $(printf 'import json; json.dumps(%.0s{\"k\": 1}); ' $(seq 40))--last-argument-LASTARG"
kill_id=$(q "$DB" "select id from signals where target_pid = $SH_VICTIM and signal = 9")
sqlite3 "$DB" "insert or ignore into strings(value) values ('$LONG');
	update signal_rows set sender_cmdline_s = (select id from strings where value = '$LONG') where id = $kill_id;
	update ancestry_rows set cmdline_s = (select id from strings where value = '$LONG') where depth = 1;
	update death_rows set evidence = evidence || ': $LONG' where pid = $SH_VICTIM"

tty_who() { script -qec "stty cols 80; '$SIGTRAIL' who --db '$DB' $* $SH_VICTIM" /dev/null | tr -d '\r'; }
tty_who >"$T/cut"
is "$(grep 'import json' "$T/cut" | grep -v '^Verdict' | awk 'length($0) > 80' | wc -l)" 0 "on an 80-column terminal: no command line is wider"
is "$(grep -c 'import json.*\.\.\.$' "$T/cut")" 3 "the long command lines (sender in the death, its ancestor, sender of the signal) end in a visible ..."
unlike "$(cat "$T/cut")" "LASTARG" "their last argument is cut off"
is "$(grep '^  evidence ' "$T/cut" | awk 'length($0) > 80' | wc -l)" 0 "the evidence line is cut to the width too"
like "$(grep '^  evidence ' "$T/cut")" '\.\.\.$' "with a visible ..."
like "$(grep '^Verdict' "$T/cut")" "^Verdict: pid $SH_VICTIM \(sleep\) was killed by SIGKILL from .(/usr/bin/python3 -c import json.{10,40}\.\.\.). \(pid 144, user root\), started by .*, at 2026-11-22 04:07:33 UTC\.$" \
	"the verdict's command line is cut to fit a line (width - 20), the sentence keeps its end"
tty_who --full >"$T/full"
like "$(grep -c -- '--last-argument-LASTARG$' "$T/full")" '^[1-9]' "--full: each command line ends with its last argument"
is "$(grep -v '^  evidence' "$T/full" | grep -c -- '--last-argument-LASTARG$')" "$(grep -c 'import json.*\.\.\.$' "$T/cut")" "--full: every line that was cut is whole"
like "$(grep '^Verdict' "$T/full")" "LASTARG. \(pid 144" "--full: the verdict's command line is whole"
like "$(grep '^  evidence ' "$T/full")" "LASTARG$" "--full: so is the evidence"
run_cli who --db "$DB" "$SH_VICTIM"
like "$(grep -c -- '--last-argument-LASTARG$' "$T/out")" '^[1-9]' "piped: nothing is cut"
done_testing
