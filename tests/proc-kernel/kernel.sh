#!/bin/bash
# kernel: deaths no process asked for. `yes` writing into a pipe whose reader
# has gone dies of SIGPIPE; a shell over its soft CPU limit (ulimit -S -t 1)
# dies of SIGXCPU. No signal row explains either: both are `kernel`, and the
# evidence says what the signal usually means.
. "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/deaths.sh"

plan 7
start_recording
mkfifo "$T/pipe"
yes >"$T/pipe" &
writer=$!
head -c 1 "$T/pipe" >/dev/null
wait "$writer"
bash -c 'ulimit -S -t 1; while :; do :; done' &
spinner=$!
wait "$spinner"

line=$(death_of "$writer")
diag "$line"
is "$(dfield signal "$line")" SIGPIPE "yes: SIGPIPE"
is "$(dfield cause "$line")" kernel "yes: kernel, no sender"
like "$(dfield evidence "$line")" "wrote to a pipe or socket whose reader had gone" \
	"yes: the evidence says what SIGPIPE means"
line=$(death_of "$spinner")
diag "$line"
is "$(dfield signal "$line")" SIGXCPU "the spinning shell: SIGXCPU"
is "$(dfield cause "$line")" kernel "the spinning shell: kernel"
like "$(dfield evidence "$line")" "RLIMIT_CPU" "the spinning shell: its CPU time limit"
stop_daemon
done_testing
