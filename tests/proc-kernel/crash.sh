#!/bin/bash
# crash: a program that dereferences NULL dies of SIGSEGV, and one that calls
# abort() of SIGABRT. Both deaths are `crash`, with the signal and the core
# flag (a core is allowed: ulimit -c unlimited, in this test's directory), and
# the kernel's ANOM_ABEND record as evidence when the kernel's audit is on.
. "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/deaths.sh"

plan 11
start_recording
pattern=$(cat /proc/sys/kernel/core_pattern)
audit_on=0
if command -v auditctl >/dev/null && [ "$(auditctl -s 2>/dev/null | awk '$1 == "enabled" { print $2 }')" != 0 ]; then
	audit_on=1
fi
cd "$T" || bail "cd $T"
# Each crashes within two or three milliseconds of its exec, the only time
# its command line can be read (no audit record carries it), and while
# every core is busy: a loaded host is where a reader that is not woken at
# once misses it (the exec reader runs at real-time priority for this).
hogs=()
for ((i = 0; i < $(nproc); i++)); do
	(while :; do :; done) &
	hogs+=("$!")
	_children+=("$!")
done
(ulimit -c unlimited; exec "$DEATHHELP" segv) >"$T/segv.out" 2>&1 &
segv=$!
wait "$segv"
(ulimit -c unlimited; exec "$DEATHHELP" abort) >"$T/abort.out" 2>&1 &
abrt=$!
wait "$abrt"
(ulimit -c 0; exec "$DEATHHELP" segv) >"$T/nocore.out" 2>&1 &
nocore=$!
wait "$nocore"
kill -KILL "${hogs[@]}"
wait "${hogs[@]}" 2>/dev/null

line=$(death_of "$segv")
diag "$line"
is "$(dfield cause "$line")" crash "NULL dereference: crash"
is "$(dfield signal "$line")" SIGSEGV "with SIGSEGV"
if [[ $pattern == /* || $pattern == core* ]]; then
	is "$(dfield core "$line")" 1 "core dumped (core_pattern $pattern)"
else
	diag "core_pattern '$pattern': the core flag depends on its handler"
	_tap_result 0 "# SKIP core flag with core_pattern '$pattern'"
fi
if [ "$audit_on" = 1 ]; then
	like "$(dfield evidence "$line")" "ANOM_ABEND record [0-9]+: deathhelp\\[$segv\\] SIGSEGV" \
		"the ANOM_ABEND record is the evidence"
	ok "its serial is kept" test -n "$(dfield abend_serial "$line")"
else
	_tap_result 0 "# SKIP kernel audit is disabled: no ANOM_ABEND record"
	_tap_result 0 "# SKIP kernel audit is disabled: no ANOM_ABEND serial"
fi
is "$(dfield cmdline "$line")" "$DEATHHELP segv" "its command line"
if [[ $pattern == \|* ]]; then
	like "$(dfield evidence "$line")" "; core_pattern pipes it to " "where the core went: the pipe"
else
	like "$(dfield evidence "$line")" "; core_pattern '${pattern//[|]/.}'" "where the core went: core_pattern"
fi

line=$(death_of "$abrt")
diag "$line"
is "$(dfield cause "$line")" crash "abort(): crash"
is "$(dfield signal "$line")" SIGABRT "with SIGABRT"
line=$(death_of "$nocore")
# Its limit is read from /proc/PID/limits at the exit event; when the
# process was reaped before that (its parent waits at once), the kernel's
# core dump event still says none was written.
like "$(dfield evidence "$line")" "; (no core dump: its core size limit \\(RLIMIT_CORE\\) was 0|the kernel began a core dump \\(none written: core limit or pattern\\))" \
	"ulimit -c 0: the evidence says why no core was written"
stop_daemon
rm -f "$T"/core*
done_testing
