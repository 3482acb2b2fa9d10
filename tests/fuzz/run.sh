#!/usr/bin/env bash
# run.sh [SECONDS]: build the libFuzzer harnesses with clang (ASan+UBSan) and
# fuzz for SECONDS in all (default 60), split evenly across them:
#   fuzz_records  raw audit text to rows (half the time: the daemon's path),
#   fuzz_import   `sigtrail import` of one file, twice (a quarter),
#   fuzz_db       the CLI's readers on a database the input fills (a quarter),
# each seeded with the recorded fixtures and the corpus of earlier findings
# (tests/fuzz/crashes/NAME-*: the harness NAME's). Exit status non-zero on any
# crash, leak or sanitizer report; the input that triggered it is left in
# build-fuzz/ (add it to tests/fuzz/crashes/ and fix).
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:-60}
# -Dwerror=true as in CI's other builds (tests/run-all): clang's warnings count.
if [ ! -d build-fuzz ]; then
	CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link -Dwerror=true >/dev/null
fi
ninja -C build-fuzz tests/fuzz/fuzz_records tests/fuzz/fuzz_import tests/fuzz/fuzz_db
seed() { # HARNESS: its corpus directory, seeded
	local c=build-fuzz/corpus-$1
	mkdir -p "$c"
	cp tests/fuzz/crashes/"$1"-* "$c/" 2>/dev/null || true
	echo "$c"
}
# fuzz_records: each recorded event on its own, and the whole fixture.
records=$(seed fuzz_records)
cp tests/fuzz/crashes/crash-* tests/fuzz/crashes/leak-* "$records/" 2>/dev/null || true
awk '/type=SYSCALL/ { n++ } { print > ("'"$records"'/seed-" n) }' tests/fixtures/kernel.log
cp tests/fixtures/kernel.log "$records/seed-all"
# fuzz_import: the first byte picks options (1 --host web-3, 2 --include-sig0).
import=$(seed fuzz_import)
for f in tests/fixtures/kernel.log tests/cli/fixtures/auditd-raw.log tests/cli/fixtures/auditd-enriched.log; do
	{ printf '\001'; cat "$f"; } >"$import/seed-$(basename "$f")"
done
# fuzz_db: rows of every table, in the harness's value encoding.
db=$(seed fuzz_db)
head -c 2048 tests/fixtures/kernel.log >"$db/seed-text"
printf '\007\003\004kill\003\004sh\003\005sleep\007\006\001\002\005\001\005\002' >"$db/seed-rows"
fuzz() { # HARNESS SECONDS CORPUS [libFuzzer options...]
	local h=$1 s=$2 c=$3
	shift 3
	echo "run.sh: $h for $s s" >&2
	(cd build-fuzz && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		./tests/fuzz/"$h" -max_total_time="$s" -timeout=10 -rss_limit_mb=1024 \
		-print_final_stats=1 "$@" "../$c")
}
quarter=$((seconds / 4 > 0 ? seconds / 4 : 1))
fuzz fuzz_records $((seconds - 2 * quarter)) "$records" -max_len=16384
fuzz fuzz_import "$quarter" "$import" -max_len=16384
fuzz fuzz_db "$quarter" "$db" -max_len=4096
