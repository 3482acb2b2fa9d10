#!/usr/bin/env bash
# run.sh [SECONDS]: build the libFuzzer harness with clang (ASan+UBSan) and
# fuzz the raw-audit-text-to-rows path for SECONDS (default 60), seeded with
# the recorded kernel fixtures and the corpus of earlier findings. Exit
# status non-zero on any crash, leak or sanitizer report; the input that
# triggered it is left in build-fuzz/ (add it to tests/fuzz/crashes/ and fix).
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:-60}
# -Dwerror=true as in CI's other builds (tests/run-all): clang's warnings count.
if [ ! -d build-fuzz ]; then
	CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link -Dwerror=true >/dev/null
fi
ninja -C build-fuzz tests/fuzz/fuzz_records
corpus=build-fuzz/corpus
mkdir -p "$corpus"
# Seeds: each recorded event on its own, and the whole fixture.
awk '/type=SYSCALL/ { n++ } { print > ("'"$corpus"'/seed-" n) }' tests/fixtures/kernel.log
cp tests/fixtures/kernel.log "$corpus/seed-all"
cp tests/fuzz/crashes/* "$corpus/" 2>/dev/null || true
cd build-fuzz
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	./tests/fuzz/fuzz_records -max_total_time="$seconds" -max_len=16384 -timeout=10 \
	-rss_limit_mb=1024 -print_final_stats=1 corpus
