#!/bin/bash
# big_export.sh: exports stream. A database of 1,000,000+ rows (the recorded
# kernel events, multiplied in SQL) is exported in every format; the peak
# RSS of a 1M-row export must stay within a few MB of a 10k-row one, and
# the rows must all arrive. Prints rows/s and peak RSS as TAP comments.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -x /usr/bin/time ] || skip_all "/usr/bin/time (package time) is needed to measure peak RSS"
DB=$T/big.db
N=${BIG_ROWS:-1000000}
fixture_db "$DB"
sqlite3 "$DB" "
with recursive n(i) as (select 0 union all select i + 1 from n where i < $N - 1)
insert into signal_rows(epoch_ms, serial, host_s, arch_s, syscall_s, signal, success, errno_s,
	target_arg, sender_pid, sender_ppid, sender_uid, sender_euid, sender_auid, sender_ses,
	sender_user_s, sender_login_s, sender_tty_s, sender_comm_s, sender_exe_s, sender_cmdline_s,
	target_pid, target_uid, target_auid, target_ses, target_user_s, target_comm_s)
select 1795000000000 + i * 10, 1000000 + i, host_s, arch_s, syscall_s, signal, success, errno_s,
	target_arg, sender_pid, sender_ppid, sender_uid, sender_euid, sender_auid, sender_ses,
	sender_user_s, sender_login_s, sender_tty_s, sender_comm_s, sender_exe_s, sender_cmdline_s,
	target_pid, target_uid, target_auid, target_ses, target_user_s, target_comm_s
from n join signal_rows r on r.id = 1 + n.i % 19" || bail "cannot build the big database"
total=$(q "$DB" 'select count(*) from signal_rows')
ok "the database has more than 1M rows ($total)" test "$total" -ge 1000000

# peak_rss_kb ARGS...: run the CLI under /usr/bin/time; output to $T/big.out.
peak_rss_kb() {
	/usr/bin/time -f '%M %e' -o "$T/time" "$SIGTRAIL" "$@" >"$T/big.out" 2>"$T/big.err"
	RC=$?
	read -r RSS SECS <"$T/time"
}

# A small export first: the baseline.
small_until=$((1795000000000 + 10000 * 10))
peak_rss_kb export --db "$DB" --format csv --until "@$((small_until / 1000))"
small=$RSS
is "$RC" 0 "small export: exit 0"

for fmt in csv jsonl json; do
	peak_rss_kb export --db "$DB" --format "$fmt"
	is "$RC" 0 "$fmt: exit 0"
	case $fmt in
	csv) got=$(($(grep -c $'\r$' "$T/big.out") - 1)) ;;
	jsonl) got=$(wc -l <"$T/big.out") ;;
	json) got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["rows"]) if d["row_count"] == len(d["rows"]) else -1)' "$T/big.out") ;;
	esac
	is "$got" "$total" "$fmt: every row exported"
	rate=$(awk -v n="$total" -v s="$SECS" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
	diag "$fmt: $total rows in ${SECS}s ($rate rows/s), peak RSS ${RSS} KB (10k-row export: ${small} KB), $(du -m "$T/big.out" | cut -f1) MB"
	# AddressSanitizer keeps freed memory in quarantine (256 MB): no bound there.
	[ -n "${CLI_SANITIZED:-}" ] && continue
	ok "$fmt: peak RSS ${RSS} KB within 8 MB of a 10k-row export (${small} KB)" test "$RSS" -le $((small + 8192))
	ok "$fmt: peak RSS under 64 MB" test "$RSS" -le 65536
done
done_testing
