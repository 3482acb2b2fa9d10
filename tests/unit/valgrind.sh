#!/bin/bash
# valgrind: the daemon's whole lifecycle (options, database open and schema,
# writer thread, libauparse, every recorded event, flush, teardown) under
# memcheck: no leak of any kind and no memory error. The kernel suite's
# valgrind test does the same in unicast mode against the kernel.
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fixtures=$(cd "$(dirname "$0")/../fixtures" && pwd)
echo "1..2"
valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
	--error-exitcode=99 --log-file="$T/vg.log" \
	"$SIGTRAILD" --foreground --source stdin --db "$T/a.db" <"$fixtures/kernel.log" 2>"$T/d.log"
status=$?
if [ "$status" = 0 ]; then echo "ok 1 - clean exit under valgrind, no leak, no error"; else
	echo "not ok 1 - exit status $status under valgrind"; sed 's/^/# /' "$T/vg.log" "$T/d.log"; fi
rows=$(sqlite3 "$T/a.db" 'select count(*) from signals')
if [ "$rows" -gt 0 ]; then echo "ok 2 - and it recorded ($rows rows)"; else
	echo "not ok 2 - no rows recorded"; status=1; fi
[ "$status" = 0 ]
