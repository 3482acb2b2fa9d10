/* clock.h: the clock, read in the units the collector and the CLI use. The
 * one place that calls clock_gettime() for "now": CLOCK_MONOTONIC paces
 * timers and stamps proc connector events, CLOCK_REALTIME gives the epoch
 * milliseconds rows carry. None can fail: clock_gettime() of these clocks
 * cannot fail on Linux. */
#pragma once

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds, the clock of proc connector timestamps. */
static inline int64_t now_mono_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CLOCK_MONOTONIC in milliseconds: timers, deadlines, ages. */
static inline int64_t now_mono_ms(void)
{
	return now_mono_ns() / 1000000;
}

/* CLOCK_MONOTONIC_COARSE in milliseconds: for a reading per event, where a
 * tick is precision enough; it never leaves the vDSO (the fine clock may, in
 * a guest). */
static inline int64_t now_coarse_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CLOCK_REALTIME in milliseconds since the epoch: what rows carry. */
static inline int64_t now_wall_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
