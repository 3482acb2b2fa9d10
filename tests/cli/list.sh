#!/bin/bash
# list.sh: `sigtrail list`: the table, every filter (checked against the
# same question asked in SQL), --limit, --json, local time on a terminal,
# and strict parsing of filter values.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DB=$T/k.db
fixture_db "$DB"

run_cli list --db "$DB"
is "$RC" 0 "list: exit 0"
like "$(head -1 "$T/out")" '^TIME \(UTC\) +SIGNAL +RESULT +PID USER +COMM +TARGET COMM +COMMAND$' "one header row naming the zone"
is "$(($(wc -l <"$T/out") - 1))" "$(q "$DB" 'select count(*) from signals')" "one line per row"
like "$OUT" "SIGKILL +ok +[0-9]+ root +sh +$SH_VICTIM sleep +sh -c kill -9 $SH_VICTIM" "a row: signal, result, sender, target, command"
like "$OUT" "SIGTERM +EPERM +[0-9]+ nobody +kill +$EPERM_VICTIM sleep" "a refused row shows EPERM"
like "$OUT" "SIGTERM +ESRCH +[0-9]+ root +sigsend64 +- -" "no target: shown as -"
is "$(sed -n 2p "$T/out" | cut -c1-23)" "$(q "$DB" "select replace(substr(max(time), 1, 23), 'T', ' ') from signals")" "newest first"

# Each filter gives what the same question in SQL gives.
count_json() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
check() { # DESC SQL_WHERE ARGS...
	local desc=$1 where=$2
	shift 2
	run_cli list --db "$DB" --limit 0 --json "$@"
	is "$RC/$(printf '%s' "$OUT" | count_json)" "0/$(q "$DB" "select count(*) from signals where $where")" "$desc"
}
check "--signal KILL" "signal = 9" --signal KILL
check "--signal 9" "signal = 9" --signal 9
check "--signal sigusr1" "signal = 10" --signal sigusr1
check "--signal SIGTERM" "signal = 15" --signal SIGTERM
check "--sender-comm kill" "sender_comm = 'kill'" --sender-comm kill
check "--sender-user nobody" "sender_user = 'nobody'" --sender-user nobody
check "--sender-pid" "sender_pid = (select sender_pid from signals where target_pid = $SH_VICTIM)" \
	--sender-pid "$(q "$DB" "select sender_pid from signals where target_pid = $SH_VICTIM")"
check "--target-comm sleep" "target_comm = 'sleep'" --target-comm sleep
check "--target-pid" "target_pid = $EPERM_VICTIM" --target-pid "$EPERM_VICTIM"
check "--failed" "success = 0" --failed
check "--syscall tgkill" "syscall = 'tgkill'" --syscall tgkill
check "--host vm" "host = 'vm'" --host vm
check "--since/--until" "epoch_ms >= 1795320454000 and epoch_ms < 1795320456000" \
	--since 2026-11-22T04:07:34Z --until 2026-11-22T04:07:36Z
check "--since with a zone" "epoch_ms >= 1795320454000" --since 2026-11-22T05:07:34+01:00
check "filters combine" "signal = 15 and target_comm = 'sleep' and syscall = 'kill'" --signal TERM --target-comm sleep --syscall kill
check "a quote in a filter is a value, not SQL" "0" --target-comm "x' OR 1=1 --"

run_cli list --db "$DB" --limit 3
is "$(($(wc -l <"$T/out") - 1))" 3 "--limit 3: three rows"
like "$ERR" "showing the newest 3 rows; more match" "--limit: says more match"
run_cli list --db "$DB" --signal KILL --since 2026-12-01
is "$RC/$OUT" "0/" "nothing matches: no table, exit 0"
like "$ERR" "no signals match" "and a note on stderr"

run_cli list --db "$DB" --json --limit 1
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; r=list(json.load(sys.stdin)[0]); c=["id","time","epoch_ms","serial","host","arch","syscall","signal","signame","success","errno","target_arg","sender_pid","sender_ppid","sender_uid","sender_euid","sender_auid","sender_ses","sender_user","sender_login","sender_tty","sender_comm","sender_exe","sender_cmdline","target_pid","target_uid","target_auid","target_ses","target_user","target_comm","count","sender_ancestry","target_exe","target_cmdline","target_start_time","sender_unit","target_unit","sender_container","target_container"]; print(r[:len(c)] == c)')" \
	True "--json: the contract's columns first, in order (later ones may follow)"
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(",".join(json.load(sys.stdin)[0]))')" \
	"$(sqlite3 "$DB" "select group_concat(name, ',') from pragma_table_info('signals')")" \
	"--json: in the view's order"

# On a terminal: local time, named, and lines cut to its width.
if command -v script >/dev/null; then
	TZ=Asia/Kolkata script -qec "stty cols 140; '$SIGTRAIL' list --db '$DB' --limit 0" /dev/null | tr -d '\r' >"$T/tty"
	like "$(head -1 "$T/tty")" '^TIME \(IST\)' "terminal: local time, zone named"
	like "$(cat "$T/tty")" "2026-11-22 09:37:33.944 SIGKILL" "terminal: times in local time (UTC+05:30)"
	is "$(awk 'length($0) > 140' "$T/tty" | wc -l)" 0 "terminal: no line wider than the terminal"
	like "$(cat "$T/tty")" '\.\.\.$' "terminal: long command lines end in ..."
	TZ=Asia/Kolkata script -qec "'$SIGTRAIL' list --db '$DB' --utc --limit 1" /dev/null | tr -d '\r' >"$T/tty"
	like "$(head -1 "$T/tty")" '^TIME \(UTC\)' "terminal with --utc: UTC"
fi
run_cli list --db "$DB" --local --limit 1
like "$OUT" '^TIME \(UTC\)' "--local when piped with TZ=UTC: local is UTC"

# Strict parsing: each bad value is named, exit 64.
bad() { # DESC ERE ARGS...
	local desc=$1 ere=$2
	shift 2
	run_cli list --db "$DB" "$@"
	is "$RC" 64 "$desc: exit 64"
	like "$ERR" "$ere" "$desc: named"
}
bad "--signal FOO" "--signal 'FOO': expected a signal name" --signal FOO
bad "--signal 65" "--signal '65'" --signal 65
bad "--target-pid abc" "--target-pid 'abc': expected a process id" --target-pid abc
bad "--target-pid -1" "--target-pid '-1'" --target-pid -1
bad "--sender-pid 1.5" "--sender-pid '1.5'" --sender-pid 1.5
bad "--syscall open" "--syscall 'open': expected one of kill" --syscall open
bad "--limit -3" "--limit '-3'" --limit -3
bad "--since after --until" "is not before --until" --since 1h --until 2h
bad "--until 2026-13-01" "--until '2026-13-01': not a time" --until 2026-13-01
bad "a positional argument" "unexpected argument 'KILL'" KILL
bad "--sender-comm ''" "--sender-comm: expected a non-empty value" --sender-comm ''
done_testing
