#!/bin/bash
# exclude.sh: --exclude-signal SIG[,SIG] for list, export and report (and
# the deaths they read): the rows left are those SQL leaves without the
# signals, the export's metadata and the report say what was excluded, and
# a bad name is refused.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DB=$T/x.db
deaths_db "$DB"
count_json() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

run_cli list --db "$DB" --limit 0 --json --exclude-signal USR1,sigterm
is "$RC/$(printf '%s' "$OUT" | count_json)" "0/$(q "$DB" 'select count(*) from signals where signal not in (10, 15)')" \
	"list --exclude-signal USR1,sigterm: every other row"
run_cli list --db "$DB" --limit 0 --json --exclude-signal USR1 --exclude-signal 15 --exclude-signal SIGUSR1
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(sorted({r["signal"] for r in json.load(sys.stdin)}))')" \
	"[9]" "list: --exclude-signal repeated, numbers and names, a repeat ignored"
run_cli list --db "$DB" --deaths --limit 0 --json --exclude-signal KILL
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(sorted({r["signame"] for r in json.load(sys.stdin)}))')" \
	"['SIGPIPE', 'SIGSEGV']" "list --deaths --exclude-signal KILL: the deaths by other signals"

run_cli export --db "$DB" --format csv --exclude-signal USR1 --until @"$FIXTURE_END" -o "$T/x.csv" --meta "$T/x.meta.json"
is "$RC/$(($(wc -l <"$T/x.csv") - 1))" "0/$(q "$DB" 'select count(*) from signals where signal <> 10')" "export --exclude-signal USR1: the other rows"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["filters"])' "$T/x.meta.json")" \
	"{'exclude_signals': [10]}" "export metadata: the excluded signals"

run_cli report --db "$DB" --format md --exclude-signal URG,CHLD,USR1 --until @"$FIXTURE_END"
is "$RC" 0 "report --exclude-signal: exit 0"
like "$OUT" "Excluded \(--exclude-signal\): SIGUSR1, SIGCHLD, SIGURG\. Every count below leaves these signals out\." \
	"report (Markdown) says what was excluded"
like "$OUT" "\| $(q "$DB" 'select sum(count) from signals where signal <> 10') \| " "report: the counts leave them out"
run_cli report --db "$DB" --format html --exclude-signal URG --until @"$FIXTURE_END"
like "$OUT" '<p class="excluded">Excluded \(--exclude-signal\): SIGURG\.' "report (HTML) says what was excluded"
run_cli report --db "$DB" --format md --until @"$FIXTURE_END"
unlike "$OUT" "Excluded" "report without --exclude-signal: no such line"

run_cli list --db "$DB" --exclude-signal KILL,FOO
is "$RC" 64 "--exclude-signal KILL,FOO: exit 64"
like "$ERR" "--exclude-signal 'FOO': expected a signal name" "--exclude-signal: the bad name is named"
run_cli list --db "$DB" --exclude-signal ,
is "$RC" 0 "--exclude-signal with no name: excludes nothing"
done_testing
