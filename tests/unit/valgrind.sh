#!/bin/bash
# valgrind_replay: the daemon's whole lifecycle (options, database open and schema,
# writer thread, libauparse, every recorded event, flush, teardown) under
# memcheck: no leak of any kind and no memory error, and exactly the rows
# the same replay gives without valgrind (which replay.sh checks against the
# recording). The kernel suite's valgrind test does the same in unicast mode
# against the kernel.
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fixtures=$(cd "$(dirname "$0")/../fixtures" && pwd)
# shellcheck source=../fixtures/kernel.env
. "$fixtures/kernel.env"
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
plan 3
valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
	--error-exitcode=99 --log-file="$T/vg.log" \
	"$SIGTRAILD" --foreground --source stdin --db "$T/a.db" <"$fixtures/kernel.log" 2>"$T/d.log"
is "$?" 0 "clean exit under valgrind, no leak, no error" || sed 's/^/# /' "$T/vg.log" "$T/d.log"
# The rows kernel.env names (target|signal|success), one per target: every
# syscall of both ABIs, sh's kill, the group's three, the refused SIGTERM and
# the i386 SIGKILL of the same sleep, and the ESRCH call that reached nobody;
# the signal-0 probe is not stored.
expected=$(
	IFS=';' read -ra calls <<<"$ALL64$ALL32"
	for c in "${calls[@]}"; do read -r _ _ target sig _ <<<"$c" && echo "$target|$sig|1"; done
	echo "$SH_VICTIM|9|1"
	for pid in $GROUP_PIDS; do echo "$pid|15|1"; done
	printf '%s\n' "$EPERM_VICTIM|15|0" "$EPERM_VICTIM|9|1" "NULL|15|0"
)
got=$(sqlite3 -batch -noheader -nullvalue NULL "$T/a.db" \
	"select coalesce(target_pid, 'NULL') || '|' || signal || '|' || success from signals")
is "$(sort <<<"$got")" "$(sort <<<"$expected")" \
	"it recorded exactly the $((LIVE_ROWS - 1)) rows of the recording (target|signal|success)"
"$SIGTRAILD" --foreground --source stdin --db "$T/b.db" <"$fixtures/kernel.log" 2>"$T/b.log" ||
	echo "# the replay without valgrind failed: $(cat "$T/b.log")"
dump() { sqlite3 -batch -noheader -nullvalue NULL "$1" 'select * from signals order by id'; }
ok "every row, every column, as the replay without valgrind records it" \
	cmp -s <(dump "$T/a.db") <(dump "$T/b.db") || diff <(dump "$T/b.db") <(dump "$T/a.db") | head -20 | sed 's/^/# /'
tap_done
