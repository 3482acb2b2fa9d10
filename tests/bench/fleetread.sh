#!/bin/bash
# fleetread.sh: what reading the fleet's centre costs the CLI (a command,
# not a test). A real PostgreSQL on loopback (tests/forward/pg.sh), a local
# database of N events of genlog's mix (imported) forwarded to it, then the
# same questions asked of the host's database and of the centre (--db
# postgresql://... --host bench), each ROUNDS times, alternating: `who` of a
# busy target pid, `list --since` of the last 10 minutes, and the whole CSV
# export. Prints the median wall time of each and their ratio, and checks
# that the answers are the same. Usage, from the tree:
#   SIGTRAIL=build/collector/cli/sigtrail SIGTRAILD=build/collector/sigtraild \
#     GENLOG=build/tests/bench/genlog bash tests/bench/fleetread.sh [N [ROUNDS]]
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh"
: "${GENLOG:?GENLOG must name tests/bench/genlog}"
N=${1:-200000}
ROUNDS=${2:-3}
PG_HOSTS=bench . "$(dirname "${BASH_SOURCE[0]}")/../forward/pg.sh"
"$SIGTRAIL" central init --to "$ADMIN" >/dev/null && "$SIGTRAIL" central add-host bench --to "$ADMIN" >/dev/null ||
	bail "central set-up failed"
"$GENLOG" mix "$N" $(($(date +%s) - 3600)) 3600 >"$T/mix.log"
"$SIGTRAIL" import --db "$T/b.db" "$T/mix.log" >/dev/null || bail "import failed"
"$SIGTRAIL" forward --db "$T/b.db" --to "$(to bench)" --once >/dev/null 2>&1 || bail "forward failed"
rows=$(q "$T/b.db" 'select count(*) from signal_rows')
pid=$(q "$T/b.db" 'select target_pid from signal_rows where target_pid is not null group by 1 order by count(*) desc limit 1')
URI="postgresql://admin@/sigtrail?host=$PGD&port=$PORT"
ms() { local t0 t1; t0=$(date +%s%N); "$@" >"$T/out.$$" 2>/dev/null; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for q in "who --utc $pid" "list --utc --since 10m" "export --utc --format csv --no-progress"; do
	: >"$T/l" && : >"$T/c"
	for _ in $(seq "$ROUNDS"); do
		# shellcheck disable=SC2086
		ms "$SIGTRAIL" $q --db "$T/b.db" >>"$T/l"
		cp "$T/out.$$" "$T/lo"
		# shellcheck disable=SC2086
		ms "$SIGTRAIL" $q --db "$URI" --host bench >>"$T/c"
		cp "$T/out.$$" "$T/co"
	done
	same=$(cmp -s "$T/lo" "$T/co" && echo same || echo DIFFERENT)
	l=$(median <"$T/l") c=$(median <"$T/c")
	diag "$(printf '%-45s local %6d ms, centre %6d ms (%.1fx), answers %s' "${q%% --*}" "$l" "$c" "$(echo "$c / ($l + 0.5)" | bc -l)" "$same")"
done
diag "$rows rows of $N events; the centre's answers go through a snapshot of the host's rows"
done_testing
