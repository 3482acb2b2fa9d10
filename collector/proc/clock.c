/* clock.c: converts the kernel's three process clocks (monotonic for the
 * proc connector and the kernel log, boot-time ticks for /proc/PID/stat)
 * into epoch milliseconds by sampling their offsets from the wall clock.
 * Exercise it with `meson test -C build proc_deaths` (the tracker's deaths
 * are stamped through it: a death's epoch ms from the connector's clock, a
 * start time estimated from its fork); by hand, with sigtraild running,
 * `date +%T.%3N; kill -9 PID` and compare with
 * `sqlite3 sigtrail.db 'select time from deaths order by id desc limit 1'`. */
#include "clock.h"

#include <time.h>
#include <unistd.h>

static int64_t ns_of(clockid_t id)
{
	struct timespec ts;

	(void)clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void proc_clock_sample(struct proc_clock *ret)
{
	/* Read the wall clock between two reads of the other clock and take
	 * the midpoint, so a preemption between the calls costs at most half. */
	int64_t m0 = ns_of(CLOCK_MONOTONIC), r = ns_of(CLOCK_REALTIME), m1 = ns_of(CLOCK_MONOTONIC);
	int64_t b0 = ns_of(CLOCK_BOOTTIME), r2 = ns_of(CLOCK_REALTIME), b1 = ns_of(CLOCK_BOOTTIME);
	long hz = sysconf(_SC_CLK_TCK);

	ret->real_minus_mono_ns = r - (m0 + (m1 - m0) / 2);
	ret->real_minus_boot_ns = r2 - (b0 + (b1 - b0) / 2);
	ret->ticks_per_s = hz > 0 ? hz : 100;
}

int64_t proc_clock_mono_to_epoch_ms(const struct proc_clock *c, int64_t mono_ns)
{
	return (mono_ns + c->real_minus_mono_ns) / 1000000;
}

int64_t proc_clock_ticks_to_epoch_ms(const struct proc_clock *c, uint64_t ticks)
{
	int64_t boot_ns = (int64_t)(ticks / (uint64_t)c->ticks_per_s) * 1000000000 +
	                  (int64_t)(ticks % (uint64_t)c->ticks_per_s) * 1000000000 / c->ticks_per_s;
	return (boot_ns + c->real_minus_boot_ns) / 1000000;
}
