/* The kernel's clocks, converted to the epoch milliseconds that rows carry.
 * The proc connector stamps events with CLOCK_MONOTONIC nanoseconds, the
 * kernel log with its local clock in microseconds (which, like
 * CLOCK_MONOTONIC, stops during suspend), /proc/PID/stat gives a process's
 * start in clock ticks of CLOCK_BOOTTIME, and audit records carry wall-clock
 * time. Offsets are sampled, not fixed: NTP steps the wall clock, so the
 * daemon samples again every few seconds (proc_clock_sample()). Not a
 * public header: only collector/proc and its tests include it. */
#pragma once

#include <stdint.h>

struct proc_clock {
	int64_t real_minus_mono_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC at the sample */
	int64_t real_minus_boot_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME at the sample */
	int64_t ticks_per_s;        /* sysconf(_SC_CLK_TCK), the unit of /proc/PID/stat times */
};

/* Sample the offsets now. Can't fail (clock_gettime() of these clocks cannot
 * fail on Linux; ticks_per_s falls back to 100, the value on every Linux ABI). */
void proc_clock_sample(struct proc_clock *ret);

/* CLOCK_MONOTONIC nanoseconds (connector timestamps; kmsg microseconds
 * times 1000) to epoch milliseconds. Can't fail. */
int64_t proc_clock_mono_to_epoch_ms(const struct proc_clock *c, int64_t mono_ns);

/* A /proc/PID/stat start time (ticks since boot) to epoch milliseconds.
 * The result is exact to one tick (10 ms at 100 Hz). Can't fail. */
int64_t proc_clock_ticks_to_epoch_ms(const struct proc_clock *c, uint64_t ticks);
