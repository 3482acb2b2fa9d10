#!/bin/bash
# oracle.sh: the import-vs-ausearch oracle. On real auditd logs recorded from
# the kernel (tests/cli/fixtures/auditd-{raw,enriched}.log, made by
# record-auditd-log.sh in a guest kernel) and on the daemon's own recording
# (tests/fixtures/kernel.log), the set of (serial, sender pid, target pid,
# signal) that `sigtrail import` stores must equal what the real ausearch
# reports for the six signal syscalls on both ABIs (ausearch_signals.py).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v ausearch >/dev/null || skip_all "ausearch (package auditd) is not installed"

db_set() { # DB [WHERE]
	q "$1" "select serial, sender_pid, coalesce(target_pid, 'NULL'), signal from signals ${2:-}" |
		tr '|' ' ' | sort
}

for log in "$CLI_TESTS/fixtures/auditd-raw.log" "$CLI_TESTS/fixtures/auditd-enriched.log" "$FIXTURES/kernel.log"; do
	name=$(basename "$log")
	[ -s "$log" ] || bail "$log is missing: record it with tests/cli/record-auditd-log.sh"
	python3 "$CLI_TESTS/ausearch_signals.py" "$log" | sort >"$T/$name.ausearch" || bail "ausearch failed on $name"
	events=$(cut -d' ' -f1 "$T/$name.ausearch" | sort -u | wc -l)
	ok "$name: ausearch finds signal events ($events events, $(wc -l <"$T/$name.ausearch") targets)" test "$events" -ge 15

	run_cli import --db "$T/$name.all.db" --include-sig0 "$log"
	is "$RC" 0 "$name: import --include-sig0 exits 0"
	db_set "$T/$name.all.db" >"$T/$name.all"
	diff "$T/$name.ausearch" "$T/$name.all" >"$T/$name.diff"
	is "$?" 0 "$name: import --include-sig0 stores exactly what ausearch reports"
	[ -s "$T/$name.diff" ] && diag "$(head -20 "$T/$name.diff")"

	run_cli import --db "$T/$name.db" "$log"
	grep -v ' 0$' "$T/$name.ausearch" >"$T/$name.nosig0"
	is "$(db_set "$T/$name.db")" "$(cat "$T/$name.nosig0")" "$name: import (default) stores the same minus signal 0"

	# The recordings hold what the oracle must cover.
	is "$(q "$T/$name.all.db" "select count(distinct arch) from signals")" 2 "$name: both ABIs (x86_64 and i386)"
	ok "$name: a group kill (one serial, several targets)" \
		test "$(q "$T/$name.all.db" 'select max(n) from (select count(*) n from signals group by serial)')" -ge 3
	ok "$name: a call that reached nobody (NULL target)" grep -q ' NULL ' "$T/$name.ausearch"
	ok "$name: a signal-0 probe" grep -q ' 0$' "$T/$name.ausearch"
	ok "$name: a refused attempt" test "$(q "$T/$name.all.db" "select count(*) from signals where errno = 'EPERM'")" -ge 1
done
is "$(q "$T/auditd-enriched.log.db" 'select distinct host from signals')" sigtrail-rec "ENRICHED with node=: the node name is the host"
is "$(q "$T/auditd-raw.log.db" "select count(*) from signals where syscall = 'pidfd_send_signal'")" 2 "pidfd_send_signal from both ABIs"
done_testing
