#!/bin/bash
# manifest.sh: every export with -o FILE writes FILE.manifest.json after the
# rows: the file's SHA-256 (checked against sha256sum) and size, the exact
# filters, the period, the host, the row count, the coverage and losses of
# the period and the sigtrail version; none for standard output or a
# device.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DB=$T/r.db
rich_db "$DB"
END=$FIXTURE_END
SINCE=$((END - 20 * 86400))
# field FILE EXPR: a value of the JSON file, by a Python expression on m.
field() { python3 -c 'import json,sys; m = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

for fmt in csv jsonl json; do
	run_cli export --db "$DB" --format $fmt --since @$SINCE --until @$END --signal KILL --exclude-signal URG -o "$T/x.$fmt"
	is "$RC" 0 "export --format $fmt -o: exit 0"
	M=$T/x.$fmt.manifest.json
	ok "$fmt: FILE.manifest.json is written beside it" test -s "$M"
	is "$(field "$M" 'm["sha256"]')" "$(sha256sum "$T/x.$fmt" | cut -d' ' -f1)" "$fmt: its sha256 is the file's (sha256sum)"
	is "$(field "$M" 'm["bytes"]')" "$(stat -c %s "$T/x.$fmt")" "$fmt: its size"
done
M=$T/x.csv.manifest.json
is "$(field "$M" 'm["file"]')" "x.csv" "the file's name"
is "$(field "$M" 'm["row_count"]')" \
	"$(q "$DB" "select count(*) from signals where signal = 9 and epoch_ms >= $SINCE * 1000 and epoch_ms < $END * 1000")" \
	"the row count"
is "$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' "$T/x.csv")" \
	"$(field "$M" 'm["row_count"]')" "the row count is the file's"
is "$(field "$M" 'm["filters"]')" "{'signal': 9, 'exclude_signals': [23]}" "the exact filters"
is "$(field "$M" 'm["range"]["since"] + " " + m["range"]["until"]')" \
	"$(date -u -d @$SINCE +%FT%T.000Z) $(date -u -d @$END +%FT%T.000Z)" "the period"
is "$(field "$M" 'm["host"]')" "$(hostname)" "the host it was made on"
like "$(field "$M" 'm["sigtrail_version"]')" '^[0-9]+\.[0-9]+' "the sigtrail version"
is "$(field "$M" 'm["coverage"]["lost"]["kernel"]')" 14 "the coverage's losses of the period (the crashed run's 14)"
is "$(field "$M" 'm["coverage"]["complete"]')" False "the coverage says collection did not cover the period"
# A tampered file no longer matches.
printf 'x' >>"$T/x.csv"
unlike "$(sha256sum "$T/x.csv" | cut -d' ' -f1)" "$(field "$M" 'm["sha256"]')" "a changed file no longer matches its manifest"

run_cli export --db "$DB" --deaths -o "$T/d.csv"
is "$RC/$(field "$T/d.csv.manifest.json" 'm["view"]')" "0/deaths" "export --deaths -o: a manifest too"
before=$(ls "$T" | grep -c manifest)
run_cli export --db "$DB" --until @$END
is "$(ls "$T" | grep -c manifest)" "$before" "to standard output: no manifest"
# A FIFO (as /dev/null, a device) is written in place: no digest, no manifest.
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.out" &
run_cli export --db "$DB" --until @$END -o "$T/fifo"
wait $!
is "$RC" 0 "-o FIFO: exit 0"
like "$(head -1 "$T/fifo.out")" '^"?id"?,' "-o FIFO: the rows went through it"
ok "-o FIFO: no manifest" test ! -e "$T/fifo.manifest.json"
done_testing
